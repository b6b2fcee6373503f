"""Fault matrix of RELIABILITY.md §2.1 (rows F1, F2, F4, F6, F7, F8) against a real PostgreSQL.

The runner is the real CLI in a subprocess; faults come from outside it: SIGKILL, ``pg_terminate_backend``,
and test sessions that hold locks or old snapshots. A migration stops where a fault should hit with
``pg_sleep(tenantdb_test.pause)``, a setting that only the faulted run passes (through ``PGOPTIONS``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, LiteralString, TypeVar

import psycopg
import pytest

from tenantdb.db import Session, connect
from tenantdb.errors import ExitCode

T = TypeVar("T")

WAIT = 20.0  # seconds any wait loop may take before the test fails
PAUSE = "SELECT pg_sleep(coalesce(nullif(current_setting('tenantdb_test.pause', true), ''), '0')::float);"
RUNNER = "application_name LIKE 'tenantdb runner%%' AND datname = current_database() AND pid <> pg_backend_pid()"
RUNNER_PIDS = "SELECT pid FROM pg_stat_activity WHERE " + RUNNER


# -- project files and the CLI ------------------------------------------------------------------------


def native(up: str, down: str = "SELECT 1;", *, no_transaction: bool = False) -> str:
    """A native migration file."""
    head = "-- tenantdb: no-transaction\n" if no_transaction else ""
    return f"{head}-- migrate:up\n{up.strip()}\n\n-- migrate:down\n{down.strip()}\n"


def make_project(root: Path, migrations: dict[str, str], **runner: str) -> Path:
    """``tenantdb.toml`` with these ``[runner]`` settings and ``migrations/<name>.sql`` files; the faults' small
    tables are rewritten online as large ones are, unless ``online_min_size`` says otherwise."""
    settings = "".join(f'{key} = "{value}"\n' for key, value in ({"online_min_size": "0"} | runner).items())
    (root / "tenantdb.toml").write_text(f"[runner]\n{settings}", encoding="utf-8")
    add_migrations(root, migrations)
    return root


def add_migrations(project: Path, migrations: dict[str, str]) -> None:
    directory = project / "migrations"
    directory.mkdir(exist_ok=True)
    for name, text in migrations.items():
        (directory / f"{name}.sql").write_text(text, encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Finished:
    """Exit code and output of one CLI run."""

    code: int
    stdout: str
    stderr: str

    def document(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.stdout)
        return parsed

    def applied(self) -> list[str]:
        """Versions this run reports as applied (its ``--json`` steps)."""
        return [step["version"] for step in self.document()["steps"]]

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def start_up(dsn: str, project: Path, *, pause: float | None = None, as_json: bool = True) -> subprocess.Popen[str]:
    """Start ``tenantdb migrate up``; with ``pause`` the PAUSE statements sleep that many seconds."""
    env = {key: value for key, value in os.environ.items() if key not in {"PGOPTIONS", "TENANTDB_DSN", "DATABASE_URL"}}
    if pause is not None:
        env["PGOPTIONS"] = f"-c tenantdb_test.pause={pause}"
    command = [sys.executable, "-m", "tenantdb", "migrate", "up", "--dsn", dsn, "-C", str(project)]
    return subprocess.Popen(
        [*command, "--json"] if as_json else command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(proc: subprocess.Popen[str], timeout: float = 120.0) -> Finished:
    """Wait for the process and collect its output; kill it and fail if it hangs."""
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        pytest.fail(f"tenantdb did not finish within {timeout:.0f}s\n{Finished(-1, stdout, stderr)}")
    return Finished(proc.returncode, stdout, stderr)


def migrate_up(dsn: str, project: Path, **options: Any) -> Finished:
    return finish(start_up(dsn, project, **options))


def kill(proc: subprocess.Popen[str]) -> Finished:
    os.kill(proc.pid, signal.SIGKILL)
    return finish(proc, timeout=WAIT)


@contextmanager
def reaped(*procs: subprocess.Popen[str]) -> Iterator[None]:
    """Kill and reap whatever a failing test left running (no stray runner, no ResourceWarning)."""
    try:
        yield
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()


# -- waiting on the server ----------------------------------------------------------------------------


def wait_for(what: str, check: Callable[[], T | None], *procs: subprocess.Popen[str]) -> T:
    """Poll ``check`` until it returns a value; fail after WAIT seconds or when one of ``procs`` exits first."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = check()
        if value is not None and value is not False:
            return value
        for proc in procs:
            if proc.poll() is not None:
                pytest.fail(f"tenantdb exited while waiting for {what}\n{finish(proc)}")
        time.sleep(0.02)
    pytest.fail(f"timed out after {WAIT:.0f}s waiting for {what}")


