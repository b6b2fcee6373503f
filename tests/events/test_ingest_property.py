"""Property: under concurrent ingest and replays, email_delivery_daily equals the raw outcomes counted in Python.

Random outcome streams are split into batches and ingested from several connections at once, with random replays
(a batch sent again later, or at the same time as its first copy). Afterwards every daily row equals the raw
counts, every daily row is the sum of its batches, there is one email_delivery_outcome event per (tenant, day,
batch), and no ingest failed (a deadlock would).
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenantdb.db import Session, connect
from tenantdb.events.ingest import Outcome, OutcomeKind, record_outcomes
from tests import recipes
from tests.modules.support import new_company

dsn = recipes.database_fixture(recipes.modules_applied(["events"]))  # every test starts with events applied


WORKERS = 3
START = datetime(2026, 1, 31, 20, 0, tzinfo=UTC)  # the days cross a month boundary
COSTLY = {OutcomeKind.BOUNCED, OutcomeKind.SPAM, OutcomeKind.BLOCKED}


@pytest.fixture
def world(dsn: str, session: Session) -> Iterator[tuple[str, Session, list[UUID]]]:
    tenants = [UUID(new_company(session, f"tenant-{n}")) for n in range(4)]
    yield dsn, session, tenants


outcome_tuples = st.tuples(
    st.integers(0, 3),  # tenant
    st.integers(0, 60 * 60 * 24 * 3),  # seconds after START: four UTC days, two months
    st.sampled_from(list(OutcomeKind)),
    st.integers(0, 5000),  # cost in millionths of a dollar
    st.sampled_from([1, 1, 1, 2, 1000]),  # e-mails the element stands for
)


@st.composite
def schedules(draw: st.DrawFn) -> tuple[list[list[tuple[int, int, OutcomeKind, int, int]]], list[int]]:
    """Batches of outcomes, and the order batches are sent in (indexes; a batch may appear more than once)."""
    stream = draw(st.lists(outcome_tuples, min_size=0, max_size=300))
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    bounds = [0, *cuts, len(stream)]
    batches = [stream[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    order = list(range(len(batches)))
    replays = draw(st.lists(st.integers(0, max(len(batches) - 1, 0)), max_size=6)) if batches else []
    for replay in replays:  # right after the original (likely concurrent with it) or anywhere later
        order.insert(draw(st.integers(order.index(replay), len(order))), replay)
    return batches, order


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(schedule=schedules())
def test_daily_aggregates_equal_the_raw_outcomes_under_concurrent_ingest_and_replays(
    world: tuple[str, Session, list[UUID]],
    schedule: tuple[list[list[tuple[int, int, OutcomeKind, int, int]]], list[int]],
) -> None:
    dsn, admin, tenants = world
    admin.execute("TRUNCATE email_delivery_batches, email_delivery_daily, business_events")
    raw_batches, order = schedule
    batches = [
        (
            uuid4(),
            [
                Outcome(
                    tenant_id=tenants[t],
                    occurred_at=START + timedelta(seconds=s),
                    kind=kind,
                    cost=Decimal(cost) / 1_000_000,
                    count=count,
                )
                for t, s, kind, cost, count in batch
            ],
        )
        for batch in raw_batches
    ]
    work: queue.Queue[int] = queue.Queue()
    for index in order:
        work.put(index)
    failures: list[BaseException] = []

    def worker() -> None:
        with connect(dsn, application_name="tenantdb ingest property") as session:
            while True:
                try:
                    index = work.get_nowait()
                except queue.Empty:
                    return
                batch_id, outcomes = batches[index]
                try:
                    with session.transaction():
                        record_outcomes(session, batch_id, outcomes)
                except BaseException as error:  # noqa: BLE001 - reported below, with every other failure
                    failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []

    expected: dict[tuple[UUID, date], Counter[str]] = defaultdict(Counter)
    expected_cost: dict[tuple[UUID, date], Decimal] = defaultdict(Decimal)
    expected_events: set[tuple[UUID, date, UUID]] = set()
    for batch_id, outcomes in batches:
        for item in outcomes:
            key = (item.tenant_id, item.occurred_at.astimezone(UTC).date())
            expected[key][str(item.kind)] += item.count
            if item.kind in COSTLY:
                expected_cost[key] += item.cost
            expected_events.add((*key, batch_id))
    daily = {
        (row[0], row[1]): row[2:]
        for row in admin.fetch_all(
            "SELECT tenant_id, day, sent, delivered, bounced, spam, blocked, cost_impact, batches"
            " FROM email_delivery_daily"
        )
    }
    assert daily == {
        key: (
            *(counts[kind.value] for kind in OutcomeKind),
            expected_cost[key],
            len({batch for tenant, day, batch in expected_events if (tenant, day) == key}),
        )
        for key, counts in expected.items()
    }
    mismatched = admin.fetch_all(
        "SELECT d.tenant_id, d.day FROM email_delivery_daily d"
        " LEFT JOIN (SELECT tenant_id, day, count(*) AS batches, sum(sent) AS sent, sum(delivered) AS delivered,"
        " sum(bounced) AS bounced, sum(spam) AS spam, sum(blocked) AS blocked, sum(cost_impact) AS cost_impact"
        " FROM email_delivery_batches GROUP BY tenant_id, day) b USING (tenant_id, day)"
        " WHERE (d.batches, d.sent, d.delivered, d.bounced, d.spam, d.blocked, d.cost_impact)"
        " IS DISTINCT FROM (b.batches, b.sent, b.delivered, b.bounced, b.spam, b.blocked, b.cost_impact)"
    )
    assert mismatched == []
    events = admin.fetch_all(
        "SELECT tenant_id, (properties ->> 'day')::date, (properties ->> 'batch_id')::uuid FROM business_events"
        " WHERE event = 'email_delivery_outcome'"
    )
    assert sorted(events) == sorted(expected_events)
