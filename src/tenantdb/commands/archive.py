"""``tenantdb archive``: data archived before migrations destroyed it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tenantdb.commands.connection import open_session
from tenantdb.config import Settings
from tenantdb.db import (
    ArchiveEntry,
    EventKind,
    Session,
    archived_rows,
    list_entries,
    object_exists,
    purge,
    record_event,
    restore,
)
from tenantdb.errors import ConfigError, DatabaseStateError


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveView:
    """One archive entry with a sample of its rows."""

    entry: ArchiveEntry
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def archive_list(settings: Settings) -> list[ArchiveEntry]:
    with open_session(settings, "archive") as session:
        return list_entries(session)


def _archive_entry(session: Session, entry_id: int) -> ArchiveEntry:
    entries = list_entries(session, entry_id=entry_id)
    if not entries:
        raise ConfigError(f"no archive entry {entry_id}", hint="`tenantdb archive list` shows the entries")
    return entries[0]


def archive_show(settings: Settings, entry_id: int, limit: int = 20) -> ArchiveView:
    with open_session(settings, "archive") as session:
        entry = _archive_entry(session, entry_id)
        if entry.purged_at is not None:
            return ArchiveView(entry=entry, columns=(), rows=())
        columns, rows = archived_rows(session, entry, limit)
        return ArchiveView(entry=entry, columns=tuple(columns), rows=tuple(rows))


@dataclass(frozen=True, slots=True, kw_only=True)
class RestoreReport:
    entry: ArchiveEntry
    rows_written: int
    rows_left: int = 0  # written by a migration application rolled back since: it recreates them


def archive_restore(settings: Settings, entry_id: int, *, force: bool = False) -> RestoreReport:
    """Put an archived table, column or set of rows back into its live object, in one transaction.

    Never duplicates a row: rows a rolled-back migration wrote stay archived, and a live row with the same primary
    key is kept as it is (restoring by hand never overwrites live data). Values are cast back to the live types.
    """
    with open_session(settings, "archive") as session:
        entry = _archive_entry(session, entry_id)
        if entry.purged_at is not None:
            raise DatabaseStateError(f"archive {entry_id} was purged on {entry.purged_at:%Y-%m-%d}; nothing to restore")
        if entry.restored_at is not None and not force:
            raise DatabaseStateError(
                f"archive {entry_id} was already restored on {entry.restored_at:%Y-%m-%d %H:%M}",
                remedy="force",
                hint="to restore it again (rows whose key exists are skipped)",
            )
        if not object_exists(session, entry):
            raise DatabaseStateError(
                f"{entry.object_name} does not exist", hint="apply the migration that creates it, then restore"
            )
        with session.transaction():
            restored = restore(session, entry)
            record_event(
                session,
                EventKind.RESTORE,
                source=entry.source,
                version=entry.version,
                message=f"{restored.describe(entry)} by hand",
            )
        return RestoreReport(
            entry=_archive_entry(session, entry_id), rows_written=restored.written, rows_left=restored.left
        )


def archive_purge(settings: Settings, older_than: timedelta) -> list[ArchiveEntry]:
    """Drop archive copies older than ``older_than`` (never done automatically)."""
    with open_session(settings, "archive") as session, session.transaction():
        purged = purge(session, older_than)
        if purged:
            record_event(
                session, EventKind.PURGE, message=f"purged {len(purged)} archive copies older than {older_than}"
            )
        return purged
