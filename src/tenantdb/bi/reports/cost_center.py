"""``tenantdb report cost-center``: the Cost Optimization Center — savings identified (recommended), taken (accepted
or done) and realized (measured on later months) per month and cumulative, per kind of action, and the open actions.
Reads module events' ``cost_optimizations`` and ``cost_optimization_results`` (docs/business-metrics.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from tenantdb.bi.reports.common import ReportOptions, ReportScope, query, resolve_scope
from tenantdb.bi.reports.events_tables import require_readable
from tenantdb.bi.reports.figures import rows_as
from tenantdb.bi.reports.pages import fetch_page
from tenantdb.bi.reports.portfolio_trend import first_month
from tenantdb.db import Session


@dataclass(frozen=True, slots=True, kw_only=True)
class SavingsMonth:
    """Dollars per month of savings: identified for the month, taken in it, realized in it, and each cumulative
    since the first recommendation."""

    month: date
    identified: Decimal
    taken: Decimal
    realized: Decimal
    identified_cumulative: Decimal
    taken_cumulative: Decimal
    realized_cumulative: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class SavingsKind:
    """One kind of action in the report's month (kinds: ``tenantdb.bi.reports.actions.ACTION_KINDS``)."""

    kind: str
    actions: int
    identified: Decimal
    taken: Decimal
    realized: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenAction:
    """A recommended or accepted action; ``age_days`` since it was recommended (UTC dates)."""

    optimization_id: UUID
    tenant_id: UUID | None  # None: a shared pool or a provider invoice
    company_name: str | None
    slug: str | None  # the tenant's page: /tenants/<slug>
    kind: str
    subject: str
    month: date
    expected_savings: Decimal
    status: str
    age_days: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CostCenterReport:
    """``months``: oldest first; ``kinds``: largest identified first; ``open_actions``: the first ``limit`` in keyset
    order ``(expected_savings DESC, optimization_id)`` after the action ``after`` (the cursor: the last one's id), of
    ``open_actions_total``."""

    report: str
    scope: ReportScope
    months: tuple[SavingsMonth, ...]
    kinds: tuple[SavingsKind, ...]
    open_actions_total: int
    open_actions: tuple[OpenAction, ...]


def build(session: Session, options: ReportOptions) -> CostCenterReport:
    scope = resolve_scope(session, options)
    require_readable(session, "cost_optimizations", "cost_optimization_results")
    params = {
        "month": scope.month,
        "first_month": first_month(scope.month, options.months),
        "limit": options.limit,
        "after": options.after,
    }
    columns, rows = session.fetch_named(query("dash_savings_months"), params)
    months = rows_as(SavingsMonth, columns, rows)
    columns, rows = session.fetch_named(query("dash_savings_kinds"), params)
    kinds = rows_as(SavingsKind, columns, rows)
    total, actions = fetch_page(session, OpenAction, "dash_open_actions", params)
    return CostCenterReport(
        report="cost-center",
        scope=scope,
        months=months,
        kinds=kinds,
        open_actions_total=total,
        open_actions=actions,
    )
