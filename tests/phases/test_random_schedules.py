"""Fault row F18 of RELIABILITY.md §2.1: random phase plans, random kill points, random rollbacks and reruns.

A Hypothesis state machine grows a project one small migration at a time (create table, add column, insert rows,
``CREATE INDEX CONCURRENTLY``, an unnamed ``ADD CHECK`` that the runner rewrites online, drop table; each with a
down, so rollbacks drop tables and columns too), groups the migrations into random ``[[phases]]``, and runs the
real CLI: ``migrate up`` or ``migrate down --to V``, either cleanly or killed at a random statement (every script
holds a pause at a drawn position; the faulted run sleeps in the pause of a drawn migration, or in a concurrent
index build waiting for an old snapshot) by SIGKILL of the runner or by crashing PostgreSQL (``pg_ctl stop -m
immediate``, when the tests own the server). A fault is always followed by the same command again, which must
succeed.

Invariants, checked against a model that replays the applied migrations:

* always: the ledger is a prefix of the migrations; every table a step dropped is in the archive exactly once,
  with the rows the model says it had, and the archived copy matches the manifest's row count and digest;
* after every successful command: the ledger holds exactly the migrations whose objects exist (tables, columns,
  rows, indexes, checks equal to the model), no INVALID index, no NOT VALID constraint and no journal left: the
  rerun converged.

CI budget: a few examples of a few steps (``TENANTDB_F18_EXAMPLES`` and ``TENANTDB_F18_STEPS`` raise it;
``TENANTDB_F18_VERBOSE=1`` prints every schedule); with ``CI`` set the examples are derandomized, so every CI run
tries the same schedules.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test
from psycopg import sql

from tenantdb.db import connect, table_digest
from tests.crash import CrashableCluster, crashable_bin_dir
from tests.postgres import PgServer

# Every script sleeps at one drawn statement, but only in the faulted run and only in the migration it picked.
PAUSE = "SELECT pg_sleep(CASE current_setting('tenantdb_test.pause_at', true) WHEN '{version}' THEN 30 ELSE 0 END);"
# The runner asleep in a pause, or in a concurrent index build that waits for an old snapshot (index INVALID).
STOPPED_RUNNER = (
    "SELECT CASE WHEN a.wait_event = 'PgSleep' THEN 'a pause' ELSE 'an index build' END FROM pg_stat_activity a"
    " WHERE a.application_name LIKE 'tenantdb runner%%' AND a.datname = current_database()"
    " AND (a.wait_event = 'PgSleep' OR EXISTS (SELECT FROM pg_stat_progress_create_index p WHERE p.pid = a.pid"
    " AND p.phase = 'waiting for old snapshots'))"
)
WAIT = 30.0
MAX_MIGRATIONS = 8
BASE_COLUMNS = ("tenant_id", "id", "v")
KINDS = ("create", "column", "insert", "index", "check", "drop")
# kind, which table, rows, no-transaction, pause position in the up, in the down
MIGRATION = st.tuples(
    st.sampled_from(KINDS), st.integers(0, 9), st.integers(1, 30), st.booleans(), st.integers(0, 2), st.integers(0, 2)
)
FAULT = st.sampled_from(["sigkill", "crash", "none"])


# -- the model ----------------------------------------------------------------------------------------


@dataclass
class TableState:
    columns: list[str] = field(default_factory=lambda: list(BASE_COLUMNS))
    ids: set[int] = field(default_factory=set)
    indexes: set[str] = field(default_factory=set)
    checks: set[str] = field(default_factory=set)

    def copy(self) -> TableState:
        return TableState(
            columns=list(self.columns), ids=set(self.ids), indexes=set(self.indexes), checks=set(self.checks)
        )


Model = dict[str, TableState]


@dataclass(frozen=True)
class Spec:
    """One generated migration and what it does to the model."""

    version: str
    kind: str
    table: str
    up: tuple[str, ...]
    down: tuple[str, ...]
    column: str | None = None
    ids: tuple[int, int] | None = None
    no_transaction: bool = False

    def apply(self, model: Model) -> None:
        if self.kind == "create":
            model[self.table] = TableState()
        elif self.kind == "column":
            assert self.column is not None
            model[self.table].columns.append(self.column)
        elif self.kind == "insert":
            assert self.ids is not None
            model[self.table].ids |= set(range(self.ids[0], self.ids[1] + 1))
        elif self.kind == "index":
            model[self.table].indexes.add(f"{self.table}_v_idx")
        elif self.kind == "check":
            model[self.table].checks.add(f"{self.table}_v_check")
        else:
            del model[self.table]

    def file_text(self, pause_up: int, pause_down: int) -> str:
        def with_pause(statements: tuple[str, ...], at: int) -> str:
            listed = list(statements)
            listed.insert(min(at, len(listed)), PAUSE.format(version=self.version))
            return "\n".join(listed)

        head = "-- tenantdb: no-transaction\n" if self.no_transaction else ""
        up, down = with_pause(self.up, pause_up), with_pause(self.down, pause_down)
        return f"{head}-- migrate:up\n{up}\n\n-- migrate:down\n{down}\n"


def trace(text: str) -> None:
    """What the schedule does, on stderr with ``TENANTDB_F18_VERBOSE=1`` (pytest -s), and as a Hypothesis event."""
    event(text)
    if os.environ.get("TENANTDB_F18_VERBOSE"):
        print(f"F18: {text}", file=sys.stderr)


def quoted(text: str) -> str:
    return f'"{text}"'


def replay(specs: list[Spec]) -> Model:
    model: Model = {}
    for spec in specs:
        spec.apply(model)
    return {name: state.copy() for name, state in model.items()}


def create_table(name: str, state: TableState) -> tuple[str, ...]:
    extra = "".join(f", {column} int DEFAULT 7" for column in state.columns[len(BASE_COLUMNS) :])
    statements = [
        f"CREATE TABLE {name} (tenant_id int NOT NULL, id int NOT NULL, v int NOT NULL{extra},"
        " PRIMARY KEY (tenant_id, id));"
    ]
    statements += [f"CREATE INDEX {index} ON {name} (v);" for index in sorted(state.indexes)]
    statements += [f"ALTER TABLE {name} ADD CONSTRAINT {check} CHECK (v >= 0);" for check in sorted(state.checks)]
    return tuple(statements)


def insert(table: str, low: int, high: int) -> str:
    return f"INSERT INTO {table} (tenant_id, id, v) SELECT n % 3, n, n * 7 FROM generate_series({low}, {high}) AS n;"


def make_spec(version: str, kind: str, head: Model, pick: int, size: int, no_transaction: bool, serial: int) -> Spec:
    """A migration of ``kind`` on the head state (every migration applied); ``create`` when no table fits."""
    tables = sorted(head)
    if kind == "index":
        tables = [t for t in tables if f"{t}_v_idx" not in head[t].indexes]
    if kind == "check":
        tables = [t for t in tables if f"{t}_v_check" not in head[t].checks]
    if kind == "create" or not tables:
        name = f"t{serial}"
        return Spec(
            version=version,
            kind="create",
            table=name,
            up=create_table(name, TableState()),
            down=(f"DROP TABLE {name};",),
        )
    table = tables[pick % len(tables)]
    if kind == "column":
        column = f"c{serial}"
        return Spec(
            version=version,
            kind=kind,
            table=table,
            column=column,
            up=(f"ALTER TABLE {table} ADD COLUMN {column} int DEFAULT 7;",),
            down=(f"ALTER TABLE {table} DROP COLUMN {column};",),
        )
    if kind == "insert":
        low, high = serial * 100, serial * 100 + size - 1
        middle = (low + high) // 2
        up = (
            (insert(table, low, middle), insert(table, middle + 1, high))
            if no_transaction and size > 1
            else (insert(table, low, high),)
        )
        return Spec(
            version=version,
            kind=kind,
            table=table,
            ids=(low, high),
            no_transaction=no_transaction,
            up=up,
            down=(f"DELETE FROM {table} WHERE id BETWEEN {low} AND {high};",),
        )
    if kind == "check":  # unnamed, on an existing table: the runner rewrites it into NOT VALID + VALIDATE
        return Spec(
            version=version,
            kind=kind,
            table=table,
            up=(f"ALTER TABLE {table} ADD CHECK (v >= 0);",),
            down=(f"ALTER TABLE {table} DROP CONSTRAINT {table}_v_check;",),
        )
    if kind == "index":
        index = f"{table}_v_idx"
        return Spec(
            version=version,
            kind=kind,
            table=table,
            up=(f"CREATE INDEX CONCURRENTLY {index} ON {table} (v);",),
            down=(f"DROP INDEX CONCURRENTLY {index};",),
        )
    return Spec(
        version=version, kind="drop", table=table, up=(f"DROP TABLE {table};",), down=create_table(table, head[table])
    )


# -- the server and the CLI ---------------------------------------------------------------------------


@dataclass
class Target:
    """Where the schedules run: a cluster the tests own (crashable) or the session's server (SIGKILL only)."""

    admin_dsn: Callable[[], str]
    crash: Callable[[], None] | None

    def create_database(self) -> str:
        from psycopg.conninfo import make_conninfo

        name = f"f18_{os.urandom(5).hex()}"
        with connect(self.admin_dsn()) as session:
            session.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        return make_conninfo(self.admin_dsn(), dbname=name)


