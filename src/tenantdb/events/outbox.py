"""The outbox side of business_events: take due events under a lease, mark them delivered or failed, report, replay.

Every function is one short statement (taking is one transaction of its own, committed before anything is sent),
so a flush never holds a transaction open while it talks to PostHog and never blocks a writer. The SQL lives in
``sql/outbox_*.sql``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any, LiteralString
from uuid import UUID

from tenantdb.db import Session

BACKOFF_BASE = timedelta(seconds=1)
BACKOFF_CAP = timedelta(hours=1)
MAX_ERROR_LENGTH = 300


@cache
def statement(name: str) -> LiteralString:
    """The statement in ``sql/outbox_<name>.sql``."""
    path = resources.files("tenantdb.events").joinpath("sql").joinpath(f"outbox_{name}.sql")
    return path.read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxEvent:
    """One event as a flush sends it: its row, with the tenant's slug and name where there is a tenant."""

    event_id: UUID
    occurred_at: datetime
    event: str
    tenant_id: UUID | None
    tenant_slug: str | None
    tenant_name: str | None
    properties: Mapping[str, Any]
    attempts: int
    size: int = 0  # bytes of the properties as JSON text

    @property
    def key(self) -> tuple[UUID | None, UUID, datetime]:
        """The row's key."""
        return self.tenant_id, self.event_id, self.occurred_at


@dataclass(frozen=True, slots=True, kw_only=True)
class Lease:
    """Events taken by one flush until ``until`` (None when nothing was due)."""

    until: datetime | None
    events: tuple[OutboxEvent, ...]


def take_due(session: Session, *, limit: int, lease: timedelta) -> Lease:
    """Lease up to ``limit`` due events, oldest due first, in a transaction committed before returning."""
    with session.transaction():
        rows = session.fetch_all(statement("take"), {"limit": limit, "lease": lease})
    events = tuple(
        sorted(
            (
                OutboxEvent(
                    event_id=row[0],
                    occurred_at=row[1],
                    event=row[2],
                    tenant_id=row[3],
                    tenant_slug=row[4],
                    tenant_name=row[5],
                    properties=json.loads(row[6]),
                    attempts=row[7],
                    size=len(row[6].encode()),
                )
                for row in rows
            ),
            key=lambda event: (event.occurred_at, str(event.event_id)),
        )
    )
    return Lease(until=rows[0][8] if rows else None, events=events)


def _keys(events: Iterable[OutboxEvent]) -> dict[str, list[Any]]:
    listed = list(events)
    return {
        "tenant_ids": [event.tenant_id for event in listed],
        "event_ids": [event.event_id for event in listed],
        "occurred": [event.occurred_at for event in listed],
    }


def mark_delivered(session: Session, events: Sequence[OutboxEvent]) -> int:
    """Mark the events PostHog accepted delivered, in one statement; how many were still pending."""
    if not events:
        return 0
    return int(session.fetch_value(statement("delivered"), _keys(events)))


def mark_failed(session: Session, events: Sequence[OutboxEvent], *, lease: Lease, error: str) -> int:
    """One more attempt, the error, and the next attempt after backoff with jitter (while the lease is ours)."""
    if not events:
        return 0
    params = _keys(events) | {
        "error": error[:MAX_ERROR_LENGTH],
        "base": BACKOFF_BASE,
        "cap": BACKOFF_CAP,
        "leased_until": lease.until,
    }
    return int(session.fetch_value(statement("failed"), params))


def release(session: Session, events: Sequence[OutboxEvent], *, lease: Lease) -> int:
    """Give back events taken but not sent: due again at once, no attempt counted."""
    if not events:
        return 0
    return int(session.fetch_value(statement("release"), _keys(events) | {"leased_until": lease.until}))


@dataclass(frozen=True, slots=True, kw_only=True)
class EventCounts:
    """The outbox of one event name."""

    event: str
    pending: int  # not delivered yet: due, leased or backing off after a failure
    due: int  # pending and sendable now
    leased: int  # taken by a flush that is sending them
    failing: int  # pending after at least one failed attempt
    delivered: int
    max_attempts: int
    oldest_pending_recorded_at: datetime | None
    oldest_pending_age: timedelta | None
    last_error: str | None
    next_retry_at: datetime | None


def event_counts(session: Session) -> tuple[EventCounts, ...]:
    """The outbox by event name."""
    return tuple(
        EventCounts(
            event=row[0],
            pending=row[1],
            due=row[2],
            leased=row[3],
            failing=row[4],
            delivered=row[5],
            max_attempts=row[6] or 0,
            oldest_pending_recorded_at=row[7],
            oldest_pending_age=row[8],
            last_error=row[9],
            next_retry_at=row[10],
        )
        for row in session.fetch_all(statement("status"))
    )


def make_pending(
    session: Session, *, since: datetime, until: datetime, event: str | None = None, tenant_id: UUID | None = None
) -> int:
    """Make delivered events of ``[since, until)`` pending again (same uuid); how many."""
    params = {"since": since, "until": until, "event": event, "tenant_id": tenant_id}
    return session.execute_count(statement("replay"), params)


def pending_count(session: Session) -> int:
    """Events not delivered yet."""
    return int(session.fetch_value("SELECT count(*) FROM business_events WHERE delivered_at IS NULL"))


def has_event(session: Session, event: str) -> bool:
    """Whether any event of that name is in business_events."""
    return bool(session.fetch_value("SELECT EXISTS (SELECT FROM business_events WHERE event = %s)", (event,)))


def has_outbox(session: Session) -> bool:
    """Whether module events is applied (business_events exists)."""
    return bool(session.fetch_value("SELECT to_regclass('business_events') IS NOT NULL"))
