"""``tenantdb report trend``: the portfolio's last N months (revenue, modeled cost, margin, cost per 1,000 e-mails,
revenue at risk), each month's totals computed exactly as the executive report's key metrics (``sql/month_totals.sql``
over the months' modeled resources), so every figure equals that report's for the same month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, LiteralString

from tenantdb.bi.reports.common import (
    DEFAULT_MARGIN_TARGET,
    DEFAULT_MIN_VOLUME,
    REVENUE_BASIS,
    ReportOptions,
    ReportScope,
    query,
    resolve_scope,
    scope_params,
)
from tenantdb.bi.reports.executive import SUMMARY_READABLE, SUMMARY_VERSION, MonthTotals
from tenantdb.bi.reports.figures import model_from, parse_section, rows_as
from tenantdb.bi.statements import statement
from tenantdb.db import Session

# Every month's modeled resources (pg_temp.bi_month_resources' body with the month as a column), for each month
# from %(first_month)s to %(month)s: what month_totals.sql selects FROM as ``resources``.
_RESOURCES_OPEN: LiteralString = (
    "WITH resources AS (\nSELECT m.month, r.* FROM (SELECT generate_series(%(first_month)s::date, %(month)s::date,"
    " interval '1 month')::date) AS m (month)\nCROSS JOIN LATERAL (\n"
)
_RESOURCES_CLOSE: LiteralString = "\n) AS r\n)\nSELECT * FROM (\n"
_TOTALS_CLOSE: LiteralString = "\n) AS totals ORDER BY month"


@dataclass(frozen=True, slots=True, kw_only=True)
class TrendMonth:
    """One month of the portfolio: the executive report's key metrics of that month (cost: the platform's whole
    modeled cost) and the customers with revenue at risk."""

    month: date
    tenants: int
    revenue: Decimal
    cost: Decimal
    profit: Decimal
    gross_margin_ratio: Decimal | None
    emails_delivered: int
    cost_per_1000_delivered: Decimal | None
    revenue_at_risk: Decimal
    at_risk_tenants: int | None  # None: not counted (the efficiency view's trend, which does not show it)


@dataclass(frozen=True, slots=True, kw_only=True)
class PortfolioTrendReport:
    """Months oldest first: the last ``months`` months up to the report's month that have rollups."""

    report: str
    scope: ReportScope
    months: tuple[TrendMonth, ...]


def first_month(month: date, months: int) -> date:
    """The first of ``months`` months ending with ``month``."""
    index = month.year * 12 + month.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def _totals_query() -> LiteralString:
    body = statement("month_resources_function").split("$$")[1].replace("for_month", "m.month")
    return _RESOURCES_OPEN + body + _RESOURCES_CLOSE + query("month_totals") + _TOTALS_CLOSE


def _stored_totals(session: Session, scope: ReportScope, params: dict[str, Any]) -> tuple[MonthTotals, ...] | None:
    """The months' totals from ``bi_month_summary`` when every month of the range with rollups has a current row
    there for the report's options (the defaults only); None (compute live) otherwise."""
    defaults = (DEFAULT_MARGIN_TARGET, DEFAULT_MIN_VOLUME, REVENUE_BASIS)
    if (scope.margin_target, scope.min_volume, scope.revenue_basis) != defaults:
        return None
    if not session.fetch_value(SUMMARY_READABLE):
        return None
    stored = {
        month: model_from(MonthTotals, parse_section(f"[{total}]")[0])
        for month, total in session.fetch_all(query("dash_stored_totals"), params | {"version": SUMMARY_VERSION})
    }
    wanted = [m for (m,) in session.fetch_all(query("refreshed_months")) if params["first_month"] <= m <= scope.month]
    if any(month not in stored for month in wanted):
        return None
    return tuple(stored[month] for month in wanted)


def trend_months(session: Session, scope: ReportScope, months: int, *, at_risk: bool = True) -> tuple[TrendMonth, ...]:
    """The portfolio's months from ``months`` months back to the scope's month, oldest first: the totals the refresh
    stored (``bi_month_summary``) when they are current for the report's options, computed live otherwise."""
    params = scope_params(scope) | {"first_month": first_month(scope.month, months)}
    totals = _stored_totals(session, scope, params)
    if totals is None:
        columns, rows = session.fetch_named(_totals_query(), params)
        totals = rows_as(MonthTotals, columns, rows)
    counts = dict(session.fetch_all(query("dash_at_risk_months"), params)) if at_risk else None
    return tuple(
        TrendMonth(
            month=t.month,
            tenants=t.tenants,
            revenue=t.revenue,
            cost=t.cost,
            profit=t.profit,
            gross_margin_ratio=t.gross_margin_ratio,
            emails_delivered=t.emails_delivered,
            cost_per_1000_delivered=t.cost_per_1000_delivered,
            revenue_at_risk=t.revenue_at_risk,
            at_risk_tenants=None if counts is None else counts.get(t.month, 0),
        )
        for t in totals
    )


def build(session: Session, options: ReportOptions) -> PortfolioTrendReport:
    scope = resolve_scope(session, options)
    return PortfolioTrendReport(report="trend", scope=scope, months=trend_months(session, scope, options.months))
