"""Online rewrites reach exactly the catalog the blocking statement reaches, without its long locks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.db import catalog_snapshot, connect
from tenantdb.execute import first_difference
from tenantdb.migrations import ExecutionMode, load_migrations
from tenantdb.sql import rewrite_statements, split_statements
from tests.helpers import event_kinds, up, with_runner, write_files

SETUP = """-- migrate:up
CREATE TABLE parents (id int PRIMARY KEY);
INSERT INTO parents SELECT g FROM generate_series(1, 50) g;
CREATE TABLE items (id int NOT NULL, parent_id int, a int, b int, note text);
INSERT INTO items SELECT g, 1 + g % 50, g, g * 2, 'n' || g FROM generate_series(1, 2000) g;
"""

CASES = {
    "index": ("CREATE INDEX items_a_idx ON items (a);", "concurrent-index"),
    "unnamed-index": ("CREATE INDEX ON items (lower(note));", "concurrent-index"),
    "unique-index": ("CREATE UNIQUE INDEX items_id_key_idx ON items (id) WHERE a > 10;", "concurrent-index"),
    "named-check": ("ALTER TABLE items ADD CONSTRAINT items_a_positive CHECK (a > 0);", "not-valid-constraint"),
    "unnamed-check": ("ALTER TABLE items ADD CHECK (b >= a);", "not-valid-constraint"),
    "one-column-check": ("ALTER TABLE items ADD CHECK (a < 100000);", "not-valid-constraint"),
    "foreign-key": (
        "ALTER TABLE items ADD FOREIGN KEY (parent_id) REFERENCES parents (id) ON DELETE CASCADE;",
        "not-valid-constraint",
    ),
    "set-not-null": ("ALTER TABLE items ALTER COLUMN a SET NOT NULL;", "not-null-via-check"),
    "unique": ("ALTER TABLE items ADD UNIQUE (a, b);", "unique-via-concurrent-index"),
    "named-unique-deferrable": (
        "ALTER TABLE items ADD CONSTRAINT items_note_key UNIQUE (note) DEFERRABLE INITIALLY DEFERRED;",
        "unique-via-concurrent-index",
    ),
    "primary-key": ("ALTER TABLE items ADD PRIMARY KEY (id);", "unique-via-concurrent-index"),
    "several-subcommands": (
        "ALTER TABLE items ADD COLUMN c int DEFAULT 0, ADD CONSTRAINT items_c_check CHECK (c >= 0),"
        " ALTER COLUMN b SET NOT NULL;",
        "not-valid-constraint,not-null-via-check",
    ),
}


def project(root: Path, change: str) -> Path:
    return write_files(root, {"0001_setup.sql": SETUP, "0002_change.sql": f"-- migrate:up\n{change}\n"})


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_rewrite_reaches_the_same_catalog_as_the_plain_statement(
    case: str, dsn: str, other_dsn: str, tmp_path: Path
) -> None:
    change, kind = CASES[case]
    migrations = load_migrations(project(tmp_path, change))
    with connect(dsn) as plain, connect(other_dsn) as online:
        up(plain, migrations, with_runner(online=False))
        result = up(online, migrations, with_runner(online=True))
        assert result.steps[1].mode is ExecutionMode.STATEMENTS
        assert "rewrite" in event_kinds(online)
        kinds = online.fetch_value("SELECT message FROM tenantdb.events WHERE kind = 'rewrite'")
        assert str(kinds).startswith(kind + ":")
        assert "rewrite" not in event_kinds(plain)
        assert first_difference("online vs plain", catalog_snapshot(plain), catalog_snapshot(online)) is None
        assert online.fetch_value("SELECT count(*) FROM items") == 2000


def test_tables_created_in_the_same_script_are_left_alone(dsn: str, tmp_path: Path) -> None:
    text = "-- migrate:up\nCREATE TABLE fresh (a int);\nCREATE INDEX fresh_a_idx ON fresh (a);\n"
    migrations = load_migrations(write_files(tmp_path, {"0001_fresh.sql": text}))
    with connect(dsn) as session:
        (step,) = up(session, migrations, with_runner(online=True)).steps
        assert step.mode is ExecutionMode.TRANSACTION
        assert "rewrite" not in event_kinds(session)


def test_partitioned_tables_are_left_alone(dsn: str, tmp_path: Path) -> None:
    files = {
        "0001_parts.sql": "-- migrate:up\nCREATE TABLE events (at date, n int) PARTITION BY RANGE (at);\n",
        "0002_index.sql": "-- migrate:up\nCREATE INDEX events_at_idx ON events (at);\n",
    }
    with connect(dsn) as session:
        up(session, load_migrations(write_files(tmp_path, files)), with_runner(online=True))
        assert "rewrite" not in event_kinds(session)


def test_validation_runs_without_the_access_exclusive_lock(dsn: str, tmp_path: Path) -> None:
    """The scan of VALIDATE CONSTRAINT happens under SHARE UPDATE EXCLUSIVE, so writers keep going."""
    (statement,) = split_statements("ALTER TABLE items ADD CONSTRAINT c CHECK (a > 0)")
    rewritten, _ = rewrite_statements((statement,), lambda name: True)
    assert [s.text for s in rewritten] == [
        "ALTER TABLE items ADD CONSTRAINT c CHECK (a > 0) NOT VALID",
        "ALTER TABLE items VALIDATE CONSTRAINT c",
    ]
    migrations = load_migrations(project(tmp_path, "SELECT 1;"))
    with connect(dsn) as session:
        up(session, migrations)
        session.run_script(rewritten[0].text)
        session.execute("BEGIN")
        session.execute(rewritten[1].text)
        modes = session.fetch_all(
            "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND relation = 'items'::regclass"
        )
        session.execute("ROLLBACK")
    assert {row[0] for row in modes} == {"ShareUpdateExclusiveLock"}