@pytest.fixture(scope="module")
def target(pg_server: PgServer) -> Iterator[Target]:
    found = crashable_bin_dir()
    if isinstance(found, str):
        yield Target(admin_dsn=lambda: pg_server.dsn, crash=None)
        return
    cluster = CrashableCluster(found, Path(tempfile.mkdtemp(prefix="tenantdb-f18-")) / "cluster")

    def crash() -> None:
        cluster.crash()
        cluster.restart()

    try:
        yield Target(admin_dsn=lambda: cluster.dsn, crash=crash)
    finally:
        cluster.crash()


def start(dsn: str, project: Path, args: list[str], pause_at: str | None = None) -> subprocess.Popen[str]:
    """The CLI; with ``pause_at`` the pause of that migration sleeps (30 s) until the test kills the run."""
    env = {key: value for key, value in os.environ.items() if key not in {"PGOPTIONS", "TENANTDB_DSN", "DATABASE_URL"}}
    if pause_at is not None:
        env["PGOPTIONS"] = f"-c tenantdb_test.pause_at={pause_at}"
    command = [sys.executable, "-m", "tenantdb", *args, "--dsn", dsn, "-C", str(project)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    try:
        stdout, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
    return proc.returncode, f"exit {proc.returncode}\n{stdout}\n{stderr}"


# -- the state machine --------------------------------------------------------------------------------


@dataclass
class Before:
    """What the database held before a command: to judge what the command (and its rerun) dropped."""

    tables: set[str]
    archive_id: int


class Schedules(RuleBasedStateMachine):
    target: Target  # set by the test before the machine runs

    def __init__(self) -> None:
        super().__init__()
        self.dsn = self.target.create_database()
        self.project = Path(tempfile.mkdtemp(prefix="tenantdb-f18-project-"))
        (self.project / "migrations").mkdir()
        self.specs: list[Spec] = []
        self.phases: list[list[str]] = []
        self.applied = 0  # the model's ledger: the first `applied` specs
        self.session = connect(self.dsn)

    def teardown(self) -> None:
        """Every schedule ends converged: ``migrate up`` applies the whole plan; running it again changes nothing."""
        try:
            if self.specs:
                self._command(["migrate", "up"], "none", None, expected=len(self.specs))
                before = Before(tables=self._tables(), archive_id=self._archive_id())
                changes = self._changes()
                self._command(["migrate", "up"], "none", None, expected=len(self.specs))
                assert (self._tables(), self._archive_id(), self._changes()) == (
                    before.tables,
                    before.archive_id,
                    changes,
                ), "a rerun of a converged project changed something"
        finally:
            self.session.close()

    def _changes(self) -> int:
        query = "SELECT count(*) FROM tenantdb.events WHERE kind IN ('apply', 'rollback', 'archive', 'restore')"
        return int(self.session.fetch_value(query))

    # -- rules ----------------------------------------------------------------------------------------

    @precondition(lambda self: len(self.specs) < MAX_MIGRATIONS)
    @rule(migrations=st.lists(MIGRATION, min_size=1, max_size=3), new_phase=st.booleans())
    def plan_phase(self, migrations: list[tuple[str, int, int, bool, int, int]], new_phase: bool) -> None:
        """Add one to three migrations, as a new phase or at the end of the last one."""
        if new_phase or not self.phases:
            self.phases.append([])
        for kind, pick, size, no_transaction, pause_up, pause_down in migrations:
            serial = len(self.specs) + 1
            version = f"{serial:04d}"
            spec = make_spec(version, kind, replay(self.specs), pick, size, no_transaction, serial)
            self.specs.append(spec)
            path = self.project / "migrations" / f"{version}_{spec.kind}_{spec.table}.sql"
            path.write_text(spec.file_text(pause_up, pause_down), encoding="utf-8")
            self.phases[-1].append(version)
            trace(f"plan {version}: {spec.kind} {spec.table}{' (no-transaction)' if spec.no_transaction else ''}")
        self._write_config()

    @precondition(lambda self: self.applied < len(self.specs))
    @rule(fault=FAULT, which=st.integers(0, 9), old_snapshot=st.booleans())
    def migrate_up(self, fault: str, which: int, old_snapshot: bool) -> None:
        """``migrate up``; a fault with ``old_snapshot`` may also hit a concurrent index build before the pause."""
        pending = self.specs[self.applied :]
        pause_at = pending[which % len(pending)].version
        self._command(["migrate", "up"], fault, pause_at, expected=len(self.specs), old_snapshot=old_snapshot)

    @precondition(lambda self: self.applied > 0)
    @rule(steps=st.integers(1, 3), fault=FAULT, which=st.integers(0, 9))
    def migrate_down(self, steps: int, fault: str, which: int) -> None:
        keep = max(0, self.applied - steps)
        to = self.specs[keep - 1].version if keep else "0"
        undone = self.specs[keep : self.applied]
        self._command(["migrate", "down", "--to", to], fault, undone[which % len(undone)].version, expected=keep)

    # -- running a command, with or without a fault ---------------------------------------------------

    def _command(
        self, args: list[str], fault: str, pause_at: str | None, *, expected: int, old_snapshot: bool = False
    ) -> None:
        """Run the command, first killed at ``pause_at`` when ``fault`` says so; the (re)run must succeed."""
        trace(f"{' '.join(args)} ({fault}{' in ' + pause_at if pause_at else ''}; {len(self.specs)} migrations)")
        before = Before(tables=self._tables(), archive_id=self._archive_id())
        if fault != "none" and pause_at is not None:
            self._faulted(args, fault, pause_at, old_snapshot)
            self._check_always(before)
        code, output = finish(start(self.dsn, self.project, args))
        assert code == 0, output
        self.applied = expected
        self._check_always(before)
        self._check_converged()

    def _faulted(self, args: list[str], fault: str, pause_at: str, old_snapshot: bool) -> None:
        """Start the command, wait until it sleeps in ``pause_at`` (or builds an index), then kill or crash."""
        blocker = psycopg.connect(self.dsn, autocommit=True) if old_snapshot else None
        if blocker is not None:
            blocker.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            blocker.execute("SELECT 1")  # a snapshot every concurrent index build of this run has to wait for
        try:
            proc = start(self.dsn, self.project, args, pause_at)
            deadline = time.monotonic() + WAIT
            while proc.poll() is None and (where := self.session.fetch_value(STOPPED_RUNNER)) is None:
                assert time.monotonic() < deadline, "the runner neither paused nor finished"
                time.sleep(0.02)
            assert proc.poll() is None, f"the run finished before reaching the pause of {pause_at}: {finish(proc)[1]}"
            if fault == "crash" and self.target.crash is not None:
                trace(f"{args[1]}: PostgreSQL crashed in {where} ({pause_at} sleeps)")
                self.session.close()
                self.target.crash()
                self.session = connect(self.dsn)
            else:
                trace(f"{args[1]}: runner killed in {where} ({pause_at} sleeps)")
                os.kill(proc.pid, signal.SIGKILL)
        finally:
            if blocker is not None:
                with suppress(psycopg.Error):
                    blocker.close()
        code, output = finish(proc)
        assert code != 0, output
        assert "Traceback" not in output, output

    # -- what the database holds ----------------------------------------------------------------------

    def _tables(self) -> set[str]:
        rows = self.session.fetch_all(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
        )
        return {str(row[0]) for row in rows}

    def _archive_id(self) -> int:
        if not self.session.fetch_value("SELECT to_regclass('tenantdb.archive') IS NOT NULL"):
            return 0
        return int(self.session.fetch_value("SELECT coalesce(max(id), 0) FROM tenantdb.archive"))

    def _ledger(self) -> list[str]:
        if not self.session.fetch_value("SELECT to_regclass('tenantdb.applied_migrations') IS NOT NULL"):
            return []
        return [str(r[0]) for r in self.session.fetch_all("SELECT version FROM tenantdb.applied_migrations ORDER BY 1")]

    def _check_always(self, before: Before) -> None:
        """Ledger a prefix; every table dropped since ``before`` archived once, complete, with the model's rows."""
        ledger = self._ledger()
        assert ledger == [spec.version for spec in self.specs[: len(ledger)]], ledger
        entries = []
        if self.session.fetch_value("SELECT to_regclass('tenantdb.archive') IS NOT NULL"):
            entries = self.session.fetch_all(
                "SELECT object_table, version, direction, archive_schema, archive_table, row_count, digest"
                " FROM tenantdb.archive WHERE kind = 'table' AND object_schema = 'public' AND id > %s ORDER BY id",
                (before.archive_id,),
            )
        archived = [str(entry[0]) for entry in entries]
        assert len(archived) == len(set(archived)), f"a table was archived twice in one command: {archived}"
        dropped = before.tables - self._tables()
        assert dropped <= set(archived), f"dropped without an archive: {dropped - set(archived)}"
        for table, version, direction, schema, copy, rows, digest in entries:
            assert table_digest(self.session, schema, copy) == (rows, digest), f"archive of {table} is not complete"
            index = int(version) - 1
            model = replay(self.specs[:index] if direction == "up" else self.specs[: index + 1])
            ids = {
                int(r[0])
                for r in self.session.fetch_all(sql.SQL("SELECT id FROM {}").format(sql.Identifier(schema, copy)))
            }
            assert ids == model[table].ids, f"archive of {table} by {version} {direction} holds other rows"

    def _check_converged(self) -> None:
        """The ledger holds exactly the applied migrations, and exactly their objects exist."""
        assert self._ledger() == [spec.version for spec in self.specs[: self.applied]]
        model = replay(self.specs[: self.applied])
        assert self._tables() == set(model)
        for name, state in model.items():
            columns = self.session.fetch_all(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped"
                " ORDER BY attnum",
                (name,),
            )
            assert [str(c[0]) for c in columns] == state.columns, name
            ids = self.session.fetch_all(sql.SQL("SELECT id FROM {}").format(sql.Identifier(name)))
            assert sorted(int(r[0]) for r in ids) == sorted(state.ids), f"rows of {name}"
            indexes = self.session.fetch_all(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
                (name,),
            )
            assert {str(r[0]) for r in indexes} == state.indexes, f"indexes of {name}"
            checks = self.session.fetch_all(
                "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c' AND convalidated",
                (name,),
            )
            assert {str(r[0]) for r in checks} == state.checks, f"checks of {name}"
        assert self.session.fetch_value("SELECT count(*) FROM pg_index WHERE NOT indisvalid") == 0
        assert self.session.fetch_value("SELECT count(*) FROM pg_constraint WHERE NOT convalidated") == 0
        assert self.session.fetch_value("SELECT count(*) FROM tenantdb.statement_journal") == 0

    def _write_config(self) -> None:
        phases = "".join(
            f'\n[[phases]]\nname = "phase {number}"\nmigrations = [{", ".join(map(quoted, versions))}]\n'
            for number, versions in enumerate(self.phases, start=1)
        )
        (self.project / "tenantdb.toml").write_text(f'[runner]\nlock_timeout = "2s"\n{phases}', encoding="utf-8")


@pytest.mark.slow
def test_f18_random_phase_plans_kill_points_and_rollbacks_keep_ledger_archive_and_schema_in_agreement(
    target: Target,
) -> None:
    Schedules.target = target
    run_state_machine_as_test(
        Schedules,
        settings=settings(
            max_examples=int(os.environ.get("TENANTDB_F18_EXAMPLES", "3")),
            stateful_step_count=int(os.environ.get("TENANTDB_F18_STEPS", "8")),
            deadline=None,
            derandomize=bool(os.environ.get("CI")),
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
