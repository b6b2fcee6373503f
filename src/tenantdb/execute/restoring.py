"""Restore on re-apply: a step that recreates tables and columns the opposite direction archived puts their data
back, in the step's transaction."""

from __future__ import annotations

from tenantdb.config import RunnerSettings
from tenantdb.db import EventKind, Session, list_entries, object_exists, restore
from tenantdb.errors import ConfigError, ConnectionFailed, DatabaseError
from tenantdb.execute.event_log import record_step_event
from tenantdb.execute.observer import Observer
from tenantdb.plan import Step


class Restorer:
    """Puts archived tables and columns back when a run re-applies the step that dropped them."""

    def __init__(self, session: Session, settings: RunnerSettings, observer: Observer) -> None:
        self.session = session
        self.settings = settings
        self.observer = observer
        self._restorable: set[tuple[str, str]] | None = None  # (source, version) with archives to restore

    def restores(self, step: Step) -> bool:
        """Whether the step has archived tables or columns to put back (one look at the manifest per run)."""
        if not self.settings.archive or not self.settings.restore_on_reapply:
            return False
        if self._restorable is None:
            pending = list_entries(self.session, pending_only=True)
            self._restorable = {(entry.source, entry.version) for entry in pending if entry.kind.restored_on_reapply}
        return (step.migration.source, str(step.migration.version)) in self._restorable

    def restore_archives(self, step: Step) -> None:
        """Put back the tables and columns the opposite direction archived, now that they exist again.

        Newest archive first (an undo stack), so parents come back before the rows that reference them. Rows
        removed by DELETE or TRUNCATE stay in the archive until restored by hand (``tenantdb archive restore``):
        re-running a data migration recreates its own rows, and putting the old ones back would double them.
        Archived rows a rolled-back migration wrote stay too (it recreates them); the rest win over the rows the
        step just wrote with the same primary key. Each restore runs in a savepoint: its rows carry a
        subtransaction id the step did not record, so a later archive counts them as the application's.
        """
        if not self.restores(step):
            return
        migration = step.migration
        session = self.session
        entries = list_entries(session, source=migration.source, version=str(migration.version), pending_only=True)
        for entry in reversed(entries):
            if entry.direction == step.direction or not entry.kind.restored_on_reapply:
                continue
            if not object_exists(session, entry):
                continue

            def progress(done: int, total: int, name: str = entry.object_name) -> None:
                self.observer.restore_progress(migration, name, done, total)

            session.execute("SAVEPOINT tenantdb_restore")
            try:
                restored = restore(session, entry, archived_wins=True, progress=progress)
            except ConnectionFailed:
                raise
            except (DatabaseError, ConfigError) as error:  # rows whose parents are gone, a column without a key
                session.execute("ROLLBACK TO SAVEPOINT tenantdb_restore")
                message = f"kept {entry.object_name} archived (archive {entry.id}): {error.message}"
                sqlstate = error.sqlstate if isinstance(error, DatabaseError) else None
                record_step_event(session, step, EventKind.RESTORE_SKIPPED, message, sqlstate=sqlstate)
                self.observer.note(f"{migration.label}: {message}; `tenantdb archive restore {entry.id}` later")
                continue
            session.execute("RELEASE SAVEPOINT tenantdb_restore")
            message = restored.describe(entry)
            record_step_event(
                session, step, EventKind.RESTORE, f"{message} from {entry.archive_schema}.{entry.archive_table}"
            )
            self.observer.note(f"{migration.label}: {message}")
