"""``tenantdb report executive``: overall health, key metrics, the bridge from the customers' margin to the company's,
tenants by health, alerts, actions, plans, trend."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, LiteralString
from uuid import UUID

from tenantdb.bi.reports import executive_tenant
from tenantdb.bi.reports.actions import Action, actions_from
from tenantdb.bi.reports.common import (
    DEFAULT_MARGIN_TARGET,
    DEFAULT_MIN_VOLUME,
    REVENUE_BASIS,
    REVENUE_BASIS_NOTE,
    ReportOptions,
    ReportScope,
    month_refreshed_at,
    query,
    resolve_scope,
)
from tenantdb.bi.reports.executive_metrics import ExecutiveMetrics, portfolio_metrics
from tenantdb.bi.reports.executive_tenant import TenantExecutiveReport
from tenantdb.bi.reports.figures import (
    ATTENTION_ORDER,
    NEXT_IDLE_BOUND,
    TenantFigures,
    fetch_section_texts,
    first_details,
    model_from,
    parse_section,
)
from tenantdb.bi.reports.health import HealthStatus
from tenantdb.bi.reports.plans import PlanProfitability
from tenantdb.bi.reports.rounding import round_parts
from tenantdb.bi.statements import statement
from tenantdb.db import Session

TENANTS_SHOWN = 25
ACTIONS_SHOWN = 10
ALERTS_SHOWN = 20
IDLE_CANDIDATES = 5 * ACTIONS_SHOWN  # idle tenants whose exact saving is computed for the first actions
# The layout of bi_month_summary's sections: change it with any section query, so older rows are computed live.
SUMMARY_VERSION = "executive-4"

_ALERT_TEXT = {
    "bounce_over_suspension_risk": "bounce rate above 10%: SES suspension risk",
    "complaints_over_limit": "spam complaint rate above Gmail's 0.1% limit (never reach 0.3%)",
    "invoice_drift": "invoiced cost differs from the modeled cost beyond the tolerance",
    "unprofitable_tenants": "customers cost more than they pay",
    "portfolio_unprofitable": "total cost is above total revenue",
}
# Each month's modeled cost of every resource (the body of pg_temp.bi_month_resources with the month as a column):
# what month_totals.sql selects FROM as ``resources``, for the reporting month and, unless it is the same, the month
# before it (%(first_month)s).
_RESOURCES_OPEN: LiteralString = (
    "WITH resources AS (\nSELECT m.month, r.* FROM (SELECT DISTINCT unnest(ARRAY[%(month)s::date,"
    " %(first_month)s::date])) AS m (month)\nCROSS JOIN LATERAL (\n"
)
_RESOURCES_CLOSE: LiteralString = "\n) AS r\n)\nSELECT * FROM (\n"
_TOTALS_CLOSE: LiteralString = "\n) AS totals ORDER BY month DESC"


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthTotals:
    """The month's key metrics: the customers' revenue against the platform's whole cost (the portfolio: the
    customers' allocated cost, idle capacity, warm-up investment, the platform's own resources and what no line
    carries), which is the modeled cost of the month to the cent."""

    month: date
    tenants: int
    revenue: Decimal
    deferred_revenue: Decimal
    infrastructure_cost: Decimal
    email_service_cost: Decimal
    cost: Decimal
    profit: Decimal
    gross_margin_ratio: Decimal | None
    overall_health: str
    customers_cost: Decimal
    customers_profit: Decimal
    idle_capacity: Decimal
    warmup_investment: Decimal
    platform_resources: Decimal
    unallocated: Decimal
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


class BridgeStep(StrEnum):
    """The lines from the sum of the customers' margins to the company margin, in order."""

    CUSTOMERS_MARGIN = "customers' margin"
    IDLE_CAPACITY = "idle capacity"
    WARMUP_INVESTMENT = "warm-up investment"
    PLATFORM_RESOURCES = "platform's own resources"
    UNALLOCATED = "unallocated"
    COMPANY_MARGIN = "company margin"


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeLine:
    """One line from the sum of the customers' margins to the company margin, rounded as shown."""

    line: str  # a BridgeStep
    amount: Decimal


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
class Sections:
    """What the report is assembled from: each section's rows as one JSON array text, as ``bi_month_summary``
    stores them. The month's totals come from ``totals``, the previous month's from ``previous_totals`` (the same
    text when computed live; the previous month's own row when read back)."""

    totals: str
    previous_totals: str
    health: str
    tenants: str
    alerts: str
    actions: str
    plans: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutiveReport:
    report: str
    scope: ReportScope
    overall_health: str
    key_metrics: MonthTotals
    bridge: tuple[BridgeLine, ...]
    previous_month: MonthTotals | None
    trend: Trend | None
    health: tuple[HealthCount, ...]
    reasons: tuple[HealthCount, ...]
    tenants_needing_attention: int
    tenants: tuple[TenantFigures, ...]
    alerts: tuple[Alert, ...]
    actions: tuple[Action, ...]
    plans: tuple[PlanProfitability, ...]
    # the executive metrics with the plan's KPI targets (None before bi 0010); computed live, never stored
    executive_metrics: ExecutiveMetrics | None = None


