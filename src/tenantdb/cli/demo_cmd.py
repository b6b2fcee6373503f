"""``tenantdb demo`` and ``tenantdb seed``: a demo database, and realistic data in the enabled modules."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.markup import escape

from tenantdb import commands
from tenantdb.cli import views
from tenantdb.cli.options import DATABASE, Common, shared
from tenantdb.cli.progress import SeedProgress
from tenantdb.cli.render import stderr
from tenantdb.errors import ConfigError


@shared(*DATABASE)
def demo(
    tenants: Annotated[
        int, typer.Option("--tenants", "-n", help="How many demo companies (tenants) to seed.")
    ] = commands.DEMO_TENANTS,
    random_seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same data.")] = 0,
    *,
    common: Common,
) -> None:
    """Build a demo database and print its executive summary (embedded PostgreSQL unless --dsn).

    Creates a fresh tenantdb_demo database, applies and verifies every bundled module, seeds realistic tenants
    with a year of history up to the end of last month, allocates costs and refreshes the rollups, and prints
    the executive summary of last month. --json prints the whole result, the report model under "executive".
    """
    from tenantdb.cli.demo_progress import DemoProgress
    from tenantdb.cli.report_json import emit_report

    def action() -> commands.DemoReport:
        settings = common.settings()
        if not common.as_json:
            stderr.print(f"[cyan]demo:[/] database tenantdb_demo on {escape(commands.describe_target(settings))}")
        with DemoProgress(stderr, quiet=common.as_json) as progress:
            return commands.run_demo(settings, tenants=tenants, random_seed=random_seed, observer=progress)

    common.run(action, views.show_demo, emit=emit_report)


@shared(*DATABASE)
def seed(
    tenants: Annotated[int, typer.Option("--tenants", "-n", help="How many companies (tenants) to add.")],
    random_seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same data.")] = 0,
    append: Annotated[
        bool, typer.Option("--append", help="Add the tenants to a database that already has companies.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="UTC day the generated history ends, YYYY-MM-DD (today when omitted).", show_default=False
        ),
    ] = None,
    *,
    common: Common,
) -> None:
    """Fill every enabled module with realistic, consistent data, generated inside PostgreSQL.

    Companies with users, teams and licenses; subscriptions, 12 months of payments and the ledger; affiliates,
    referrals and commissions; usage events and aggregates; sending servers, IP addresses and 90 days of
    deliverability; AI analyses, as the enabled modules define them. Each module is one transaction; every
    constraint, trigger and verify block holds afterwards. Needs the modules applied (`tenantdb migrate up`) and,
    without --append, a database without companies.
    """

    def action() -> commands.SeedReport:
        return commands.seed(
            common.settings(),
            tenants=tenants,
            random_seed=random_seed,
            append=append,
            as_of=_parse_day(as_of, "--as-of"),
            observer=SeedProgress(stderr, quiet=common.as_json),
        )

    common.run(action, views.show_seed)


def _parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} {text!r}: expected a date like 2025-06-30") from None
