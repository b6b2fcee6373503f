"""``tenantdb report revenue-health``: the Revenue Health Monitor — deliverability and revenue at risk of a month,
for the portfolio and per customer, and the trend of the last N months.

Revenue at risk is the deliverability figure of the executive report's key metrics
(``MonthTotals.revenue_at_risk``: ``tenantdb_bi_revenue_at_risk`` per customer, docs/business-metrics.md), not the
open revenue impacts of module events (``ExecutiveMetrics.revenue_at_risk``), so both reports show the same dollars.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from tenantdb.bi.reports.common import ReportOptions, ReportScope, query, resolve_scope
from tenantdb.bi.reports.deliverability import ProviderLimits
from tenantdb.bi.reports.figures import fetch_sections, model_from
from tenantdb.bi.reports.portfolio_trend import TrendMonth, trend_months
from tenantdb.db import Session


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskPortfolio:
    """The month's portfolio: revenue, revenue at risk and the customers it comes from, rates over all e-mails."""

    tenants: int
    revenue: Decimal
    revenue_at_risk: Decimal
    at_risk_tenants: int
    emails_sent: int
    emails_delivered: int
    bounce_rate: Decimal | None  # bounced / sent
    spam_rate: Decimal | None  # complaints / delivered
    tenants_over_bounce_limit: int  # above 5%, at or above the minimum volume
    tenants_over_spam_limit: int  # above 0.1%


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantRisk:
    """One customer's month against the providers' limits (statuses: :class:`~tenantdb.bi.reports.limits.LimitStatus`
    values)."""

    tenant_id: UUID
    company_name: str
    slug: str
    plan_name: str | None
    revenue: Decimal
    emails_sent: int
    emails_delivered: int
    bounce_rate: Decimal | None
    spam_rate: Decimal | None
    bounce_status: str
    spam_status: str
    business_health_status: str
    revenue_at_risk: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class RevenueHealthReport:
    """``tenants``: the first ``limit`` customers in keyset order ``(revenue_at_risk DESC, tenant_id)`` after the
    tenant ``after`` (the cursor: the last row's tenant_id); ``tenants_total`` of them. ``trend``: oldest month
    first."""

    report: str
    scope: ReportScope
    limits: ProviderLimits
    portfolio: RiskPortfolio
    tenants_total: int
    tenants: tuple[TenantRisk, ...]
    trend: tuple[TrendMonth, ...]


def build(session: Session, options: ReportOptions) -> RevenueHealthReport:
    scope = resolve_scope(session, options)
    portfolio, tenants = fetch_sections(
        session,
        (query("dash_risk_portfolio"), query("dash_risk_tenants")),
        scope,
        limit=options.limit,
        after=options.after,
    )
    totals = model_from(RiskPortfolio, portfolio[0])
    return RevenueHealthReport(
        report="revenue-health",
        scope=scope,
        limits=ProviderLimits(),
        portfolio=totals,
        tenants_total=totals.tenants,
        tenants=tuple(model_from(TenantRisk, row) for row in tenants),
        trend=trend_months(session, scope, options.months),
    )
