"""``tenantdb bi``: refresh the per-tenant rollups behind the reports and views."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tenantdb import commands
from tenantdb.bi import DEFAULT_TOLERANCE, ForgottenMonth, MonthRefresh, RefreshReport, RefreshRequest, parse_month
from tenantdb.bi.changes import Stage
from tenantdb.cli.options import DATABASE, Common, parse_ratio, shared
from tenantdb.cli.progress import LineProgress
from tenantdb.cli.render import print_table, stderr, stdout
from tenantdb.errors import ConfigError

bi_app = typer.Typer(
    help="Business-intelligence rollups: allocate costs and refresh per-tenant figures.", no_args_is_help=True
)


class RefreshProgress(LineProgress):
    """``tenantdb bi refresh`` progress on stderr: the plan, then one line per month committed."""

    def planned(self, refresh: list[date], skip: list[date]) -> None:
        unchanged = f", {len(skip)} unchanged" if skip else ""
        self._say(f"refreshing {len(refresh)} month(s){unchanged}")

    def month_started(self, month: date, position: int, total: int) -> None:
        self._say(f"[dim]({position}/{total})[/] refreshing {month:%Y-%m}")

    def month_finished(self, done: MonthRefresh) -> None:
        self._say(
            f"[green]refreshed[/] {done.month:%Y-%m} ({', '.join(done.recomputed)}): the month holds "
            f"{done.lines:,} allocation lines, {done.tenants:,} customers, "
            f"{done.providers} provider(s) reconciled [dim]({done.seconds:.2f} s)[/]"
        )


def show_refresh(report: RefreshReport) -> None:
    if report.refreshed:
        table = Table(title=f"bi refresh of {escape(report.database)}", title_justify="left")
        table.add_column("month")
        table.add_column("recomputed")
        table.add_column("allocation lines", justify="right")
        table.add_column("customers", justify="right")
        table.add_column("providers", justify="right")
        table.add_column("seconds", justify="right")
        for month in report.refreshed:
            table.add_row(
                f"{month.month:%Y-%m}", ", ".join(month.recomputed), f"{month.lines:,}", f"{month.tenants:,}",
                str(month.providers), f"{month.seconds:.2f}",
            )  # fmt: skip
        print_table(table)
    skipped = f", {len(report.skipped)} unchanged and skipped" if report.skipped else ""
    if not report.refreshed and not report.skipped:
        stdout.print("nothing to refresh: no month has deliverability, billing transactions or invoices yet")
        return
    stages = [stage for stage in Stage if any(stage in month.recomputed for month in report.refreshed)]
    recomputed = f": recomputed {', '.join(stages)}" if stages else ""
    stdout.print(f"refreshed {len(report.refreshed)} month(s){skipped}{recomputed} in {report.seconds:.1f} s")


@bi_app.command("refresh")
@shared(*DATABASE)
def refresh(
    months: Annotated[
        list[str] | None,
        typer.Option(
            "--month",
            help="Refresh this month, YYYY-MM, changed or not (repeatable) \\[default: every month whose inputs "
            "changed].",
            show_default=False,
        ),
    ] = None,
    everything: Annotated[bool, typer.Option("--all", help="Refresh every month with data, changed or not.")] = False,
    tolerance: Annotated[
        str,
        typer.Option(
            "--tolerance", help="Reconciliation drift beyond which a provider's month is flagged: 0.02 or 2%."
        ),
    ] = f"{DEFAULT_TOLERANCE}",
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Months refreshed at once, each on a connection of its own.")
    ] = 2,
    *,
    common: Common,
) -> None:
    """Allocate costs and recompute the per-tenant rollups of module bi, month by month.

    Each month is one transaction (its rows deleted and inserted again), so readers always see a whole month and
    are never blocked. Without --month, only months whose inputs changed since their last refresh are recomputed.
    Needs modules cost_tracking and bi applied. Each month runs as tenantdb_refresh (reads every tenant's rows
    through the analysts' policies, writes only the rollups): log in as a role granted it, or as the migration role.
    Definitions: docs/business-metrics.md.
    """

    def action() -> RefreshReport:
        if months and everything:
            raise ConfigError("--month and --all exclude each other", hint="name months, or refresh them all")
        request = RefreshRequest(
            months=tuple(parse_month(text) for text in months or ()),
            everything=everything,
            tolerance=parse_ratio("--tolerance", tolerance, "0.02 or 2%"),
            jobs=jobs,
        )
        return commands.bi_refresh(common.settings(), request, RefreshProgress(stderr, quiet=common.as_json))

    common.run(action, show_refresh)


@bi_app.command("forget")
@shared(*DATABASE)
def forget(
    month: Annotated[str, typer.Option("--month", help="The refreshed month to remove, YYYY-MM.")],
    *,
    common: Common,
) -> None:
    """Remove every rollup of a refreshed month (a month refreshed by mistake), in one transaction.

    The reports then default to the latest month still refreshed; `tenantdb bi refresh --month M` builds it again.
    """

    def render(done: ForgottenMonth) -> None:
        stdout.print(
            f"forgot {done.month:%Y-%m}: {done.lines:,} allocation lines and {done.tenants:,} customers' rollups"
        )

    common.run(lambda: commands.bi_forget(common.settings(), parse_month(month)), render)
