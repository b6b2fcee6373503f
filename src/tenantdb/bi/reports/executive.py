"""``tenantdb report executive``: overall health, key metrics, tenants by health, alerts, actions, plans, trend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from tenantdb.bi.reports.actions import Action, actions_from
from tenantdb.bi.reports.common import ReportOptions, ReportScope, query, resolve_scope, scope_params
from tenantdb.bi.reports.figures import (
    ATTENTION_ORDER,
    NEXT_IDLE_BOUND,
    TenantFigures,
    fetch_sections,
    first_details,
    model_from,
    rows_as,
)
from tenantdb.bi.reports.plans import PlanProfitability
from tenantdb.db import Session

TENANTS_SHOWN = 25
ACTIONS_SHOWN = 10
ALERTS_SHOWN = 20
IDLE_CANDIDATES = 5 * ACTIONS_SHOWN  # idle tenants whose exact saving is computed for the first actions

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


def critical_alerts(totals: MonthTotals, rows: list[dict[str, Any]]) -> tuple[Alert, ...]:
    """Portfolio alerts first, then the rows of ``sql/alerts.sql`` (per tenant and invoice, largest dollars first)."""
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
    for row in rows:
        alerts.append(model_from(Alert, row | {"severity": "critical", "message": _ALERT_TEXT[row["code"]]}))
    return tuple(alerts)


def _health_counts(rows: list[dict[str, Any]]) -> tuple[tuple[HealthCount, ...], tuple[HealthCount, ...], int]:
    """Customers per health status (worst first, zeros included), per reason code (most first), needing attention."""
    counts = {
        (row["kind"], row["name"]): model_from(HealthCount, {k: v for k, v in row.items() if k != "kind"})
        for row in rows
    }
    zero = Decimal(0)
    statuses = tuple(
        counts.get(("status", status), HealthCount(name=status, tenants=0, revenue=zero, cost=zero))
        for status in ("Critical Action Required", "Monitor", "Good", "Excellent")
    )
    reasons = sorted((c for (kind, _), c in counts.items() if kind == "reason"), key=lambda c: (-c.tenants, c.name))
    return statuses, tuple(reasons), counts["attention", "needs attention"].tenants


def _proven(actions: tuple[Action, ...], next_bound: list[dict[str, Any]]) -> bool:
    """Whether the first actions are exact although only the largest idle candidates were computed: every candidate
    left out has an upper bound below the last action shown."""
    if not next_bound:
        return True
    return len(actions) == ACTIONS_SHOWN and Decimal(next_bound[0]["idle_bound"]) < actions[-1].dollars_per_month


def build(session: Session, options: ReportOptions) -> ExecutiveReport:
    scope = resolve_scope(session, options)
    current, previous = month_totals(session, scope)
    health, tenants, alerts, ranked, next_bound, plans = fetch_sections(
        session,
        (
            query("health"),
            first_details(query("attention"), ATTENTION_ORDER, "tenants_limit"),
            query("alerts"),
            query("actions"),
            NEXT_IDLE_BOUND,
            query("plans"),
        ),
        scope,
        idle_candidates=IDLE_CANDIDATES,
        tenants_limit=TENANTS_SHOWN,
        alerts_limit=ALERTS_SHOWN,
        actions_limit=ACTIONS_SHOWN,
    )
    actions = actions_from(ranked)
    if not _proven(actions, next_bound):  # rare: rank with the exact saving of every idle candidate
        (ranked,) = fetch_sections(session, (query("actions"),), scope, actions_limit=ACTIONS_SHOWN)
        actions = actions_from(ranked)
    statuses, reasons, attention = _health_counts(health)
    return ExecutiveReport(
        report="executive",
        scope=scope,
        overall_health=health_status(current.revenue, current.cost),
        key_metrics=current,
        previous_month=previous,
        trend=trend(current, previous),
        health=statuses,
        reasons=reasons,
        tenants_needing_attention=attention,
        tenants=tuple(model_from(TenantFigures, row) for row in tenants),
        alerts=critical_alerts(current, alerts),
        actions=actions,
        plans=tuple(model_from(PlanProfitability, row) for row in plans),
    )
