"""``tenantdb report tenant --tenant T``: one customer's month for its dashboard page — the allocation explained line
by line (:mod:`explain`), its health with the reason codes (:class:`~tenantdb.bi.reports.figures.TenantFigures`) and
the trend of its last N months (revenue, cost, margin, e-mails, cost per 1,000 delivered), and its AI analysis
sessions against its plan's limits when module ai_saas is applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import LiteralString

from tenantdb.bi.reports import explain
from tenantdb.bi.reports.common import ReportOptions, ReportScope, query, scope_params
from tenantdb.bi.reports.figures import TenantFigures, details, over_figures, rows_as
from tenantdb.bi.reports.portfolio_trend import first_month
from tenantdb.db import Session

_ONE_TENANT: LiteralString = "SELECT * FROM figures WHERE tenant_id = %(tenant_id)s"


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantMonth:
    month: date
    revenue: Decimal
    cost: Decimal
    profit: Decimal
    gross_margin_ratio: Decimal | None
    emails_sent: int
    emails_delivered: int
    cost_per_1000_delivered: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AiUsage:
    """AI analysis sessions (module ai_saas) against the plan's limits: ``sessions_created`` in the report's month,
    ``active_sessions`` queued or running now; a limit of None is unlimited, and ``subscribed`` False means the
    tenant has no subscription in force, so every new session is refused."""

    month: date
    sessions_created: int
    sessions_per_month: int | None
    active_sessions: int
    concurrent_sessions: int | None
    subscribed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantPageReport:
    """``health``: None when the customer has no rollup row in the month; ``trend``: its months with rollups,
    oldest first; ``ai_usage``: None without module ai_saas."""

    report: str
    scope: ReportScope
    allocation: explain.ExplainReport
    health: TenantFigures | None
    trend: tuple[TenantMonth, ...]
    ai_usage: AiUsage | None = None


def build(session: Session, options: ReportOptions) -> TenantPageReport:
    allocation = explain.build(session, options)  # resolves the month and the tenant, or says what is wrong
    scope = allocation.scope
    params = scope_params(scope) | {"tenant_id": allocation.tenant_id}
    columns, rows = session.fetch_named(over_figures(details(_ONE_TENANT)), params)
    health = rows_as(TenantFigures, columns, rows)
    params["first_month"] = first_month(scope.month, options.months)
    columns, rows = session.fetch_named(query("dash_tenant_trend"), params)
    trend = rows_as(TenantMonth, columns, rows)
    ai_usage = None
    if session.fetch_value("SELECT to_regclass('ai_session_usage') IS NOT NULL"):
        columns, rows = session.fetch_named(query("tenant_ai_usage"), params)
        ai_usage = rows_as(AiUsage, columns, rows)[0]
    return TenantPageReport(
        report="tenant",
        scope=scope,
        allocation=allocation,
        health=health[0] if health else None,
        trend=trend,
        ai_usage=ai_usage,
    )
