"""Small helpers shared by the database tests."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tenantdb.config import RunnerSettings, load_settings
from tenantdb.db import Session
from tenantdb.execute import RunRequest, RunResult, SilentObserver, migrate
from tenantdb.migrations import Direction, Migration, MigrationSet, load_migrations
from tenantdb.sql import Statement

FAST = RunnerSettings(
    lock_timeout=timedelta(milliseconds=200),
    lock_retry_budget=timedelta(seconds=10),
    retry_base_delay=timedelta(milliseconds=50),
    retry_max_delay=timedelta(milliseconds=500),
    advisory_lock_wait=timedelta(seconds=30),
    advisory_lock_poll=timedelta(milliseconds=50),
    online_min_size=0,  # the tests' small tables are rewritten online as large ones are (test_online_small_tables)
)


def write_files(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory


def load(directory: Path) -> MigrationSet:
    """Load a directory with the placeholders of its own tenantdb.toml, if any."""
    return load_migrations(directory, placeholders=load_settings(directory).placeholders)


def up(session: Session, migrations: MigrationSet, settings: RunnerSettings = FAST, **options: object) -> RunResult:
    request = RunRequest(direction=Direction.UP, **options)  # type: ignore[arg-type]
    return migrate(session, migrations, settings, request)[1]


def down(session: Session, migrations: MigrationSet, settings: RunnerSettings = FAST, **options: object) -> RunResult:
    request = RunRequest(direction=Direction.DOWN, **options)  # type: ignore[arg-type]
    return migrate(session, migrations, settings, request)[1]


def everything_down(session: Session, migrations: MigrationSet) -> RunResult:
    return down(session, migrations, steps=max(1, len(migrations)))


def with_runner(**changes: object) -> RunnerSettings:
    return replace(FAST, **changes)  # type: ignore[arg-type]


def ledger_versions(session: Session) -> list[str]:
    rows = session.fetch_all("SELECT version FROM tenantdb.applied_migrations ORDER BY version")
    return [row[0] for row in rows]


def event_kinds(session: Session) -> list[str]:
    return [row[0] for row in session.fetch_all("SELECT kind FROM tenantdb.events ORDER BY id")]


def table_exists(session: Session, name: str) -> bool:
    return bool(session.fetch_value("SELECT to_regclass(%s) IS NOT NULL", (name,)))


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m tenantdb`` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "tenantdb", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )


def cli_interrupted_when_sleeping(
    *args: str, session: Session, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m tenantdb``, send Ctrl-C (SIGINT) once a statement sleeps (``pg_sleep``) in ``session``'s
    database, and wait for it to end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tenantdb", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=env,
        # Ctrl-C as in a terminal, however the suite was started: a shell without job control starts background
        # commands (CI's two suites side by side) with SIGINT ignored, and Python keeps an inherited SIG_IGN
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
    )
    deadline = time.monotonic() + 60
    while not session.fetch_value(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = current_database()"
    ):
        assert time.monotonic() < deadline and process.poll() is None, f"tenantdb {args} never reached the sleep"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()  # and close its pipes, which would otherwise fail a later test with a ResourceWarning
        out, err = process.communicate()
        pytest.fail(f"tenantdb {args} went on after SIGINT\nstdout: {out}\nstderr: {err}")
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


class InterruptAfter(SilentObserver):
    """A run observer that presses Ctrl-C once the given statement of the given migration has finished."""

    def __init__(self, version: str, index: int) -> None:
        self.version, self.index = version, index

    def statement_finished(self, migration: Migration, index: int, statement: Statement) -> None:
        if str(migration.version) == self.version and index == self.index:
            raise KeyboardInterrupt


def leave_detach_pending(dsn: str, table: str, partition: str) -> None:
    """``DETACH PARTITION ... CONCURRENTLY`` cancelled while it waits for an older snapshot: the partition is left
    pending detach, as an interrupted run leaves it."""
    with psycopg.connect(dsn, autocommit=True) as old, psycopg.connect(dsn, autocommit=True) as detaching:
        old.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        old.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))  # the detach waits for it
        detaching.execute("SET statement_timeout = '300ms'")
        with pytest.raises(psycopg.errors.QueryCanceled):
            detaching.execute(
                sql.SQL("ALTER TABLE {} DETACH PARTITION {} CONCURRENTLY").format(
                    sql.Identifier(table), sql.Identifier(partition)
                )
            )
        old.execute("ROLLBACK")
