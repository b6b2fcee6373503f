"""The archive holds what the statement destroys, including what writers committed while the statement waited
for its lock.

Archive before destroy copied, then ran the destroying statement: a write committed between the copy and the
statement's lock (a writer in flight when the copy ran, which the DROP then waited for) was destroyed without being
archived, and restoring the archive put back older values. The copy now runs once writes to the table are locked
out, so what it copies is what the statement removes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import psycopg
from psycopg import sql

from tenantdb.db import Session, connect
from tenantdb.migrations import MigrationSet, load_migrations
from tests.helpers import down, up, with_runner, write_files

WAITS = with_runner(lock_timeout_start=timedelta(seconds=5), lock_timeout=timedelta(seconds=5))

FILES = {
    "0001_notes.sql": "-- migrate:up\nCREATE TABLE notes (id int PRIMARY KEY, body text);\n"
    "INSERT INTO notes SELECT g, 'old' FROM generate_series(1, 100) g;\n"
    "-- migrate:down\nDROP TABLE notes;\n",
    "0002_tag.sql": "-- migrate:up\nALTER TABLE notes ADD COLUMN tag text DEFAULT 'old';\n"
    "-- migrate:down\nALTER TABLE notes DROP COLUMN tag;\n",
    "0003_purge.sql": "-- migrate:up\nDELETE FROM notes WHERE id <= 10;\n",
}


def _while_a_write_is_in_flight(dsn: str, write: str, run: Callable[[], None]) -> None:
    """``write`` open in another session when ``run`` starts, committed half a second later (while the
    destroying statement waits for the lock the open write holds)."""
    with psycopg.connect(dsn) as writer:
        writer.execute(write)
        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(0.5)
        writer.commit()
        worker.join(timeout=30)
        assert not worker.is_alive()


def _rolled_back_while_a_write_is_in_flight(dsn: str, migrations: MigrationSet, write: str) -> None:
    def roll_back() -> None:
        with connect(dsn) as other:
            down(other, migrations, WAITS)

    _while_a_write_is_in_flight(dsn, write, roll_back)


def test_a_value_written_while_the_drop_column_waited_is_archived(session: Session, dsn: str, tmp_path: Path) -> None:
    migrations = load_migrations(write_files(tmp_path, {k: v for k, v in FILES.items() if k < "0003"}))
    up(session, migrations, WAITS)
    _rolled_back_while_a_write_is_in_flight(dsn, migrations, "UPDATE notes SET tag = 'new' WHERE id = 1")
    up(session, migrations, WAITS)  # re-applying restores the archived column
    assert session.fetch_value("SELECT tag FROM notes WHERE id = 1") == "new"


def test_a_row_inserted_while_the_drop_table_waited_is_archived(session: Session, dsn: str, tmp_path: Path) -> None:
    migrations = load_migrations(write_files(tmp_path, {k: v for k, v in FILES.items() if k < "0002"}))
    up(session, migrations, WAITS)
    _rolled_back_while_a_write_is_in_flight(dsn, migrations, "INSERT INTO notes VALUES (101, 'late')")
    up(session, migrations, WAITS)
    assert session.fetch_value("SELECT body FROM notes WHERE id = 101") == "late"


def test_a_row_changed_while_the_delete_waited_is_archived_as_changed(
    session: Session, dsn: str, tmp_path: Path
) -> None:
    migrations = load_migrations(write_files(tmp_path, FILES))
    up(session, migrations, WAITS, target=migrations.migrations[1].version)

    def purge() -> None:
        with connect(dsn) as other:
            up(other, migrations, WAITS)

    _while_a_write_is_in_flight(dsn, "UPDATE notes SET body = 'new' WHERE id = 1", purge)
    archived = session.fetch_all("SELECT archive_schema, archive_table FROM tenantdb.archive WHERE version = '0003'")
    (schema, table) = archived[0]
    body = session.fetch_value(sql.SQL("SELECT body FROM {} WHERE id = 1").format(sql.Identifier(schema, table)))
    assert body == "new"
