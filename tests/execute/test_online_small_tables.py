"""Online rewrites are for tables large enough to stall writers (``[runner] online_min_size``, 1 MB by default).

A plain ``CREATE INDEX`` or ``ADD CONSTRAINT`` on a smaller table holds its lock for the milliseconds of the build or
scan, behind the same adaptive lock wait as any DDL, and stays atomic with its migration. ``CONCURRENTLY`` would wait
for every older transaction in the database, however unrelated; an interrupted rewritten run resumes rewritten.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest

from tenantdb.config import RunnerSettings, load_settings
from tenantdb.db import Session, connect
from tenantdb.errors import ConfigError, MigrationFailed
from tenantdb.execute import RunRequest, migrate
from tenantdb.execute.preview import preview
from tenantdb.migrations import Direction, ExecutionMode, MigrationSet, load_migrations
from tests.helpers import FAST, InterruptAfter, event_kinds, ledger_versions, up, with_runner, write_files

SETUP = """-- migrate:up
CREATE TABLE small (id int NOT NULL, a int);
INSERT INTO small SELECT g, g FROM generate_series(1, 200) g;
CREATE TABLE other (id int);
"""

DEFAULT = replace(FAST, online_min_size=RunnerSettings().online_min_size)  # the tests' timings, the default size


def test_the_default_threshold_is_one_megabyte() -> None:
    assert RunnerSettings().online_min_size == 1024 * 1024
    assert DEFAULT.online_min_size == 1024 * 1024


def test_an_index_on_a_small_table_builds_in_the_migrations_transaction(dsn: str, tmp_path: Path) -> None:
    files = {"0001_setup.sql": SETUP, "0002_index.sql": "-- migrate:up\nCREATE INDEX small_a ON small (a);\n"}
    migrations = load_migrations(write_files(tmp_path, files))
    with connect(dsn) as session:
        result = up(session, migrations, DEFAULT)
        assert result.steps[1].mode is ExecutionMode.TRANSACTION
        assert "rewrite" not in event_kinds(session)
        assert session.fetch_value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'small_a'::regclass")


def test_a_failure_after_it_takes_the_index_back_with_it(dsn: str, tmp_path: Path) -> None:
    files = {
        "0001_setup.sql": SETUP,
        "0002_index.sql": "-- migrate:up\nCREATE INDEX small_a ON small (a);\nSELECT 1 / 0;\n",
    }
    migrations = load_migrations(write_files(tmp_path, files))
    with connect(dsn) as session:
        with pytest.raises(MigrationFailed):
            up(session, migrations, DEFAULT)
        assert session.fetch_value("SELECT to_regclass('small_a')") is None
        assert ledger_versions(session) == ["0001"]


def test_a_table_at_the_threshold_is_still_rewritten(dsn: str, tmp_path: Path) -> None:
    files = {"0001_setup.sql": SETUP, "0002_index.sql": "-- migrate:up\nCREATE INDEX small_a ON small (a);\n"}
    migrations = load_migrations(write_files(tmp_path, files))
    with connect(dsn) as session:
        up(session, migrations, DEFAULT, target=migrations.migrations[0].version)
        size = int(session.fetch_value("SELECT pg_table_size('small')"))
        result = up(session, migrations, with_runner(online_min_size=size))
        assert result.steps[0].mode is ExecutionMode.STATEMENTS
        assert "rewrite" in event_kinds(session)


def test_an_unrelated_long_transaction_does_not_hold_a_small_tables_index(dsn: str, tmp_path: Path) -> None:
    """CONCURRENTLY waits for every transaction older than the build, on any table; the plain build does not."""
    files = {"0001_setup.sql": SETUP, "0002_index.sql": "-- migrate:up\nCREATE INDEX small_a ON small (a);\n"}
    migrations = load_migrations(write_files(tmp_path, files))
    with connect(dsn) as session:
        up(session, migrations, DEFAULT, target=migrations.migrations[0].version)
    with psycopg.connect(dsn) as report:
        report.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ  # its snapshot lasts, as pg_dump's does
        report.execute("SELECT count(*) FROM other")  # a report's open transaction, on another table
        release = threading.Timer(8.0, report.rollback)  # CONCURRENTLY would wait until the report ends
        release.start()
        try:
            started = time.monotonic()
            with connect(dsn) as session:
                up(session, migrations, DEFAULT)
            assert time.monotonic() - started < 4.0
        finally:
            release.cancel()


def _interrupted_after_the_first_rewritten_statement(dsn: str, tmp_path: Path) -> MigrationSet:
    """0002 (ADD COLUMN with a CHECK, on the small table) rewritten online (threshold 0) and interrupted after its
    first statement: its journal says the column was added."""
    change = "-- migrate:up\nALTER TABLE small ADD COLUMN b int DEFAULT 0, ADD CONSTRAINT b_check CHECK (b >= 0);\n"
    migrations = load_migrations(write_files(tmp_path, {"0001_setup.sql": SETUP, "0002_change.sql": change}))
    with connect(dsn) as session:
        up(session, migrations, DEFAULT, target=migrations.migrations[0].version)
        with pytest.raises(KeyboardInterrupt):
            migrate(
                session,
                migrations,
                with_runner(online_min_size=0),
                RunRequest(direction=Direction.UP),
                InterruptAfter("0002", 0),
            )
    return migrations


def test_an_interrupted_rewritten_run_resumes_rewritten_on_a_small_table(dsn: str, tmp_path: Path) -> None:
    """A run that rewrote (the threshold was lower, or the table larger) and was interrupted is resumed as it was
    journaled; running the statement as written would add the column a second time."""
    migrations = _interrupted_after_the_first_rewritten_statement(dsn, tmp_path)
    with connect(dsn) as session:
        result = up(session, migrations, DEFAULT)
        assert result.steps[0].resumed_at == 1
        assert ledger_versions(session) == ["0001", "0002"]
        assert _validated(session, "b_check")


def _validated(session: Session, name: str) -> bool:
    return bool(session.fetch_value("SELECT convalidated FROM pg_constraint WHERE conname = %s", (name,)))


def test_plan_shows_what_the_runner_will_do(dsn: str, tmp_path: Path) -> None:
    files = {"0001_setup.sql": SETUP, "0002_index.sql": "-- migrate:up\nCREATE INDEX small_a ON small (a);\n"}
    migrations = load_migrations(write_files(tmp_path, files))
    with connect(dsn) as session:
        up(session, migrations, DEFAULT, target=migrations.migrations[0].version)
        (small,) = preview(session, migrations, DEFAULT).migrations
        assert small.rewrites == ()
        assert ("small", "ShareLock") in {(lock.relation, lock.mode) for s in small.statements for lock in s.locks}
        (rewritten,) = preview(session, migrations, with_runner(online_min_size=0)).migrations
        assert rewritten.rewrites


def test_plan_shows_an_interrupted_rewritten_run_resuming_rewritten(dsn: str, tmp_path: Path) -> None:
    """The runner keeps the rewrite of a migration with a journal whatever the table's size: plan says so too."""
    migrations = _interrupted_after_the_first_rewritten_statement(dsn, tmp_path)
    with connect(dsn) as session:
        (planned,) = preview(session, migrations, DEFAULT).migrations
        assert planned.rewrites, "the rerun resumes the journaled rewrite"
        assert "NOT VALID" in " ".join(statement.statement for statement in planned.statements)
        assert all(statement.error is None for statement in planned.statements[1:])
        result = up(session, migrations, DEFAULT)
        assert result.steps[0].resumed_at == 1


