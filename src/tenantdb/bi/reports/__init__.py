"""Report models: one module per report, each a frozen dataclass built from set-based SQL over the rollups.

Every report states its month and revenue basis (:class:`ReportScope`); the CLI renders the same model as rich
tables, JSON or CSV.
"""

from collections.abc import Callable

from tenantdb.bi.reports import (
    benchmarks,
    cost_center,
    cost_optimization,
    cost_per_email,
    decisions,
    deliverability,
    efficiency,
    executive,
    explain,
    plans,
    portfolio_trend,
    reconciliation,
    revenue_health,
    tenant_page,
)
from tenantdb.bi.reports.benchmarks import BenchmarksReport
from tenantdb.bi.reports.common import (
    DEFAULT_MARGIN_TARGET,
    DEFAULT_MIN_VOLUME,
    REVENUE_BASIS,
    ReportOptions,
    ReportScope,
    RevenueBasis,
    parse_month,
)
from tenantdb.bi.reports.cost_center import CostCenterReport
from tenantdb.bi.reports.cost_optimization import CostOptimizationReport
from tenantdb.bi.reports.cost_per_email import CostPerEmailReport
from tenantdb.bi.reports.decisions import DecisionsReport
from tenantdb.bi.reports.deliverability import DeliverabilityReport
from tenantdb.bi.reports.efficiency import EfficiencyReport
from tenantdb.bi.reports.executive import ExecutiveReport
from tenantdb.bi.reports.executive_tenant import TenantExecutiveReport
from tenantdb.bi.reports.explain import ExplainReport
from tenantdb.bi.reports.plans import PlansReport
from tenantdb.bi.reports.portfolio_trend import PortfolioTrendReport
from tenantdb.bi.reports.reconciliation import ReconciliationReport
from tenantdb.bi.reports.revenue_health import RevenueHealthReport
from tenantdb.bi.reports.tenant_page import TenantPageReport
from tenantdb.db import Session

Report = (
    ExecutiveReport
    | TenantExecutiveReport
    | CostOptimizationReport
    | CostPerEmailReport
    | PlansReport
    | DeliverabilityReport
    | ReconciliationReport
    | ExplainReport
    | RevenueHealthReport
    | CostCenterReport
    | EfficiencyReport
    | DecisionsReport
    | BenchmarksReport
    | TenantPageReport
    | PortfolioTrendReport
)
"""Every report model ``tenantdb report NAME`` (and the API's report endpoints) can return."""

REPORTS: dict[str, Callable[[Session, ReportOptions], Report]] = {
    "executive": executive.build,
    "cost-optimization": cost_optimization.build,
    "cost-per-email": cost_per_email.build,
    "plans": plans.build,
    "deliverability": deliverability.build,
    "reconciliation": reconciliation.build,
    "explain": explain.build,
    # the dashboard's views (DASHBOARD_REPORTS)
    "revenue-health": revenue_health.build,
    "cost-center": cost_center.build,
    "efficiency": efficiency.build,
    "decisions": decisions.build,
    "benchmarks": benchmarks.build,
    "tenant": tenant_page.build,
    "trend": portfolio_trend.build,
}
DASHBOARD_REPORTS = ("revenue-health", "cost-center", "efficiency", "decisions", "benchmarks", "tenant", "trend")

__all__ = [
    "DASHBOARD_REPORTS",
    "DEFAULT_MARGIN_TARGET",
    "DEFAULT_MIN_VOLUME",
    "REPORTS",
    "REVENUE_BASIS",
    "Report",
    "ReportOptions",
    "ReportScope",
    "RevenueBasis",
    "parse_month",
]
