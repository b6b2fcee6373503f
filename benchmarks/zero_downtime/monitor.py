"""Threads beside the load: the long reader, and a sampler of ``pg_stat_activity`` that explains stalls.

Both use their own connections and wall-clock timestamps (``time.time()``), comparable with the load's records
and with the server's ``query_start``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from common import pg

SAMPLE_INTERVAL = 0.05
LOAD_APP, READER_APP, MONITOR_APP = "zd-load", "zd-reader", "zd-monitor"
BEGIN: dict[str, str] = {
    "read committed": "BEGIN",  # the snapshot ends with the SELECT: an idle-in-transaction session
    "repeatable read": "BEGIN ISOLATION LEVEL REPEATABLE READ",  # the snapshot lives as long as the lock: a report
}


@dataclass(slots=True)
class Reader:
    """A transaction that reads ``vps_instances`` and then sits idle, holding its ACCESS SHARE lock.

    In ``repeatable read`` it also keeps its snapshot, as a long report does; ``CREATE INDEX CONCURRENTLY`` waits
    for such snapshots (not for a ``read committed`` transaction between statements).
    """

    target: pg.Server
    database: str
    hold: float
    isolation: str = "read committed"
    requested: float | None = None
    granted: float | None = None
    released: float | None = None
    error: str | None = None

    def run(self, start_at: float) -> None:
        """Connect now, wait until ``start_at`` (wall clock), then read and hold."""
        try:
            with self.target.connect(self.database, READER_APP) as connection:
                time.sleep(max(0.0, start_at - time.time()))
                connection.execute(BEGIN[self.isolation])
                self.requested = time.time()
                connection.execute("SELECT id FROM vps_instances LIMIT 1").fetchall()
                self.granted = time.time()
                time.sleep(self.hold)
                connection.execute("COMMIT")
                self.released = time.time()
        except psycopg.Error as error:
            self.error = f"{error.sqlstate}: {error}"

    def summary(self) -> dict[str, Any]:
        return {
            "requested": self.requested,
            "lock_wait_s": _diff(self.requested, self.granted),
            "held_s": _diff(self.granted, self.released),
            "released": self.released,
            "error": self.error,
        }


def _diff(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else round(end - start, 3)


_ACTIVITY = """
SELECT pid, application_name, state, wait_event_type, wait_event,
       extract(epoch FROM query_start)::float8, left(query, 300),
       CASE WHEN wait_event_type = 'Lock' THEN pg_blocking_pids(pid) END
  FROM pg_stat_activity
 WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()
"""


@dataclass(frozen=True, slots=True)
class Backend:
    """One client backend in one sample."""

    pid: int
    role: str  # load | reader | migration
    state: str
    wait: str  # "Lock:relation", "IO:WalSync", ...; "" when not waiting or not active
    query_start: float
    query: str
    blocked_by: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Sample:
    at: float
    backends: tuple[Backend, ...]


def role_of(application_name: str) -> str:
    """Load and reader connections name themselves; every other client is the migration tool."""
    return {LOAD_APP: "load", READER_APP: "reader"}.get(application_name, "migration")


@dataclass(slots=True)
class Sampler:
    """Samples the database's client backends every :data:`SAMPLE_INTERVAL` seconds until stopped."""

    target: pg.Server
    database: str
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        with self.target.connect(self.database, MONITOR_APP) as connection:
            while not self._stop.is_set():
                rows = connection.execute(_ACTIVITY).fetchall()
                self.samples.append(Sample(time.time(), tuple(_backend(row) for row in rows)))
                self._stop.wait(SAMPLE_INTERVAL)


def _backend(row: tuple[Any, ...]) -> Backend:
    pid, application, state, wait_type, wait_event, query_start, query, blockers = row
    return Backend(
        pid=pid,
        role=role_of(application or ""),
        state=state or "",
        wait=f"{wait_type}:{wait_event}" if wait_type and state == "active" else "",
        query_start=query_start or 0.0,
        query=" ".join((query or "").split()),
        blocked_by=tuple(blockers or ()),
    )
