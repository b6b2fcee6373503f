"""Issue 10: after any sequence of up, down, redo, failures, kills, edits and fixes, the database is what a fresh
apply of the migrations the ledger calls applied gives: the same catalog and the same rows.

A Hypothesis state machine draws a small migration set (tables with seed rows, enum types, views, columns with
back-filled values, non-transactional migrations with a concurrent index and data; every one with a down) and a
sequence of operations: ``up`` (all or ``--to``), ``down`` (steps or ``--to 0``), ``redo``, breaking the next
pending migration at a drawn statement (a division by zero, or the server killing the runner's backend) and
running ``up`` into it, ``down`` while a migration is interrupted (refused) or with ``--include-interrupted``,
and fixing the file and resuming. After every operation that leaves no interrupted run, the database must equal
a fresh apply of the ledger's migrations: catalog snapshot and every table's row digests.

CI budget: ``TENANTDB_LEDGER_EXAMPLES`` (default 12) examples of at most ``TENANTDB_LEDGER_STEPS`` (default 8)
operations, derandomized so every run tries the same sequences (``TENANTDB_LEDGER_RANDOM=1`` draws new ones).
"""

from __future__ import annotations

import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from psycopg import sql
from psycopg.conninfo import make_conninfo

from tenantdb.db import Session, applied_migrations, catalog_snapshot, connect, interrupted_versions
from tenantdb.db.digests import data_digests
from tenantdb.errors import ConnectionFailed, LedgerStateError, MigrationFailed
from tenantdb.migrations import load_migrations
from tests.helpers import FAST, down, up, write_files
from tests.postgres import PgServer

EXAMPLES = int(os.environ.get("TENANTDB_LEDGER_EXAMPLES", "12"))
STEPS = int(os.environ.get("TENANTDB_LEDGER_STEPS", "8"))
KINDS = ("table", "heap", "enum", "view", "column", "nontx")
BREAKS = ("division", "kill")


@dataclass(frozen=True)
class Spec:
    """One generated migration: its up and down statements, and whether it runs statement by statement."""

    version: int
    up: tuple[str, ...]
    down: tuple[str, ...]
    no_transaction: bool = False

    def text(self, broken_at: int | None = None, how: str = "division") -> str:
        statements = list(self.up)
        if broken_at is not None:
            failing = "SELECT 1 / 0;" if how == "division" else "SELECT pg_terminate_backend(pg_backend_pid());"
            statements[broken_at] = failing
        head = "-- tenantdb: no-transaction\n" if self.no_transaction else ""
        return f"{head}-- migrate:up\n" + "\n".join(statements) + "\n-- migrate:down\n" + "\n".join(self.down) + "\n"

    @property
    def name(self) -> str:
        return f"{self.version:04d}_m{self.version}.sql"


def make_specs(kinds: list[str]) -> list[Spec]:
    """Migrations of the drawn kinds; a kind that needs a table falls back to creating one."""
    specs: list[Spec] = []
    tables: list[str] = []
    for version, kind in enumerate(kinds, start=1):
        table = tables[-1] if tables else None
        if kind in ("table", "heap") or table is None:
            name = f"t{version}"
            tables.append(name)
            key = "" if kind == "heap" else " PRIMARY KEY"  # a heap: nothing for ON CONFLICT to catch
            specs.append(
                Spec(
                    version=version,
                    up=(
                        f"CREATE TABLE {name} (id int{key}, v int NOT NULL);",
                        f"INSERT INTO {name} SELECT n, n * 7 FROM generate_series(1, 20) AS n;",
                    ),
                    down=(f"DROP TABLE {name};",),
                )
            )
        elif kind == "enum":
            specs.append(
                Spec(
                    version=version,
                    up=(
                        f"CREATE TYPE mood{version} AS ENUM ('calm', 'busy');",
                        f"ALTER TABLE {table} ADD COLUMN mood{version} mood{version} DEFAULT 'calm';",
                        f"UPDATE {table} SET mood{version} = 'busy' WHERE id % 2 = 0;",
                    ),
                    down=(f"ALTER TABLE {table} DROP COLUMN mood{version};", f"DROP TYPE mood{version};"),
                )
            )
        elif kind == "view":
            specs.append(
                Spec(
                    version=version,
                    up=(f"CREATE VIEW v{version} AS SELECT id, v FROM {table} WHERE v > 10;",),
                    down=(f"DROP VIEW v{version};",),
                )
            )
        elif kind == "column":
            specs.append(
                Spec(
                    version=version,
                    up=(f"ALTER TABLE {table} ADD COLUMN c{version} int;", f"UPDATE {table} SET c{version} = id * 3;"),
                    down=(f"ALTER TABLE {table} DROP COLUMN c{version};",),
                )
            )
        else:
            first, last = 100 * version, 100 * version + 4
            specs.append(
                Spec(
                    version=version,
                    up=(
                        f"CREATE INDEX CONCURRENTLY i{version} ON {table} (v);",
                        f"INSERT INTO {table} SELECT n, n FROM generate_series({first}, {last}) AS n;",
                        f"UPDATE {table} SET v = v + 1 WHERE id BETWEEN {first} AND {last};",
                    ),
                    down=(
                        f"DROP INDEX CONCURRENTLY IF EXISTS i{version};",
                        f"DELETE FROM {table} WHERE id BETWEEN {first} AND {last};",
                    ),
                    no_transaction=True,
                )
            )
    return specs


def reset_database(server: PgServer, name: str) -> str:
    with connect(server.dsn) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    return make_conninfo(server.dsn, dbname=name)


def state_of(session: Session) -> tuple[object, object]:
    digests = {table: (d.rows, sorted(d.columns.items())) for table, d in data_digests(session).items()}
    return catalog_snapshot(session), digests


