"""Retry on lock timeouts (SQLSTATE 55P03): an adaptive lock wait, jittered backoff between attempts, a budget.

A DDL statement waiting for its lock queues every later query on its table, so how long an attempt may wait
(its ``lock_timeout``) is how long it may stall the application. The first attempt waits ``lock_timeout_start``
(tens of milliseconds). After a timeout the sessions holding locks on the statement's relations are read:

* all younger than the ceiling (``lock_timeout``), or none left: short transactions that may end any moment,
  as on a busy table; the next attempt waits about twice as long (jittered), up to the ceiling, so the
  statement finds a gap between them;
* one older than the ceiling: a long transaction (a report, a session left ``idle in transaction``) that no
  wait the ceiling allows is likely to outlast; the wait goes back to the start and the runner polls, so each
  attempt stalls the queue for the shortest time and the first one after the blocker ends succeeds;
* only autovacuum workers: one that ends soon is waited out like a long transaction (short waits). One running
  for a quarter of the retry budget (30 s by default) may hold its lock for minutes more on a large table, and
  PostgreSQL cancels an autovacuum (unless it prevents wraparound) for a lock request that has waited
  ``deadlock_timeout`` (1 s by default): the next attempt waits that and half a second more, past the ceiling, a
  stall of about a second that gets the statement through.

Between attempts the runner sleeps (capped, jittered exponential backoff). When the next attempt would end past
the budget, it gives up naming the sessions in the way.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from tenantdb.config import RunnerSettings
from tenantdb.db import LockBlocker, Session, is_lock_timeout, lock_blockers
from tenantdb.errors import ConnectionFailed, DatabaseError, LockTimeoutExhausted
from tenantdb.sql import Statement
from tenantdb.sql.targets import named_relations

T = TypeVar("T")

_GROWTH = 2.0
_PAST_DEADLOCK_TIMEOUT = timedelta(milliseconds=500)  # the autovacuum's cancel and abort, after the deadlock check
_JITTER = 0.75  # a grown wait is uniform in [0.75, 1] x its target: runners retrying together drift apart
_NAMED_BLOCKERS = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """Jittered exponential backoff: sleep uniformly in [ceiling / 2, ceiling], ceiling = min(cap, base * 2**n)."""

    base: timedelta
    cap: timedelta
    budget: timedelta

    def delay(self, attempt: int) -> float:
        ceiling = min(self.cap.total_seconds(), self.base.total_seconds() * (2**attempt))
        return random.uniform(ceiling / 2, ceiling)


@dataclass(slots=True)
class LockWait:
    """The ``lock_timeout`` of the next attempt: short first, grown while the sessions in the way are young."""

    start: timedelta
    ceiling: timedelta
    autovacuum_patience: timedelta = timedelta(seconds=30)  # a vacuum running this long is not waited out
    current: timedelta = field(init=False)
    waits: list[timedelta] = field(init=False, default_factory=list)  # every attempt that timed out

    def __post_init__(self) -> None:
        self.start = min(self.start, self.ceiling)
        self.current = self.start

    @classmethod
    def of(cls, settings: RunnerSettings, ceiling: timedelta | None = None) -> LockWait:
        """From ``[runner]``; a file's ``lock-timeout`` directive replaces the ceiling, the start stays short. An
        autovacuum is waited out (short waits) for a quarter of the retry budget, then cancelled."""
        return cls(
            start=settings.lock_timeout_start,
            ceiling=ceiling or settings.lock_timeout,
            autovacuum_patience=settings.lock_retry_budget / 4,
        )

    def timed_out(self, blockers: Sequence[LockBlocker]) -> None:
        """The attempt waited ``current`` in vain; choose the next attempt's wait from who is in the way."""
        self.waits.append(self.current)
        cancelled_after = [blocker.cancelled_after for blocker in blockers if blocker.cancelled_after is not None]
        vacuuming = min((blocker.transaction_age for blocker in blockers), default=timedelta(0))
        if blockers and len(cancelled_after) == len(blockers) and vacuuming >= self.autovacuum_patience:
            self.current = max(self.current, max(cancelled_after) + _PAST_DEADLOCK_TIMEOUT)  # PostgreSQL cancels it
            return
        if any(blocker.transaction_age > self.ceiling for blocker in blockers):
            self.current = self.start
            return
        target = min(self.ceiling, self.current * _GROWTH)
        self.current = max(self.current, target * random.uniform(_JITTER, 1.0))

    def describe(self) -> str:
        if not self.waits:
            return ""
        low, high = (round(min(self.waits).total_seconds() * 1000), round(max(self.waits).total_seconds() * 1000))
        return f"lock waits of {low} ms" if low == high else f"lock waits of {low} to {high} ms"


