"""``migrate verify`` and ``migrate test`` against a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.db import Session
from tenantdb.errors import DatabaseError
from tenantdb.execute import round_trip
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
    write_files(
        tmp_path,
        {
            "0001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n",
            "0002_b.sql": "-- migrate:up\nCREATE TYPE mood AS ENUM ('ok');\nCREATE TABLE b (m mood);\n"
            "-- migrate:down\nDROP TABLE b;\n",
        },
    )
    report = round_trip(dsn, load_migrations(tmp_path), FAST)
    assert report.difference is not None
    assert report.difference.stage == "after rolling everything back"
    assert report.difference.kind == "types"
    assert any("mood" in row for row in report.difference.only_in_actual)
