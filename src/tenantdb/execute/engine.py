"""One migration run end to end: state schema, runner lock, ledger check, plan, execution."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from tenantdb.config import RunnerSettings
from tenantdb.db import (
    EventKind,
    Session,
    acquire_runner_lock,
    applied_migrations,
    ensure_state,
    interrupted_versions,
    record_event,
    release_runner_lock,
    update_checksum,
)
from tenantdb.errors import DatabaseStateError, TenantdbError
from tenantdb.execute.observer import Observer, SilentObserver
from tenantdb.execute.runner import Runner, RunResult
from tenantdb.migrations import PROJECT_SOURCE, Direction, MigrationSet, Version
from tenantdb.migrations.foreign_ledgers import ForeignLedger, read_foreign_ledgers
from tenantdb.plan import MigrationState, Plan, check_unchanged, plan_down, plan_up, status


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRequest:
    """What the user asked for.

    ``target`` and ``steps`` apply to the project's migrations. Rolling back touches the project's
    migrations only, unless ``everything`` asks to roll back every source (modules last, in reverse order).
    """

    direction: Direction
    target: Version | None = None
    steps: int | None = None
    allow_changed: bool = False
    dry_run: bool = False
    everything: bool = False
    include_interrupted: bool = False  # down: roll back an interrupted migration too (newest first)
    ledger_only: bool = False  # down: remove ledger rows only, run nothing
    keep_foreign_ledger: bool = False  # also record each project step in the other tool's ledger
    foreign_ledger: str | None = None  # that ledger's table when renamed ([migrations] foreign_ledger)


def migrate(
    session: Session,
    migrations: MigrationSet | Sequence[MigrationSet],
    settings: RunnerSettings,
    request: RunRequest,
    observer: Observer | None = None,
) -> tuple[Plan, RunResult]:
    """Take the runner lock, re-read the ledger under it, plan every source, and run (unless ``dry_run``)."""
    observer = observer or SilentObserver()
    with runner_lock(session, settings, observer):
        return migrate_locked(session, migrations, settings, request, observer)


@contextmanager
def runner_lock(session: Session, settings: RunnerSettings, observer: Observer) -> Iterator[None]:
    """The state schema exists and this session holds the runner lock for the block."""
    ensure_state(session)
    acquire_runner_lock(
        session,
        wait=settings.advisory_lock_wait,
        poll=settings.advisory_lock_poll,
        on_wait=observer.waiting_for_runner_lock,
    )
    try:
        yield
    except BaseException:
        with suppress(TenantdbError):  # a lost connection released the lock itself; the block's error is the news
            release_runner_lock(session)
        raise
    release_runner_lock(session)


def migrate_locked(
    session: Session,
    migrations: MigrationSet | Sequence[MigrationSet],
    settings: RunnerSettings,
    request: RunRequest,
    observer: Observer,
) -> tuple[Plan, RunResult]:
    """Plan and run with the runner lock already held (see :func:`runner_lock`)."""
    sources = [migrations] if isinstance(migrations, MigrationSet) else list(migrations)
    plans = [_plan_source(session, source, request, observer) for source in _in_order(sources, request)]
    plan = Plan(
        direction=request.direction,
        steps=tuple(step for part in plans for step in part.steps),
        out_of_order=tuple(version for part in plans for version in part.out_of_order),
    )
    if plan.out_of_order:
        observer.note("applying out of order: " + ", ".join(map(str, plan.out_of_order)))
    for step in plan.steps:
        problem = step.migration.down_problem
        if step.direction is Direction.UP and problem is not None:
            observer.note(
                f"{step.migration.label}: its down file does not parse ({problem.describe()}): "
                "rolling it back will fail"
            )
    if request.dry_run:
        return plan, RunResult(direction=plan.direction)
    follow = _followed_ledger(session, request) if request.keep_foreign_ledger else None
    return plan, Runner(session, settings, observer, foreign_ledger=follow).run(plan)


def _followed_ledger(session: Session, request: RunRequest) -> ForeignLedger | None:
    """The one foreign ledger ``keep_foreign_ledger`` keeps in step (refused when it cannot tell which)."""
    ledgers = read_foreign_ledgers(session, request.foreign_ledger)
    if not ledgers:
        return None
    if len(ledgers) > 1:
        names = ", ".join(ledger.qualified_name for ledger in ledgers)
        raise DatabaseStateError(
            f"keep_foreign_ledger: several ledgers of other tools were found ({names})",
            hint='name the one to keep with [migrations] foreign_ledger = "schema.table"',
        )
    return ledgers[0]


def _in_order(sources: list[MigrationSet], request: RunRequest) -> list[MigrationSet]:
    if request.direction is Direction.UP:
        return sources
    if request.everything:
        return list(reversed(sources))
    project = [source for source in sources if source.source == PROJECT_SOURCE]
    return project or sources[-1:]


def _plan_source(session: Session, source: MigrationSet, request: RunRequest, observer: Observer) -> Plan:
    applied = applied_migrations(session, source.source)
    if request.allow_changed:
        accept_changed(session, source, observer)
        applied = applied_migrations(session, source.source)
    else:
        check_unchanged(source, applied)
    scoped = source.source == PROJECT_SOURCE or not request.everything
    target = request.target if scoped and source.source == PROJECT_SOURCE else None
    if request.direction is Direction.UP:
        return plan_up(source, applied, target)
    interrupted = interrupted_versions(session, source.source, Direction.UP.value)
    steps = max(1, len(applied) + len(interrupted)) if request.everything else request.steps
    return plan_down(
        source,
        applied,
        target=None if request.everything else target,
        steps=steps,
        interrupted=interrupted,
        include_interrupted=request.include_interrupted,
        ledger_only=request.ledger_only,
    )


def accept_changed(session: Session, migrations: MigrationSet, observer: Observer) -> None:
    """``--allow-changed``: adopt edited files as applied, and say so in the event log."""
    applied = applied_migrations(session, migrations.source)
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
                EventKind.CHECKSUM_ACCEPTED,
                source=row.applied.source,
                version=row.version,
                message=f"edited file accepted with --allow-changed (was {row.applied.checksum[:12]})",
                details={"old_checksum": row.applied.checksum, "new_checksum": row.migration.checksum},
            )
        observer.note(f"accepted the edited file of {row.version} (--allow-changed)")
