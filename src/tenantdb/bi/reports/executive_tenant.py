"""``tenantdb report executive --tenant T``: one customer's executive summary in the analytics plan's structure
(overall health; revenue protection, optimization savings, efficiency, decisions tracked, each KPI with its
target; critical alerts; recommended actions; trend), with measured values (docs/business-metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, LiteralString
from uuid import UUID

from tenantdb.bi.reports.actions import ACTION_KINDS
from tenantdb.bi.reports.common import ReportOptions, ReportScope, query, resolve_scope
from tenantdb.bi.reports.executive_metrics import ExecutiveMetrics, metrics_available, metrics_from, tenant_metrics
from tenantdb.bi.reports.explain import resolve_tenant
from tenantdb.bi.reports.figures import TenantFigures, details, fetch_sections, model_from
from tenantdb.db import Session
from tenantdb.errors import ConfigError

LOSS_ALERT = "revenue_loss_unresolved"
_ALERT_TEXT = {
    "bounce_over_suspension_risk": "bounce rate above 10%: SES suspension risk",
    "complaints_over_limit": "spam complaint rate above Gmail's 0.1% limit (never reach 0.3%)",
    LOSS_ALERT: "revenue at risk not resolved within the 2-hour response target",
}
_THE_TENANT: LiteralString = "SELECT * FROM figures WHERE tenant_id = %(tenant_id)s"
_ITS_ALERTS_OPEN: LiteralString = "SELECT * FROM (\n"
_ITS_ALERTS_CLOSE: LiteralString = "\n) AS a WHERE a.tenant_id = %(tenant_id)s"


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantAlert:
    """A critical alert about the customer: a deliverability limit crossed, or a loss still unresolved."""

    code: str
    subject: str
    value: Decimal | None
    threshold: Decimal | None
    dollars_per_month: Decimal
    urgency: str | None
    detected_at: datetime | None
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecommendedAction:
    """An open cost optimization of the month for the customer (``tenantdb actions done ID`` closes it)."""

    optimization_id: UUID
    kind: str
    subject: str
    status: str
    expected_savings: Decimal
    description: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutiveTrend:
    """This month minus the previous month, per metric (None when either month lacks it)."""

    previous_month: date
    revenue_risk_score: Decimal | None
    revenue_protection_rate: Decimal | None
    optimization_savings_realized: Decimal | None
    efficiency_score: Decimal | None
    avg_decision_time_hours: Decimal | None
    business_performance_score: Decimal | None
    priority_actions_required: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantExecutiveReport:
    report: str
    scope: ReportScope
    tenant_id: UUID
    company_name: str
    slug: str
    plan_name: str | None
    overall_health: str
    margin_not_applicable_reason: str | None
    key_metrics: ExecutiveMetrics
    critical_alerts: tuple[TenantAlert, ...]
    recommended_actions: tuple[RecommendedAction, ...]
    trend: ExecutiveTrend | None


def build(session: Session, options: ReportOptions) -> TenantExecutiveReport:
    """The customer's summary of the month; a clear error for an unknown tenant or one without figures."""
    if not options.tenant:
        raise ConfigError(
            "the tenant executive summary needs a tenant", remedy="tenant", hint="with an id, slug or name"
        )
    scope = resolve_scope(session, options)
    tenant_id, company_name, slug = resolve_tenant(session, options.tenant)
    if not metrics_available(session):
        raise ConfigError(
            f"{session.database} has no executive metrics: module bi predates them (bi 0010)",
            hint="run `tenantdb migrate up`, or read the reports as a member of business_analysts",
        )
    figures_rows, alert_rows = fetch_sections(
        session,
        (details(_THE_TENANT), _ITS_ALERTS_OPEN + query("alerts") + _ITS_ALERTS_CLOSE),
        scope,
        tenant_id=tenant_id,
        alerts_limit=None,
    )
    previous = (scope.month - timedelta(days=1)).replace(day=1)
    months = tenant_metrics(session, scope, tenant_id, previous)
    if not figures_rows or scope.month not in months:
        raise ConfigError(
            f"{company_name} ({slug}) has no figures for {scope.month:%Y-%m}",
            hint="a platform operator is no customer; otherwise run `tenantdb bi refresh` for the month",
        )
    figures = model_from(TenantFigures, figures_rows[0])
    params = {"tenant_id": tenant_id, "month": scope.month}
    metrics = metrics_from(session, months[scope.month])
    before = metrics_from(session, months[previous]) if previous in months else None
    return TenantExecutiveReport(
        report="executive",
        scope=scope,
        tenant_id=tenant_id,
        company_name=company_name,
        slug=slug,
        plan_name=figures.plan_name,
        overall_health=figures.business_health_status,
        margin_not_applicable_reason=figures.margin_not_applicable_reason,
        key_metrics=metrics,
        critical_alerts=_alerts(alert_rows, _rows(session, "exec_tenant_losses", params)),
        recommended_actions=tuple(
            RecommendedAction(
                optimization_id=row["optimization_id"],
                kind=row["kind"],
                subject=row["subject"],
                status=row["status"],
                expected_savings=row["expected_savings"],
                description=ACTION_KINDS.get(row["kind"], row["kind"]),
            )
            for row in _rows(session, "exec_tenant_actions", params)
        ),
        trend=None if before is None else trend(previous, metrics, before),
    )


def trend(previous_month: date, now: ExecutiveMetrics, before: ExecutiveMetrics) -> ExecutiveTrend:
    def change(name: str) -> Decimal | None:
        current, earlier = getattr(now, name), getattr(before, name)
        return None if current is None or earlier is None else current - earlier

    return ExecutiveTrend(
        previous_month=previous_month,
        revenue_risk_score=change("revenue_risk_score"),
        revenue_protection_rate=change("revenue_protection_rate"),
        optimization_savings_realized=change("optimization_savings_realized"),
        efficiency_score=change("efficiency_score"),
        avg_decision_time_hours=change("avg_decision_time_hours"),
        business_performance_score=change("business_performance_score"),
        priority_actions_required=now.priority_actions_required - before.priority_actions_required,
    )


def _rows(session: Session, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    columns, rows = session.fetch_named(query(name), params)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _alerts(deliverability: list[dict[str, Any]], losses: list[dict[str, Any]]) -> tuple[TenantAlert, ...]:
    """Deliverability alerts (``sql/alerts.sql``, largest dollars first), then the unresolved urgent losses."""
    alerts = [
        TenantAlert(
            code=row["code"],
            subject=row["subject"],
            value=None if row["value"] is None else Decimal(row["value"]),
            threshold=None if row["threshold"] is None else Decimal(row["threshold"]),
            dollars_per_month=Decimal(row["dollars_per_month"]),
            urgency=None,
            detected_at=None,
            message=_ALERT_TEXT[row["code"]],
        )
        for row in deliverability
    ]
    alerts += [
        TenantAlert(
            code=LOSS_ALERT,
            subject=row["impact_type"],
            value=None,
            threshold=None,
            dollars_per_month=row["dollars_per_month"],
            urgency=row["urgency"],
            detected_at=row["detected_at"],
            message=_ALERT_TEXT[LOSS_ALERT],
        )
        for row in losses
    ]
    return tuple(alerts)
