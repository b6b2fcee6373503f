"""The ledger side of a step: the ``applied_migrations`` row and its event written with the step, removed with its
rollback, together with the journals it makes void and another tool's ledger kept in step."""

from __future__ import annotations

from datetime import UTC, datetime

from tenantdb.db import (
    AppliedMigration,
    EventKind,
    NewEvent,
    applied_migrations,
    interrupted_versions,
    journal_clear,
    journal_void,
    record_applied,
    remove_applied,
    who_applies,
)
from tenantdb.execute.step_run import StepRun
from tenantdb.migrations import PROJECT_SOURCE, Direction, Script, Version
from tenantdb.migrations.foreign_ledgers import follow_step
from tenantdb.sql.effects import effect_record, effects


def finish(run: StepRun, script: Script, started: datetime) -> None:
    """Write the ledger and the event (in the caller's transaction); an up step's ledger row, journal clean-up and
    event are one statement."""
    step, migration, session = run.step, run.migration, run.session
    finished = datetime.now(UTC)
    duration_ms = int((finished - started).total_seconds() * 1000)
    kind = EventKind.APPLY if step.direction is Direction.UP else EventKind.ROLLBACK
    message = f"{migration.label}: {len(script.statements)} statements ({script.mode})"
    details = {"duration_ms": duration_ms, "retries": run.retries}
    if step.direction is Direction.DOWN:
        unrecord(run)
        run.event(kind, message, details=details)
        return
    user, host = who_applies()
    record_applied(
        session,
        AppliedMigration(
            source=migration.source,
            version=str(migration.version),
            name=migration.name,
            checksum=migration.checksum,
            content=migration.normalized_text,
            execution_mode=script.mode,
            applied_by=user,
            host=host,
            started_at=started,
            finished_at=finished,
            duration_ms=duration_ms,
            statements_total=len(script.statements),
            statements_done=len(script.statements),
            # what its statements (as written, before online rewrites) create, remove and rename, for
            # `migrate verify` to hold the ledger against
            catalog_effects=tuple(effect_record(effect) for effect in effects(migration.up.statements)),
        ),
        event=NewEvent(
            kind=kind,
            source=migration.source,
            version=str(migration.version),
            direction=step.direction,
            message=message,
            details=details,
        ),
        clear_journal=True,
    )
    _follow_foreign_ledger(run)


def unrecord(run: StepRun) -> None:
    """A migration is rolled back (or forgotten): its ledger row, its journal and the journals of interrupted runs
    above it go; a kept foreign ledger follows (caller's transaction)."""
    migration = run.migration
    remove_applied(run.session, migration.source, migration.version)
    _void_journals_above(run)
    journal_clear(run.session, migration.source, migration.version)
    _follow_foreign_ledger(run)


def _follow_foreign_ledger(run: StepRun) -> None:
    """``keep_foreign_ledger``: the other tool's ledger records the project's step too (same transaction)."""
    step = run.step
    if run.foreign_ledger is None or step.migration.source != PROJECT_SOURCE:
        return
    newest = None
    if step.direction is Direction.DOWN:
        remaining = [
            _version_like(step.migration.version, row.version)
            for row in applied_migrations(run.session, PROJECT_SOURCE)
        ]
        newest = max(remaining, default=None)
    follow_step(run.session, run.foreign_ledger, step.migration.version, step.direction, newest_remaining=newest)


def _void_journals_above(run: StepRun) -> None:
    """A rollback makes the journal of every interrupted up run above it void: what it records as done may have
    been undone with the rolled-back migration, so the next ``up`` runs such a migration from the start."""
    migration = run.migration
    above = [
        version
        for text in interrupted_versions(run.session, migration.source, Direction.UP.value)
        if text != migration.version.text and (version := _version_like(migration.version, text)) > migration.version
    ]
    if not above:
        return
    journal_void(run.session, migration.source, above)
    message = (
        f"rolling back {migration.label} voided the journal of interrupted run(s) {', '.join(map(str, above))}: "
        "they will run from their first statement"
    )
    run.event(EventKind.JOURNAL_VOID, message)
    run.observer.note(message)


def _version_like(known: Version, text: str) -> Version:
    """``text`` read the way ``known`` was (diesel's versions compare as strings)."""
    return Version.parse_lexical(text) if known.lexical else Version.parse(text)
