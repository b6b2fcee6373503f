"""``tenantdb warm``: build the dashboard API's reports into the response store the server's workers share, after a
refresh (docs/server.md, "Caching")."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from tenantdb import commands
from tenantdb.cli.documents import emit_json
from tenantdb.cli.options import DATABASE, Common, shared
from tenantdb.cli.render import stdout
from tenantdb.errors import ConfigError


@shared(*DATABASE)
def warm(
    months: Annotated[
        int, typer.Option("--months", help="Also build the latest N complete months by name (?month=YYYY-MM).")
    ] = 1,
    every_month: Annotated[bool, typer.Option("--all", help="Every complete month by name.")] = False,
    *,
    common: Common,
) -> None:
    """Build the executive summary, the views, plans, deliverability, reconciliation and the tenants list into the
    shared response store, so the first executives after a refresh are served at once.

    Run it after `tenantdb bi refresh` (the refresh changes the data version, and answers are kept per version and
    UTC day). The default month is always built; --months N (1) or --all adds months asked by name. The answers
    are made in process by the server's own code, as an executive token that is revoked at the end. Exit 6 when the
    server could not answer a page (5xx, or the token refused).
    """
    from tenantdb.server.settings import server_settings
    from tenantdb.server.warm import WarmReport
    from tenantdb.server.warm import warm as build

    def action() -> WarmReport:
        if months < 0:
            raise ConfigError("must be 0 or more", option="months")
        settings = common.settings()
        return build(server_settings(settings, commands.resolve_dsn(settings)), months=None if every_month else months)

    def view(report: WarmReport) -> None:
        seconds = sum(page.seconds for page in report.pages)
        named = ", ".join(report.months) or "none"
        stdout.print(f"warm: {len(report.pages)} answers in {seconds:.1f}s (the default month; by name: {named})")
        for page in report.failed:
            stdout.print(f"  [red]{page.status}[/] {page.url}")

    common.run(action, view, emit=lambda report: emit_json(asdict(report) | {"ok": report.ok}))
