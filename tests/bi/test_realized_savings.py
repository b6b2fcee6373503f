"""Realized savings are measured on the months after an optimization was done (issue 13): refreshing a month N gives
every optimization done before N began a cost_optimization_results row for N, remaining = what the same action for
the same subject is worth in N (0 when no longer recommended), realized = expected - remaining."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tenantdb.bi import RefreshRequest, refresh
from tenantdb.bi.emit import Transition, transition
from tenantdb.db import Session
from tests import recipes
from tests.bi.builders import JUNE, Rows
from tests.bi.test_events_emitted import events, table

APRIL, MAY = date(2025, 4, 1), date(2025, 5, 1)
dsn = recipes.database_fixture(recipes.modules_applied(["bi"]))  # every test starts with bi applied


DONE_IN_MAY = datetime(2025, 5, 10, 12, tzinfo=UTC)
# $100 a month for 1,000 e-mails an hour: 720,000 e-mails in a 30-day month, 744,000 in a 31-day one.
APRIL_IDLE = Decimal("98.61")  # 10,000 sent of 720,000: round(100 x (1 - 10,000 / 720,000), 2)


class Idle:
    """A customer whose dedicated server sent 10,000 e-mails in April (idle) and what June brings."""

    def __init__(self, rows: Rows, june_sent: int) -> None:
        self.rows = rows
        rows.company("platform-operator", operator=True)
        plan = rows.plan("Scale", "299.00")
        self.tenant = rows.company("idle")
        self.server = rows.vps(self.tenant, "100.00")
        rows.subscription(self.tenant, plan, start="2025-04-01")
        for month in ("04", "05", "06"):
            rows.ledger(self.tenant, "charge", "299.00", at=f"2025-{month}-02 10:00Z")
        rows.sending(self.tenant, "2025-04-10", 10_000, 10_000)
        rows.sending(self.tenant, "2025-05-10", 10_000, 10_000)
        rows.sending(self.tenant, "2025-06-10", june_sent, june_sent)
        rows.refresh(APRIL)

    def downsize(self, session: Session) -> dict[str, Any]:
        """Mark April's downsize_idle_dedicated done on 10 May; the optimization as recorded."""
        (april,) = [
            o
            for o in table(session, "cost_optimizations", "optimization_id")
            if o["kind"] == "downsize_idle_dedicated" and o["month"] == APRIL
        ]
        assert april["expected_savings"] == APRIL_IDLE
        with session.transaction():
            transition(session, str(april["optimization_id"]), Transition.DONE, at=DONE_IN_MAY)
        return april


def results(session: Session) -> list[dict[str, Any]]:
    return table(session, "cost_optimization_results", "optimization_id, month")


@pytest.fixture
def rows(session: Session) -> Rows:
    return Rows(session)


def test_a_problem_gone_the_next_month_realizes_everything_expected(session: Session, rows: Rows) -> None:
    idle = Idle(rows, june_sent=200_000)  # 200,000 of 720,000: no longer idle in June
    april = idle.downsize(session)
    rows.refresh(MAY, JUNE)
    (june,) = results(session)  # May began before it was done: not measured on May
    assert (june["optimization_id"], june["month"]) == (april["optimization_id"], JUNE)
    assert (june["remaining"], june["realized"]) == (Decimal("0.00"), APRIL_IDLE)


def test_a_partial_fix_realizes_the_difference(session: Session, rows: Rows) -> None:
    idle = Idle(rows, june_sent=100_000)  # still idle in June, less so
    idle.downsize(session)
    rows.refresh(JUNE)
    (june,) = results(session)
    remaining = Decimal("86.11")  # round(100 x (1 - 100,000 / 720,000), 2)
    assert (june["remaining"], june["realized"]) == (remaining, APRIL_IDLE - remaining)


def test_refreshing_again_gives_the_same_rows(session: Session, rows: Rows) -> None:
    idle = Idle(rows, june_sent=100_000)
    idle.downsize(session)
    rows.refresh(MAY, JUNE)
    first, emitted = results(session), events(session)
    assert first
    rows.refresh(JUNE)
    refresh(session, RefreshRequest(everything=True))
    assert results(session) == first
    assert events(session) == emitted


def test_a_retired_server_keeps_what_the_done_action_was_expected_to_save(session: Session, rows: Rows) -> None:
    """Downsized for good: the server is retired. A resource's status is current, so every month's figures lose it,
    April's too; April's done optimization keeps the saving it was expected to bring, and June realizes all of it."""
    idle = Idle(rows, june_sent=10_000)
    april = idle.downsize(session)
    session.execute("UPDATE vps_instances SET status = 'retired' WHERE vps_instance_id = %s", (idle.server,))
    refresh(session, RefreshRequest(everything=True))
    (kept,) = [
        o
        for o in table(session, "cost_optimizations", "optimization_id")
        if o["optimization_id"] == april["optimization_id"]
    ]
    assert (kept["status"], kept["expected_savings"]) == ("done", APRIL_IDLE)
    (june,) = results(session)
    assert (june["month"], june["remaining"], june["realized"]) == (JUNE, Decimal("0.00"), APRIL_IDLE)


def test_only_done_optimizations_are_measured(session: Session, rows: Rows) -> None:
    idle = Idle(rows, june_sent=10_000)
    others = [o for o in table(session, "cost_optimizations", "optimization_id") if o["month"] == APRIL]
    with session.transaction():
        transition(session, str(others[0]["optimization_id"]), Transition.ACCEPT)
    rows.refresh(JUNE)
    assert results(session) == []
    assert idle.tenant
