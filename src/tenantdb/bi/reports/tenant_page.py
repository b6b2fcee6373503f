"""``tenantdb report tenant --tenant T``: one customer's month for its dashboard page — the allocation explained line
by line (:mod:`explain`), its health with the reason codes (:class:`~tenantdb.bi.reports.figures.TenantFigures`) and
the trend of its last N months (revenue, cost, margin, e-mails, cost per 1,000 delivered)."""

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
class TenantPageReport:
    """``health``: None when the customer has no rollup row in the month; ``trend``: its months with rollups,
    oldest first."""

    report: str
    scope: ReportScope
    allocation: explain.ExplainReport
    health: TenantFigures | None
    trend: tuple[TenantMonth, ...]


def build(session: Session, options: ReportOptions) -> TenantPageReport:
    allocation = explain.build(session, options)  # resolves the month and the tenant, or says what is wrong
    scope = allocation.scope
    params = scope_params(scope) | {"tenant_id": allocation.tenant_id}
    columns, rows = session.fetch_named(over_figures(details(_ONE_TENANT)), params)
    health = rows_as(TenantFigures, columns, rows)
    params["first_month"] = first_month(scope.month, options.months)
    columns, rows = session.fetch_named(query("dash_tenant_trend"), params)
    return TenantPageReport(
        report="tenant",
        scope=scope,
        allocation=allocation,
        health=health[0] if health else None,
        trend=rows_as(TenantMonth, columns, rows),
    )
