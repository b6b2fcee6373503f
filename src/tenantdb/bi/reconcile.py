"""Reconciliation of one month to providers' invoices: modeled against invoiced, drift split exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tenantdb.bi.currency import REPORTING_CURRENCY
from tenantdb.bi.statements import statement
from tenantdb.db import Session

DEFAULT_TOLERANCE = Decimal("0.02")


def reconcile_month(session: Session, month: date, tolerance: Decimal = DEFAULT_TOLERANCE) -> int:
    """Replace the month's rows of ``bi_reconciliation``; how many providers invoiced the month.

    Runs in the caller's transaction, after :func:`tenantdb.bi.allocation.prepare_month` (it matches invoice lines
    against the month's resources). A month is flagged beyond ``tolerance`` (a ratio: 0.02 is 2 %) or with a line
    that matches no resource.
    """
    session.execute("DELETE FROM bi_reconciliation WHERE month = %(month)s", {"month": month})
    params = {"month": month, "tolerance": tolerance, "currency": REPORTING_CURRENCY}
    return session.execute_count(statement("reconciliation"), params)
