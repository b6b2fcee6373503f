"""What the runner sends per ordinary migration, counted on the wire (tests/wire.py: libpq's protocol trace of a
real session).

Timing belongs in ``benchmarks/runner_overhead``; the number of statements and round trips is deterministic, so a
change that adds bookkeeping queries to every migration fails here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tenantdb.db import Session, connect
from tenantdb.errors import MigrationFailed
from tenantdb.execute import RunResult
from tests import wire
from tests.helpers import load, up, write_files
from tests.wire import Wire

RUNS = 6  # migrations of each kind, so a once-per-run cost does not hide in the average


class TracedSession:
    """A runner session whose protocol messages can be counted between two points."""

    def __init__(self, dsn: str, trace: Path) -> None:
        self.connection = psycopg.connect(dsn, autocommit=True)
        self.session = Session(self.connection)
        self.path = trace

    @contextmanager
    def counting(self) -> Iterator[list[Wire]]:
        with wire.traced(self.connection, self.path) as found:
            yield found


@pytest.fixture
def traced(dsn: str, tmp_path: Path) -> Iterator[TracedSession]:
    opened = TracedSession(dsn, tmp_path / "trace.txt")
    yield opened
    opened.connection.close()


def _base(directory: Path) -> None:
    write_files(
        directory,
        {
            "0001_base.sql": "-- migrate:up\nCREATE TABLE items (id bigint PRIMARY KEY, tenant_id bigint NOT NULL);\n"
            "INSERT INTO items SELECT g, g % 5 FROM generate_series(1, 50) g;\n"
            "-- migrate:down\nDROP TABLE items;\n",
        },
    )


def _count(traced: TracedSession, directory: Path, files: dict[str, str]) -> tuple[float, float]:
    """(statements, round trips) each further migration of a run costs: a run of two migrations and a run of the
    others are traced, so what a run of several pays once (state check, runner lock, ledger read, plan, the closing
    flush) cancels out."""
    _base(directory)
    up(traced.session, load(directory))
    names = sorted(files)
    few, others = names[:2], names[2:]
    write_files(directory, {name: files[name] for name in few})
    with traced.counting() as counted_few:
        assert len(up(traced.session, load(directory)).steps) == len(few)
    write_files(directory, {name: files[name] for name in others})
    with traced.counting() as many:
        assert len(up(traced.session, load(directory)).steps) == len(others)
    statements = many[0].statements - counted_few[0].statements
    round_trips = many[0].round_trips - counted_few[0].round_trips
    return Wire(statements, round_trips).per(len(others) - len(few))


def _files(template: str) -> dict[str, str]:
    return {f"{n + 10:04d}_step.sql": template.format(n=n, k=n + 1) for n in range(RUNS)}


def test_an_ordinary_alter_costs_two_round_trips(traced: TracedSession, tmp_path: Path) -> None:
    """BEGIN with its timeouts goes with the first statement; ledger, journal clean-up and event are one statement,
    sent with COMMIT; an ALTER with nothing to rewrite online looks nothing up in the catalog."""
    files = _files(
        "-- migrate:up\nALTER TABLE items ADD COLUMN c{n} text;\n-- migrate:down\nALTER TABLE items DROP COLUMN c{n};\n"
    )
    statements, round_trips = _count(traced, tmp_path, files)
    assert round_trips <= 2  # before: 4.7 (a relkind lookup, BEGIN on its own, DEALLOCATE ALL after DDL)
    assert statements <= 1 + 4  # BEGIN, timeouts, the statement, ledger row with its event and journal, COMMIT


def test_a_script_goes_out_with_its_begin_in_one_round_trip(traced: TracedSession, tmp_path: Path) -> None:
    """Every statement of a transactional script goes with BEGIN in one message, however many there are."""
    files = _files(
        "-- migrate:up\nCREATE TABLE t{n} (id bigint PRIMARY KEY, tenant_id bigint NOT NULL);\n"
        "CREATE INDEX t{n}_tenant ON t{n} (tenant_id);\nCOMMENT ON TABLE t{n} IS 'step {n}';\n"
        "-- migrate:down\nDROP TABLE t{n};\n"
    )
    statements, round_trips = _count(traced, tmp_path, files)
    assert round_trips <= 2  # before: one more per statement after the first
    assert statements <= 3 + 4


def test_a_data_migration_records_its_writes_in_few_round_trips(traced: TracedSession, tmp_path: Path) -> None:
    """What it wrote (for ``rollback --level data``) is read in one round trip and written with the ledger."""
    files = _files(
        "-- migrate:up\nINSERT INTO items SELECT g, g % 5 FROM generate_series(1000 * {k}, 1000 * {k} + 9) g;\n"
        "-- migrate:down\nDELETE FROM items WHERE id BETWEEN 1000 * {k} AND 1000 * {k} + 9;\n"
    )
    statements, round_trips = _count(traced, tmp_path, files)
    assert round_trips <= 3  # before: 8.7
    # BEGIN, timeouts, the tables before, the statement, its transaction id, its table statistics, the writes row,
    # ledger row (with its event and journal clean-up), COMMIT
    assert statements <= 1 + 8


def test_a_rewritten_index_build_costs_few_round_trips(traced: TracedSession, tmp_path: Path) -> None:
    """CREATE INDEX on an existing table runs CONCURRENTLY, journaled: the table lookup; the rewrite event and the
    session's timeouts with the journal read; "started" and the build's timeouts with the INVALID-leftover lookup;
    the build; the timeouts back with BEGIN, ledger (with its event and journal clean-up) and COMMIT: the last
    statement's "done" would be deleted with the journal in the same breath, so it is not written."""
    files = _files(
        "-- migrate:up\nCREATE INDEX items_{n} ON items (tenant_id, id);\n-- migrate:down\nDROP INDEX items_{n};\n"
    )
    statements, round_trips = _count(traced, tmp_path, files)
    assert round_trips <= 5  # before: 13.9, then 7
    # lookup; event, timeouts, journal; leftovers; started, timeouts; build; timeouts, BEGIN, ledger, COMMIT
    assert statements <= 12