def bridge(totals: MonthTotals) -> tuple[BridgeLine, ...]:
    """The customers' margin, minus each cost only the platform carries, down to the company margin: the lines
    rounded to the cent so that, as shown, they add up to the company margin shown."""
    parts = (
        (BridgeStep.CUSTOMERS_MARGIN, totals.customers_profit),
        (BridgeStep.IDLE_CAPACITY, -totals.idle_capacity),
        (BridgeStep.WARMUP_INVESTMENT, -totals.warmup_investment),
        (BridgeStep.PLATFORM_RESOURCES, -totals.platform_resources),
        (BridgeStep.UNALLOCATED, -totals.unallocated),
    )
    shown = round_parts([amount for _, amount in parts])
    lines = tuple(BridgeLine(line=step.value, amount=amount) for (step, _), amount in zip(parts, shown, strict=True))
    return (*lines, BridgeLine(line=BridgeStep.COMPANY_MARGIN.value, amount=sum(shown, Decimal("0.00"))))


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
        counts.get(("status", status.value), HealthCount(name=status.value, tenants=0, revenue=zero, cost=zero))
        for status in HealthStatus
    )
    reasons = sorted((c for (kind, _), c in counts.items() if kind == "reason"), key=lambda c: (-c.tenants, c.name))
    return statuses, tuple(reasons), counts["attention", "needs attention"].tenants


def _proven(actions: tuple[Action, ...], next_bound: list[dict[str, Any]]) -> bool:
    """Whether the first actions are exact although only the largest idle candidates were computed: every candidate
    left out has an upper bound below the last action shown."""
    if not next_bound:
        return True
    return len(actions) == ACTIONS_SHOWN and Decimal(next_bound[0]["idle_bound"]) < actions[-1].dollars_per_month


def build(session: Session, options: ReportOptions) -> ExecutiveReport | TenantExecutiveReport:
    """The report: read from ``bi_month_summary`` when the options are the defaults and the month's row is current,
    computed from the rollups otherwise (the same sections either way, assembled by :func:`assemble`); with a
    tenant, that customer's executive summary (:mod:`executive_tenant`)."""
    return executive_tenant.build(session, options) if options.tenant else build_portfolio(session, options)


def build_portfolio(session: Session, options: ReportOptions) -> ExecutiveReport:
    """The portfolio's report (``options.tenant`` aside), from ``bi_month_summary`` when its row is current."""
    scope = resolve_scope(session, options)
    return with_metrics(session, assemble(scope, stored_sections(session, scope) or live_sections(session, scope)))


def build_live(session: Session, options: ReportOptions) -> ExecutiveReport:
    """The report computed from the rollups, whatever ``bi_month_summary`` holds."""
    scope = resolve_scope(session, options)
    return with_metrics(session, assemble(scope, live_sections(session, scope)))


def with_metrics(session: Session, report: ExecutiveReport) -> ExecutiveReport:
    """The report with the month's executive metrics (events change between refreshes: always computed live)."""
    k = report.key_metrics
    metrics = portfolio_metrics(session, report.scope, revenue=k.revenue, customers_cost=k.customers_cost, cost=k.cost)
    return replace(report, executive_metrics=metrics)


