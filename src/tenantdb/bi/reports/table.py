"""A report's main table as CSV rows: the part the CLI's ``--csv`` and the API's ``text/csv`` share.

Numbers are plain decimals (no currency sign, no thousands separator, ratios as ratios), empty cells are NULLs,
booleans are ``true``/``false`` and lists are joined with ``;``. A text cell that a spreadsheet would read as a
formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'``; numbers are
never escaped, so a negative margin ``-12.50`` stays a number (OWASP, "CSV Injection").
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from tenantdb.bi.reports.actions import Action
from tenantdb.bi.reports.benchmarks import BenchmarksReport, TenantBenchmark
from tenantdb.bi.reports.cost_center import CostCenterReport, OpenAction
from tenantdb.bi.reports.cost_optimization import CostOptimizationReport
from tenantdb.bi.reports.cost_per_email import CostPerEmailReport, TenantCostPerEmail
from tenantdb.bi.reports.decisions import Decision, DecisionsReport
from tenantdb.bi.reports.deliverability import DeliverabilityReport, TenantDeliverability
from tenantdb.bi.reports.efficiency import EfficiencyReport, TenantEfficiency
from tenantdb.bi.reports.executive import ExecutiveReport
from tenantdb.bi.reports.executive_metrics import KpiTarget
from tenantdb.bi.reports.executive_tenant import TenantExecutiveReport
from tenantdb.bi.reports.explain import AllocationLine, ExplainReport
from tenantdb.bi.reports.figures import TenantFigures
from tenantdb.bi.reports.plans import PlanProfitability, PlansReport
from tenantdb.bi.reports.portfolio_trend import PortfolioTrendReport, TrendMonth
from tenantdb.bi.reports.reconciliation import ProviderReconciliation, ReconciliationReport
from tenantdb.bi.reports.revenue_health import RevenueHealthReport, TenantRisk
from tenantdb.bi.reports.tenant_page import TenantMonth, TenantPageReport

_MAIN_TABLES: dict[type[Any], tuple[type[Any], str]] = {
    ExecutiveReport: (TenantFigures, "tenants"),
    TenantExecutiveReport: (KpiTarget, "key_metrics.targets"),
    CostOptimizationReport: (Action, "opportunities"),
    CostPerEmailReport: (TenantCostPerEmail, "tenants"),
    PlansReport: (PlanProfitability, "plans"),
    DeliverabilityReport: (TenantDeliverability, "tenants"),
    ReconciliationReport: (ProviderReconciliation, "providers"),
    ExplainReport: (AllocationLine, "lines"),
    RevenueHealthReport: (TenantRisk, "tenants"),
    CostCenterReport: (OpenAction, "open_actions"),
    EfficiencyReport: (TenantEfficiency, "tenants"),
    DecisionsReport: (Decision, "decisions"),
    BenchmarksReport: (TenantBenchmark, "tenants"),
    TenantPageReport: (TenantMonth, "trend"),
    PortfolioTrendReport: (TrendMonth, "months"),
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def main_table(report: Any) -> tuple[type[Any], Sequence[Any]]:
    """The rows a report is about (its row type too, so an empty report still has its header)."""
    row_type, path = _MAIN_TABLES[type(report)]
    rows = report
    for attribute in path.split("."):  # a table may sit inside a section
        rows = getattr(rows, attribute)
    return row_type, rows


def cell(value: Any) -> str:
    """The CSV text of a value; text a spreadsheet would run as a formula is escaped with a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int | float):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return _text(";".join(_plain(item) for item in value))
    if isinstance(value, Enum):
        return _text(str(value.value))
    return _text(str(value))


def _plain(value: Any) -> str:
    return (
        ""
        if value is None
        else format(value, "f")
        if isinstance(value, Decimal)
        else str(getattr(value, "value", value))
    )


def _text(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def table_rows(report: Any) -> tuple[list[str], list[list[Any]]]:
    """The report's main table: header and rows of values; a table with revenue ends with ``revenue_basis``."""
    row_type, rows = main_table(report)
    names = [field.name for field in dataclasses.fields(row_type)]
    basis = report.scope.revenue_basis if any("revenue" in name for name in names) else None
    extra = [] if basis is None else [basis]
    header = names + ([] if basis is None else ["revenue_basis"])
    return header, [[getattr(row, name) for name in names] + extra for row in rows]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A header and rows (values, converted with :func:`cell`) as CSV text, one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; and a cell holding \r or \n is quoted
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()
