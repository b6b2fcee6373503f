"""Statements outside a transaction that an interruption cut off after they took effect (or half way, for a
detach left pending) are recognised by the rerun.

A ``DROP INDEX CONCURRENTLY`` whose drop finished but whose run died before the ledger commit (a SIGKILL, or a
server crash that loses the asynchronous commits after it: the drop itself always reaches the disk, since a
commit that removes files waits for its WAL) leaves the journal saying ``started`` and no index. The rerun must
see the drop done, as it sees an interrupted ``CREATE INDEX CONCURRENTLY`` built, instead of failing on an index
that does not exist (found by the F18 random schedules with a crash fault)."""

from __future__ import annotations

from pathlib import Path

from tenantdb.db import JournalKey, JournalState, Session, journal_mark
from tenantdb.migrations import Direction, Version, load_migrations
from tests.helpers import down, event_kinds, leave_detach_pending, ledger_versions, up, write_files

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


PARTITIONS = {
    "0001_events.sql": "-- migrate:up\nCREATE TABLE events (id int) PARTITION BY RANGE (id);\n"
    "CREATE TABLE events_old PARTITION OF events FOR VALUES FROM (0) TO (100);\n"
    "INSERT INTO events SELECT generate_series(0, 99);\n",
    "0002_detach.sql": "-- migrate:up\nALTER TABLE events DETACH PARTITION events_old CONCURRENTLY;\n",
}
DETACH_KEY = JournalKey(source="project", version=Version.parse("0002"), direction=Direction.UP.value)


def _partition_of_events(session: Session) -> list[tuple[object, ...]]:
    return session.fetch_all("SELECT inhrelid::regclass::text, inhdetachpending FROM pg_inherits")


def test_an_interrupted_detach_that_finished_counts_as_done(session: Session, tmp_path: Path) -> None:
    migrations = load_migrations(write_files(tmp_path, PARTITIONS))
    up(session, migrations, target=Version.parse("0001"))
    journal_mark(
        session, DETACH_KEY, 0, PARTITIONS["0002_detach.sql"].splitlines()[1].rstrip(";"), JournalState.STARTED
    )
    session.execute("ALTER TABLE events DETACH PARTITION events_old")
    up(session, migrations)
    assert ledger_versions(session) == ["0001", "0002"]
    assert _partition_of_events(session) == []
    assert "repair" in event_kinds(session)


def test_an_interrupted_detach_left_pending_is_finalized(session: Session, dsn: str, tmp_path: Path) -> None:
    """A detach cancelled while it waited for older snapshots stays pending; running it again is refused by
    PostgreSQL ("already pending detach"): the rerun completes it with FINALIZE."""
    migrations = load_migrations(write_files(tmp_path, PARTITIONS))
    up(session, migrations, target=Version.parse("0001"))
    journal_mark(
        session, DETACH_KEY, 0, PARTITIONS["0002_detach.sql"].splitlines()[1].rstrip(";"), JournalState.STARTED
    )
    leave_detach_pending(dsn, "events", "events_old")
    assert _partition_of_events(session) == [("events_old", True)]
    up(session, migrations)
    assert ledger_versions(session) == ["0001", "0002"]
    assert _partition_of_events(session) == []
