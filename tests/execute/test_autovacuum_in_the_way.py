"""An autovacuum holding a migration's table does not make the migration wait for the vacuum's end.

PostgreSQL cancels an autovacuum that blocks a lock request once that request has waited ``deadlock_timeout``
(unless the vacuum prevents wraparound). The adaptive lock wait starts far below it (25 ms) and, behind a
transaction older than its ceiling, stays there: on its own it would poll until a vacuum of a large table ends,
minutes later, or give up. Behind a vacuum that has run for a quarter of the retry budget, the next attempt waits
past ``deadlock_timeout``.

The cluster is the test module's own: its autovacuum wakes every second, and each table's vacuum is throttled
(``autovacuum_vacuum_cost_limit = 1``) so that it holds its lock for as long as the test needs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from tenantdb.db import LockBlocker, connect, lock_blockers
from tenantdb.errors import DatabaseError, LockTimeoutExhausted
from tenantdb.execute.retry import Backoff, LockWait, with_lock_retries
from tests.crash import CrashableCluster, crashable_cluster
from tests.helpers import ledger_versions, load, up, with_runner, write_files

THROTTLED = (
    "autovacuum_vacuum_threshold = 0, autovacuum_vacuum_scale_factor = 0, autovacuum_analyze_threshold = 2000000000,"
    " autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1"
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[CrashableCluster]:
    for owned in crashable_cluster():
        with psycopg.connect(owned.dsn, autocommit=True) as admin:
            admin.execute("ALTER SYSTEM SET autovacuum_naptime = '1s'")
            admin.execute("SELECT pg_reload_conf()")
        yield owned


def _vacuuming(dsn: str, table: str) -> None:
    """Give ``table`` dead rows and wait until an autovacuum worker holds it (throttled, it keeps it)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id int, v text) WITH ({THROTTLED})")
        conn.execute(f"INSERT INTO {table} SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g")
        conn.execute(f"DELETE FROM {table} WHERE id % 2 = 0")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = conn.execute(
                "SELECT query FROM pg_stat_activity WHERE backend_type = 'autovacuum worker' AND query LIKE %s",
                (f"%{table}%",),
            ).fetchone()
            if found:
                return
            time.sleep(0.2)
    pytest.fail(f"no autovacuum worker took {table} within 60 s")


def test_a_migration_gets_past_an_autovacuum_holding_its_table(cluster: CrashableCluster, tmp_path: Path) -> None:
    dsn = cluster.create_database()
    _vacuuming(dsn, "busy")
    migrations = load(write_files(tmp_path, {"0001_column.sql": "-- migrate:up\nALTER TABLE busy ADD COLUMN w int;\n"}))
    settings = with_runner(lock_timeout=timedelta(milliseconds=500), lock_retry_budget=timedelta(seconds=15))
    started = time.monotonic()
    with connect(dsn) as session:
        up(session, migrations, settings)
        assert ledger_versions(session) == ["0001"]
        retries = session.fetch_all("SELECT message FROM tenantdb.events WHERE kind = 'lock_retry' ORDER BY id")
    assert time.monotonic() - started < 12  # without the wait past deadlock_timeout: gave up after 15 s
    assert retries and "autovacuum" in retries[-1][0]
    assert "deadlock_timeout" in retries[-1][0]


def test_the_blocker_says_an_autovacuum_is_cancelled_for_a_long_enough_wait(cluster: CrashableCluster) -> None:
    dsn = cluster.create_database()
    _vacuuming(dsn, "held")
    with connect(dsn) as session:
        (blocker,) = lock_blockers(session, [(None, "held")])
        assert blocker.cancelled_after == timedelta(seconds=1)
        assert "autovacuum" in blocker.describe()


def test_without_a_budget_for_that_wait_it_still_gives_up_naming_the_vacuum(
    cluster: CrashableCluster, tmp_path: Path
) -> None:
    dsn = cluster.create_database()
    _vacuuming(dsn, "slow")
    migrations = load(write_files(tmp_path, {"0001_column.sql": "-- migrate:up\nALTER TABLE slow ADD COLUMN w int;\n"}))
    settings = with_runner(lock_retry_budget=timedelta(milliseconds=600))
    with connect(dsn) as session, pytest.raises(LockTimeoutExhausted, match="autovacuum"):
        up(session, migrations, settings)


def _blocker(age: float, cancelled_after: timedelta | None = None) -> LockBlocker:
    return LockBlocker(
        pid=1,
        application_name="",
        state="active",
        transaction_age=timedelta(seconds=age),
        query="",
        relation="t",
        mode="ShareUpdateExclusiveLock",
        cancelled_after=cancelled_after,
    )


def test_only_autovacuums_in_the_way_wait_past_deadlock_timeout() -> None:
    wait = LockWait(start=timedelta(milliseconds=25), ceiling=timedelta(milliseconds=500))
    wait.timed_out([_blocker(30.0, timedelta(seconds=1))])
    assert wait.current == timedelta(milliseconds=1500)


def test_a_vacuum_that_may_end_soon_is_waited_out_with_short_waits() -> None:
    """Under a quarter of the retry budget (30 s of the default 2 min), the vacuum is polled like a long reader:
    tens of milliseconds of stall per attempt instead of one of a second and a half."""
    wait = LockWait.of(with_runner(lock_retry_budget=timedelta(minutes=2)))
    assert wait.autovacuum_patience == timedelta(seconds=30)
    wait.timed_out([_blocker(5.0, timedelta(seconds=1))])
    assert wait.current < timedelta(milliseconds=500)


def test_a_long_transaction_beside_the_autovacuum_keeps_the_wait_short() -> None:
    """Outwaiting the vacuum would not get past the transaction: poll, as behind any long transaction."""
    wait = LockWait(start=timedelta(milliseconds=25), ceiling=timedelta(milliseconds=500))
    wait.timed_out([_blocker(30.0, timedelta(seconds=1)), _blocker(60.0)])
    assert wait.current == timedelta(milliseconds=25)


def test_giving_up_behind_a_wraparound_vacuum_says_to_let_it_finish() -> None:
    """PostgreSQL never cancels an anti-wraparound autovacuum: waiting longer or retrying sooner does not help."""
    blocker = replace(_blocker(600.0), query="autovacuum: VACUUM public.events (to prevent wraparound)")

    def blocked() -> None:
        raise DatabaseError("canceling statement due to lock timeout", sqlstate="55P03")

    backoff = Backoff(base=timedelta(milliseconds=1), cap=timedelta(milliseconds=1), budget=timedelta(milliseconds=1))
    with pytest.raises(LockTimeoutExhausted) as gave_up:
        with_lock_retries(blocked, backoff, blockers=lambda: [blocker])
    assert "wraparound" in (gave_up.value.hint or "") and "let it finish" in (gave_up.value.hint or "")
