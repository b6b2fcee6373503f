"""E-mail delivery outcomes ingested through tenantdb.events.ingest: counted per tenant and UTC day once per batch."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from tenantdb.db import Session, connect
from tenantdb.errors import DatabaseError
from tenantdb.events.ids import stable_id
from tenantdb.events.ingest import IngestResult, Outcome, OutcomeKind, record_outcomes
from tests import recipes
from tests.modules.support import new_company

dsn = recipes.database_fixture(recipes.modules_applied(["events"]))  # every test starts with events applied


DAY = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
DAILY = (
    "SELECT tenant_id, day, batches, sent, delivered, bounced, spam, blocked, cost_impact FROM email_delivery_daily"
    " ORDER BY tenant_id, day"
)


@pytest.fixture
def events_db(session: Session) -> Session:
    return session


@pytest.fixture
def tenants(events_db: Session) -> tuple[UUID, UUID]:
    return UUID(new_company(events_db, "acme")), UUID(new_company(events_db, "globex"))


def outcome(tenant: UUID, kind: OutcomeKind, when: datetime = DAY, cost: str = "0") -> Outcome:
    return Outcome(tenant_id=tenant, occurred_at=when, kind=kind, cost=Decimal(cost))


def test_a_batch_is_counted_per_tenant_and_utc_day(events_db: Session, tenants: tuple[UUID, UUID]) -> None:
    acme, globex = tenants
    late = datetime(2026, 3, 14, 23, 59, tzinfo=UTC)
    next_day_in_utc = datetime(2026, 3, 14, 23, 30, tzinfo=UTC) + timedelta(hours=1)  # 00:30 UTC on the 15th
    batch = uuid4()
    result = record_outcomes(
        events_db,
        batch,
        [
            outcome(acme, OutcomeKind.SENT, cost="0.001"),
            outcome(acme, OutcomeKind.DELIVERED, late),
            outcome(acme, OutcomeKind.BOUNCED, cost="0.0015"),
            outcome(acme, OutcomeKind.SPAM, cost="0.002"),
            outcome(acme, OutcomeKind.BLOCKED, next_day_in_utc, cost="0.004"),
            outcome(globex, OutcomeKind.SENT),
        ],
    )
    assert result == IngestResult(batch_id=batch, outcomes=6, counted=6)
    assert not result.replayed
    rows = {(row[0], str(row[1])): row[2:] for row in events_db.fetch_all(DAILY)}
    assert rows == {
        (acme, "2026-03-14"): (1, 1, 1, 1, 1, 0, Decimal("0.003500")),  # bounced and spam cost; sent is not a loss
        (acme, "2026-03-15"): (1, 0, 0, 0, 0, 1, Decimal("0.004000")),
        (globex, "2026-03-14"): (1, 1, 0, 0, 0, 0, Decimal("0.000000")),
    }


def test_one_email_delivery_outcome_event_per_tenant_day_and_batch(
    events_db: Session, tenants: tuple[UUID, UUID]
) -> None:
    acme, globex = tenants
    batch = uuid4()
    record_outcomes(events_db, batch, [outcome(acme, OutcomeKind.SENT), outcome(acme, OutcomeKind.BOUNCED, cost="1")])
    record_outcomes(events_db, uuid4(), [outcome(acme, OutcomeKind.SENT), outcome(globex, OutcomeKind.SENT)])
    events = events_db.fetch_all(
        "SELECT event_id, tenant_id, occurred_at, properties FROM business_events"
        " WHERE event = 'email_delivery_outcome' AND properties ->> 'batch_id' = %s",
        (str(batch),),
    )
    assert len(events) == 1
    event_id, tenant_id, occurred_at, properties = events[0]
    assert event_id == stable_id("email_delivery_outcome", str(acme), "2026-03-14", str(batch))
    assert tenant_id == acme and occurred_at == datetime(2026, 3, 14, tzinfo=UTC)
    assert properties["sent"] == 1 and properties["bounced"] == 1 and Decimal(str(properties["cost_impact"])) == 1
    assert events_db.fetch_value("SELECT count(*) FROM business_events WHERE event = 'email_delivery_outcome'") == 3


def test_a_replayed_batch_counts_nothing(events_db: Session, tenants: tuple[UUID, UUID]) -> None:
    acme, globex = tenants
    batch = uuid4()
    outcomes = [outcome(acme, OutcomeKind.SENT), outcome(globex, OutcomeKind.BLOCKED, cost="0.01")]
    first = record_outcomes(events_db, batch, outcomes)
    before = events_db.fetch_all(DAILY), events_db.fetch_value("SELECT count(*) FROM business_events")
    again = record_outcomes(events_db, batch, outcomes)
    assert first.counted == 2 and not first.replayed
    assert again == IngestResult(batch_id=batch, outcomes=2, counted=0)
    assert again.replayed
    assert (events_db.fetch_all(DAILY), events_db.fetch_value("SELECT count(*) FROM business_events")) == before


def test_a_replay_with_other_days_adds_only_the_new_days(events_db: Session, tenants: tuple[UUID, UUID]) -> None:
    """The guard is per (tenant, day, batch): a batch re-sent with outcomes of another day counts that day only."""
    acme, _ = tenants
    batch = uuid4()
    record_outcomes(events_db, batch, [outcome(acme, OutcomeKind.SENT)])
    grown = record_outcomes(
        events_db, batch, [outcome(acme, OutcomeKind.SENT), outcome(acme, OutcomeKind.SENT, DAY + timedelta(days=1))]
    )
    assert grown.counted == 1
    assert [row[3] for row in events_db.fetch_all(DAILY)] == [1, 1]


def test_an_empty_batch_counts_nothing_and_is_no_replay(events_db: Session) -> None:
    batch = uuid4()
    assert record_outcomes(events_db, batch, []) == IngestResult(batch_id=batch, outcomes=0, counted=0)
    assert not record_outcomes(events_db, batch, []).replayed


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"cost": Decimal("-0.01")}, "cost -0.01"),
        ({"kind": "opened"}, "outcome opened"),
        ({"occurred_at": datetime(2026, 3, 14, 9, 30)}, "without a time zone"),
        ({"cost": Decimal("NaN")}, "cost NaN"),
    ],
)
def test_a_bad_element_fails_the_whole_batch_and_changes_nothing(
    events_db: Session, tenants: tuple[UUID, UUID], bad: dict[str, object], message: str
) -> None:
    acme, globex = tenants
    record_outcomes(events_db, uuid4(), [outcome(acme, OutcomeKind.SENT)])
    before = events_db.fetch_all(DAILY), events_db.fetch_value("SELECT count(*) FROM business_events")
    good = outcome(globex, OutcomeKind.DELIVERED)
    fields = {"tenant_id": acme, "occurred_at": DAY, "kind": OutcomeKind.BOUNCED, "cost": Decimal(0)} | bad
    broken = Outcome(**fields)  # type: ignore[arg-type]
    with pytest.raises(DatabaseError) as error:
        record_outcomes(events_db, uuid4(), [good, broken, good])
    assert error.value.sqlstate == "22023"
    assert "bad e-mail delivery outcome" in str(error.value) and message in str(error.value)
    assert error.value.hint
    assert (events_db.fetch_all(DAILY), events_db.fetch_value("SELECT count(*) FROM business_events")) == before
    assert not events_db.in_transaction


def test_an_unknown_tenant_fails_the_whole_batch(events_db: Session, tenants: tuple[UUID, UUID]) -> None:
    acme, _ = tenants
    with pytest.raises(DatabaseError) as error:
        record_outcomes(events_db, uuid4(), [outcome(acme, OutcomeKind.SENT), outcome(uuid4(), OutcomeKind.SENT)])
    assert error.value.sqlstate == "23503"
    assert events_db.fetch_all(DAILY) == []


def test_outcome_kinds_are_the_five_of_the_plan() -> None:
    assert [kind.value for kind in OutcomeKind] == ["sent", "delivered", "bounced", "spam", "blocked"]
    assert Outcome(tenant_id=uuid4(), occurred_at=DAY, kind=OutcomeKind.SENT).cost == Decimal(0)


@pytest.mark.parametrize("first_commits", [True, False])
def test_a_concurrent_copy_of_a_batch_waits_for_the_first_and_counts_once(
    dsn: str, events_db: Session, tenants: tuple[UUID, UUID], first_commits: bool
) -> None:
    acme, globex = tenants
    batch = uuid4()
    outcomes = [outcome(acme, OutcomeKind.SENT), outcome(globex, OutcomeKind.SPAM, cost="0.5")]
    results: list[IngestResult] = []
    with connect(dsn) as first, connect(dsn) as second:
        first.execute("BEGIN")
        assert record_outcomes(first, batch, outcomes).counted == 2

        def copy() -> None:
            with second.transaction():
                results.append(record_outcomes(second, batch, outcomes))

        thread = threading.Thread(target=copy)
        thread.start()
        thread.join(timeout=0.5)
        assert thread.is_alive()  # waiting on the first copy's uncommitted rows
        first.execute("COMMIT" if first_commits else "ROLLBACK")
        thread.join(timeout=10)
    assert [result.counted for result in results] == [0 if first_commits else 2]
    assert {row[0]: row[3] for row in events_db.fetch_all(DAILY)} == {acme: 1, globex: 0}
    assert events_db.fetch_value("SELECT sum(batches) FROM email_delivery_daily") == 2


def test_an_outcome_may_stand_for_many_emails(events_db: Session, tenants: tuple[UUID, UUID]) -> None:
    """A sender that already counts (or a seed, a backfill) sends one element per kind with its count; cost is
    then what all of them cost."""
    acme, _ = tenants
    batch = uuid4()
    result = record_outcomes(
        events_db,
        batch,
        [
            Outcome(tenant_id=acme, occurred_at=DAY, kind=OutcomeKind.SENT, count=10_000, cost=Decimal("1.20")),
            Outcome(tenant_id=acme, occurred_at=DAY, kind=OutcomeKind.DELIVERED, count=9_700),
            Outcome(tenant_id=acme, occurred_at=DAY, kind=OutcomeKind.BOUNCED, count=250, cost=Decimal("0.03")),
            outcome(acme, OutcomeKind.SPAM, cost="0.0001"),
        ],
    )
    assert result == IngestResult(batch_id=batch, outcomes=19_951, counted=19_951)
    assert events_db.fetch_all(DAILY) == [(acme, DAY.date(), 1, 10_000, 9_700, 250, 1, 0, Decimal("0.030100"))]


@pytest.mark.parametrize("count", [0, -1])
def test_a_count_below_one_fails_the_batch(events_db: Session, tenants: tuple[UUID, UUID], count: int) -> None:
    acme, _ = tenants
    with pytest.raises(DatabaseError) as error:
        record_outcomes(
            events_db, uuid4(), [Outcome(tenant_id=acme, occurred_at=DAY, kind=OutcomeKind.SENT, count=count)]
        )
    assert error.value.sqlstate == "22023" and f"count {count}" in str(error.value)
    assert events_db.fetch_all(DAILY) == []
