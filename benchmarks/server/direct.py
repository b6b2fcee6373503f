"""The same visits straight on PostgreSQL: the routes' report builders over a psycopg pool, same concurrency.

N threads (one per simulated executive) share a :class:`tenantdb.db.pool.Pool` as large as the server's pools
together (workers x pool_max). Each step is one transaction as a request's is: ``BEGIN``, ``SET LOCAL ROLE
business_analysts`` (the executive scope's role) and the statement timeout, the builder, ``COMMIT``. What the
server adds on top (HTTP, uvicorn, token check, rate limits, audit, JSON encoding, workers) is the difference.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import timedelta
from typing import Any

from tenantdb.db.pool import Pool, PoolSettings

import mix
from stats import Recorder

ROLE = "business_analysts"
STATEMENT_TIMEOUT = timedelta(seconds=5)  # the server's default


def _executive(
    pool: Pool,
    number: int,
    steps: tuple[str, ...],
    recorder: Recorder,
    think: float,
    months: tuple[str, ...],
    slugs: tuple[str, ...],
) -> None:
    rng = random.Random(number)
    time.sleep(rng.uniform(0, think * 2))
    turn = number
    while time.perf_counter() < recorder.end:
        visit = mix.new_visit(rng, turn, months, slugs)
        turn += 1
        for step in steps:
            began = time.perf_counter()
            if began >= recorder.end:
                return
            error: str | None = None
            try:
                with pool.session() as session, session.transaction(statement_timeout=STATEMENT_TIMEOUT):
                    session.execute(f"SET LOCAL ROLE {ROLE}")
                    mix.run_direct(session, step, visit)
            except Exception as problem:  # noqa: BLE001 -- any failure is an error of the run, counted
                error = f"{type(problem).__name__}: {problem}"[:200]
            recorder.record(step, began, time.perf_counter() - began, error)
            time.sleep(rng.uniform(think / 2, think * 1.5))


def run(
    url: str,
    executives: int,
    pool_size: int,
    steps: tuple[str, ...],
    *,
    warmup: float,
    duration: float,
    think: float,
    months: tuple[str, ...],
    slugs: tuple[str, ...],
) -> dict[str, Any]:
    """One phase straight on PostgreSQL; the window's figures."""
    pool = Pool(url, PoolSettings(min_size=pool_size, max_size=pool_size, timeout=timedelta(seconds=30)))
    pool.open()
    try:
        start = time.perf_counter() + warmup
        recorder = Recorder(start=start, end=start + duration)
        threads = [
            threading.Thread(target=_executive, args=(pool, n, steps, recorder, think, months, slugs), daemon=True)
            for n in range(executives)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return recorder.summary()
    finally:
        pool.close()
