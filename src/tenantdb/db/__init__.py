"""Everything that talks to PostgreSQL: sessions, the embedded server, state tables, catalog queries.

This is the only package that imports psycopg.
"""

from tenantdb.db.catalog import (
    ConstraintRef,
    IndexRef,
    Snapshot,
    catalog_snapshot,
    drop_index_concurrently,
    find_index,
    invalid_indexes,
    invalid_indexes_on,
    not_valid_constraints,
)
from tenantdb.db.connect import connect, describe_dsn
from tenantdb.db.embedded import EmbeddedStatus, embedded_status, start_embedded, stop_embedded
from tenantdb.db.locks import LockHolder, acquire_runner_lock, lock_holder, release_runner_lock
from tenantdb.db.scratch import ScratchDatabase, create_scratch_database, drop_database
from tenantdb.db.session import (
    DEADLOCK_DETECTED,
    LOCK_NOT_AVAILABLE,
    Session,
    is_lock_timeout,
    runner_identity,
)
from tenantdb.db.state import (
    AppliedMigration,
    Event,
    JournalEntry,
    JournalKey,
    applied_migrations,
    ensure_state,
    journal_clear,
    journal_entries,
    journal_mark,
    recent_events,
    record_applied,
    record_event,
    remove_applied,
    state_exists,
    statement_sha,
    update_checksum,
    who_applies,
)

__all__ = [
    "DEADLOCK_DETECTED",
    "LOCK_NOT_AVAILABLE",
    "AppliedMigration",
    "ConstraintRef",
    "EmbeddedStatus",
    "Event",
    "IndexRef",
    "JournalEntry",
    "JournalKey",
    "LockHolder",
    "ScratchDatabase",
    "Session",
    "Snapshot",
    "acquire_runner_lock",
    "applied_migrations",
    "catalog_snapshot",
    "connect",
    "create_scratch_database",
    "describe_dsn",
    "drop_database",
    "drop_index_concurrently",
    "embedded_status",
    "ensure_state",
    "find_index",
    "invalid_indexes",
    "invalid_indexes_on",
    "is_lock_timeout",
    "journal_clear",
    "journal_entries",
    "journal_mark",
    "lock_holder",
    "not_valid_constraints",
    "recent_events",
    "record_applied",
    "record_event",
    "release_runner_lock",
    "remove_applied",
    "runner_identity",
    "start_embedded",
    "state_exists",
    "statement_sha",
    "stop_embedded",
    "update_checksum",
    "who_applies",
]
