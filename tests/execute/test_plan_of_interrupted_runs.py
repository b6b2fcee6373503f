"""``tenantdb plan`` of a migration an interruption cut off shows what the rerun will do, not an error it avoids.

The rerun of an interrupted statement-by-statement migration skips a concurrent build whose index is complete, a
concurrent drop whose index is gone and a detach already done, completes a detach left pending with FINALIZE,
and drops the INVALID index a cut-off build left before building it again. plan ran each statement's stand-in
as if nothing had happened and reported "already exists", "does not exist" or "already pending detach" for a
rerun that succeeds (found in a newcomer walk: Ctrl-C during CREATE INDEX CONCURRENTLY, then plan).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.db import JournalKey, JournalState, Session, journal_mark
from tenantdb.errors import DatabaseError
from tenantdb.execute.preview import MigrationPreview, preview
from tenantdb.migrations import Direction, MigrationSet, Version, load_migrations
from tests.helpers import FAST, leave_detach_pending, ledger_versions, up, write_files

INDEX = {
    "0001_items.sql": "-- migrate:up\nCREATE TABLE items (id int);\nINSERT INTO items VALUES (1), (1), (2);\n",
    "0002_index.sql": "-- migrate:up\nCREATE INDEX CONCURRENTLY items_id ON items (id);\n",
}
PARTITIONS = {
    "0001_events.sql": "-- migrate:up\nCREATE TABLE events (id int) PARTITION BY RANGE (id);\n"
    "CREATE TABLE events_old PARTITION OF events FOR VALUES FROM (0) TO (100);\n",
    "0002_detach.sql": "-- migrate:up\nALTER TABLE events DETACH PARTITION events_old CONCURRENTLY;\n",
}
KEY = JournalKey(source="project", version=Version.parse("0002"), direction=Direction.UP.value)


def _interrupted(session: Session, tmp_path: Path, files: dict[str, str]) -> MigrationSet:
    """0001 applied, 0002's only statement journaled ``started``: the run was cut off while it ran."""
    migrations = load_migrations(write_files(tmp_path, files))
    up(session, migrations, target=Version.parse("0001"))
    statement = files["0002_" + ("index" if "0002_index.sql" in files else "detach") + ".sql"].splitlines()[1]
    journal_mark(session, KEY, 0, statement.rstrip(";"), JournalState.STARTED)
    return migrations


def _planned(session: Session, migrations: MigrationSet) -> MigrationPreview:
    (planned,) = preview(session, migrations, FAST).migrations
    return planned


def test_an_invalid_index_left_by_a_cut_off_build_is_dropped_first(session: Session, tmp_path: Path) -> None:
    migrations = _interrupted(session, tmp_path, INDEX)
    with pytest.raises(DatabaseError, match="duplicated"):  # a failed concurrent build leaves its index INVALID
        session.execute("CREATE UNIQUE INDEX CONCURRENTLY items_id ON items (id)")
    planned = _planned(session, migrations)
    (statement,) = planned.statements
    assert statement.error is None, statement.error
    assert any("INVALID" in repair and "items_id" in repair for repair in statement.repairs)
    up(session, migrations)
    assert ledger_versions(session) == ["0001", "0002"]


def test_a_build_that_finished_before_the_cut_is_not_run_again(session: Session, tmp_path: Path) -> None:
    migrations = _interrupted(session, tmp_path, INDEX)
    session.execute("CREATE INDEX items_id ON items (id)")
    (statement,) = _planned(session, migrations).statements
    assert statement.error is None and statement.done_before


def test_a_detach_that_finished_before_the_cut_is_not_run_again(session: Session, tmp_path: Path) -> None:
    migrations = _interrupted(session, tmp_path, PARTITIONS)
    session.execute("ALTER TABLE events DETACH PARTITION events_old")
    (statement,) = _planned(session, migrations).statements
    assert statement.error is None and statement.done_before


def test_a_detach_left_pending_is_shown_completed_with_finalize(session: Session, dsn: str, tmp_path: Path) -> None:
    migrations = _interrupted(session, tmp_path, PARTITIONS)
    leave_detach_pending(dsn, "events", "events_old")
    (statement,) = _planned(session, migrations).statements
    assert statement.error is None, statement.error
    assert any("FINALIZE" in repair for repair in statement.repairs)
    up(session, migrations)
    assert ledger_versions(session) == ["0001", "0002"]
