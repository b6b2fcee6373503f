"""Cost allocation of one month (docs/business-metrics.md): set-based, in PostgreSQL, to the cent.

Runs inside the caller's transaction. The month's resources with their cost come from the session's
``pg_temp.bi_month_resources(month)`` (an SQL function the planner inlines, so nothing is materialized); the
working tables ``bi_month_usage``, ``bi_month_lines`` and ``bi_month_units`` are temporary and dropped at
commit. ``bi_cost_allocation_lines`` gets the month's lines: one per tenant, cost kind and category of its
dedicated resources (and per pool of its warming IPs), carrying the resource count and the sum of the resources'
rounded costs; each pool unit's idle capacity; and the members' shares split by largest remainder, so every
unit's lines add up to its cost exactly. Resource lines are compared with what the month holds and only those
that changed are rewritten; the few thousand shares and idle lines are replaced.
"""

from __future__ import annotations

from datetime import date

from tenantdb.bi.statements import statement
from tenantdb.db import Session


def prepare_month(session: Session, month: date) -> None:
    """The session's resource-cost function, and each tenant's sending in the month (a temporary table)."""
    session.execute(statement("month_resources_function"))
    session.execute("DROP TABLE IF EXISTS pg_temp.bi_month_usage, pg_temp.bi_month_lines, pg_temp.bi_month_units")
    session.execute(statement("month_usage"), {"month": month})
    session.execute("ANALYZE pg_temp.bi_month_usage")


def allocate_month(session: Session, month: date) -> int:
    """Bring the month's allocation lines up to date; how many lines the month has. Needs :func:`prepare_month`."""
    month_only = {"month": month}
    session.execute(
        "DELETE FROM bi_cost_allocation_lines"
        " WHERE month = %(month)s AND category NOT IN ('dedicated', 'warmup_investment')",
        month_only,
    )
    lines = session.execute_count(statement("month_resource_lines"), month_only)
    if session.fetch_value(
        "SELECT EXISTS (SELECT FROM bi_cost_allocation_lines"
        " WHERE month = %(month)s AND category IN ('dedicated', 'warmup_investment'))",
        month_only,
    ):
        session.execute("ANALYZE pg_temp.bi_month_lines")
        session.execute(statement("stale_resource_lines"), month_only)
        # Hash anti-joins over the month's lines, not an index probe each.
        session.set_local("enable_mergejoin", "off")
        session.set_local("enable_nestloop", "off")
        session.execute(statement("new_resource_lines"), month_only)
        session.set_local("enable_mergejoin", "on")
        session.set_local("enable_nestloop", "on")
    else:  # the month's first refresh: nothing to compare with
        session.execute(statement("first_resource_lines"), month_only)
    session.execute(statement("month_units"), month_only)
    lines += session.execute_count(statement("idle_lines"), month_only)
    lines += session.execute_count(statement("share_lines"), month_only)
    return lines