class LedgerMachine(RuleBasedStateMachine):
    server: PgServer
    base: Path

    def __init__(self) -> None:
        super().__init__()
        self.session: Session | None = None
        self.specs: list[Spec] = []
        self.broken: tuple[int, int, str] | None = None  # (spec index, statement, how)
        self.directory = self.base

    @initialize(kinds=st.lists(st.sampled_from(KINDS), min_size=2, max_size=5))
    def setup(self, kinds: list[str]) -> None:
        self.dsn = reset_database(self.server, "tenantdb_ledger_prop")
        self.specs = make_specs(kinds)
        self.directory = self.base / f"run{id(self)}"
        self.write()
        self.session = connect(self.dsn, application_name="tenantdb ledger property")

    def teardown(self) -> None:
        if self.session is not None and not self.session.closed:
            self.session.close()

    # -- helpers --------------------------------------------------------------------------------------

    def write(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for path in self.directory.glob("*.sql"):
            path.unlink()
        files = {}
        for index, spec in enumerate(self.specs):
            broken = self.broken if self.broken is not None and self.broken[0] == index else None
            files[spec.name] = spec.text(broken[1], broken[2]) if broken else spec.text()
        write_files(self.directory, files)

    def live(self) -> Session:
        if self.session is None or self.session.closed:
            self.session = connect(self.dsn, application_name="tenantdb ledger property")
        return self.session

    def run(self, action: str, **options: object) -> None:
        migrations = load_migrations(self.directory)
        try:
            if action == "up":
                up(self.live(), migrations, FAST, **options)
            else:
                down(self.live(), migrations, FAST, **options)
        except ConnectionFailed:
            self.session = None  # the server killed the runner's backend: reconnect next time

    def applied(self) -> list[int]:
        return sorted(int(row.version) for row in applied_migrations(self.live()))

    def interrupted(self) -> dict[str, int]:
        return interrupted_versions(self.live(), "project", "up")

    # -- operations -----------------------------------------------------------------------------------

    @precondition(lambda self: self.broken is None)
    @rule(to=st.integers(0, 5))
    def apply(self, to: int) -> None:
        target = min(to, len(self.specs)) if to else None
        options = {"target": load_migrations(self.directory).version_of(f"{target:04d}")} if target else {}
        self.run("up", **options)

    @precondition(lambda self: self.broken is None)
    @rule(steps=st.integers(1, 5), everything=st.booleans())
    def roll_back(self, steps: int, everything: bool) -> None:
        if not self.applied():
            return
        if everything:
            self.run("down", target=load_migrations(self.directory).version_of("0"))
        else:
            self.run("down", steps=steps)

    @precondition(lambda self: self.broken is None)
    @rule()
    def redo(self) -> None:
        if self.applied():
            self.run("down", steps=1)
            self.run("up")

    @precondition(lambda self: self.broken is None)
    @rule(statement=st.integers(0, 2), how=st.sampled_from(BREAKS))
    def break_next(self, statement: int, how: str) -> None:
        """Break the next pending migration at a statement and run up into it: it fails or is killed there."""
        applied = self.applied()
        pending = [i for i, spec in enumerate(self.specs) if spec.version not in applied]
        if not pending:
            return
        index = pending[0]
        self.broken = (index, min(statement, len(self.specs[index].up) - 1), how)
        self.write()
        with suppress(MigrationFailed):
            self.run("up")
        assert index + 1 not in self.applied()  # a failed or killed migration is never recorded as applied

    @precondition(lambda self: self.broken is not None)
    @rule()
    def down_under_interrupted(self) -> None:
        """Rolling back below an interrupted migration is refused and changes nothing."""
        interrupted = self.interrupted()
        before = self.applied()
        if not interrupted or not before:
            return
        with pytest.raises(LedgerStateError):
            self.run("down", steps=1)
        assert self.applied() == before

    @precondition(lambda self: self.broken is not None)
    @rule(include=st.booleans())
    def fix(self, include: bool) -> None:
        """Restore the broken file, then resume (``up``) or roll the interrupted migration back."""
        self.broken = None
        self.write()
        if include and self.interrupted():
            self.run("down", steps=1, include_interrupted=True)
        else:
            self.run("up")

    # -- the invariant --------------------------------------------------------------------------------

    @invariant()
    def equals_a_fresh_apply_of_the_ledger(self) -> None:
        if not self.specs or self.broken is not None or self.interrupted():
            return
        applied = self.applied()
        assert applied == list(range(1, len(applied) + 1)), f"the ledger is not a prefix: {applied}"
        actual = state_of(self.live())
        fresh_dsn = reset_database(self.server, "tenantdb_ledger_fresh")
        with connect(fresh_dsn) as fresh:
            if applied:
                migrations = load_migrations(self.directory)
                up(fresh, migrations, target=migrations.version_of(f"{applied[-1]:04d}"))
            expected = state_of(fresh)
        assert actual[0] == expected[0], "the catalog differs from a fresh apply of the ledger's migrations"
        assert actual[1] == expected[1], "the data differs from a fresh apply of the ledger's migrations"


@pytest.mark.slow
def test_ledger_database_and_journal_agree_after_any_sequence(pg_server: PgServer, tmp_path: Path) -> None:
    LedgerMachine.server = pg_server
    LedgerMachine.base = tmp_path
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=not os.environ.get("TENANTDB_LEDGER_RANDOM"),
            # shrinking a failure can take many minutes of databases; TENANTDB_LEDGER_SHRINK=1 asks for it
            phases=[p for p in Phase if p is not Phase.shrink or os.environ.get("TENANTDB_LEDGER_SHRINK")],
            suppress_health_check=list(HealthCheck),
        ),
    )