# -- the first statement, sent with BEGIN, keeps the guarantees of any other -------------------------------------


def test_a_failing_first_statement_is_reported_with_its_line_and_leaves_no_trace(
    session: Session, tmp_path: Path
) -> None:
    _base(tmp_path)
    write_files(
        tmp_path, {"0002_bad.sql": "-- migrate:up\nALTER TABLE missing ADD COLUMN c int;\nCREATE TABLE t (id int);\n"}
    )
    with pytest.raises(MigrationFailed) as error:
        up(session, load(tmp_path))
    assert (error.value.line, error.value.sqlstate) == (2, "42P01")
    assert not session.in_transaction
    assert session.fetch_value("SELECT to_regclass('t')") is None
    assert session.fetch_value("SELECT count(*) FROM tenantdb.applied_migrations WHERE version = '0002'") == 0
    assert session.fetch_value("SELECT count(*) FROM tenantdb.events WHERE kind = 'failure' AND version = '0002'") == 1


def test_a_failing_later_statement_is_reported_with_its_line_and_leaves_no_trace(
    session: Session, tmp_path: Path
) -> None:
    _base(tmp_path)
    write_files(
        tmp_path,
        {
            "0002_bad.sql": "-- migrate:up\nCREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n"
            "INSERT INTO t VALUES ('x');\nCREATE TABLE u (id int);\n"
        },
    )
    with pytest.raises(MigrationFailed) as error:
        up(session, load(tmp_path))
    assert (error.value.line, error.value.sqlstate) == (4, "22P02")
    assert error.value.statement == "INSERT INTO t VALUES ('x')"
    assert not session.in_transaction
    assert session.fetch_value("SELECT to_regclass('t')") is None
    assert session.fetch_value("SELECT count(*) FROM tenantdb.applied_migrations WHERE version = '0002'") == 0
    assert (
        session.fetch_value("SELECT statement FROM tenantdb.events WHERE kind = 'failure' AND version = '0002'")
        == "INSERT INTO t VALUES ('x')"
    )


