"""One migration run end to end: state schema, runner lock, ledger check, plan, execution."""

from __future__ import annotations

from dataclasses import dataclass

from tenantdb.config import RunnerSettings
from tenantdb.db import (
    Session,
    acquire_runner_lock,
    applied_migrations,
    ensure_state,
    record_event,
    release_runner_lock,
    update_checksum,
)
from tenantdb.execute.observer import Observer, SilentObserver
from tenantdb.execute.runner import Runner, RunResult
from tenantdb.migrations import Direction, MigrationSet, Version
from tenantdb.plan import MigrationState, Plan, check_unchanged, plan_down, plan_up, status


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRequest:
    """What the user asked for."""

    direction: Direction
    target: Version | None = None
    steps: int | None = None
    allow_changed: bool = False
    dry_run: bool = False


def migrate(
    session: Session,
    migrations: MigrationSet,
    settings: RunnerSettings,
    request: RunRequest,
    observer: Observer | None = None,
) -> tuple[Plan, RunResult]:
    """Take the runner lock, re-read the ledger under it, plan, and run (unless ``dry_run``)."""
    observer = observer or SilentObserver()
    ensure_state(session)
    acquire_runner_lock(
        session,
        wait=settings.advisory_lock_wait,
        poll=settings.advisory_lock_poll,
        on_wait=observer.waiting_for_runner_lock,
    )
    try:
        applied = applied_migrations(session, migrations_source(migrations))
        if request.allow_changed:
            accept_changed(session, migrations, observer)
            applied = applied_migrations(session, migrations_source(migrations))
        else:
            check_unchanged(migrations, applied)
        if request.direction is Direction.UP:
            plan = plan_up(migrations, applied, request.target)
        else:
            plan = plan_down(migrations, applied, target=request.target, steps=request.steps)
        if plan.out_of_order:
            observer.note("applying out of order: " + ", ".join(map(str, plan.out_of_order)))
        if request.dry_run:
            return plan, RunResult(direction=plan.direction)
        return plan, Runner(session, settings, observer).run(plan)
    finally:
        release_runner_lock(session)


def migrations_source(migrations: MigrationSet) -> str:
    return migrations.migrations[0].source if migrations.migrations else "project"


def accept_changed(session: Session, migrations: MigrationSet, observer: Observer) -> None:
    """``--allow-changed``: adopt edited files as applied, and say so in the event log."""
    applied = applied_migrations(session, migrations_source(migrations))
    for row in status(migrations, applied):
        if row.state is not MigrationState.CHANGED or row.migration is None or row.applied is None:
            continue
        with session.transaction():
            update_checksum(
                session,
                row.applied.source,
                row.version,
                row.migration.checksum,
                row.migration.normalized_text,
            )
            record_event(
                session,
                "checksum_accepted",
                source=row.applied.source,
                version=row.version,
                message=f"edited file accepted with --allow-changed (was {row.applied.checksum[:12]})",
                details={"old_checksum": row.applied.checksum, "new_checksum": row.migration.checksum},
            )
        observer.note(f"accepted the edited file of {row.version} (--allow-changed)")
