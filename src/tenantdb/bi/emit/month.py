"""What a month's refresh records and emits, in the month's transaction: revenue at risk, the recommended actions,
each customer's efficiency and PostHog group, and the realized savings of the optimizations done before the month.

One set-based statement per kind (``sql/emit_*.sql``, ``sql/results_month.sql``) over the month's figures and
actions, computed once into temporary tables. Ids and times are stable, so a re-run never emits an event twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, LiteralString

from tenantdb.bi.reports.common import (
    DEFAULT_MARGIN_TARGET,
    DEFAULT_MIN_VOLUME,
    REVENUE_BASIS,
    REVENUE_BASIS_NOTE,
    ReportScope,
    query,
    scope_params,
)
from tenantdb.bi.reports.figures import with_context
from tenantdb.bi.statements import statement
from tenantdb.db import Session

# The month's figures and every recommended action, for the default report options (what the executive report
# shows): temporary tables each statement below reads, dropped with the transaction.
_CLEAR: LiteralString = "DROP TABLE IF EXISTS pg_temp.bi_emit_figures, pg_temp.bi_emit_actions"
_FIGURES: LiteralString = "CREATE TEMPORARY TABLE bi_emit_figures ON COMMIT DROP AS\n"
_ACTIONS: LiteralString = "CREATE TEMPORARY TABLE bi_emit_actions ON COMMIT DROP AS\n"
_STORED_FIGURES: LiteralString = "SELECT * FROM pg_temp.bi_emit_figures"
# When the month's events occur: now, or the month's last instant (UTC) for a month that has ended.
_OCCURRED_AT: LiteralString = (
    "SELECT least(now(), (%s::date + interval '1 month')::timestamp AT TIME ZONE 'UTC' - interval '1 microsecond')"
)


_EMITS: LiteralString = (
    "SELECT to_regprocedure('tenantdb_events_emit_all(uuid[], timestamptz[], text[], uuid[], jsonb[])') IS NOT NULL"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthEvents:
    """Rows a month's refresh wrote (inserted or changed) and events it emitted, per kind."""

    revenue_impacts: int
    cost_optimizations: int
    efficiency_metrics: int
    results: int
    emitted: int


def emits(session: Session) -> bool:
    """Whether module events is applied up to what the refresh uses (a database whose module bi predates it, or
    whose events are not migrated yet, records nothing until ``tenantdb migrate up``)."""
    return bool(session.fetch_value(_EMITS))


def emit_month(session: Session, month: date) -> MonthEvents:
    """Record and emit what the month's rollups show, inside the caller's transaction, after its rollups (as the
    role that refreshes)."""
    scope = ReportScope(
        database=session.database,
        month=month,
        revenue_basis=REVENUE_BASIS,
        revenue_basis_note=REVENUE_BASIS_NOTE,
        margin_target=DEFAULT_MARGIN_TARGET,
        min_volume=DEFAULT_MIN_VOLUME,
        refreshed_at=None,
    )
    params: dict[str, Any] = scope_params(scope) | {"actions_limit": None}
    session.execute(_CLEAR)
    session.execute(_FIGURES + query("tenant_figures"), params)
    session.execute(_actions(), params)
    params["occurred_at"] = session.fetch_value(_OCCURRED_AT, (month,))
    impacts, impact_events = _run(session, "emit_revenue_impacts", params)
    optimizations, optimization_events = _run(session, "emit_cost_optimizations", params)
    efficiency, efficiency_events = _run(session, "emit_efficiency_metrics", params)
    group_events = int(session.fetch_value(statement("emit_groups"), params))
    results = session.execute_count(statement("results_month"), params)
    return MonthEvents(
        revenue_impacts=impacts,
        cost_optimizations=optimizations,
        efficiency_metrics=efficiency,
        results=results,
        emitted=impact_events + optimization_events + efficiency_events + group_events,
    )


@cache
def _actions() -> LiteralString:
    """The report's actions (``reports/sql/actions.sql``, no limit) over the figures just stored rather than computed
    again: the CTEs it selects from, as :mod:`tenantdb.bi.reports.figures` composes them for the reports."""
    return _ACTIONS + with_context("actions", figures=_STORED_FIGURES)


def _run(session: Session, name: str, params: dict[str, Any]) -> tuple[int, int]:
    """A statement that writes rows and emits events: (rows written, events emitted)."""
    row = session.fetch_one(statement(name), params)
    assert row is not None
    return int(row[0]), int(row[1])
