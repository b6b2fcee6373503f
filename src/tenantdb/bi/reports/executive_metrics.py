"""The executive metrics of a month, for the portfolio or one customer, each KPI with the analytics plan's target
beside it (docs/business-metrics.md, "Executive business metrics"; SQL: bi 0010 and ``sql/exec_*.sql``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from tenantdb.bi.reports.common import ReportScope, query
from tenantdb.bi.reports.rounding import round_money
from tenantdb.db import Session

RATIO_PLACES = 6  # reports show ratios to 6 decimals
FIGURE_PLACES = 2  # scores, points and hours


class Kpi(StrEnum):
    """The plan's KPIs, as ``tenantdb_bi_kpi_targets()`` names them."""

    REVENUE_PROTECTION_RATE = "revenue_protection_rate"
    OPTIMIZATION_SAVINGS_RATE = "optimization_savings_rate"
    EFFICIENCY_SCORE = "efficiency_score"
    AVG_DECISION_TIME_HOURS = "avg_decision_time_hours"
    GROSS_MARGIN_RATIO = "gross_margin_ratio"


class KpiDirection(StrEnum):
    """Which side of its target a KPI should be on (a range is met at or above its lower end)."""

    ABOVE = "above"
    BELOW = "below"
    BETWEEN = "between"


@dataclass(frozen=True, slots=True, kw_only=True)
class KpiTarget:
    """One KPI: the actual beside the plan's target, its weight in the business performance score, how much of the
    target is attained (0 to 1) and whether it is met (None without an actual)."""

    kpi: Kpi
    actual: Decimal | None
    target: Decimal
    target_max: Decimal | None
    direction: KpiDirection
    weight: int
    unit: str
    attainment: Decimal | None
    met: bool | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutiveMetrics:
    """The month's executive metrics (the portfolio's or a customer's) and the KPI targets beside them."""

    revenue: Decimal
    revenue_at_risk: Decimal
    revenue_risk_score: Decimal
    revenue_protection_rate: Decimal | None
    optimization_savings_potential: Decimal
    optimization_savings_realized: Decimal
    optimization_actions_taken: int
    optimization_savings_rate: Decimal | None
    efficiency_score: Decimal | None
    efficiency_trend: Decimal | None
    strategic_decisions_made: int
    avg_decision_time_hours: Decimal | None
    gross_margin_ratio: Decimal | None
    business_performance_score: Decimal | None
    priority_actions_required: int
    open_recommendations: int
    open_urgent_losses: int
    targets: tuple[KpiTarget, ...]


# How each metric is shown: money to the cent, ratios to 6 decimals, scores, points and hours to 2.
_RATIOS = frozenset({"revenue_protection_rate", "optimization_savings_rate", "gross_margin_ratio"})
_FIGURES = frozenset(
    {
        "revenue_risk_score",
        "efficiency_score",
        "efficiency_trend",
        "avg_decision_time_hours",
        "business_performance_score",
    }
)
_MONEY = frozenset({"revenue", "revenue_at_risk", "optimization_savings_potential", "optimization_savings_realized"})


def shown(name: str, value: Any) -> Any:
    """A metric rounded as reports show it (half away from zero); counts and NULLs unchanged."""
    if value is None or not isinstance(value, Decimal):
        return value
    if name in _RATIOS:
        return round_money(value, RATIO_PLACES)
    if name in _FIGURES:
        return round_money(value, FIGURE_PLACES)
    if name in _MONEY:
        return round_money(value)
    return value


def metrics_available(session: Session) -> bool:
    """Whether module bi has the executive metrics (bi 0010) and the role may read them."""
    return bool(
        session.fetch_value(
            "SELECT CASE WHEN to_regclass('bi_executive_metrics') IS NULL THEN false"
            " ELSE has_table_privilege('bi_executive_metrics', 'SELECT') END"
        )
    )


def kpi_targets(session: Session, exact: dict[str, Any]) -> tuple[KpiTarget, ...]:
    """The plan's targets (``tenantdb_bi_kpi_targets()``) beside the exact actuals, heaviest first."""
    params = {kpi.value: exact[kpi.value] for kpi in Kpi}
    columns, rows = session.fetch_named(query("exec_targets"), params)
    targets = []
    for row in rows:
        values = dict(zip(columns, row, strict=True))
        targets.append(
            KpiTarget(
                kpi=Kpi(values["kpi"]),
                actual=shown(values["kpi"], values["actual"]),
                target=values["target"],
                target_max=values["target_max"],
                direction=KpiDirection(values["direction"]),
                weight=values["weight"],
                unit=values["unit"],
                attainment=None if values["attainment"] is None else round_money(values["attainment"], RATIO_PLACES),
                met=values["met"],
            )
        )
    return tuple(targets)


def metrics_from(session: Session, exact: dict[str, Any]) -> ExecutiveMetrics:
    """A row of ``exec_portfolio.sql`` or ``exec_tenant.sql`` (exact values) as shown, with the targets."""
    names = [name for name in ExecutiveMetrics.__dataclass_fields__ if name != "targets"]
    values = {name: shown(name, exact[name]) for name in names}
    return ExecutiveMetrics(**values, targets=kpi_targets(session, exact))


def portfolio_metrics(
    session: Session, scope: ReportScope, *, revenue: Decimal, customers_cost: Decimal, cost: Decimal
) -> ExecutiveMetrics | None:
    """The portfolio's block: every row of the month's events against the key metrics' revenue and costs; None
    when module bi predates the executive metrics or the role may not read them."""
    if not metrics_available(session):
        return None
    params = {"month": scope.month, "revenue": revenue, "customers_cost": customers_cost, "cost": cost}
    columns, rows = session.fetch_named(query("exec_portfolio"), params)
    return metrics_from(session, dict(zip(columns, rows[0], strict=True)))


def tenant_metrics(session: Session, scope: ReportScope, tenant_id: UUID, previous: date) -> dict[date, dict[str, Any]]:
    """A customer's exact metrics of the month and of the previous one on the report's revenue basis, by month
    (absent when not refreshed)."""
    params = {"tenant_id": tenant_id, "month": scope.month, "previous": previous, "basis": scope.revenue_basis.value}
    columns, rows = session.fetch_named(query("exec_tenant"), params)
    return {row[0]: dict(zip(columns, row, strict=True)) for row in rows}