def test_a_statement_ending_in_a_line_comment_stays_apart_from_the_next(session: Session, tmp_path: Path) -> None:
    """Sent together, each statement still ends where the file says: a trailing ``--`` comment does not swallow
    the separator (the next statement would otherwise run as part of this one, or not at all)."""
    write_files(
        tmp_path,
        {
            "0001_two.sql": "-- migrate:up\nCREATE TABLE a (id int) -- the first\n;\n"
            "CREATE TABLE b (id int) /* the second */;\nINSERT INTO a VALUES (1) -- last, no newline;",
        },
    )
    up(session, load(tmp_path))
    assert session.fetch_value("SELECT count(*) FROM a") == 1
    assert session.fetch_value("SELECT to_regclass('b')::text") == "b"


def _up_behind_a_reader(session: Session, dsn: str, directory: Path) -> RunResult:
    """Apply the pending migrations while another session reads ``items`` in a transaction open for a second."""
    with connect(dsn) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT * FROM items LIMIT 1")
        release = threading.Timer(1.0, lambda: reader.execute("COMMIT"))
        release.start()
        try:
            return up(session, load(directory))
        finally:
            release.join()


def test_a_later_statement_that_waits_for_a_lock_is_retried_and_named(
    session: Session, dsn: str, tmp_path: Path
) -> None:
    _base(tmp_path)
    up(session, load(tmp_path))
    write_files(
        tmp_path, {"0002_add.sql": "-- migrate:up\nCREATE TABLE z (id int);\nALTER TABLE items ADD COLUMN c int;\n"}
    )
    result = _up_behind_a_reader(session, dsn, tmp_path)
    assert result.steps[0].lock_retries > 0
    named = session.fetch_all("SELECT DISTINCT statement FROM tenantdb.events WHERE kind = 'lock_retry'")
    assert named == [("ALTER TABLE items ADD COLUMN c int",)]
    assert session.fetch_value("SELECT to_regclass('z')::text") == "z"


def test_a_first_statement_that_waits_for_a_lock_is_retried(session: Session, dsn: str, tmp_path: Path) -> None:
    _base(tmp_path)
    up(session, load(tmp_path))
    write_files(tmp_path, {"0002_add.sql": "-- migrate:up\nALTER TABLE items ADD COLUMN c int;\n"})
    result = _up_behind_a_reader(session, dsn, tmp_path)
    assert result.steps[0].lock_retries > 0
    assert session.fetch_value("SELECT count(*) FROM tenantdb.events WHERE kind = 'lock_retry'") > 0
    assert session.fetch_value(
        "SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'c')"
    )


def test_a_rewritten_check_constraint_validates_with_its_ledger_row(traced: TracedSession, tmp_path: Path) -> None:
    """ADD CONSTRAINT ... CHECK on an existing table becomes NOT VALID, then VALIDATE, journaled: the table and name
    lookups; the rewrite event and the timeouts with the journal read; the NOT VALID constraint in its own
    transaction (BEGIN with the statement, "done" with COMMIT); the VALIDATE, the last statement, with the ledger row
    in one transaction (BEGIN with the statement; ledger, its event and journal clean-up, COMMIT)."""
    files = _files(
        "-- migrate:up\nALTER TABLE items ADD CONSTRAINT items_c{n} CHECK (id > -{k});\n"
        "-- migrate:down\nALTER TABLE items DROP CONSTRAINT items_c{n};\n"
    )
    statements, round_trips = _count(traced, tmp_path, files)
    assert round_trips <= 6  # before: 7 (the ledger row in a transaction of its own)
    assert statements <= 14
