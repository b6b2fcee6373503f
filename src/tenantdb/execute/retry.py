"""Retry on lock timeouts (SQLSTATE 55P03) with capped, jittered exponential backoff and a total budget."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from tenantdb.db import is_lock_timeout
from tenantdb.errors import DatabaseError, LockTimeoutExhausted

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Backoff:
    """Jittered exponential backoff: sleep uniformly in [ceiling / 2, ceiling], ceiling = min(cap, base * 2**n)."""

    base: timedelta
    cap: timedelta
    budget: timedelta

    def delay(self, attempt: int) -> float:
        ceiling = min(self.cap.total_seconds(), self.base.total_seconds() * (2**attempt))
        return random.uniform(ceiling / 2, ceiling)


def with_lock_retries(
    action: Callable[[], T],
    backoff: Backoff,
    *,
    on_retry: Callable[[int, float, DatabaseError], None] | None = None,
    before_retry: Callable[[], None] | None = None,
) -> T:
    """Run ``action``; on a lock timeout wait and run it again until the budget is spent."""
    started = time.monotonic()
    attempt = 0
    while True:
        try:
            return action()
        except DatabaseError as error:
            if not is_lock_timeout(error):
                raise
            delay = backoff.delay(attempt)
            spent = time.monotonic() - started
            if spent + delay > backoff.budget.total_seconds():
                raise LockTimeoutExhausted(
                    f"gave up after {attempt + 1} attempts in {spent:.1f}s: {error.message}",
                    sqlstate=error.sqlstate,
                    hint="a long transaction holds a conflicting lock (see pg_stat_activity); retry later "
                    "or raise [runner] lock_retry_budget",
                ) from error
            if on_retry is not None:
                on_retry(attempt + 1, delay, error)
            time.sleep(delay)
            attempt += 1
            if before_retry is not None:
                try:
                    before_retry()
                except DatabaseError as cleanup_error:
                    if not is_lock_timeout(cleanup_error):
                        raise
                    continue  # the clean-up itself waited too long: count it as one more attempt
