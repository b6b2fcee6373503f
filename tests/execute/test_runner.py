"""The runner against a real PostgreSQL: layouts, atomicity, journaling, resume, idempotency, checksums."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest

from tenantdb.db import (
    Session,
    acquire_runner_lock,
    catalog_snapshot,
    connect,
    interrupted_versions,
    invalid_indexes,
)
from tenantdb.errors import ChecksumMismatch, ConfigError, MigrationFailed, RunnerBusy
from tenantdb.execute import Observer, RunRequest, first_difference, migrate
from tenantdb.migrations import Direction, ExecutionMode, load_migrations
from tenantdb.plan import MigrationState, status
from tests.helpers import (
    FAST,
    down,
    event_kinds,
    everything_down,
    ledger_versions,
    load,
    table_exists,
    up,
    with_runner,
    write_files,
)

EXAMPLES = Path(__file__).parents[2] / "examples"
LAYOUT_DIRS = [EXAMPLES / "layouts" / name for name in ("golang-migrate", "flyway", "dbmate", "goose", "diesel")]


def data_digest(session: Session) -> str:
    return str(session.fetch_value("SELECT md5(string_agg(name || ':' || plan, ',' ORDER BY name)) FROM tenants"))


@pytest.mark.parametrize("directory", [*LAYOUT_DIRS, EXAMPLES / "migrations"], ids=lambda p: p.name)
def test_layout_applies_rolls_back_and_reapplies_leaving_the_catalog_as_found(
    session: Session, directory: Path
) -> None:
    migrations = load(directory)
    empty = catalog_snapshot(session)
    result = up(session, migrations)
    assert len(result.steps) == len(migrations)
    applied = catalog_snapshot(session)
    assert ledger_versions(session) == sorted(m.version.text for m in migrations)
    everything_down(session, migrations)
    assert first_difference("after down", empty, catalog_snapshot(session)) is None
    assert ledger_versions(session) == []
    up(session, migrations)
    assert first_difference("after re-apply", applied, catalog_snapshot(session)) is None
    assert invalid_indexes(session) == []


@pytest.mark.parametrize("directory", LAYOUT_DIRS, ids=lambda p: p.name)
def test_foreign_layouts_leave_the_same_data(session: Session, directory: Path) -> None:
    up(session, load(directory))
    assert session.fetch_value("SELECT count(*) FROM tenants WHERE name = 'Acme Mail — Zürich' AND plan = 'pro'") == 1


def test_transactional_failure_leaves_no_trace(session: Session, tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "0001_ok.sql": "-- migrate:up\nCREATE TABLE a (id int);\n",
            "0002_broken.sql": "-- migrate:up\nCREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\n"
            "INSERT INTO missing VALUES (1);\n",
        },
    )
    with pytest.raises(MigrationFailed) as error:
        up(session, load_migrations(tmp_path))
    assert error.value.line == 4
    assert error.value.sqlstate == "42P01"
    assert error.value.path is not None and error.value.path.name == "0002_broken.sql"
    assert table_exists(session, "a") and not table_exists(session, "b")
    assert ledger_versions(session) == ["0001"]
    assert event_kinds(session)[-1] == "failure"


def test_statement_mode_resumes_after_a_fixed_statement(session: Session, tmp_path: Path) -> None:
    files = {
        "0001_backfill.sql": "-- tenantdb: no-transaction\n-- migrate:up\n"
        "CREATE TABLE t (id int PRIMARY KEY, v int);\n"
        "INSERT INTO t SELECT g, g FROM generate_series(1, 100) g;\n"
        "UPDATE t SET v = v / 0;\n"
        "CREATE INDEX CONCURRENTLY t_v_idx ON t (v);\n"
    }
    write_files(tmp_path, files)
    with pytest.raises(MigrationFailed, match="division by zero"):
        up(session, load_migrations(tmp_path))
    assert session.fetch_value("SELECT count(*) FROM t") == 100
    assert ledger_versions(session) == []
    (row,) = status(load_migrations(tmp_path), [], interrupted_versions(session, "project"))
    assert (row.state, row.statements_done) == (MigrationState.INTERRUPTED, 2)
    files["0001_backfill.sql"] = files["0001_backfill.sql"].replace("v / 0", "v * 2")
    write_files(tmp_path, files)
    (step,) = up(session, load_migrations(tmp_path)).steps
    assert step.mode is ExecutionMode.STATEMENTS
    assert step.resumed_at == 2
    assert session.fetch_value("SELECT sum(v) FROM t") == 2 * 5050  # the INSERT ran exactly once
    assert ledger_versions(session) == ["0001"]
    assert "resume" in event_kinds(session)
    assert session.fetch_value("SELECT count(*) FROM tenantdb.statement_journal") == 0


def test_resume_refuses_an_edit_to_a_statement_that_already_ran(session: Session, tmp_path: Path) -> None:
    text = "-- tenantdb: no-transaction\n-- migrate:up\nCREATE TABLE t (id int);\nSELECT 1/0;\n"
    write_files(tmp_path, {"0001_a.sql": text})
    with pytest.raises(MigrationFailed):
        up(session, load_migrations(tmp_path))
    write_files(tmp_path, {"0001_a.sql": text.replace("(id int)", "(id bigint)").replace("1/0", "1")})
    with pytest.raises(MigrationFailed, match="edited or removed"):
        up(session, load_migrations(tmp_path))


def test_failed_unique_concurrent_build_is_dropped_and_rebuilt_on_retry(session: Session, tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "0001_t.sql": "-- migrate:up\nCREATE TABLE t (email text);\nINSERT INTO t VALUES ('a'), ('a');\n",
            "0002_unique.sql": "-- migrate:up\nCREATE UNIQUE INDEX CONCURRENTLY t_email_key ON t (email);\n",
        },
    )
    with pytest.raises(MigrationFailed):
        up(session, load_migrations(tmp_path))
    assert [index.name for index in invalid_indexes(session)] == ["t_email_key"]
    session.execute("DELETE FROM t WHERE ctid = (SELECT max(ctid) FROM t)")
    up(session, load_migrations(tmp_path))
    assert invalid_indexes(session) == []
    assert session.fetch_value("SELECT count(*) FROM pg_indexes WHERE indexname = 't_email_key'") == 1
    assert "repair" in event_kinds(session)


def test_file_with_its_own_transaction_is_not_double_wrapped(session: Session, tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "1_a.up.sql": "BEGIN;\nCREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\nCOMMIT;\n"
            "INSERT INTO t VALUES (2);\n"
        },
    )
    up(session, load_migrations(tmp_path))
    assert session.fetch_value("SELECT count(*) FROM t") == 2


def test_file_that_never_commits_is_refused(session: Session, tmp_path: Path) -> None:
    write_files(tmp_path, {"1_a.up.sql": "BEGIN;\nCREATE TABLE t (id int);\n"})
    with pytest.raises(MigrationFailed, match="never commits"):
        up(session, load_migrations(tmp_path))
    assert not table_exists(session, "t")


def test_running_twice_is_a_no_op(session: Session) -> None:
    migrations = load(EXAMPLES / "migrations")
    up(session, migrations)
    ledger = session.fetch_all("SELECT version, finished_at, checksum FROM tenantdb.applied_migrations ORDER BY 1")
    snapshot = catalog_snapshot(session)
    assert up(session, migrations).steps == []
    assert (
        session.fetch_all("SELECT version, finished_at, checksum FROM tenantdb.applied_migrations ORDER BY 1") == ledger
    )
    assert first_difference("second run", snapshot, catalog_snapshot(session)) is None


def test_edited_applied_migration_is_refused_and_nothing_runs(session: Session, tmp_path: Path) -> None:
    write_files(tmp_path, {"0001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n"})
    up(session, load_migrations(tmp_path))
    write_files(
        tmp_path,
        {
            "0001_a.sql": "-- migrate:up\nCREATE TABLE a (id bigint);\n",
            "0002_b.sql": "-- migrate:up\nCREATE TABLE b (id int);\n",
        },
    )
    with pytest.raises(ChecksumMismatch) as error:
        up(session, load_migrations(tmp_path))
    assert "-CREATE TABLE a (id int);" in error.value.diff
    assert "+CREATE TABLE a (id bigint);" in error.value.diff
    assert not table_exists(session, "b")
    up(session, load_migrations(tmp_path), allow_changed=True)
    assert table_exists(session, "b")
    assert "checksum_accepted" in event_kinds(session)
    up(session, load_migrations(tmp_path))  # the accepted edit is now the recorded one


def test_down_by_steps_and_to_version(session: Session, tmp_path: Path) -> None:
    files = {
        f"000{i}_t{i}.sql": f"-- migrate:up\nCREATE TABLE t{i} ();\n-- migrate:down\nDROP TABLE t{i};\n"
        for i in range(1, 5)
    }
    migrations = load_migrations(write_files(tmp_path, files))
    up(session, migrations)
    down(session, migrations)
    assert ledger_versions(session) == ["0001", "0002", "0003"]
    down(session, migrations, steps=2)
    assert ledger_versions(session) == ["0001"]
    up(session, migrations, target=migrations.versions[2])
    assert ledger_versions(session) == ["0001", "0002", "0003"]
    down(session, migrations, target=migrations.versions[0])
    assert ledger_versions(session) == ["0001"]
    with pytest.raises(ConfigError):
        down(session, migrations, target=migrations.versions[0], steps=1)


def test_down_without_down_section_is_refused_before_anything_runs(session: Session, tmp_path: Path) -> None:
    files = {
        "0001_a.sql": "-- migrate:up\nCREATE TABLE a ();\n",
        "0002_b.sql": "-- migrate:up\nCREATE TABLE b ();\n-- migrate:down\nDROP TABLE b;\n",
    }
    migrations = load_migrations(write_files(tmp_path, files))
    up(session, migrations)
    with pytest.raises(Exception, match="no down migration"):
        down(session, migrations, steps=2)
    assert table_exists(session, "b")


def test_out_of_order_migration_is_applied_and_reported(session: Session, tmp_path: Path) -> None:
    write_files(tmp_path, {"0002_b.sql": "-- migrate:up\nCREATE TABLE b ();\n"})
    up(session, load_migrations(tmp_path))
    write_files(tmp_path, {"0001_a.sql": "-- migrate:up\nCREATE TABLE a ();\n"})
    plan, _ = migrate(session, load_migrations(tmp_path), FAST, RunRequest(direction=Direction.UP))
    assert [str(v) for v in plan.out_of_order] == ["0001"]
    assert table_exists(session, "a")


def test_waiting_runner_names_the_holder_and_gives_up(dsn: str, tmp_path: Path) -> None:
    migrations = load_migrations(write_files(tmp_path, {"0001_a.sql": "-- migrate:up\nCREATE TABLE a ();\n"}))
    with connect(dsn) as holder, connect(dsn) as waiter:
        acquire_runner_lock(holder, wait=timedelta(seconds=1), poll=timedelta(milliseconds=10))
        seen: list[Any] = []
        settings = with_runner(advisory_lock_wait=timedelta(milliseconds=300))
        with pytest.raises(RunnerBusy) as error:
            migrate(waiter, migrations, settings, RunRequest(direction=Direction.UP), cast(Observer, _Recorder(seen)))
        assert f"backend pid {holder.pid}" in error.value.message
        assert "tenantdb runner" in error.value.message
        assert error.value.message.count(" since ") == 1, f"one 'since' is enough: {error.value.message}"
        assert seen and seen[0] is not None and seen[0].pid == holder.pid
        assert not table_exists(waiter, "a")


class _Recorder:
    """Records who the runner said it was waiting for."""

    def __init__(self, seen: list[object]) -> None:
        self.seen = seen

    def __getattr__(self, name: str) -> object:
        if name == "waiting_for_runner_lock":
            return self.seen.append
        return lambda *args, **kwargs: None


def test_concurrent_index_waits_for_a_long_report_instead_of_timing_out(dsn: str, tmp_path: Path) -> None:
    """CIC waits for older snapshots; with lock_timeout that wait would throw away the finished build."""
    import threading
    import time

    files = {
        "0001_t.sql": "-- migrate:up\nCREATE TABLE t (id int PRIMARY KEY, v int);\n"
        "INSERT INTO t SELECT g, g FROM generate_series(1, 1000) g;\n",
        "0002_index.sql": "-- migrate:up\nCREATE INDEX t_v_idx ON t (v);\n",
    }
    migrations = load_migrations(write_files(tmp_path, files))
    with connect(dsn) as session, connect(dsn) as report:
        up(session, migrations, target=migrations.versions[0])
        report.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        report.fetch_value("SELECT count(*) FROM t")
        release = threading.Timer(1.5, lambda: report.execute("COMMIT"))
        release.start()
        started = time.monotonic()
        up(session, migrations, with_runner(lock_timeout=timedelta(milliseconds=100)))
        release.join()
        assert time.monotonic() - started >= 1.0  # it waited for the report rather than failing
        assert invalid_indexes(session) == []
        assert ledger_versions(session) == ["0001", "0002"]