def paused_runner(session: Session) -> int | None:
    """The backend pid of the runner while it sleeps in PAUSE."""
    value = session.fetch_value(
        "SELECT pid FROM pg_stat_activity WHERE " + RUNNER + " AND state = 'active' AND query LIKE '%%pg_sleep%%'"
    )
    return int(value) if value is not None else None


def wait_paused(session: Session, proc: subprocess.Popen[str]) -> int:
    return wait_for("the runner to reach its pause", lambda: paused_runner(session), proc)


def backend_gone(session: Session, pid: int) -> bool:
    """No session and no lock (granted or waiting) left for this backend."""
    return not session.fetch_value(
        "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE pid = %s) OR EXISTS (SELECT FROM pg_locks WHERE pid = %s)",
        (pid, pid),
    )


def wait_gone(session: Session, pid: int) -> float:
    """Seconds until the backend and its locks are gone."""
    started = time.monotonic()
    wait_for(f"backend {pid} and its locks to go away", lambda: backend_gone(session, pid))
    return time.monotonic() - started


def locks_of(session: Session, pid: int) -> set[str]:
    rows = session.fetch_all("SELECT DISTINCT locktype || ':' || mode FROM pg_locks WHERE pid = %s", (pid,))
    return {row[0] for row in rows}


@contextmanager
def holding(dsn: str, *statements: LiteralString) -> Iterator[Session]:
    """A test session that ran ``statements`` (the first one a BEGIN); its transaction ends on exit."""
    with connect(dsn, application_name="tenantdb test blocker") as holder:
        for statement in statements:
            holder.execute(statement)
        try:
            yield holder
        finally:
            holder.rollback()


# -- what the database holds --------------------------------------------------------------------------


def ledger(session: Session) -> list[str]:
    rows = session.fetch_all("SELECT version FROM tenantdb.applied_migrations ORDER BY version")
    return [row[0] for row in rows]


def events(session: Session, version: str) -> list[str]:
    rows = session.fetch_all("SELECT kind FROM tenantdb.events WHERE version = %s ORDER BY id", (version,))
    return [row[0] for row in rows]


def exists(session: Session, relation: str) -> bool:
    return bool(session.fetch_value("SELECT to_regclass(%s) IS NOT NULL", (relation,)))


def index_valid(session: Session, name: str) -> bool | None:
    """``indisvalid`` of the index, or None when there is none."""
    value = session.fetch_value(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s", (name,)
    )
    return None if value is None else bool(value)


def invalid_index_count(session: Session) -> int:
    return int(session.fetch_value("SELECT count(*) FROM pg_index WHERE NOT indisvalid"))


def column_exists(session: Session, table: str, column: str) -> bool:
    return bool(
        session.fetch_value(
            "SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = %s"
            " AND NOT attisdropped)",
            (table, column),
        )
    )


def assert_no_deadlock(*runs: Finished) -> None:
    for run in runs:
        assert "deadlock" not in (run.stdout + run.stderr).lower(), str(run)


# -- F1: SIGKILL inside a transactional step ----------------------------------------------------------

BASE = native("CREATE TABLE base (id int PRIMARY KEY, v int NOT NULL DEFAULT 0);")


def test_f1_sigkill_in_transactional_step_leaves_no_trace_frees_locks_and_rerun_converges(
    dsn: str, session: Session, tmp_path: Path
) -> None:
    step = native(
        f"CREATE TABLE a (id int PRIMARY KEY);\nINSERT INTO a SELECT generate_series(1, 5);\n{PAUSE}\n"
        "CREATE TABLE b (id int);"
    )
    # A short advisory_lock_wait: a runner lock leaked by the killed run would make the rerun exit "busy".
    project = make_project(tmp_path, {"0001_base": BASE, "0002_a_and_b": step}, advisory_lock_wait="1s")
    proc = start_up(dsn, project, pause=30)
    with reaped(proc):
        pid = wait_paused(session, proc)
        assert "relation:AccessExclusiveLock" in locks_of(session, pid)  # CREATE TABLE a holds it
        killed = kill(proc)
    assert killed.code == -signal.SIGKILL
    gone_after = wait_gone(session, pid)
    assert gone_after <= 5.0, f"the orphan backend kept its locks for {gone_after:.1f}s"
    assert not exists(session, "a") and not exists(session, "b")
    assert ledger(session) == ["0001"]
    assert events(session, "0002") == []

    rerun = migrate_up(dsn, project)
    assert rerun.code == ExitCode.OK, str(rerun)
    assert rerun.applied() == ["0002"]
    assert exists(session, "a") and exists(session, "b")
    assert ledger(session) == ["0001", "0002"]
    assert session.fetch_value("SELECT count(*) FROM a") == 5


