"""Which months an incremental refresh recomputes: the months the inputs' triggers noted in ``bi_changed_months``
(module bi, migration 0006), the months computed with other definitions, and the months never refreshed.

A note commits with the change that wrote it. A month's refresh deletes the month's notes before it reads any input
(:func:`consume`), under READ COMMITTED: a change committed by then is read by the refresh, and a change committed
later keeps its note for the next refresh. Notes of a change every month reads (``infinity``) are first spread into
a note per month (:func:`spread_every_month`). A note says which kind of input changed (:class:`Input`), and the
month recomputes only the stages that read it (:data:`STAGES`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from tenantdb.bi.statements import statement
from tenantdb.db import Session


class Input(StrEnum):
    """What a note says changed (``bi_changed_months.input``)."""

    LEDGER = "ledger"  # billing_transactions
    SENDING = "sending"  # deliverability_daily
    INVOICES = "invoices"  # provider_invoices, provider_invoice_lines
    EVERYTHING = "everything"  # any other input, a TRUNCATE, a change spread to every month


class Stage(StrEnum):
    """The parts of a month's refresh; the month's summary is always rewritten."""

    ALLOCATION = "allocation"  # bi_cost_allocation_lines: resources, pools, rules, members, sending
    CUSTOMERS = "customers"  # bi_tenant_monthly: allocation lines, ledger, sending, resources, plans
    RECONCILIATION = "reconciliation"  # bi_reconciliation: invoices, resources


EVERY_STAGE = frozenset(Stage)
# The stages whose inputs include each kind of input (a stage after one it reads is included with it).
STAGES: dict[Input, frozenset[Stage]] = {
    Input.LEDGER: frozenset({Stage.CUSTOMERS}),
    Input.SENDING: frozenset({Stage.ALLOCATION, Stage.CUSTOMERS}),
    Input.INVOICES: frozenset({Stage.RECONCILIATION}),
    Input.EVERYTHING: EVERY_STAGE,
}


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


def consume(session: Session, month: date) -> frozenset[Stage]:
    """First in a month's refresh transaction, before any read of the inputs: take the month's notes, and hold
    ``bi_refresh_state`` in ROW EXCLUSIVE mode so a spread of every-month notes waits for the month to commit. The
    stages the notes taken call for: what changed since the month's last refresh, as far as they tell."""
    session.execute("LOCK TABLE bi_refresh_state IN ROW EXCLUSIVE MODE")
    taken = session.fetch_all("DELETE FROM bi_changed_months WHERE month = %s RETURNING input", (month,))
    return frozenset(stage for (name,) in taken for stage in STAGES[Input(name)])


def stages_due(session: Session, month: date, *, current: str, noted: frozenset[Stage]) -> frozenset[Stage]:
    """In the month's transaction: every stage when the month was never refreshed or computed with other
    definitions than ``current``, else the ``noted`` ones."""
    recorded = session.fetch_value("SELECT definitions FROM bi_refresh_state WHERE month = %s", (month,))
    return noted if recorded == current else EVERY_STAGE
