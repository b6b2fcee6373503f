"""``migrate verify`` and ``migrate test`` against a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.db import Session
from tenantdb.db.digests import TableDigest
from tenantdb.errors import DatabaseError
from tenantdb.execute import round_trip
from tenantdb.execute.roundtrip import data_differences
from tenantdb.migrations import load_migrations
from tenantdb.verify import verify
from tests.helpers import FAST, up, write_files


def test_verify_reports_rows_of_verify_blocks_as_violations(session: Session, tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "0001_costs.sql": "-- migrate:up\nCREATE TABLE vps (id int, cost numeric);\n"
            "INSERT INTO vps VALUES (1, 10), (2, -5);\n"
            "-- migrate:verify\nSELECT id, 'negative cost' AS problem FROM vps WHERE cost < 0;\n"
            "SELECT 'ok' WHERE false;\n",
        },
    )
    migrations = load_migrations(tmp_path)
    up(session, migrations)
    report = verify(session, migrations)
    assert (report.migrations_checked, report.queries_run) == (1, 2)
    (violation,) = report.violations
    assert violation.check == "verify-block"
    assert violation.columns == ("id", "problem")
    assert violation.row == (2, "negative cost")
    assert violation.line == 5
    assert not report.ok


def test_verify_blocks_cannot_change_the_database(session: Session, tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"0001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:verify\nINSERT INTO a VALUES (1);\n"},
    )
    migrations = load_migrations(tmp_path)
    up(session, migrations)
    report = verify(session, migrations)
    assert [v.check for v in report.violations] == ["verify-error"]
    assert session.fetch_value("SELECT count(*) FROM a") == 0


def test_verify_finds_invalid_indexes_and_not_valid_constraints(session: Session, tmp_path: Path) -> None:
    session.execute("CREATE TABLE t (a int)")
    session.execute("INSERT INTO t VALUES (1), (1), (-1)")
    session.execute("ALTER TABLE t ADD CONSTRAINT t_a_positive CHECK (a > 0) NOT VALID")
    with pytest.raises(DatabaseError):  # the duplicate leaves an INVALID index behind
        session.execute("CREATE UNIQUE INDEX CONCURRENTLY t_a_key ON t (a)")
    report = verify(session, load_migrations(tmp_path))
    checks = sorted(v.check for v in report.violations)
    assert checks == ["invalid-index", "not-valid-constraint"]


def test_round_trip_passes_for_a_reversible_project(dsn: str, tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "0001_a.sql": "-- migrate:up\nCREATE TABLE a (id int PRIMARY KEY, note text DEFAULT 'x');\n"
            "CREATE INDEX a_note_idx ON a (note);\n-- migrate:down\nDROP TABLE a;\n",
        },
    )
    report = round_trip(dsn, load_migrations(tmp_path), FAST)
    assert report.ok and report.migrations == 1


def test_round_trip_names_what_a_leaky_down_leaves_behind(dsn: str, tmp_path: Path) -> None:
    """A down that leaves a type behind is a fact about the project (noted); the re-apply then fails on it."""
    write_files(
        tmp_path,
        {
            "0001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n",
            "0002_b.sql": "-- migrate:up\nCREATE TYPE mood AS ENUM ('ok');\nCREATE TABLE b (m mood);\n"
            "-- migrate:down\nDROP TABLE b;\n",
        },
    )
    report = round_trip(dsn, load_migrations(tmp_path), FAST)
    assert not report.ok
    (leftover,) = report.left_by_downs
    assert leftover.kind == "types" and any("mood" in row for row in leftover.only_in_actual)
    assert report.reapply_failure is not None and "mood" in report.reapply_failure


def test_round_trip_tolerates_what_the_downs_keep_when_the_ups_do_too(dsn: str, tmp_path: Path) -> None:
    """A backup table a down keeps and an extension it does not drop are noted, not errors."""
    write_files(
        tmp_path,
        {
            "0001_a.sql": "-- migrate:up\nCREATE EXTENSION IF NOT EXISTS plpgsql;\n"
            "CREATE TABLE a (id int PRIMARY KEY, note text);\nINSERT INTO a VALUES (1, 'x');\n"
            "-- migrate:down\nCREATE TABLE IF NOT EXISTS a_backup AS SELECT * FROM a;\nDROP TABLE a;\n",
        },
    )
    report = round_trip(dsn, load_migrations(tmp_path), FAST)
    assert report.ok, report
    assert {d.kind for d in report.left_by_downs} >= {"columns", "relations"}
    assert any("a_backup" in row for d in report.left_by_downs for row in d.only_in_actual)


def test_round_trip_says_what_changed_in_an_object_a_down_put_back_differently(dsn: str, tmp_path: Path) -> None:
    """Found on rust-lang/crates.io: a down that adds columns back in another order (or with another default) was
    shown as two unexplained tuples per column. The same object on both sides is one line naming what changed."""
    write_files(
        tmp_path,
        {
            "0001_a.sql": "-- migrate:up\nCREATE TABLE users (id int, login text, token text DEFAULT '');\n",
            "0002_b.sql": "-- migrate:up\nALTER TABLE users DROP COLUMN login, DROP COLUMN token;\n"
            "-- migrate:down\nALTER TABLE users ADD COLUMN token text, ADD COLUMN login text;\n",
        },
    )
    report = round_trip(dsn, load_migrations(tmp_path), FAST, on_stage=lambda _: None)
    (columns,) = [d for d in report.left_by_downs if d.kind == "columns"]
    described = columns.describe()
    assert "public.users.login: position 2 -> 3" in described
    assert "public.users.token: default '' -> none, position 3 -> 2" in described.replace("''::text", "''")
    assert "expected, missing" not in described and "unexpected" not in described


def test_round_trip_compares_data_not_only_the_catalog(dsn: str, tmp_path: Path) -> None:
    """Issue 10, finding 2: re-applying doubled a seeded table and `migrate test` still said "identically"."""
    write_files(
        tmp_path,
        {
            "0001_a.sql": "-- migrate:up\nCREATE TABLE a (note text, made timestamptz DEFAULT now());\n"
            "-- migrate:down\nDROP TABLE a;\n",
            "0002_seed.sql": "-- migrate:up\nINSERT INTO a (note) VALUES ('x'), ('y');\n-- migrate:down\nSELECT 1;\n",
        },
    )
    report = round_trip(dsn, load_migrations(tmp_path), FAST)
    assert report.ok, [d.describe() for d in report.data_differences]
    assert report.tables == 1
    assert report.volatile == ("public.a.made",)


def test_data_differences_name_the_table_and_columns() -> None:
    first = {"public.a": TableDigest(rows=2, columns={"id": "1", "made": "2"}, volatile=frozenset({"made"}))}
    doubled = {"public.a": TableDigest(rows=4, columns={"id": "3", "made": "4"}, volatile=frozenset({"made"}))}
    changed = {"public.a": TableDigest(rows=2, columns={"id": "5", "made": "6"}, volatile=frozenset({"made"}))}
    (rows,), _ = data_differences(first, doubled, set())
    assert rows.describe() == "public.a: 2 row(s) after the first apply, 4 row(s) after applying again"
    (values,), volatile = data_differences(first, changed, set())
    assert values.columns == ("id",) and volatile == ["public.a.made"]


def test_round_trip_reports_a_failing_down_and_tests_what_is_above_it(dsn: str, tmp_path: Path) -> None:
    """A project's down that fails is reported (not ok), and the round trip still covers the migrations above it."""
    write_files(
        tmp_path,
        {
            "0001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n",
            "0002_b.sql": "-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b_typo;\n",
            "0003_c.sql": "-- migrate:up\nCREATE TABLE c (id int);\n-- migrate:down\nDROP TABLE c;\n",
        },
    )
    report = round_trip(dsn, load_migrations(tmp_path), FAST)
    assert not report.ok
    (failure,) = report.down_failures
    assert failure.startswith("0002_b: its down fails") and "b_typo" in failure
    assert report.difference is None and not report.data_differences and report.rolled_back == 1
