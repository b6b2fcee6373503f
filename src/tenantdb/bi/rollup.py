"""Per-customer figures of one month (``bi_tenant_monthly``): cost by kind, revenue (recognized, cash, deferred),
volume, plan."""

from __future__ import annotations

from datetime import date

from tenantdb.bi.currency import REPORTING_CURRENCY
from tenantdb.bi.statements import statement
from tenantdb.db import Session


def summarize_month(session: Session, month: date) -> int:
    """Replace the month's rows of ``bi_tenant_monthly`` from its allocation lines; how many customers it has.

    Runs in the caller's transaction, after :func:`tenantdb.bi.allocation.allocate_month`.
    """
    session.execute("DELETE FROM bi_tenant_monthly WHERE month = %(month)s", {"month": month})
    return session.execute_count(statement("tenant_monthly"), {"month": month, "currency": REPORTING_CURRENCY})
