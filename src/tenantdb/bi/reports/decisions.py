"""``tenantdb report decisions``: the Strategic Decision Tracker — decisions opened and decided in the month, the
velocity (median and 90th percentile of the days from opened to decided, with its monthly trend), outcomes, and the
month's decisions. Reads module events' ``strategic_decisions`` (``tenantdb decisions``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from tenantdb.bi.reports.common import ReportOptions, ReportScope, query, resolve_scope
from tenantdb.bi.reports.events_tables import require_readable
from tenantdb.bi.reports.figures import rows_as
from tenantdb.bi.reports.pages import fetch_page
from tenantdb.bi.reports.portfolio_trend import first_month
from tenantdb.db import Session


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionMonth:
    """A month (UTC): opened, decided, still open at its end; days to decide of those decided in it."""

    month: date
    opened: int
    decided: int
    open_at_month_end: int
    median_days: Decimal | None
    p90_days: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OutcomeCount:
    outcome: str  # approved, rejected, deferred
    decisions: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    decision_id: UUID
    tenant_id: UUID | None  # None: a company-wide decision
    company_name: str | None
    title: str
    category: str
    opened_at: datetime
    decided_at: datetime | None
    outcome: str | None
    expected_value: Decimal | None
    days_to_decide: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DecisionsReport:
    """The month's figures (its row of ``trend``); ``decisions``: opened or decided in the month or open at its end,
    the first ``limit`` in keyset order ``(opened_at DESC, decision_id)`` after the decision ``after`` (the cursor: the
    last one's id), of ``decisions_total``."""

    report: str
    scope: ReportScope
    opened: int
    decided: int
    open_at_month_end: int
    median_days: Decimal | None
    p90_days: Decimal | None
    outcomes: tuple[OutcomeCount, ...]
    trend: tuple[DecisionMonth, ...]
    decisions_total: int
    decisions: tuple[Decision, ...]


def build(session: Session, options: ReportOptions) -> DecisionsReport:
    scope = resolve_scope(session, options)
    require_readable(session, "strategic_decisions")
    params = {
        "month": scope.month,
        "first_month": first_month(scope.month, options.months),
        "limit": options.limit,
        "after": options.after,
    }
    columns, rows = session.fetch_named(query("dash_decision_months"), params)
    trend = rows_as(DecisionMonth, columns, rows)
    this = trend[-1]
    columns, rows = session.fetch_named(query("dash_decision_outcomes"), params)
    outcomes = rows_as(OutcomeCount, columns, rows)
    total, decisions = fetch_page(session, Decision, "dash_decision_list", params)
    return DecisionsReport(
        report="decisions",
        scope=scope,
        opened=this.opened,
        decided=this.decided,
        open_at_month_end=this.open_at_month_end,
        median_days=this.median_days,
        p90_days=this.p90_days,
        outcomes=outcomes,
        trend=trend,
        decisions_total=total,
        decisions=decisions,
    )
