"""``tenantdb events status|flush|replay``: the business-events outbox and its delivery to PostHog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from tenantdb.bi.reports.explain import resolve_tenant
from tenantdb.commands.connection import resolve_dsn
from tenantdb.config import Settings
from tenantdb.db import Session, connect, runner_identity
from tenantdb.errors import ConfigError
from tenantdb.events.delivery import (
    DEFAULT_BATCH_SIZE,
    DeliveryObserver,
    DeliveryRun,
    PostHogSender,
    deliver,
)
from tenantdb.events.outbox import EventCounts, event_counts, has_event, has_outbox, make_pending, pending_count
from tenantdb.events.retention import RetentionReport, prune

HOW_TO_CONFIGURE = (
    "set TENANTDB_POSTHOG_API_KEY (and TENANTDB_POSTHOG_HOST for EU cloud or self-hosted), or api_key and host "
    "in [posthog] of tenantdb.toml; see docs/posthog.md"
)


def _session(settings: Settings, purpose: str) -> Session:
    """A session with row-level security on: the operator's role reads and updates business_events through its
    policies (db_administrators), a superuser or the owner past them."""
    session = connect(
        resolve_dsn(settings),
        application_name=f"tenantdb {purpose} {runner_identity()}"[:63],
        check_interval=settings.runner.connection_check_interval,
    )
    if not has_outbox(session):
        database = session.database
        session.close()
        raise ConfigError(
            f"module events is not applied on {database}: there is no business_events outbox",
            hint='add "events" to modules in tenantdb.toml and run `tenantdb migrate up`',
        )
    return session


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxStatus:
    """``tenantdb events status``."""

    database: str
    posthog_configured: bool
    posthog_host: str | None
    events: tuple[EventCounts, ...]
    pending: int
    due: int
    leased: int
    failing: int
    delivered: int
    oldest_pending_age: timedelta | None


def events_status(settings: Settings) -> OutboxStatus:
    """The outbox by event name: pending, due, leased, failing (with the last error) and delivered."""
    with _session(settings, "events status") as session:
        counts = event_counts(session)
        ages = [count.oldest_pending_age for count in counts if count.oldest_pending_age is not None]
        return OutboxStatus(
            database=session.database,
            posthog_configured=settings.posthog.enabled,
            posthog_host=settings.posthog.host,
            events=counts,
            pending=sum(count.pending for count in counts),
            due=sum(count.due for count in counts),
            leased=sum(count.leased for count in counts),
            failing=sum(count.failing for count in counts),
            delivered=sum(count.delivered for count in counts),
            oldest_pending_age=max(ages) if ages else None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class FlushReport:
    """``tenantdb events flush``: what was delivered, and what still waits."""

    database: str
    posthog_configured: bool
    posthog_host: str | None
    run: DeliveryRun | None  # None without a key: nothing was sent
    waiting: int  # events not delivered after the flush (backing off, leased elsewhere, or everything without a key)
    hint: str | None


def events_flush(
    settings: Settings,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_events: int | None = None,
    observer: DeliveryObserver | None = None,
) -> FlushReport:
    """Deliver due events to PostHog until nothing is due; without a key, say what waits and how to send it."""
    if batch_size < 1:
        raise ConfigError(f"{batch_size}: expected 1 or more", option="batch_size")
    if max_events is not None and max_events < 1:
        raise ConfigError(f"{max_events}: expected 1 or more", option="max_events")
    with _session(settings, "events flush") as session:
        run = None
        if settings.posthog.enabled:
            sender = PostHogSender(settings.posthog, batch_size=batch_size)
            try:
                run = deliver(
                    session,
                    sender,
                    lease=settings.posthog.lease,
                    batch_size=batch_size,
                    max_events=max_events,
                    observer=observer,
                )
            finally:
                sender.close()
        waiting = pending_count(session)
        return FlushReport(
            database=session.database,
            posthog_configured=settings.posthog.enabled,
            posthog_host=settings.posthog.host,
            run=run,
            waiting=waiting,
            hint=None if settings.posthog.enabled else HOW_TO_CONFIGURE,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayReport:
    """``tenantdb events replay``: how many delivered events are pending again."""

    database: str
    since: datetime
    until: datetime
    event: str | None
    tenant_id: UUID | None
    tenant_slug: str | None
    replayed: int


def parse_moment(text: str, option: str, *, end_of_day: bool = False) -> datetime:
    """A UTC day (``2025-06-01``) or timestamp (``2025-06-01T12:00``, naive means UTC); with ``end_of_day`` a day
    means the end of that day, so that until 2025-06-30 includes the 30th; ``option`` names the parameter in errors."""
    stripped = text.strip()
    try:
        day = date.fromisoformat(stripped)
    except ValueError:
        try:
            moment = datetime.fromisoformat(stripped)
        except ValueError:
            raise ConfigError(
                f"{text!r}: expected a UTC day like 2025-06-01 or a timestamp like 2025-06-01T12:00Z", option=option
            ) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start + timedelta(days=1) if end_of_day else start


def events_replay(
    settings: Settings, *, since: str, until: str, event: str | None = None, tenant: str | None = None
) -> ReplayReport:
    """Make the delivered events of a period pending again, to be sent again with the same uuid."""
    start = parse_moment(since, "since")
    end = parse_moment(until, "until", end_of_day=True)
    if end <= start:
        raise ConfigError(
            f"{until} is not after {{since}} {since}",
            option="until",
            refers=("since",),
            hint="the period is [since, until]",
        )
    with _session(settings, "events replay") as session:
        tenant_id, slug = None, None
        if tenant is not None:
            tenant_id, _, slug = resolve_tenant(session, tenant)
        if event is not None and not has_event(session, event):
            raise ConfigError(
                f"no event named {event!r} in business_events",
                hint="`tenantdb events status` lists the event names",
            )
        with session.transaction():
            replayed = make_pending(session, since=start, until=end, event=event, tenant_id=tenant_id)
        return ReplayReport(
            database=session.database,
            since=start,
            until=end,
            event=event,
            tenant_id=tenant_id,
            tenant_slug=slug,
            replayed=replayed,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PartitionsReport:
    """``tenantdb events partitions``: monthly partitions created (0 when every month had one)."""

    database: str
    months_ahead: int
    created: int


def events_partitions(settings: Settings, *, months_ahead: int = 3) -> PartitionsReport:
    """Give the current month, ``months_ahead`` months after it and every month with rows in a default partition a
    partition of their own (business_events, email_delivery_batches, email_delivery_daily)."""
    if not 0 <= months_ahead <= 120:
        raise ConfigError(f"{months_ahead}: expected 0 to 120 months", option="months_ahead")
    with _session(settings, "events partitions") as session:
        created = session.fetch_value("SELECT tenantdb_events_create_partitions(%s)", (months_ahead,))
        return PartitionsReport(database=session.database, months_ahead=months_ahead, created=int(created))


def events_prune(settings: Settings, *, keep_months: int, dry_run: bool = False) -> RetentionReport:
    """Drop whole months older than ``keep_months`` before the current one; never a month of business_events that
    still holds undelivered events (it is reported as kept)."""
    if not 1 <= keep_months <= 1200:
        raise ConfigError(
            f"{keep_months}: expected 1 to 1200 months kept before the current one",
            option="keep_months",
            refers=("keep_months",),
            hint="e.g. {keep_months} 13 keeps a year of history beside the current month",
        )
    with _session(settings, "events prune") as session:
        return prune(session, keep_months, dry_run)
