"""Cost allocation of one month (docs/business-metrics.md): set-based, in PostgreSQL, to the cent.

Runs inside the caller's transaction. The month's resources with their cost come from the session's
``pg_temp.bi_month_resources(month)`` (an SQL function the planner inlines, so nothing is materialized); the
small working tables ``bi_month_usage`` and ``bi_month_units`` are temporary and dropped at commit.
``bi_cost_allocation_lines`` gets the month's lines: one per dedicated resource (and per warming IP of a pool),
each pool unit's idle capacity, and the members' shares split by largest remainder, so every unit's lines add up
to its cost exactly.
"""

from __future__ import annotations

from datetime import date

from tenantdb.bi.statements import statement
from tenantdb.db import Session


def prepare_month(session: Session, month: date) -> None:
    """The session's resource-cost function, and each tenant's sending in the month (a temporary table)."""
    session.execute(statement("month_resources_function"))
    session.execute("DROP TABLE IF EXISTS pg_temp.bi_month_usage, pg_temp.bi_month_units")
    session.execute(statement("month_usage"), {"month": month})
    session.execute("ANALYZE pg_temp.bi_month_usage")


def allocate_month(session: Session, month: date) -> int:
    """Replace the month's allocation lines; how many lines it wrote. Needs :func:`prepare_month` first."""
    session.execute("DELETE FROM bi_cost_allocation_lines WHERE month = %(month)s", {"month": month})
    lines = session.execute_count(statement("resource_lines"), {"month": month})
    session.execute(statement("month_units"), {"month": month})
    lines += session.execute_count(statement("idle_lines"), {"month": month})
    lines += session.execute_count(statement("share_lines"), {"month": month})
    return lines
