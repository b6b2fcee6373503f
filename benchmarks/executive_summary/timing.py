"""Repeated timings of one query or call: warm-up, then p50 / p95 / max over the runs, and concurrent readers."""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import psycopg
from tenantdb.errors import TenantdbError


@dataclass(frozen=True, slots=True)
class Timing:
    """Wall-clock seconds of ``runs`` repetitions after ``warmup`` untimed ones."""

    runs: int
    p50: float
    p95: float
    max: float
    rows: int
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (the value at or above ``fraction`` of the sorted values)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def time_call(call: Callable[[], int], runs: int, warmup: int = 2) -> Timing:
    """Time ``call`` (which returns the number of rows it read) ``runs`` times after ``warmup`` calls."""
    rows = 0
    try:
        for _ in range(warmup):
            rows = call()
        seconds = []
        for _ in range(runs):
            start = time.perf_counter()
            rows = call()
            seconds.append(time.perf_counter() - start)
    except psycopg.errors.QueryCanceled as error:
        return Timing(runs=0, p50=float("nan"), p95=float("nan"), max=float("nan"), rows=0, error=str(error).strip())
    return Timing(
        runs=runs,
        p50=statistics.median(seconds),
        p95=percentile(seconds, 0.95),
        max=max(seconds),
        rows=rows,
    )


def query_call(connection: psycopg.Connection[Any], query: str, params: tuple[Any, ...] = ()) -> Callable[[], int]:
    """A call that runs ``query`` and fetches every row, as a dashboard would."""

    def call() -> int:
        return len(connection.execute(query, params).fetchall())

    return call


@dataclass(frozen=True, slots=True)
class ReaderLoad:
    """``readers`` connections running the query back to back for ``seconds``."""

    readers: int
    seconds: float
    queries: int
    errors: int
    p50: float
    p95: float
    p99: float
    max: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


Reader = Callable[[], int]
"""One dashboard read (returns the rows it read)."""


def query_reader(dsn: str, query: str, params: Callable[[], tuple[Any, ...]] = tuple) -> Callable[[], Any]:
    """Readers that run ``query`` (with fresh ``params()`` each time) on a connection of their own."""

    @contextmanager
    def open_reader() -> Iterator[Reader]:
        with psycopg.connect(dsn, autocommit=True, application_name="es-bench-reader") as connection:
            yield lambda: len(connection.execute(query, params()).fetchall())

    return open_reader


def concurrent_readers(open_reader: Callable[[], Any], readers: int, seconds: float) -> ReaderLoad:
    """Start ``readers`` threads, each with its own reader (``open_reader()``: a context manager yielding a
    :data:`Reader` on a connection of its own), and record every read's latency."""
    latencies: list[list[float]] = [[] for _ in range(readers)]
    errors = [0] * readers
    ready = threading.Barrier(readers + 1)
    stop = threading.Event()

    def reader(index: int) -> None:
        with open_reader() as read:
            read()  # warm the connection's plan and catalog caches
            ready.wait()
            while not stop.is_set():
                start = time.perf_counter()
                try:
                    read()
                except (psycopg.Error, TenantdbError):  # counted and reported
                    errors[index] += 1
                    continue
                latencies[index].append(time.perf_counter() - start)

    threads = [threading.Thread(target=reader, args=(index,), daemon=True) for index in range(readers)]
    for thread in threads:
        thread.start()
    ready.wait()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    every = [value for values in latencies for value in values]
    return ReaderLoad(
        readers=readers,
        seconds=seconds,
        queries=len(every),
        errors=sum(errors),
        p50=statistics.median(every),
        p95=percentile(every, 0.95),
        p99=percentile(every, 0.99),
        max=max(every),
    )
