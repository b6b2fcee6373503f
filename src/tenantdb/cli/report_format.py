"""Formatting shared by the report views: money, ratios, counts, health colours, the header every report opens with."""

from __future__ import annotations

from decimal import Decimal

from rich.markup import escape
from rich.table import Table

from tenantdb.bi.reports.common import ReportScope
from tenantdb.cli.render import print_table, prose

ROWS_SHOWN = 30  # long per-tenant tables are cut here; --json and --csv carry every row

HEALTH_STYLE = {
    "Excellent": "green",
    "Good": "cyan",
    "Monitor": "yellow",
    "Critical Action Required": "bold red",
    "Not Applicable": "dim",
}
RISK_STYLE = {
    "critical_action_required": "bold red",
    "monitoring_needed": "yellow",
    "acceptable": "green",
    "insufficient_data": "dim",
}


def money(value: Decimal | None) -> str:
    if value is None:
        return "-"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def signed_money(value: Decimal | None) -> str:
    return "-" if value is None else ("+" if value > 0 else "") + money(value)


def percent(ratio: Decimal | None, digits: int = 1) -> str:
    return "-" if ratio is None else f"{ratio * 100:.{digits}f}%"


def count(value: int | Decimal) -> str:
    return f"{value:,}"


def health(status: str) -> str:
    return f"[{HEALTH_STYLE.get(status, '')}]{escape(status)}[/]"


def header(title: str, scope: ReportScope, *, revenue: bool = True) -> None:
    """Title, month and the revenue basis (of a report that shows revenue): the first lines of every report."""
    prose(f"[bold]{escape(title)}[/] — {scope.month_label} on {escape(scope.database)}")
    if revenue:
        prose(f"[dim]revenue basis: {scope.revenue_basis} = {escape(scope.revenue_basis_note)}[/]")
    if scope.unconverted_entries:
        prose(
            f"[bold yellow]{scope.unconverted_entries:,} ledger entr{'y' if scope.unconverted_entries == 1 else 'ies'}"
            " left out of revenue: no rate to USD (load fx_rates and refresh the month)[/]"
        )


def new_table(title: str, *columns: str, right: tuple[str, ...] = ()) -> Table:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left")
    return table


def more(shown: int, total: int, where: str = "--json or --csv lists them all") -> None:
    if total > shown:
        prose(f"[dim]... and {total - shown:,} more ({where})[/]")


def show_table(table: Table) -> None:
    """A report's table on stdout, fitted to the width (see :func:`tenantdb.cli.render.print_table`)."""
    print_table(table)
