"""``migrate baseline``: record what another tool applied in tenantdb's ledger, without running it.

Adopted rows carry the current files' checksums, ``statements_done = statements_total`` and a note saying where
they came from; one transaction writes them with a ``baseline`` event, under the runner lock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from tenantdb.config import RunnerSettings
from tenantdb.db import (
    AppliedMigration,
    EventKind,
    Session,
    applied_migrations,
    event_recorded,
    record_applied,
    record_event,
    who_applies,
)
from tenantdb.errors import AdoptionRefused
from tenantdb.execute.engine import runner_lock
from tenantdb.execute.observer import Observer, SilentObserver
from tenantdb.migrations import MigrationSet, Version
from tenantdb.migrations.foreign_ledgers import read_foreign_ledgers
from tenantdb.plan import Adoption, choose_ledger, ledger_drift, plan_adoption

BASELINE_EVENT = EventKind.BASELINE


def adoptable(session: Session, migrations: MigrationSet, foreign_table: str | None = None) -> tuple[Adoption, ...]:
    """What a baseline would adopt from each non-empty foreign ledger, while tenantdb has adopted nothing yet.

    Empty once tenantdb's ledger has a row of this source or a baseline was recorded (``--to 0`` included).
    """
    if applied_migrations(session, migrations.source) or event_recorded(session, BASELINE_EVENT, migrations.source):
        return ()
    ledgers = [ledger for ledger in read_foreign_ledgers(session, foreign_table) if not ledger.empty]
    return tuple(plan_adoption(migrations, ledger, (), None) for ledger in ledgers)


def foreign_drift(
    session: Session, migrations: MigrationSet, recorded: Sequence[str], foreign_table: str | None = None
) -> tuple[str, ...]:
    """Once tenantdb keeps the ledger (``recorded``: the versions it has of ``migrations``), each other tool's ledger
    that counts other migrations applied (it would run some again, or counts applied what tenantdb rolled back), as
    one line each; empty while tenantdb has none."""
    if not recorded:
        return ()
    found = (ledger_drift(migrations, ledger, recorded) for ledger in read_foreign_ledgers(session, foreign_table))
    return tuple(line for line in found if line is not None)


def refuse_if_adoptable(session: Session, migrations: MigrationSet, foreign_table: str | None = None) -> None:
    """``migrate up`` on a database another tool manages would run its migrations again: stop with a hint."""
    found = adoptable(session, migrations, foreign_table)
    if not found:
        return
    first = found[0]
    assert first.ledger is not None
    hint = (
        f"run `tenantdb migrate baseline` to record the {len(first.versions)} migration(s) it applied, then "
        "`tenantdb migrate up`"
        if not first.refused and len(found) == 1
        else "run `tenantdb migrate status` to see what was found, then `tenantdb migrate baseline` up to a version"
    )
    raise AdoptionRefused(
        f"this database is managed by another tool ({'; '.join(a.ledger.describe() for a in found if a.ledger)}) "
        "and tenantdb's ledger is empty: applying would run migrations that already ran",
        hint=hint,
        ledger=first.ledger.qualified_name,
    )


def baseline(
    session: Session,
    migrations: MigrationSet,
    settings: RunnerSettings,
    *,
    to: Version | None = None,
    dry_run: bool = False,
    foreign_table: str | None = None,
    observer: Observer | None = None,
) -> Adoption:
    """Mark the migrations the foreign ledger (or ``--to``) names as applied; refuse anything doubtful."""
    with runner_lock(session, settings, observer or SilentObserver()):
        ledger = choose_ledger(read_foreign_ledgers(session, foreign_table), to)
        recorded = applied_migrations(session, migrations.source)
        if recorded and to is None:
            raise AdoptionRefused(
                f"tenantdb's ledger already records {len(recorded)} migration(s) of {migrations.source} (newest "
                f"{max(migrations.version_of(row.version) for row in recorded)}); a baseline without a target version "
                "adopts into an empty ledger only",
                remedy="to",
                hint="V to mark the versions up to V that are not recorded yet applied, without running them",
                ledger=ledger.qualified_name if ledger else None,
            )
        adoption = plan_adoption(migrations, ledger, [row.version for row in recorded], to)
        if adoption.refused:
            raise AdoptionRefused(
                f"{adoption.ledger.describe() if adoption.ledger else 'the ledger'}: " + "; ".join(adoption.problems),
                remedy="to",
                hint="V to mark every migration up to V applied (nothing was recorded)",
                ledger=ledger.qualified_name if ledger else None,
            )
        if not dry_run:
            _record(session, migrations, adoption)
        return adoption


def _record(session: Session, migrations: MigrationSet, adoption: Adoption) -> None:
    user, host = who_applies()
    now = datetime.now(UTC)
    origin = adoption.ledger.describe() if adoption.ledger else "no other tool's ledger"
    note = f"adopted by migrate baseline{f' --to {adoption.to}' if adoption.to else ''} from {origin}; not run"
    with session.transaction():
        for index, text in enumerate(adoption.versions):
            migration = migrations.get(migrations.version_of(text))
            assert migration is not None
            statements = len(migration.up.statements)
            record_applied(
                session,
                AppliedMigration(
                    source=migrations.source,
                    version=migration.version.text,
                    name=migration.name,
                    checksum=migration.checksum,
                    content=migration.normalized_text,
                    execution_mode=migration.up.mode,
                    applied_by=user,
                    host=host,
                    started_at=now + timedelta(microseconds=index),  # keeps the history in version order
                    finished_at=now + timedelta(microseconds=index),
                    duration_ms=0,
                    statements_total=statements,
                    statements_done=statements,
                    note=note,
                ),
            )
        record_event(
            session,
            BASELINE_EVENT,
            source=migrations.source,
            version=adoption.versions[-1] if adoption.versions else adoption.to,
            message=f"{len(adoption.versions)} migration(s) marked applied without running them ({origin})",
            details={
                "tool": adoption.ledger.tool if adoption.ledger else None,
                "ledger": adoption.ledger.qualified_name if adoption.ledger else None,
                "to": adoption.to,
                "versions": list(adoption.versions),
                "already_recorded": list(adoption.already_recorded),
                "problems": list(adoption.problems),
            },
        )
