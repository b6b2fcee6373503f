"""A report's main table as CSV: a header row, then one row per item, machine-friendly values.

Numbers are plain decimals (no currency sign, no thousands separator, ratios as ratios), empty cells are
NULLs, booleans are ``true``/``false`` and lists are joined with ``;``.
"""

from __future__ import annotations

import csv
import dataclasses
import sys
from collections.abc import Sequence
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


def main_table(report: Any) -> tuple[type[Any], Sequence[Any]]:
    """The rows a report is about (its row type too, so an empty report still has its header)."""
    row_type, path = _MAIN_TABLES[type(report)]
    rows = report
    for attribute in path.split("."):  # a table may sit inside a section
        rows = getattr(rows, attribute)
    return row_type, rows


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple):
        return ";".join(cell(item) for item in value)
    return str(value)


def emit_csv(report: Any) -> None:
    """Write the report's main table to stdout; a table with revenue ends with a ``revenue_basis`` column."""
    row_type, rows = main_table(report)
    names = [field.name for field in dataclasses.fields(row_type)]
    basis = report.scope.revenue_basis if any("revenue" in name for name in names) else None
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(names + ([] if basis is None else ["revenue_basis"]))
    for row in rows:
        writer.writerow([cell(getattr(row, name)) for name in names] + ([] if basis is None else [cell(basis)]))
    sys.stdout.flush()
