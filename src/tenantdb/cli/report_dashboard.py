"""The dashboard's report models (``tenantdb report revenue-health`` ... ``trend``) as rich tables: one generic
layout — the report's figures, then each section as a table — since the dashboard, not the terminal, is their main
renderer (--json and --csv carry every row)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rich.markup import escape

from tenantdb.bi.reports.benchmarks import BenchmarksReport
from tenantdb.bi.reports.cost_center import CostCenterReport
from tenantdb.bi.reports.decisions import DecisionsReport
from tenantdb.bi.reports.efficiency import EfficiencyReport
from tenantdb.bi.reports.explain import ExplainReport
from tenantdb.bi.reports.portfolio_trend import PortfolioTrendReport
from tenantdb.bi.reports.revenue_health import RevenueHealthReport
from tenantdb.bi.reports.tenant_page import TenantPageReport
from tenantdb.cli.report_format import ROWS_SHOWN, header, more, new_table, show_table

TITLES: dict[type[Any], str] = {
    RevenueHealthReport: "Revenue health",
    CostCenterReport: "Cost optimization center",
    EfficiencyReport: "Operational efficiency",
    DecisionsReport: "Strategic decisions",
    BenchmarksReport: "Benchmarks",
    TenantPageReport: "Tenant",
    PortfolioTrendReport: "Portfolio trend",
}
_SKIPPED = {"report", "scope"}
# How the tenant page's allocation is shown: report_views.show_explain, set by report_views (which imports this).
EXPLAIN_RENDERER: list[Callable[[ExplainReport], None]] = []


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value:,f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ", ".join(_cell(item) for item in value)
    return escape(str(value))


def _is_row(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _figures(title: str, item: Any) -> None:
    """A dataclass's scalar fields as a two-column table (its nested sections after it)."""
    table = new_table(title, "figure", "value", right=("value",))
    nested = []
    for field in dataclasses.fields(item):
        value = getattr(item, field.name)
        if field.name in _SKIPPED:
            continue
        if _is_row(value) or (isinstance(value, tuple) and value and _is_row(value[0])):
            nested.append((field.name, value))
        else:
            table.add_row(field.name, _cell(value))
    if table.row_count:
        show_table(table)
    for name, value in nested:
        _section(name, value)


def _section(name: str, value: Any) -> None:
    if isinstance(value, ExplainReport):
        from tenantdb.cli.report_views import show_explain

        show_explain(value)
    elif _is_row(value):
        _figures(name, value)
    else:
        rows = value[:ROWS_SHOWN]
        columns = [f.name for f in dataclasses.fields(rows[0]) if not _is_row(getattr(rows[0], f.name))]
        table = new_table(name, *columns)
        for row in rows:
            table.add_row(*(_cell(getattr(row, column)) for column in columns))
        show_table(table)
        more(ROWS_SHOWN, len(value))


def show_dashboard_report(report: Any) -> None:
    """A dashboard model: its title, month and revenue basis, its figures, then its sections."""
    header(TITLES[type(report)], report.scope)
    _figures("figures", report)