# -- F2: SIGKILL during CREATE INDEX CONCURRENTLY ------------------------------------------------------

ITEMS = native(
    "CREATE TABLE items (id int PRIMARY KEY, val int NOT NULL);\n"
    "INSERT INTO items SELECT n, n % 97 FROM generate_series(1, 1000) AS n;"
)
ITEMS_INDEX = native("CREATE INDEX CONCURRENTLY items_val_idx ON items (val);", "DROP INDEX items_val_idx;")


def building_runner(session: Session, phase: str) -> int | None:
    """The backend pid of the runner while its index build is in ``phase`` (pg_stat_progress_create_index)."""
    value = session.fetch_value(
        "SELECT pid FROM pg_stat_progress_create_index WHERE phase = %s AND pid IN (" + RUNNER_PIDS + ")", (phase,)
    )
    return int(value) if value is not None else None


def test_f2_sigkill_during_concurrent_index_build_leaves_invalid_index_that_rerun_repairs(
    dsn: str, session: Session, tmp_path: Path
) -> None:
    project = make_project(tmp_path, {"0001_items": ITEMS})
    assert (first := migrate_up(dsn, project)).code == ExitCode.OK, str(first)
    add_migrations(project, {"0002_items_val_idx": ITEMS_INDEX})
    # An old snapshot: the build waits for it before validating, with the index already there and INVALID.
    with holding(dsn, "BEGIN ISOLATION LEVEL REPEATABLE READ", "SELECT 1 FROM items LIMIT 1"):
        proc = start_up(dsn, project)
        with reaped(proc):
            phase = "waiting for old snapshots"
            pid = wait_for(f"the index build to be {phase}", lambda: building_runner(session, phase), proc)
            assert index_valid(session, "items_val_idx") is False
            killed = kill(proc)
        assert killed.code == -signal.SIGKILL
        wait_gone(session, pid)
    assert index_valid(session, "items_val_idx") is False
    assert ledger(session) == ["0001"]

    rerun = migrate_up(dsn, project)
    assert rerun.code == ExitCode.OK, str(rerun)
    assert rerun.applied() == ["0002"]
    assert index_valid(session, "items_val_idx") is True
    assert invalid_index_count(session) == 0
    assert session.fetch_value("SELECT count(*) FROM pg_class WHERE relname = 'items_val_idx'") == 1
    same_definition = "SELECT count(*) FROM pg_index WHERE indrelid = 'items'::regclass AND indkey::text = '2'"
    assert session.fetch_value(same_definition) == 1
    assert {"resume", "repair"} <= set(events(session, "0002"))
    assert ledger(session) == ["0001", "0002"]


# -- F4: the runner's backend is terminated mid-statement ---------------------------------------------


