"""The closed sets of values tenantdb's state tables store: journal states, archive kinds and event kinds.

String enums, so the database values and the JSON output are the strings they always were.
"""

from __future__ import annotations

from enum import StrEnum


class JournalState(StrEnum):
    """Progress of one statement in ``tenantdb.statement_journal`` (its CHECK constraint allows exactly these)."""

    STARTED = "started"  # run outside a transaction, outcome unknown until it is marked done
    DONE = "done"


class ArchiveKind(StrEnum):
    """What an archive copy in ``tenantdb.archive`` holds (its CHECK constraint allows exactly these)."""

    TABLE = "table"  # a dropped table
    COLUMN = "column"  # a dropped column, with the key to put it back
    ROWS = "rows"  # rows a DELETE or TRUNCATE removed: restored only by hand
    DEPENDENT = "dependent"  # a view DROP ... CASCADE removed: its definition; never restored by itself

    @property
    def restored_on_reapply(self) -> bool:
        """Whether applying the step again puts this archive back (rows and dependent views never are)."""
        return self in (ArchiveKind.TABLE, ArchiveKind.COLUMN)


class EventKind(StrEnum):
    """The kinds of entries in ``tenantdb.events``, the append-only log."""

    APPLY = "apply"
    ROLLBACK = "rollback"
    LEDGER_ONLY = "ledger_only"  # down --ledger-only: the ledger row went, nothing ran
    FAILURE = "failure"
    LOCK_RETRY = "lock_retry"
    REWRITE = "rewrite"  # an online rewrite of a blocking statement
    RESUME = "resume"  # an interrupted statement-by-statement run resumed
    JOURNAL_VOID = "journal_void"  # a rollback voided the journal of interrupted runs above it
    REPAIR = "repair"  # an interrupted concurrent index build was found built, or its INVALID index dropped
    ARCHIVE = "archive"
    RESTORE = "restore"
    RESTORE_SKIPPED = "restore_skipped"
    PURGE = "purge"
    CHECKSUM_ACCEPTED = "checksum_accepted"
    BASELINE = "baseline"
    SEED = "seed"
    MAINTAIN = "maintain"  # a statement of `tenantdb db maintain` and how it ended
    PHASE_START = "phase_start"
    PHASE_BLOCKED = "phase_blocked"
    PHASE_APPLIED = "phase_applied"
    PHASE_PROBLEM = "phase_problem"
    PHASE_ROLLBACK = "phase_rollback"
    PHASE_DATA_ROLLBACK = "phase_data_rollback"
    PHASE_FEATURE_OFF = "phase_feature_off"
    PHASE_FEATURE_ON = "phase_feature_on"
