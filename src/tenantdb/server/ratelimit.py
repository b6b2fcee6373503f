"""Token buckets per token, per tenant and per client address (failed logins and bad tokens).

The buckets live in the process: with ``--workers N`` each worker keeps its own, so a client spread over the
workers by the kernel gets up to N times the configured rate. That bounds abuse well enough for a BI API on one
machine; a shared limit needs a shared store (a proxy in front, or PostgreSQL), which this server does not have.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_KEYS = 100_000  # full buckets are forgotten first when there are more keys than this


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """``rate`` tokens a second up to ``burst``; :meth:`take` answers None (allowed) or seconds to wait."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def _refilled(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_KEYS:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(tokens=float(self.burst), at=now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        return bucket

    def _forget_full(self, now: float) -> None:
        for key in [k for k, b in self._buckets.items() if b.tokens + (now - b.at) * self.rate >= self.burst]:
            del self._buckets[key]

    def take(self, key: str) -> int | None:
        """Spend one token: None when there was one, else whole seconds until there is (for ``Retry-After``)."""
        with self._lock:
            bucket = self._refilled(key, self._clock())
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            return max(1, math.ceil((1 - bucket.tokens) / self.rate))

    def blocked(self, key: str) -> int | None:
        """Seconds to wait when the bucket is empty, without spending (a client that only failed so far)."""
        with self._lock:
            bucket = self._refilled(key, self._clock())
            return None if bucket.tokens >= 1 else max(1, math.ceil((1 - bucket.tokens) / self.rate))


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The three kinds of buckets of one server process."""

    per_token: TokenBuckets
    per_tenant: TokenBuckets
    failed_auth: TokenBuckets