def test_f4_terminated_backend_fails_cleanly_and_rerun_resumes_without_double_applying(
    dsn: str, session: Session, tmp_path: Path
) -> None:
    step = native(
        f"INSERT INTO base (id) SELECT generate_series(1, 10);\n{PAUSE}\nCREATE TABLE after_pause (id int);",
        no_transaction=True,
    )
    project = make_project(tmp_path, {"0001_base": BASE, "0002_fill_base": step})
    proc = start_up(dsn, project, pause=30, as_json=False)
    with reaped(proc):
        pid = wait_paused(session, proc)
        assert session.fetch_value("SELECT pg_terminate_backend(%s)", (pid,)) is True
        failed = finish(proc, timeout=WAIT)
    assert failed.code in {ExitCode.FAILED, ExitCode.CONNECTION}, str(failed)
    assert "Traceback" not in failed.stderr, str(failed)
    errors = [line for line in failed.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, str(failed)
    assert "0002_fill_base" in errors[0] and "terminating connection" in errors[0], str(failed)
    assert session.fetch_value("SELECT count(*) FROM base") == 10
    assert not exists(session, "after_pause")
    assert ledger(session) == ["0001"]

    rerun = migrate_up(dsn, project)
    assert rerun.code == ExitCode.OK, str(rerun)
    assert rerun.applied() == ["0002"]
    assert rerun.document()["steps"][0]["resumed_at"] == 1  # the INSERT (statement 0) is not run again
    assert session.fetch_one("SELECT count(*), count(DISTINCT id) FROM base") == (10, 10)
    assert exists(session, "after_pause")
    assert "resume" in events(session, "0002")
    assert ledger(session) == ["0001", "0002"]


# -- F6: concurrent runners ---------------------------------------------------------------------------

GATE_KEY = 7357  # the test holds this advisory lock to keep the first runner inside migration 0002
GATE = f"DO $$ BEGIN WHILE NOT pg_try_advisory_xact_lock({GATE_KEY}) LOOP PERFORM pg_sleep(0.05); END LOOP; END $$;"
CONCURRENT_PLAN = {
    "0001_items": native("CREATE TABLE items (id int PRIMARY KEY, val int NOT NULL);"),
    "0002_fill_items": native(f"INSERT INTO items SELECT n, n % 97 FROM generate_series(1, 1000) AS n;\n{GATE}"),
    "0003_items_val_idx": ITEMS_INDEX,
    "0004_items_note": native("ALTER TABLE items ADD COLUMN note text;"),
}


def runner_count(session: Session) -> int:
    return int(session.fetch_value("SELECT count(*) FROM (" + RUNNER_PIDS + ") AS runners"))


def gated_runner(session: Session) -> bool:
    """True while a runner spins in GATE."""
    query = "SELECT EXISTS (" + RUNNER_PIDS + " AND state = 'active' AND query LIKE '%%pg_try_advisory_xact_lock%%')"
    return bool(session.fetch_value(query))


@pytest.mark.parametrize("runners", [2, 10])
def test_f6_concurrent_runners_apply_each_migration_once_without_deadlock(
    dsn: str, session: Session, tmp_path: Path, runners: int
) -> None:
    project = make_project(tmp_path, CONCURRENT_PLAN, advisory_lock_wait="2min")
    session.execute("SELECT pg_advisory_lock(%s)", (GATE_KEY,))
    procs = [start_up(dsn, project) for _ in range(runners)]
    with reaped(*procs):
        # Every runner is connected while one sits inside 0002: the others wait for the runner lock, and keep
        # polling for it during the CREATE INDEX CONCURRENTLY that follows.
        wait_for("all runners to connect", lambda: gated_runner(session) and runner_count(session) == runners, *procs)
        session.execute("SELECT pg_advisory_unlock(%s)", (GATE_KEY,))
        runs = [finish(proc) for proc in procs]
    for run in runs:
        assert run.code == ExitCode.OK, str(run)
    assert_no_deadlock(*runs)
    versions = sorted(name.split("_")[0] for name in CONCURRENT_PLAN)
    reported = Counter(version for run in runs for version in run.applied())
    assert reported == Counter(versions), "every migration is reported applied by exactly one runner"
    assert ledger(session) == versions
    applies = session.fetch_all("SELECT version, count(*) FROM tenantdb.events WHERE kind = 'apply' GROUP BY 1")
    assert dict(applies) == dict.fromkeys(versions, 1)
    assert session.fetch_one("SELECT count(*), count(DISTINCT id) FROM items") == (1000, 1000)
    assert index_valid(session, "items_val_idx") is True
    assert invalid_index_count(session) == 0


# -- F7 and F8: a reader holds a lock on the target table ---------------------------------------------

TABLE_T = native(
    "CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL);\nINSERT INTO t SELECT n, 0 FROM generate_series(1, 100) AS n;"
)
ADD_C = native(
    "CREATE TABLE t_audit (id int);\nALTER TABLE t ADD COLUMN c int;",
    "ALTER TABLE t DROP COLUMN c;\nDROP TABLE t_audit;",
)
READER = ("BEGIN", "SELECT * FROM t LIMIT 1")


@dataclass
class Probe:
    """An app-like client: a point read or write on ``t`` every 20 ms, recording waits, latencies and errors.

    ``waits`` is how long the server held each query before running it (clock_timestamp() minus
    statement_timestamp(), sent with the simple query protocol so the lock wait falls inside it): the
    lock-queue delay itself, free of client scheduling noise on a loaded machine. ``latencies`` are the round
    trips as the client saw them.
    """

    dsn: str
    latencies: list[float] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stopped: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        try:
            with psycopg.connect(self.dsn, autocommit=True, application_name="tenantdb test probe") as client:
                cursor = psycopg.ClientCursor(client)
                cursor.execute("SET statement_timeout = '10s'")
                while not self.stopped.wait(0.02):
                    self._once(cursor)
        except psycopg.Error as error:
            self.errors.append(f"probe connection: {error}")

    def summary(self) -> str:
        ordered = sorted(self.latencies)
        p99 = ordered[int(len(ordered) * 0.99)] if ordered else 0.0
        return (
            f"{len(ordered)} probes, longest server-side wait {max(self.waits, default=0) * 1000:.0f} ms, "
            f"round trip p99 {p99 * 1000:.0f} ms, max {max(ordered, default=0) * 1000:.0f} ms"
        )

    def _once(self, cursor: psycopg.ClientCursor[Any]) -> None:
        waited = "extract(epoch FROM clock_timestamp() - statement_timestamp())::float8"
        query: LiteralString = (
            f"UPDATE t SET v = v + 1 WHERE id = 2 RETURNING {waited}"
            if len(self.latencies) % 2
            else f"SELECT {waited} FROM t WHERE id = 1"
        )
        started = time.monotonic()
        try:
            cursor.execute(query)
            row = cursor.fetchone()
            self.waits.append(float(row[0]) if row else 0.0)
        except psycopg.Error as error:
            self.errors.append(str(error))
        self.latencies.append(time.monotonic() - started)


@contextmanager
def probing(dsn: str) -> Iterator[Probe]:
    probe = Probe(dsn)
    thread = threading.Thread(target=probe.run, name="probe", daemon=True)
    thread.start()
    try:
        yield probe
    finally:
        probe.stopped.set()
        thread.join(WAIT)


def runner_waits_for_a_lock(session: Session) -> bool:
    return bool(
        session.fetch_value("SELECT EXISTS (SELECT FROM pg_locks WHERE NOT granted AND pid IN (" + RUNNER_PIDS + "))")
    )


def test_f7_long_reader_makes_ddl_retry_at_lock_timeout_without_stalling_the_app(
    dsn: str, session: Session, tmp_path: Path
) -> None:
    project = make_project(tmp_path, {"0001_t": TABLE_T}, lock_timeout="200ms", retry_max_delay="1s")
    assert (first := migrate_up(dsn, project)).code == ExitCode.OK, str(first)
    add_migrations(project, {"0002_t_add_c": ADD_C})
    with probing(dsn) as probe, holding(dsn, *READER) as reader:
        proc = start_up(dsn, project)
        with reaped(proc):
            # From the runner's first wait for its lock (however long a loaded machine takes to start the CLI):
            # many lock timeouts (200 ms) and retries while the app keeps going.
            wait_for("the runner to wait for its lock", lambda: runner_waits_for_a_lock(session), proc)
            time.sleep(3)
            assert proc.poll() is None, f"the runner finished while the reader held its lock\n{finish(proc)}"
            reader.execute("COMMIT")
            run = finish(proc)
    assert run.code == ExitCode.OK, str(run)
    assert run.document()["steps"][0]["lock_retries"] > 0
    assert "lock_retry" in events(session, "0002")
    assert column_exists(session, "t", "c")
    assert probe.errors == []
    assert len(probe.latencies) > 100, f"the probe ran during the whole blocked period: {probe.summary()}"
    assert max(probe.waits) <= 0.3, f"a query waited longer than lock_timeout + 100 ms: {probe.summary()}"


def test_f8_blocker_outlasting_the_retry_budget_aborts_cleanly_and_rerun_converges(
    dsn: str, session: Session, tmp_path: Path
) -> None:
    project = make_project(tmp_path, {"0001_t": TABLE_T}, lock_timeout="100ms", lock_retry_budget="2s")
    assert (first := migrate_up(dsn, project)).code == ExitCode.OK, str(first)
    add_migrations(project, {"0002_t_add_c": ADD_C})
    with holding(dsn, *READER):
        started = time.monotonic()
        gave_up = migrate_up(dsn, project)
        took = time.monotonic() - started
    assert gave_up.code == ExitCode.LOCK_TIMEOUT, str(gave_up)
    error = gave_up.document()
    assert error["error"] == "LockTimeoutExhausted" and error["sqlstate"] == "55P03", str(gave_up)
    assert "gave up after" in error["message"] and "lock timeout" in error["message"], str(gave_up)
    assert "lock_retry_budget" in error["hint"]
    assert took < 10, f"the runner gave up after {took:.1f}s with a 2s budget"
    assert not column_exists(session, "t", "c") and not exists(session, "t_audit")
    assert ledger(session) == ["0001"]
    assert "lock_retry" in events(session, "0002")

    rerun = migrate_up(dsn, project)
    assert rerun.code == ExitCode.OK, str(rerun)
    assert rerun.applied() == ["0002"]
    assert column_exists(session, "t", "c") and exists(session, "t_audit")
    assert ledger(session) == ["0001", "0002"]
