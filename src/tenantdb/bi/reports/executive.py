"""``tenantdb report executive``: overall health, key metrics, tenants by health, alerts, actions, plans, trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from tenantdb.bi.reports.actions import Action, recommended_actions
from tenantdb.bi.reports.common import ReportOptions, ReportScope, query, resolve_scope, scope_params
from tenantdb.bi.reports.figures import TenantFigures, fetch_dicts, fetch_models, rows_as
from tenantdb.bi.reports.plans import PlanProfitability, plan_profitability
from tenantdb.db import Session

TENANTS_SHOWN = 25
ACTIONS_SHOWN = 10
ALERTS_SHOWN = 20

_ALERT_TEXT = {
    "bounce_over_suspension_risk": "bounce rate above 10%: SES suspension risk",
    "complaints_over_limit": "spam complaint rate above Gmail's 0.1% limit (never reach 0.3%)",
    "invoice_drift": "invoiced cost differs from the modeled cost beyond the tolerance",
    "unprofitable_tenants": "customers cost more than they pay",
    "portfolio_unprofitable": "total cost is above total revenue",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthTotals:
    """The month's key metrics over every customer."""

    month: date
    tenants: int
    revenue: Decimal
    infrastructure_cost: Decimal
    email_service_cost: Decimal
    cost: Decimal
    profit: Decimal
    gross_margin_ratio: Decimal | None
    emails_sent: int
    emails_delivered: int
    cost_per_1000_delivered: Decimal | None
    revenue_at_risk: Decimal
    unprofitable_tenants: int
    unprofitable_loss: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Trend:
    """This month minus the previous one (margin in ratio points)."""

    previous_month: date
    revenue: Decimal
    cost: Decimal
    profit: Decimal
    gross_margin_ratio: Decimal | None
    cost_per_1000_delivered: Decimal | None
    revenue_at_risk: Decimal
    tenants: int


@dataclass(frozen=True, slots=True, kw_only=True)
class HealthCount:
    """Customers in one health status (or carrying one reason code), and their revenue and cost."""

    name: str
    tenants: int
    revenue: Decimal
    cost: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Alert:
    severity: str
    code: str
    subject: str
    tenant_id: UUID | None
    value: Decimal | None
    threshold: Decimal | None
    dollars_per_month: Decimal
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutiveReport:
    report: str
    scope: ReportScope
    overall_health: str
    key_metrics: MonthTotals
    previous_month: MonthTotals | None
    trend: Trend | None
    health: tuple[HealthCount, ...]
    reasons: tuple[HealthCount, ...]
    tenants_needing_attention: int
    tenants: tuple[TenantFigures, ...]
    alerts: tuple[Alert, ...]
    actions: tuple[Action, ...]
    plans: tuple[PlanProfitability, ...]


def health_status(revenue: Decimal, cost: Decimal) -> str:
    """docs/business-metrics.md ``business_health_status``, for any revenue and cost."""
    if revenue > 2 * cost:
        return "Excellent"
    if revenue > Decimal("1.5") * cost:
        return "Good"
    if revenue > cost:
        return "Monitor"
    return "Critical Action Required"


def month_totals(session: Session, scope: ReportScope) -> tuple[MonthTotals, MonthTotals | None]:
    """The reporting month's totals and the previous month's (None when it was not refreshed)."""
    columns, rows = session.fetch_named(query("month_totals"), scope_params(scope))
    totals = rows_as(MonthTotals, columns, rows)
    current = next(t for t in totals if t.month == scope.month)
    previous = next((t for t in totals if t.month != scope.month), None)
    return current, previous


def trend(current: MonthTotals, previous: MonthTotals | None) -> Trend | None:
    if previous is None:
        return None

    def change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
        return None if now is None or before is None else now - before

    return Trend(
        previous_month=previous.month,
        revenue=current.revenue - previous.revenue,
        cost=current.cost - previous.cost,
        profit=current.profit - previous.profit,
        gross_margin_ratio=change(current.gross_margin_ratio, previous.gross_margin_ratio),
        cost_per_1000_delivered=change(current.cost_per_1000_delivered, previous.cost_per_1000_delivered),
        revenue_at_risk=current.revenue_at_risk - previous.revenue_at_risk,
        tenants=current.tenants - previous.tenants,
    )


def critical_alerts(session: Session, scope: ReportScope, totals: MonthTotals) -> tuple[Alert, ...]:
    """Portfolio alerts first, then per-tenant deliverability and invoice alerts, largest dollars first."""
    alerts = []
    if totals.profit < 0:
        alerts.append(
            Alert(
                severity="critical",
                code="portfolio_unprofitable",
                subject="all customers",
                tenant_id=None,
                value=totals.gross_margin_ratio,
                threshold=Decimal(0),
                dollars_per_month=-totals.profit,
                message=_ALERT_TEXT["portfolio_unprofitable"],
            )
        )
    if totals.unprofitable_tenants:
        alerts.append(
            Alert(
                severity="critical",
                code="unprofitable_tenants",
                subject=f"{totals.unprofitable_tenants} tenant(s)",
                tenant_id=None,
                value=Decimal(totals.unprofitable_tenants),
                threshold=None,
                dollars_per_month=totals.unprofitable_loss,
                message=_ALERT_TEXT["unprofitable_tenants"],
            )
        )
    for row in fetch_dicts(session, "alerts", scope, limit=ALERTS_SHOWN):
        alerts.append(Alert(severity="critical", message=_ALERT_TEXT[row["code"]], **row))
    return tuple(alerts)


def build(session: Session, options: ReportOptions) -> ExecutiveReport:
    scope = resolve_scope(session, options)
    current, previous = month_totals(session, scope)
    counts = fetch_dicts(session, "health", scope)
    health = {row["name"]: row for row in counts if row["kind"] == "status"}
    statuses = ("Critical Action Required", "Monitor", "Good", "Excellent")
    zero = Decimal(0)
    return ExecutiveReport(
        report="executive",
        scope=scope,
        overall_health=health_status(current.revenue, current.cost),
        key_metrics=current,
        previous_month=previous,
        trend=trend(current, previous),
        health=tuple(
            HealthCount(
                name=status,
                tenants=health.get(status, {}).get("tenants", 0),
                revenue=health.get(status, {}).get("revenue", zero),
                cost=health.get(status, {}).get("cost", zero),
            )
            for status in statuses
        ),
        reasons=tuple(
            HealthCount(name=row["name"], tenants=row["tenants"], revenue=row["revenue"], cost=row["cost"])
            for row in sorted((r for r in counts if r["kind"] == "reason"), key=lambda r: (-r["tenants"], r["name"]))
        ),
        tenants_needing_attention=next(row["tenants"] for row in counts if row["kind"] == "attention"),
        tenants=fetch_models(session, TenantFigures, "attention", scope, limit=TENANTS_SHOWN),
        alerts=critical_alerts(session, scope, current),
        actions=recommended_actions(session, scope, ACTIONS_SHOWN),
        plans=plan_profitability(session, scope),
    )
