"""Which months an incremental refresh recomputes: the months the inputs' triggers noted in ``bi_changed_months``
(module bi, migration 0006), the months computed with other definitions, and the months never refreshed.

A note commits with the change that wrote it. A month's refresh deletes the month's notes before it reads any input
(:func:`consume`), under READ COMMITTED: a change committed by then is read by the refresh, and a change committed
later keeps its note for the next refresh. Notes of a change every month reads (``infinity``) are first spread into
a note per month (:func:`spread_every_month`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tenantdb.bi.statements import statement
from tenantdb.db import Session


def definitions(engine: str, tolerance: Decimal) -> str:
    """What a month's figures depend on besides the inputs: the engine's version and the tolerance."""
    return f"{engine} tolerance {tolerance}"


def spread_every_month(session: Session, months: list[date]) -> None:
    """In the caller's transaction: turn the notes of changes to every month into a note for each month with
    rollups or in ``months``. Waits for the months being refreshed to commit (SHARE lock on ``bi_refresh_state``,
    which each month's transaction holds in ROW EXCLUSIVE mode from its start), so none computed before the change
    is left out; only when there is such a note."""
    if session.fetch_value("SELECT EXISTS (SELECT FROM bi_changed_months WHERE month = 'infinity')"):
        session.execute("LOCK TABLE bi_refresh_state IN SHARE MODE")
        session.execute(statement("spread_every_month"), {"months": months})


def stale_months(session: Session, months: list[date], *, current: str) -> list[date]:
    """Those of ``months`` that were noted as changed, computed with other definitions than ``current``, or never
    refreshed (after :func:`spread_every_month`)."""
    rows = session.fetch_all(statement("stale_months"), {"months": months, "definitions": current})
    return [row[0] for row in rows]


def consume(session: Session, month: date) -> None:
    """First in a month's refresh transaction, before any read of the inputs: take the month's notes, and hold
    ``bi_refresh_state`` in ROW EXCLUSIVE mode so a spread of every-month notes waits for the month to commit."""
    session.execute("LOCK TABLE bi_refresh_state IN ROW EXCLUSIVE MODE")
    session.execute("DELETE FROM bi_changed_months WHERE month = %s", (month,))
