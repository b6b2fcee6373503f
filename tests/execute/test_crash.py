"""Fault row F11 of RELIABILITY.md §2.1: PostgreSQL crashes (``pg_ctl stop -m immediate``) in the middle of a phase.

The cluster belongs to this module (see ``tests/crash.py``). A phased ``migrate up`` is crashed twice: once while
a ``CREATE INDEX CONCURRENTLY`` of a statement-by-statement migration waits for an old snapshot (the crash leaves
an INVALID index and a journal entry ``started``), once inside a transactional migration. After each restart the
same command, with no manual step, repairs what is left and ends where a run without crashes ends: the same
catalog, the same data, a consistent ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import psycopg
import pytest

from tenantdb.db import Session, catalog_snapshot, connect, invalid_indexes, table_digest
from tenantdb.errors import ExitCode
from tests.crash import CrashableCluster, crashable_cluster
from tests.execute.test_faults import (
    PAUSE,
    add_migrations,
    building_runner,
    finish,
    ledger,
    make_project,
    migrate_up,
    native,
    paused_runner,
    reaped,
    start_up,
    wait_for,
)

ITEMS = native(
    "CREATE TABLE items (id int PRIMARY KEY, val int NOT NULL, doubled int);\n"
    "INSERT INTO items (id, val) SELECT n, n % 97 FROM generate_series(1, 2000) AS n;"
)
BACKFILL_AND_INDEX = native(
    "UPDATE items SET doubled = val * 2 WHERE id <= 1000;\n"
    "UPDATE items SET doubled = val * 2 WHERE id > 1000;\n"
    "CREATE INDEX CONCURRENTLY items_val_idx ON items (val);",
    "DROP INDEX CONCURRENTLY items_val_idx;",
    no_transaction=True,
)
AUDIT = native(
    "CREATE TABLE audit (id int PRIMARY KEY, item int NOT NULL);\n"
    "INSERT INTO audit SELECT n, n FROM generate_series(1, 100) AS n;\n"
    f"{PAUSE}\n"
    "ALTER TABLE items ADD COLUMN note text;",
    "ALTER TABLE items DROP COLUMN note;\nDROP TABLE audit;",
)
PHASES = (
    '[[phases]]\nname = "base"\nmigrations = ["0001"]\n\n'
    '[[phases]]\nname = "expand"\nmigrations = ["0002", "0003"]\n'
    'post_checks = ["SELECT id FROM items WHERE doubled IS DISTINCT FROM val * 2"]\n'
)


@pytest.fixture(scope="module")
def cluster() -> Iterator[CrashableCluster]:
    yield from crashable_cluster()


def project_with_phases(root: Path) -> Path:
    project = make_project(root, {"0001_items": ITEMS, "0002_backfill_and_index": BACKFILL_AND_INDEX})
    add_migrations(project, {"0003_audit": AUDIT})
    with (project / "tenantdb.toml").open("a", encoding="utf-8") as toml:
        toml.write(PHASES)
    return project


def crash_and_restart(cluster: CrashableCluster, *runs: psycopg.Connection[tuple[object, ...]]) -> None:
    cluster.crash()
    for run in runs:
        with suppress(psycopg.Error):
            run.close()
    cluster.restart()


def journal(session: Session, version: str) -> list[tuple[int, str]]:
    rows = session.fetch_all(
        "SELECT statement_index, state FROM tenantdb.statement_journal WHERE version = %s ORDER BY 1", (version,)
    )
    return [(int(index), str(state)) for index, state in rows]


def state_of(session: Session) -> tuple[object, ...]:
    """Catalog, data and ledger: what a converged run must share with a run that never crashed."""
    data = {table: table_digest(session, "public", table) for table in ("items", "audit")}
    return catalog_snapshot(session), data, ledger(session)


@pytest.mark.slow
def test_f11_postgres_crash_mid_phase_then_rerun_repairs_and_converges(
    cluster: CrashableCluster, tmp_path: Path
) -> None:
    cluster.ensure_running()
    dsn = cluster.create_database()
    project = project_with_phases(tmp_path)

    # Crash 1: the concurrent index build of 0002 waits for a reader's old snapshot, its index already INVALID.
    with connect(dsn) as watcher:
        blocker = psycopg.connect(dsn, autocommit=True)
        blocker.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        blocker.execute("SELECT 1")  # a snapshot older than the build, which waits for it before validating
        proc = start_up(dsn, project)
        with reaped(proc):
            phase = "waiting for old snapshots"
            wait_for(f"the index build to be {phase}", lambda: building_runner(watcher, phase), proc)
            crash_and_restart(cluster, blocker)
            crashed = finish(proc)
    assert crashed.code != ExitCode.OK, str(crashed)
    assert "Traceback" not in crashed.stderr, str(crashed)
    with connect(dsn) as session:
        assert ledger(session) == ["0001"]
        assert [index.name for index in invalid_indexes(session)] == ["items_val_idx"]
        assert journal(session, "0002") == [(0, "done"), (1, "done"), (2, "started")]
        assert session.fetch_value("SELECT count(*) FROM items WHERE doubled IS NULL") == 0

    # Crash 2: inside the transactional 0003, after its CREATE TABLE and INSERT.
    with connect(dsn) as watcher:
        proc = start_up(dsn, project, pause=30)
        with reaped(proc):
            wait_for("the runner to pause in 0003", lambda: paused_runner(watcher), proc)
            crash_and_restart(cluster)
            crashed = finish(proc)
    assert crashed.code != ExitCode.OK, str(crashed)
    assert "Traceback" not in crashed.stderr, str(crashed)
    with connect(dsn) as session:
        assert ledger(session) == ["0001", "0002"], "0002 was repaired and finished; 0003 is gone"
        assert session.fetch_value("SELECT to_regclass('audit') IS NULL") is True
        assert invalid_indexes(session) == []
        assert journal(session, "0002") == []

    rerun = migrate_up(dsn, project)
    assert rerun.code == ExitCode.OK, str(rerun)
    clean_dsn = cluster.create_database()
    clean = migrate_up(clean_dsn, project)
    assert clean.code == ExitCode.OK, str(clean)
    with connect(dsn) as session, connect(clean_dsn) as reference:
        assert invalid_indexes(session) == []
        assert state_of(session) == state_of(reference)
        repairs = session.fetch_all("SELECT kind FROM tenantdb.events WHERE version = '0002' AND kind = 'repair'")
        assert repairs, "the rerun dropped the INVALID index before rebuilding it"
