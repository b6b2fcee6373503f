"""Delivery of business events from the outbox to PostHog with the official ``posthog`` client.

A flush repeats: lease a batch of due events (committed), send it through the client (tenants as ``company``
groups, ``$groupidentify`` rows as ``group_identify``), wait for the client to drain, then mark what PostHog
accepted delivered in one statement and give what failed a backoff. At least once: an event is marked only after
its HTTP batch succeeded, and a resend carries the same uuid, timestamp, distinct_id and properties, which is what
PostHog deduplicates on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from typing import Any, Protocol
from uuid import UUID

from tenantdb.config import PostHogSettings
from tenantdb.db import Session
from tenantdb.events.outbox import (
    Lease,
    OutboxEvent,
    mark_delivered,
    mark_failed,
    release,
    take_due,
)

PLATFORM_DISTINCT_ID = "tenantdb-platform"
GROUP_TYPE = "company"
GROUP_IDENTIFY = "$groupidentify"
DEFAULT_BATCH_SIZE = 500
# The client drops an event over 900 KiB without telling on_error; refuse it first so that it is never marked sent.
MAX_EVENT_BYTES = 800 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class SendResult:
    """What the client reported for a batch: failed events with the error, and events it did not finish."""

    failed: Mapping[UUID, str] = field(default_factory=dict)
    unfinished: frozenset[UUID] = frozenset()


class Sender(Protocol):
    """Sends a batch of outbox events and says which failed."""

    def send(self, events: Sequence[OutboxEvent]) -> SendResult: ...

    def close(self) -> None: ...


def capture_arguments(event: OutboxEvent) -> dict[str, Any]:
    """The keyword arguments of ``Posthog.capture`` (or ``group_identify``) for an event; the same on every send."""
    tenant = str(event.tenant_id) if event.tenant_id else None
    timestamp = event.occurred_at.astimezone(UTC)  # the same text whatever the session's TimeZone
    if event.event == GROUP_IDENTIFY:
        return {
            "group_type": GROUP_TYPE,
            "group_key": tenant,
            "properties": dict(event.properties),
            "timestamp": timestamp,
            "uuid": str(event.event_id),
            "distinct_id": tenant,  # the client would make up a random one, which a resend could not repeat
        }
    properties: dict[str, Any] = dict(event.properties)
    if tenant:
        properties |= {"tenant_id": tenant, "tenant_slug": event.tenant_slug, "tenant_name": event.tenant_name}
    # The event happened at occurred_at, maybe long before it is sent: no clock-skew adjustment from sent_at, so
    # that every resend has the same timestamp (PostHog deduplicates on uuid, event, timestamp and distinct_id).
    properties["$ignore_sent_at"] = True
    arguments: dict[str, Any] = {
        "distinct_id": tenant or PLATFORM_DISTINCT_ID,
        "properties": properties,
        "timestamp": timestamp,
        "uuid": str(event.event_id),
    }
    if tenant:
        arguments["groups"] = {GROUP_TYPE: tenant}
    return arguments


def send_event(client: Any, event: OutboxEvent) -> str | None:
    """Queue one event on a ``posthog.Posthog`` client; its uuid, or None when the client did not take it."""
    arguments = capture_arguments(event)
    if event.event == GROUP_IDENTIFY:
        result = client.group_identify(**arguments)
    else:
        result = client.capture(event.event, **arguments)
    return str(result) if result is not None else None


def describe_error(error: BaseException) -> str:
    """A short error text for last_error: the HTTP status or the exception, never a payload or a key."""
    status = getattr(error, "status", None)
    if status is not None:
        message = str(getattr(error, "message", "") or "").strip().replace("\n", " ")
        return f"PostHog answered {status}" + (f": {message[:120]}" if message else "")
    text = str(error).strip().replace("\n", " ")
    return f"{type(error).__name__}: {text[:200]}" if text else type(error).__name__


def make_client(
    settings: PostHogSettings,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_error: Callable[[BaseException, list[dict[str, Any]]], None] | None = None,
    max_queue_size: int | None = None,
) -> Any:
    """A ``posthog.Posthog`` client as the outbox uses it: batches of ``batch_size`` on ``POST /batch/``, gzip, no
    retries of its own (the outbox backs off instead), no GeoIP, no exception autocapture."""
    from posthog import Posthog
    from posthog.capture_mode import CaptureMode

    logger = logging.getLogger("posthog")
    if not logger.handlers:  # failures are reported by the flush, not printed by the client
        logger.addHandler(logging.NullHandler())
    return Posthog(
        settings.api_key or "",
        host=settings.host,
        on_error=on_error,
        flush_at=max(1, min(batch_size, 1000)),
        flush_interval=0.5,
        gzip=True,
        max_retries=0,
        timeout=settings.timeout.total_seconds(),
        max_queue_size=max_queue_size or max(10_000, 2 * batch_size),
        capture_mode=CaptureMode.V0,  # POST /batch/ whatever POSTHOG_CAPTURE_MODE says
        disable_geoip=True,
        enable_exception_autocapture=False,
    )


class PostHogSender:
    """The official client (:func:`make_client`) behind the outbox: failures collected through ``on_error`` by
    event uuid; a batch counts as sent once the client drained it."""

    def __init__(
        self,
        settings: PostHogSettings,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        drain_budget: timedelta | None = None,
    ) -> None:
        self._failed: dict[UUID, str] = {}
        self._lock = threading.Lock()
        self._drain_budget = (drain_budget or settings.lease * 0.8).total_seconds()
        self._client = make_client(settings, batch_size=batch_size, on_error=self._on_error)

    def _on_error(self, error: BaseException, batch: list[dict[str, Any]]) -> None:
        text = describe_error(error)
        with self._lock:
            for message in batch:
                try:
                    self._failed[UUID(str(message.get("uuid")))] = text
                except ValueError:
                    continue

    def send(self, events: Sequence[OutboxEvent]) -> SendResult:
        with self._lock:
            self._failed = {}
        refused: dict[UUID, str] = {}
        for event in events:
            if event.event == GROUP_IDENTIFY and event.tenant_id is None:
                refused[event.event_id] = "a $groupidentify event needs a tenant"
            elif event.size > MAX_EVENT_BYTES:
                refused[event.event_id] = f"properties over {MAX_EVENT_BYTES // 1024} KiB: PostHog refuses the event"
            elif send_event(self._client, event) is None:
                refused[event.event_id] = "the PostHog client did not queue the event"
        started = time.monotonic()
        self._client.flush(timeout_seconds=self._drain_budget)
        finished_in_time = time.monotonic() - started < self._drain_budget
        with self._lock:
            failed = self._failed | refused
        unfinished = (
            frozenset()
            if finished_in_time
            else frozenset(event.event_id for event in events if event.event_id not in failed)
        )
        return SendResult(failed=failed, unfinished=unfinished)

    def close(self) -> None:
        self._client.shutdown()


@dataclass(frozen=True, slots=True, kw_only=True)
class BatchOutcome:
    """One leased batch after sending: how many were delivered, failed, given back."""

    number: int
    taken: int
    delivered: int
    failed: int
    unfinished: int
    errors: tuple[str, ...]


class DeliveryObserver(Protocol):
    def batch_done(self, outcome: BatchOutcome, delivered_so_far: int) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryRun:
    """What a flush did."""

    batches: int
    taken: int
    delivered: int
    failed: int
    unfinished: int  # sent but not confirmed within the drain budget: left leased, sent again after the lease
    errors: tuple[str, ...]
    stopped: str | None  # why the flush stopped before nothing was due, if it did
    seconds: float


def deliver(
    session: Session,
    sender: Sender,
    *,
    lease: timedelta,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_events: int | None = None,
    observer: DeliveryObserver | None = None,
) -> DeliveryRun:
    """Deliver due events until nothing is due, ``max_events`` were taken, or a whole batch failed (PostHog down:
    the rest waits for the next flush instead of failing batch after batch)."""
    started = time.monotonic()
    batches = taken = delivered = failed = unfinished = 0
    errors: dict[str, None] = {}
    stopped: str | None = None
    while True:
        limit = batch_size if max_events is None else min(batch_size, max_events - taken)
        if limit <= 0:
            stopped = f"--max-events {max_events} reached"
            break
        leased = take_due(session, limit=limit, lease=lease)
        if not leased.events:
            break
        batches += 1
        taken += len(leased.events)
        outcome = _settle(session, sender, leased, batches)
        delivered += outcome.delivered
        failed += outcome.failed
        unfinished += outcome.unfinished
        errors.update(dict.fromkeys(outcome.errors))
        if observer is not None:
            observer.batch_done(outcome, delivered)
        if outcome.delivered == 0 and outcome.failed:
            stopped = f"a whole batch failed ({outcome.errors[0]}); the rest waits for the next flush"
            break
    return DeliveryRun(
        batches=batches,
        taken=taken,
        delivered=delivered,
        failed=failed,
        unfinished=unfinished,
        errors=tuple(errors),
        stopped=stopped,
        seconds=time.monotonic() - started,
    )


def _settle(session: Session, sender: Sender, leased: Lease, number: int) -> BatchOutcome:
    try:
        result = sender.send(leased.events)
    except BaseException:
        release(session, leased.events, lease=leased)
        raise
    accepted = [
        event
        for event in leased.events
        if event.event_id not in result.failed and event.event_id not in result.unfinished
    ]
    mark_delivered(session, accepted)
    by_error: dict[str, list[OutboxEvent]] = {}
    for event in leased.events:
        if event.event_id in result.failed:
            by_error.setdefault(result.failed[event.event_id], []).append(event)
    for error, events in by_error.items():
        mark_failed(session, events, lease=leased, error=error)
    failed = sum(len(events) for events in by_error.values())
    return BatchOutcome(
        number=number,
        taken=len(leased.events),
        delivered=len(accepted),
        failed=failed,
        unfinished=len(result.unfinished),
        errors=tuple(by_error),
    )