def live_sections(session: Session, scope: ReportScope, *, trend: bool = True) -> Sections:
    """Every section of the month in one statement over the month's figures (plus a second ranking of the actions
    in the rare case the first one is not proven exact). Without ``trend`` the totals are the month's alone (a stored
    summary takes the previous month's from that month's own row)."""
    totals, health, tenants, alerts, ranked, next_bound, plans = fetch_section_texts(
        session,
        (
            month_totals_query(),
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
        first_month=previous_month(scope.month) if trend else scope.month,
    )
    if not _proven(actions_from(parse_section(ranked)), parse_section(next_bound)):
        # rare: rank with the exact saving of every idle candidate
        (ranked,) = fetch_section_texts(session, (query("actions"),), scope, actions_limit=ACTIONS_SHOWN)
    return Sections(
        totals=totals,
        previous_totals=totals,
        health=health,
        tenants=tenants,
        alerts=alerts,
        actions=ranked,
        plans=plans,
    )


def month_totals_query() -> LiteralString:
    """``sql/month_totals.sql`` with the resources of both months it reads."""
    body = statement("month_resources_function").split("$$")[1].replace("for_month", "m.month")
    return _RESOURCES_OPEN + body + _RESOURCES_CLOSE + query("month_totals") + _TOTALS_CLOSE


def assemble(scope: ReportScope, sections: Sections) -> ExecutiveReport:
    """The report model from its sections, whether computed now or read from ``bi_month_summary``."""
    current = _month_of(sections.totals, scope.month)
    assert current is not None, f"no totals for {scope.month}"
    previous = _month_of(sections.previous_totals, previous_month(scope.month))
    statuses, reasons, attention = _health_counts(parse_section(sections.health))
    return ExecutiveReport(
        report="executive",
        scope=scope,
        overall_health=current.overall_health,
        key_metrics=current,
        bridge=bridge(current),
        previous_month=previous,
        trend=trend(current, previous),
        health=statuses,
        reasons=reasons,
        tenants_needing_attention=attention,
        tenants=tuple(model_from(TenantFigures, row) for row in parse_section(sections.tenants)),
        alerts=critical_alerts(current, parse_section(sections.alerts)),
        actions=actions_from(parse_section(sections.actions)),
        plans=tuple(model_from(PlanProfitability, row) for row in parse_section(sections.plans)),
    )


def previous_month(month: date) -> date:
    return (month - timedelta(days=1)).replace(day=1)


def _month_of(totals: str, month: date) -> MonthTotals | None:
    rows = (model_from(MonthTotals, row) for row in parse_section(totals))
    return next((row for row in rows if row.month == month), None)


# bi_month_summary: a month's sections for the default options, written by `tenantdb bi refresh`.
SUMMARY_READABLE: LiteralString = (
    "SELECT CASE WHEN to_regclass('bi_month_summary') IS NULL THEN false"
    " ELSE has_table_privilege('bi_month_summary', 'SELECT') AND has_table_privilege('bi_refresh_state', 'SELECT')"
    " END"
)
# The month's and the previous month's rows, each with when its month was last refreshed (as month_refreshed_at).
_SUMMARY_ROWS: LiteralString = (
    "SELECT m.month, s.refreshed_at, coalesce("
    "(SELECT r.refreshed_at FROM bi_refresh_state r WHERE r.month = m.month),"
    " (SELECT max(t.refreshed_at) FROM bi_tenant_monthly t WHERE t.month = m.month)),"
    " s.totals::text, s.health::text, s.tenants::text, s.alerts::text, s.actions::text, s.plans::text"
    " FROM (VALUES (%(month)s::date), (%(previous)s::date)) AS m (month)"
    " LEFT JOIN bi_month_summary s ON s.month = m.month AND s.version = %(version)s"
    " AND s.margin_target = %(margin_target)s AND s.min_volume = %(min_volume)s"
)
_SUMMARY_DELETE: LiteralString = "DELETE FROM bi_month_summary WHERE month = %(month)s"
# Whether the month has a customer row: company by company through the key (tenant_id, month), the first customer
# answers (no index of bi_tenant_monthly leads with month: RELIABILITY R26).
_MONTH_HAS_ROWS: LiteralString = (
    "SELECT EXISTS (SELECT FROM companies c JOIN bi_tenant_monthly m ON m.tenant_id = c.id AND m.month = %s)"
)
# Of the totals, only the month's own row: a month's summary depends on no other month's rollups (the trend reads
# the previous month's own row), so refreshing one month never leaves another's summary stale.
_SUMMARY_INSERT: LiteralString = (
    "INSERT INTO bi_month_summary (month, version, margin_target, min_volume, refreshed_at, totals, health, tenants,"
    " alerts, actions, plans) VALUES (%(month)s, %(version)s, %(margin_target)s, %(min_volume)s, %(refreshed_at)s,"
    " (SELECT coalesce(jsonb_agg(t.total), '[]') FROM jsonb_array_elements(%(totals)s::jsonb) AS t (total)"
    " WHERE (t.total ->> 'month')::date = %(month)s),"
    " %(health)s::jsonb, %(tenants)s::jsonb, %(alerts)s::jsonb, %(actions)s::jsonb, %(plans)s::jsonb)"
)


def stored_sections(session: Session, scope: ReportScope) -> Sections | None:
    """The month's sections from ``bi_month_summary``, or None (compute live) when the options are not the defaults
    (recognized revenue among them), the role may not read it, or the month's row (or the previous month's, for the
    trend) is missing or older than the month's rollups."""
    defaults = (DEFAULT_MARGIN_TARGET, DEFAULT_MIN_VOLUME, REVENUE_BASIS)
    if (scope.margin_target, scope.min_volume, scope.revenue_basis) != defaults:
        return None
    if not session.fetch_value(SUMMARY_READABLE):
        return None
    before = previous_month(scope.month)
    rows = {
        row[0]: row[1:]
        for row in session.fetch_all(
            _SUMMARY_ROWS,
            {
                "month": scope.month,
                "previous": before,
                "version": SUMMARY_VERSION,
                "margin_target": DEFAULT_MARGIN_TARGET,
                "min_volume": DEFAULT_MIN_VOLUME,
            },
        )
    }
    this, prior = rows[scope.month], rows[before]
    # Current: written with its month's rollups and, for the trend, the previous month's row with its own.
    if this[0] is None or this[0] != this[1] or prior[0] != prior[1]:
        return None
    _, _, totals, health, tenants, alerts, actions, plans = this
    return Sections(
        totals=totals,
        previous_totals="[]" if prior[0] is None else prior[2],
        health=health,
        tenants=tenants,
        alerts=alerts,
        actions=actions,
        plans=plans,
    )


def store_summary(session: Session, month: date) -> bool:
    """Write the month's ``bi_month_summary`` row for the default options, in the caller's transaction (after the
    month's rollups); False, and no row, when the month has no customers or module bi predates the table."""
    if not session.fetch_value("SELECT to_regclass('bi_month_summary') IS NOT NULL"):
        return False
    session.execute(_SUMMARY_DELETE, {"month": month})
    if not session.fetch_value(_MONTH_HAS_ROWS, (month,)):
        return False
    scope = ReportScope(
        database=session.database,
        month=month,
        revenue_basis=REVENUE_BASIS,
        revenue_basis_note=REVENUE_BASIS_NOTE,
        margin_target=DEFAULT_MARGIN_TARGET,
        min_volume=DEFAULT_MIN_VOLUME,
        refreshed_at=month_refreshed_at(session, month),
    )
    sections = live_sections(session, scope, trend=False)  # the trend reads the previous month's own row
    session.execute(
        _SUMMARY_INSERT,
        {
            "month": month,
            "version": SUMMARY_VERSION,
            "margin_target": DEFAULT_MARGIN_TARGET,
            "min_volume": DEFAULT_MIN_VOLUME,
            "refreshed_at": scope.refreshed_at,
            "totals": sections.totals,
            "health": sections.health,
            "tenants": sections.tenants,
            "alerts": sections.alerts,
            "actions": sections.actions,
            "plans": sections.plans,
        },
    )
    return True