def test_plan_of_a_database_without_tenantdb_state_reads_no_journal(dsn: str, tmp_path: Path) -> None:
    """Adopting a database: its tables exist, tenantdb's state schema does not yet; plan still decides rewrites."""
    with psycopg.connect(dsn, autocommit=True) as existing:
        existing.execute("CREATE TABLE small (id int NOT NULL, a int)")
        existing.execute("INSERT INTO small SELECT g, g FROM generate_series(1, 200) g")
    migrations = load_migrations(
        write_files(tmp_path, {"0001_index.sql": "-- migrate:up\nCREATE INDEX ON small (a);\n"})
    )
    with connect(dsn) as session:
        (planned,) = preview(session, migrations, with_runner(online_min_size=0)).migrations
        assert planned.rewrites and planned.errors == 0
        (plain,) = preview(session, migrations, DEFAULT).migrations
        assert plain.rewrites == () and plain.errors == 0
        assert session.fetch_value("SELECT to_regclass('tenantdb.applied_migrations')") is None


@pytest.mark.parametrize(("written", "size"), [('"2MB"', 2 * 1024 * 1024), ('"0"', 0), ("4096", 4096)])
def test_the_threshold_is_read_from_tenantdb_toml(tmp_path: Path, written: str, size: int) -> None:
    (tmp_path / "tenantdb.toml").write_text(f"[runner]\nonline_min_size = {written}\n")
    assert load_settings(tmp_path, environ={}).runner.online_min_size == size


def test_a_threshold_that_is_not_a_size_is_refused(tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text('[runner]\nonline_min_size = "banana"\n')
    with pytest.raises(ConfigError, match=r"runner\.online_min_size: 'banana' is not a size"):
        load_settings(tmp_path, environ={})