@dataclass(frozen=True, slots=True, kw_only=True)
class LockRetry:
    """One timed-out attempt, as the runner logs it."""

    attempt: int  # 1 for the first attempt
    waited: timedelta  # the attempt's lock_timeout
    delay: float  # seconds before the next attempt
    error: DatabaseError
    blockers: tuple[LockBlocker, ...]

    @property
    def waited_ms(self) -> int:
        return round(self.waited.total_seconds() * 1000)

    def reason(self) -> str:
        """The error and who is in the way."""
        return f"{self.error.message}{in_the_way(self.blockers)}"

    def message(self) -> str:
        waited = f"attempt {self.attempt} waited {self.waited_ms} ms for its lock"
        return f"{waited}: {self.reason()}; retrying in {self.delay:.2f}s"

    def details(self) -> dict[str, object]:
        return {
            "attempt": self.attempt,
            "lock_wait_ms": self.waited_ms,
            "retry_in_ms": round(self.delay * 1000),
            "blocking_pids": [blocker.pid for blocker in self.blockers],
        }


def blockers_of(session: Session, statement: Statement | None) -> list[LockBlocker]:
    """Who holds locks on the relations ``statement`` names; rolls back the transaction its timeout aborted."""
    session.rollback()
    if statement is None:
        return []
    relations = [(target.schema, target.table) for target in named_relations(statement)]
    try:
        return lock_blockers(session, relations)
    except ConnectionFailed:
        raise
    except DatabaseError:
        return []  # only a hint for the next wait and the message: never a reason to fail


def in_the_way(blockers: Sequence[LockBlocker]) -> str:
    """``; in the way: pid 42 (...): SELECT ...`` for an error message, or nothing when nobody was found."""
    if not blockers:
        return ""
    named = "; ".join(blocker.describe() for blocker in blockers[:_NAMED_BLOCKERS])
    more = f" and {len(blockers) - _NAMED_BLOCKERS} more" if len(blockers) > _NAMED_BLOCKERS else ""
    return f"; in the way: {named}{more}"


def give_up_hint(blockers: Sequence[LockBlocker]) -> str:
    """What to do when the retry budget is spent behind ``blockers``."""
    if any(blocker.prevents_wraparound for blocker in blockers):
        return (
            "an autovacuum that prevents transaction-id wraparound holds the table, and PostgreSQL never cancels one: "
            "let it finish (pg_stat_progress_vacuum shows how far it is), then run the same command again"
        )
    return (
        "a long transaction holds a conflicting lock (see pg_stat_activity); retry later "
        "or raise [runner] lock_retry_budget"
    )


def with_lock_retries(
    action: Callable[[], T],
    backoff: Backoff,
    *,
    wait: LockWait | None = None,
    blockers: Callable[[], Sequence[LockBlocker]] | None = None,
    on_retry: Callable[[LockRetry], None] | None = None,
    before_retry: Callable[[], None] | None = None,
) -> T:
    """Run ``action`` (which waits ``wait.current`` for its locks); on a lock timeout retry until the budget is
    spent. ``blockers`` reads who holds the locks (after the caller's transaction is rolled back)."""
    started = time.monotonic()
    attempt = 0
    while True:
        try:
            return action()
        except DatabaseError as error:
            if not is_lock_timeout(error):
                raise
            found = tuple(blockers()) if blockers is not None else ()
            waited = wait.current if wait is not None else timedelta(0)
            if wait is not None:
                wait.timed_out(found)
            delay = backoff.delay(attempt)
            spent = time.monotonic() - started
            next_wait = wait.current.total_seconds() if wait is not None else 0.0
            if spent + delay + next_wait > backoff.budget.total_seconds():
                waits = f", {wait.describe()}" if wait is not None and wait.waits else ""
                raise LockTimeoutExhausted(
                    f"gave up after {attempt + 1} attempts in {spent:.1f}s{waits}: {error.message}{in_the_way(found)}",
                    sqlstate=error.sqlstate,
                    hint=give_up_hint(found),
                ) from error
            if on_retry is not None:
                on_retry(LockRetry(attempt=attempt + 1, waited=waited, delay=delay, error=error, blockers=found))
            time.sleep(delay)
            attempt += 1
            if before_retry is not None:
                try:
                    before_retry()
                except DatabaseError as cleanup_error:
                    if not is_lock_timeout(cleanup_error):
                        raise
                    continue  # the clean-up itself waited too long: count it as one more attempt
