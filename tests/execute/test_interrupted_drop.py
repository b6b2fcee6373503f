"""A ``DROP INDEX CONCURRENTLY`` whose drop finished but whose run died before the ledger commit (a SIGKILL, or a
server crash that loses the asynchronous commits after it: the drop itself always reaches the disk, since a
commit that removes files waits for its WAL) leaves the journal saying ``started`` and no index. The rerun must
see the drop done, as it sees an interrupted ``CREATE INDEX CONCURRENTLY`` built, instead of failing on an index
that does not exist (found by the F18 random schedules with a crash fault)."""

from __future__ import annotations

from pathlib import Path

from tenantdb.db import JournalKey, JournalState, Session, journal_mark
from tenantdb.migrations import Direction, Version, load_migrations
from tests.helpers import down, event_kinds, ledger_versions, up, write_files

FILES = {
    "0001_items.sql": "-- migrate:up\nCREATE TABLE items (id int);\n-- migrate:down\nDROP TABLE items;\n",
    "0002_index.sql": "-- migrate:up\nCREATE INDEX CONCURRENTLY items_id ON items (id);\n"
    "-- migrate:down\nDROP INDEX CONCURRENTLY items_id;\n",
}


def _interrupted_after_the_drop(session: Session, tmp_path: Path, statement: str) -> None:
    migrations = load_migrations(write_files(tmp_path, FILES))
    up(session, migrations)
    key = JournalKey(source="project", version=Version.parse("0002"), direction=Direction.DOWN.value)
    journal_mark(session, key, 0, statement, JournalState.STARTED)
    session.execute("DROP INDEX items_id")


def test_a_rerun_sees_the_interrupted_drop_done(session: Session, tmp_path: Path) -> None:
    _interrupted_after_the_drop(session, tmp_path, "DROP INDEX CONCURRENTLY items_id")
    result = down(session, load_migrations(tmp_path))
    assert [step.version for step in result.steps] == ["0002"]
    assert ledger_versions(session) == ["0001"]
    assert "repair" in event_kinds(session)
    assert not session.fetch_value("SELECT count(*) FROM tenantdb.statement_journal")


def test_an_index_still_there_is_dropped_again(session: Session, tmp_path: Path) -> None:
    migrations = load_migrations(write_files(tmp_path, FILES))
    up(session, migrations)
    key = JournalKey(source="project", version=Version.parse("0002"), direction=Direction.DOWN.value)
    journal_mark(session, key, 0, "DROP INDEX CONCURRENTLY items_id", JournalState.STARTED)
    down(session, migrations)
    assert session.fetch_value("SELECT to_regclass('items_id')") is None
    assert ledger_versions(session) == ["0001"]
