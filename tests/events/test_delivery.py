"""Delivery from the business_events outbox to a local capture server with the real ``posthog`` client.

What the client sends (batch, uuid, timestamp, distinct_id, groups, properties, api_key), group_identify, retries
after a 500 with backoff recorded in the outbox, leases, concurrent flushes, and writers never waiting for a flush.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from tenantdb.config import PostHogSettings
from tenantdb.db import Session, connect
from tenantdb.events.delivery import PostHogSender, deliver
from tenantdb.events.outbox import make_pending, take_due
from tests.events.capture_server import CaptureServer, capture_server
from tests.modules.support import apply_modules

__all__ = ["capture_server"]

KEY = "phc_test_key_never_stored"
JUNE = datetime(2025, 6, 3, 10, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def outbox(dsn: str) -> Iterator[Session]:
    with connect(dsn, application_name="tenantdb test") as session:
        apply_modules(session, "events")
        yield session


def company(session: Session, slug: str) -> UUID:
    found = session.fetch_value(
        "INSERT INTO companies (name, slug) VALUES (%s, %s) RETURNING id", (slug.title() + " Inc", slug)
    )
    assert isinstance(found, UUID)
    return found


def emit(
    session: Session,
    event: str,
    tenant: UUID | None,
    properties: dict[str, Any],
    occurred_at: datetime = JUNE,
) -> UUID:
    event_id = uuid4()
    added = session.fetch_value(
        "SELECT tenantdb_events_emit(%s, %s, %s, %s, %s::jsonb)",
        (event_id, occurred_at, event, tenant, json.dumps(properties)),
    )
    assert added is True
    return event_id


def settings_for(server: CaptureServer, lease: timedelta = timedelta(minutes=5)) -> PostHogSettings:
    return PostHogSettings(api_key=KEY, host=server.url, lease=lease, timeout=timedelta(seconds=10))


def flush(session: Session, settings: PostHogSettings, batch_size: int = 500) -> Any:
    sender = PostHogSender(settings, batch_size=batch_size)
    try:
        return deliver(session, sender, lease=settings.lease, batch_size=batch_size)
    finally:
        sender.close()


def outbox_rows(session: Session) -> dict[UUID, tuple[Any, ...]]:
    rows = session.fetch_all(
        "SELECT event_id, delivered_at, attempts, last_error, next_attempt_at - now(), leased_until"
        " FROM business_events"
    )
    return {row[0]: row[1:] for row in rows}


def backoffs(session: Session, before: datetime, after: datetime, seconds: float = 1) -> tuple[bool, bool]:
    """Whether every pending event's next attempt is at least half of ``seconds`` after ``before`` (the failure was
    marked after it) and at most ``seconds`` after ``after`` (it was marked before it)."""
    row = session.fetch_one(
        "SELECT bool_and(next_attempt_at >= %(before)s + %(half)s), bool_and(next_attempt_at <= %(after)s + %(full)s)"
        " FROM business_events WHERE delivered_at IS NULL",
        {"before": before, "after": after, "half": timedelta(seconds=seconds / 2), "full": timedelta(seconds=seconds)},
    )
    assert row is not None
    return row[0], row[1]


def test_a_flush_sends_every_due_event_once_with_its_uuid_timestamp_tenant_and_group(
    outbox: Session, capture_server: CaptureServer
) -> None:
    acme, globex = company(outbox, "acme"), company(outbox, "globex")
    impact = emit(outbox, "revenue_impact", acme, {"impact_type": "deliverability", "amount": "120.50"})
    saving = emit(outbox, "cost_optimization", globex, {"status": "recommended"}, JUNE + timedelta(hours=1))
    platform = emit(outbox, "efficiency_metrics", None, {"score": 87.5}, JUNE + timedelta(hours=2))

    run = flush(outbox, settings_for(capture_server))

    assert (run.taken, run.delivered, run.failed, run.stopped) == (3, 3, 0, None)
    requests = capture_server.requests
    assert {request.path for request in requests} == {"/batch/"}
    assert all(request.body["api_key"] == KEY for request in requests)
    assert all(request.headers.get("Content-Encoding") == "gzip" for request in requests)
    sent = {UUID(event["uuid"]): event for event in capture_server.accepted_events()}
    assert set(sent) == {impact, saving, platform}

    first = sent[impact]
    assert first["event"] == "revenue_impact"
    assert datetime.fromisoformat(first["timestamp"]) == JUNE
    assert first["distinct_id"] == str(acme)
    properties = first["properties"]
    assert properties["$groups"] == {"company": str(acme)}
    assert (properties["impact_type"], properties["amount"]) == ("deliverability", "120.50")
    assert (properties["tenant_slug"], properties["tenant_name"]) == ("acme", "Acme Inc")
    assert properties["$ignore_sent_at"] is True  # the timestamp is when it happened, not adjusted by sent_at
    assert sent[saving]["properties"]["$groups"] == {"company": str(globex)}
    assert sent[platform]["distinct_id"] == "tenantdb-platform"
    assert "$groups" not in sent[platform]["properties"]
    assert sent[platform]["properties"]["score"] == 87.5

    rows = outbox_rows(outbox)
    assert all(
        delivered is not None and attempts == 0 and leased is None
        for delivered, attempts, _, _, leased in rows.values()
    )
    assert flush(outbox, settings_for(capture_server)).taken == 0  # delivered events are not sent again
    assert len(capture_server.all_events()) == 3


def test_groupidentify_rows_become_group_identify_calls(outbox: Session, capture_server: CaptureServer) -> None:
    acme = company(outbox, "acme")
    group = {"plan": "Growth", "margin_band": "70-80%", "health": "healthy"}
    identified = emit(outbox, "$groupidentify", acme, group)

    assert flush(outbox, settings_for(capture_server)).delivered == 1

    [event] = capture_server.accepted_events()
    assert (UUID(event["uuid"]), event["event"], event["distinct_id"]) == (identified, "$groupidentify", str(acme))
    assert datetime.fromisoformat(event["timestamp"]) == JUNE
    properties = event["properties"]
    assert (properties["$group_type"], properties["$group_key"]) == ("company", str(acme))
    assert properties["$group_set"] == group


def test_after_a_500_the_batch_backs_off_and_a_later_flush_delivers_it(
    outbox: Session, capture_server: CaptureServer
) -> None:
    acme = company(outbox, "acme")
    ids = {emit(outbox, "revenue_impact", acme, {"n": n}, JUNE + timedelta(minutes=n)) for n in range(5)}
    settings = settings_for(capture_server)
    capture_server.fail(2)

    before = outbox.fetch_value("SELECT clock_timestamp()")
    failed = flush(outbox, settings)
    after = outbox.fetch_value("SELECT clock_timestamp()")
    assert (failed.taken, failed.delivered, failed.failed) == (5, 0, 5)
    assert failed.errors == ("PostHog answered 500: capture server says no",)
    for delivered, attempts, error, _, leased in outbox_rows(outbox).values():
        assert (delivered, attempts, leased) == (None, 1, None)
        assert error == "PostHog answered 500: capture server says no" and KEY not in error
    assert backoffs(outbox, before, after) == (True, True)  # 1 s after the failure, jittered down to half at most
    assert flush(outbox, settings).taken == 0  # nothing is due while it backs off

    outbox.execute("UPDATE business_events SET next_attempt_at = now()")  # the backoff has passed
    before = outbox.fetch_value("SELECT clock_timestamp()")
    again = flush(outbox, settings)
    after = outbox.fetch_value("SELECT clock_timestamp()")
    assert (again.delivered, again.failed) == (0, 5)
    assert {row[1] for row in outbox_rows(outbox).values()} == {2}
    assert backoffs(outbox, before, after, seconds=2) == (True, True)  # doubled

    outbox.execute("UPDATE business_events SET next_attempt_at = now()")
    delivered = flush(outbox, settings)
    assert (delivered.delivered, delivered.failed) == (5, 0)
    assert {UUID(event["uuid"]) for event in capture_server.accepted_events()} == ids
    assert len(capture_server.requests) == 3  # the client itself does not retry: the outbox does
    for delivered_at, attempts, error, _, _ in outbox_rows(outbox).values():
        assert delivered_at is not None and attempts == 2 and error is None


def test_an_unreachable_posthog_stops_the_flush_after_one_batch(outbox: Session, capture_server: CaptureServer) -> None:
    acme = company(outbox, "acme")
    for n in range(6):
        emit(outbox, "revenue_impact", acme, {"n": n}, JUNE + timedelta(minutes=n))
    url = capture_server.url
    capture_server.stop()  # nothing listens any more
    settings = PostHogSettings(api_key=KEY, host=url, timeout=timedelta(seconds=2))

    run = flush(outbox, settings, batch_size=2)

    assert (run.batches, run.taken, run.failed, run.delivered) == (1, 2, 2, 0)
    assert run.stopped is not None and "whole batch failed" in run.stopped
    assert "ConnectionError" in run.errors[0]
    attempts = sorted(row[1] for row in outbox_rows(outbox).values())
    assert attempts == [0, 0, 0, 0, 1, 1]


def test_a_leased_event_is_left_alone_until_its_lease_ends(outbox: Session) -> None:
    acme = company(outbox, "acme")
    emit(outbox, "revenue_impact", acme, {})

    first = take_due(outbox, limit=10, lease=timedelta(seconds=1))
    assert len(first.events) == 1 and first.until is not None
    assert take_due(outbox, limit=10, lease=timedelta(seconds=1)).events == ()
    outbox.execute("UPDATE business_events SET leased_until = now() - interval '1 ms'")  # the taker died
    again = take_due(outbox, limit=10, lease=timedelta(seconds=1))
    assert [event.event_id for event in again.events] == [event.event_id for event in first.events]


def test_concurrent_flushes_never_send_an_event_twice(outbox: Session, dsn: str, capture_server: CaptureServer) -> None:
    tenants = [company(outbox, f"t{n}") for n in range(5)]
    outbox.execute(
        "SELECT tenantdb_events_emit(gen_random_uuid(), %s + n * interval '1 second', 'revenue_impact',"
        " (%s::uuid[])[1 + n %% 5], jsonb_build_object('n', n)) FROM generate_series(1, 400) AS n",
        (JUNE, tenants),
    )
    capture_server.delay = 0.05
    settings = settings_for(capture_server)
    runs: list[Any] = []
    errors: list[BaseException] = []

    def flusher() -> None:
        try:
            with connect(dsn, application_name="tenantdb test flush") as session:
                runs.append(flush(session, settings, batch_size=25))
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    threads = [threading.Thread(target=flusher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    uuids = [event["uuid"] for event in capture_server.all_events()]
    assert len(uuids) == len(set(uuids)) == 400
    assert sum(run.delivered for run in runs) == 400
    assert sum(1 for run in runs if run.delivered) > 1  # they really shared the work
    assert outbox.fetch_value("SELECT count(*) FROM business_events WHERE delivered_at IS NULL") == 0


def test_a_writer_commits_while_a_flush_waits_on_a_slow_posthog(
    outbox: Session, dsn: str, capture_server: CaptureServer
) -> None:
    acme = company(outbox, "acme")
    stuck = emit(outbox, "revenue_impact", acme, {"n": 1})
    capture_server.delay = 20  # PostHog does not answer for a long while
    finished = threading.Event()

    with connect(dsn, application_name="tenantdb test stuck flush") as flushing:
        pid = flushing.pid

        def run() -> None:
            flush(flushing, settings_for(capture_server))
            finished.set()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        capture_server.wait_for(1)  # the batch is on the wire; the client waits for the answer

        state = outbox.fetch_value("SELECT state FROM pg_stat_activity WHERE pid = %s", (pid,))
        assert state == "idle"  # no transaction stays open while sending
        with outbox.transaction(lock_timeout=timedelta(seconds=1), statement_timeout=timedelta(seconds=2)):
            written = emit(outbox, "revenue_impact", acme, {"n": 2})
            outbox.execute(
                "UPDATE business_events SET properties = properties || '{\"seen\": true}' WHERE event_id = %s",
                (written,),
            )
        assert not finished.is_set()  # the writer committed while the flush was still waiting
        row = outbox.fetch_one(
            "SELECT leased_until > now(), delivered_at FROM business_events WHERE event_id = %s", (stuck,)
        )
        assert row == (True, None)
        capture_server.stop()  # answer now
        thread.join(timeout=30)
    assert finished.is_set()


def test_replayed_events_are_sent_again_with_the_same_uuid_and_payload(
    outbox: Session, capture_server: CaptureServer
) -> None:
    acme, globex = company(outbox, "acme"), company(outbox, "globex")
    emit(outbox, "revenue_impact", acme, {"amount": "10.00"})
    emit(outbox, "revenue_impact", globex, {"amount": "20.00"})
    emit(outbox, "strategic_decision", acme, {"decision": "move pool"}, JUNE + timedelta(days=40))
    settings = settings_for(capture_server)
    assert flush(outbox, settings).delivered == 3
    first = {event["uuid"]: event for event in capture_server.accepted_events()}

    with outbox.transaction():
        replayed = make_pending(
            outbox,
            since=JUNE - timedelta(days=1),
            until=JUNE + timedelta(days=1),
            event="revenue_impact",
            tenant_id=acme,
        )
    assert replayed == 1
    assert flush(outbox, settings).delivered == 1
    [resent] = capture_server.accepted_events()[3:]
    original = first[resent["uuid"]]
    for part in ("uuid", "timestamp", "event", "distinct_id", "properties"):
        assert json.dumps(resent[part], sort_keys=True) == json.dumps(original[part], sort_keys=True)


def test_an_operator_in_db_administrators_flushes_through_row_level_security(
    outbox: Session, dsn: str, capture_server: CaptureServer
) -> None:
    acme = company(outbox, "acme")
    emit(outbox, "revenue_impact", acme, {"n": 1})
    emit(outbox, "efficiency_metrics", None, {"score": 90})
    name = f"operator_{uuid4().hex[:8]}"
    outbox.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE db_administrators").format(sql.Identifier(name)))
    try:
        with connect(make_conninfo(dsn, user=name), application_name="tenantdb test operator") as operator:
            run = flush(operator, settings_for(capture_server))
            assert (run.delivered, run.failed) == (2, 0)
            sent = {event["distinct_id"]: event for event in capture_server.accepted_events()}
            assert sent[str(acme)]["properties"]["tenant_slug"] == "acme"  # it reads companies too
            with operator.transaction():
                assert make_pending(operator, since=JUNE - timedelta(days=1), until=JUNE + timedelta(days=1)) == 2
    finally:
        outbox.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def test_the_timestamp_is_sent_in_utc_whatever_the_sessions_time_zone(
    outbox: Session, capture_server: CaptureServer
) -> None:
    emit(outbox, "efficiency_metrics", None, {"score": 90})
    outbox.set_session("TimeZone", "Asia/Kolkata")  # another operator's flush, elsewhere: the same text

    assert flush(outbox, settings_for(capture_server)).delivered == 1

    [event] = capture_server.accepted_events()
    assert event["timestamp"] == "2025-06-03T10:30:15.123456+00:00"


def test_an_event_too_big_for_posthog_is_refused_before_sending_and_shows_as_failing(
    outbox: Session, capture_server: CaptureServer
) -> None:
    acme = company(outbox, "acme")
    huge = emit(outbox, "strategic_decision", acme, {"notes": "x" * (900 * 1024)})  # the client would drop it
    fine = emit(outbox, "strategic_decision", acme, {"notes": "short"})

    run = flush(outbox, settings_for(capture_server))

    assert (run.delivered, run.failed) == (1, 1)
    assert [UUID(event["uuid"]) for event in capture_server.all_events()] == [fine]
    rows = outbox_rows(outbox)
    assert rows[huge][0] is None and rows[huge][1] == 1
    assert rows[huge][2] == "properties over 800 KiB: PostHog refuses the event"


def test_a_batch_not_confirmed_within_the_drain_budget_stays_leased_to_be_sent_again(
    outbox: Session, capture_server: CaptureServer
) -> None:
    acme = company(outbox, "acme")
    for n in range(3):
        emit(outbox, "revenue_impact", acme, {"n": n}, JUNE + timedelta(minutes=n))
    capture_server.delay = 5  # longer than the flush waits for the client
    settings = settings_for(capture_server)
    sender = PostHogSender(settings, drain_budget=timedelta(milliseconds=500))
    try:
        run = deliver(outbox, sender, lease=settings.lease)
    finally:
        capture_server.release()
        sender.close()

    assert (run.taken, run.delivered, run.failed, run.unfinished) == (3, 0, 0, 3)
    rows = outbox_rows(outbox).values()
    assert all(delivered is None and attempts == 0 and leased is not None for delivered, attempts, _, _, leased in rows)
