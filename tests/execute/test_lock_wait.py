"""The adaptive lock wait: each attempt's ``lock_timeout`` starts short and grows toward the ceiling.

A DDL statement waiting for its lock queues every later query on its table, so the first attempt waits only
``lock_timeout_start``; while the sessions in the way are young (short transactions that may end any moment) each
retry waits about twice as long, up to ``lock_timeout``; behind a transaction older than that ceiling no wait it
allows would help, so the wait stays short and the runner polls. The retry budget ends it with an error that
names the session in the way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tenantdb.db import Session, connect
from tenantdb.errors import LockTimeoutExhausted
from tenantdb.migrations import load_migrations
from tests.helpers import up, with_runner, write_files

TABLE = (
    "-- migrate:up\nCREATE TABLE t (id int PRIMARY KEY, v int);\n"
    "INSERT INTO t SELECT g, g FROM generate_series(1, 100) g;\n"
)
ADD_COLUMN = "-- migrate:up\nALTER TABLE t ADD COLUMN c int;\n"
ADD_COLUMN_ALONE = "-- tenantdb: no-transaction\n-- migrate:up\nALTER TABLE t ADD COLUMN c int;\nSELECT 1;\n"
ADD_COLUMN_IN_FILE_TRANSACTION = "-- migrate:up\nSELECT 1;\nBEGIN;\nALTER TABLE t ADD COLUMN c int;\nCOMMIT;\n"


def lock_waits(session: Session) -> list[int]:
    """The lock_timeout (ms) of every attempt that timed out, from the lock_retry events, in order."""
    rows = session.fetch_all(
        "SELECT (details ->> 'lock_wait_ms')::int FROM tenantdb.events WHERE kind = 'lock_retry' ORDER BY id"
    )
    return [row[0] for row in rows]


def retry_gaps_ms(session: Session) -> list[float]:
    """Milliseconds between consecutive lock_retry events: the pause before an attempt plus its lock wait."""
    rows = session.fetch_all(
        "SELECT extract(epoch FROM at - lag(at) OVER (ORDER BY id)) * 1000 FROM tenantdb.events"
        " WHERE kind = 'lock_retry' ORDER BY id"
    )
    return [float(row[0]) for row in rows[1:]]


def has_column(session: Session, table: str, column: str) -> bool:
    return bool(
        session.fetch_value(
            "SELECT EXISTS (SELECT FROM information_schema.columns WHERE table_name = %s AND column_name = %s)",
            (table, column),
        )
    )


@contextmanager
def blocker(dsn: str, *, release_after: float | None = None) -> Iterator[Session]:
    """A session that reads ``t`` in an open transaction (ACCESS SHARE, like a long report), until released."""
    with connect(dsn) as holder:
        holder.execute("SET application_name = 'long-report'")
        holder.execute("BEGIN")
        holder.execute("SELECT count(*) FROM t")
        timer = None
        if release_after is not None:
            timer = threading.Timer(release_after, lambda: holder.execute("COMMIT"))
            timer.start()
        try:
            yield holder
        finally:
            if timer is not None:
                timer.join()
            holder.rollback()


def project(tmp_path: Path, second: str = ADD_COLUMN) -> Any:
    return load_migrations(write_files(tmp_path, {"0001_t.sql": TABLE, "0002_c.sql": second}))


@pytest.mark.parametrize(
    "second",
    [ADD_COLUMN, ADD_COLUMN_ALONE, ADD_COLUMN_IN_FILE_TRANSACTION],
    ids=["transaction", "statement-by-statement", "file-transaction"],
)
def test_first_attempt_waits_well_under_100ms_and_waits_grow_behind_young_transactions(
    session: Session, dsn: str, tmp_path: Path, second: str
) -> None:
    migrations = project(tmp_path, second)
    up(session, migrations, target=migrations.versions[0])
    settings = with_runner(
        lock_timeout_start=timedelta(milliseconds=20),
        lock_timeout=timedelta(seconds=5),  # the blocker stays younger than the ceiling: it may end any moment
        retry_base_delay=timedelta(milliseconds=20),
        retry_max_delay=timedelta(milliseconds=100),
    )
    with blocker(dsn, release_after=1.5):
        result = up(session, migrations, settings)
    assert [step.version for step in result.steps] == ["0002"]
    assert has_column(session, "t", "c")
    waits = lock_waits(session)
    assert len(waits) >= 3, waits
    assert waits[0] < 100, f"the first attempt waited {waits[0]} ms for its lock"
    assert waits == sorted(waits) and waits[-1] >= 2.5 * waits[0], f"the waits did not grow: {waits}"
    assert max(waits) <= 5000
    gaps = retry_gaps_ms(session)
    assert all(gap >= wait for gap, wait in zip(gaps, waits[1:], strict=True)), (
        f"an attempt gave up before its lock wait was over: waits {waits}, gaps {gaps}"
    )


def test_behind_a_transaction_older_than_the_ceiling_the_wait_stays_short(
    session: Session, dsn: str, tmp_path: Path
) -> None:
    migrations = project(tmp_path)
    up(session, migrations, target=migrations.versions[0])
    settings = with_runner(
        lock_timeout_start=timedelta(milliseconds=20),
        lock_timeout=timedelta(milliseconds=200),
        retry_base_delay=timedelta(milliseconds=50),
        retry_max_delay=timedelta(milliseconds=100),
    )
    with blocker(dsn, release_after=2.0):
        time.sleep(0.3)  # the report has run longer than any wait the ceiling allows
        result = up(session, migrations, settings)
    assert [step.version for step in result.steps] == ["0002"]
    waits = lock_waits(session)
    assert len(waits) >= 5, waits
    assert max(waits) <= 20, f"waiting longer behind a long transaction only stalls the queue: {waits}"


def test_budget_spent_gives_up_naming_the_session_in_the_way(session: Session, dsn: str, tmp_path: Path) -> None:
    migrations = project(tmp_path)
    up(session, migrations, target=migrations.versions[0])
    settings = with_runner(
        lock_timeout_start=timedelta(milliseconds=20),
        lock_timeout=timedelta(milliseconds=200),
        lock_retry_budget=timedelta(seconds=1),
        retry_base_delay=timedelta(milliseconds=50),
        retry_max_delay=timedelta(milliseconds=200),
    )
    with blocker(dsn) as holder:
        started = time.monotonic()
        with pytest.raises(LockTimeoutExhausted) as raised:
            up(session, migrations, settings)
        took = time.monotonic() - started
        pid = holder.pid
    message = raised.value.message
    assert took < 1.0 + 0.2 + 1.0, f"gave up after {took:.1f}s with a 1 s budget"
    assert "gave up after" in message and "0002" in message, message
    assert f"pid {pid}" in message and "long-report" in message, message
    assert "SELECT count(*) FROM t" in message, message
    assert not has_column(session, "t", "c")
    assert lock_waits(session), "every timed-out attempt is logged"
