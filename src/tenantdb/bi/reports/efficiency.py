"""``tenantdb report efficiency``: Operational Efficiency — utilization and idle capacity per shared cost pool and of
the dedicated servers, cost per 1,000 delivered e-mails per customer and for the portfolio (with its trend), and the
efficiency scores module events records (``efficiency_metrics``), when it is applied."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from tenantdb.bi.reports.common import ReportOptions, ReportScope, query, resolve_scope, scope_params
from tenantdb.bi.reports.figures import fetch_sections, model_from, rows_as
from tenantdb.bi.reports.portfolio_trend import TrendMonth, trend_months
from tenantdb.db import Session


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolUtilization:
    """A shared pool's month: its allocated cost, the idle-capacity line, utilization = 1 - idle share."""

    pool_id: UUID
    pool_name: str
    cost: Decimal
    idle_cost: Decimal
    idle_share: Decimal
    utilization: Decimal
    members: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DedicatedUtilization:
    """Dedicated servers: e-mails they could send in the month (capacity) and sent (capped at each customer's
    capacity); customers below the idle threshold."""

    tenants: int
    capacity: int
    used: int
    utilization: Decimal | None
    idle_tenants: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantEfficiency:
    tenant_id: UUID
    company_name: str
    slug: str
    plan_name: str | None
    emails_delivered: int
    total_cost: Decimal
    cost_per_1000_delivered: Decimal | None
    dedicated_utilization: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class EfficiencyScores:
    """``efficiency_metrics`` of the month: customers recorded, capacity, used, capacity-weighted score (0-100)."""

    tenants: int
    capacity: Decimal
    used: Decimal
    score: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class EfficiencyReport:
    """``tenants``: the first ``limit`` customers in keyset order ``(cost_per_1000_delivered DESC NULLS LAST,
    tenant_id)`` after the tenant ``after`` (the cursor: the last row's tenant_id), of ``tenants_total``; ``pools``:
    every pool, costliest first; ``trend``: oldest month first;
    ``efficiency_metrics``: None without module events."""

    report: str
    scope: ReportScope
    pools: tuple[PoolUtilization, ...]
    dedicated: DedicatedUtilization
    portfolio_cost_per_1000_delivered: Decimal | None
    tenants_total: int
    tenants: tuple[TenantEfficiency, ...]
    trend: tuple[TrendMonth, ...]
    efficiency_metrics: EfficiencyScores | None


_TENANT_COUNT = "SELECT count(*) AS tenants FROM figures"


def _scores(session: Session, scope: ReportScope) -> EfficiencyScores | None:
    readable = session.fetch_value(
        "SELECT CASE WHEN to_regclass('efficiency_metrics') IS NULL THEN false"
        " ELSE has_table_privilege('efficiency_metrics', 'SELECT') END"
    )
    if not readable:
        return None
    columns, rows = session.fetch_named(query("dash_efficiency_metrics"), scope_params(scope))
    return rows_as(EfficiencyScores, columns, rows)[0]


def build(session: Session, options: ReportOptions) -> EfficiencyReport:
    scope = resolve_scope(session, options)
    pools, dedicated, tenants, count = fetch_sections(
        session,
        (
            query("dash_efficiency_pools"),
            query("dash_efficiency_dedicated"),
            query("dash_efficiency_tenants"),
            _TENANT_COUNT,
        ),
        scope,
        limit=options.limit,
        after=options.after,
    )
    trend = trend_months(session, scope, options.months, at_risk=False)
    this_month = next((m for m in trend if m.month == scope.month), None)
    return EfficiencyReport(
        report="efficiency",
        scope=scope,
        pools=tuple(model_from(PoolUtilization, row) for row in pools),
        dedicated=model_from(DedicatedUtilization, dedicated[0]),
        portfolio_cost_per_1000_delivered=None if this_month is None else this_month.cost_per_1000_delivered,
        tenants_total=count[0]["tenants"],
        tenants=tuple(model_from(TenantEfficiency, row) for row in tenants),
        trend=trend,
        efficiency_metrics=_scores(session, scope),
    )
