"""Run planned steps in order: transactional scripts atomically with their ledger row, the rest journaled and
resumable (:mod:`tenantdb.execute.journaled`).

A transactional script runs in one transaction together with its ``applied_migrations`` row; a lock timeout aborts
the transaction and the whole script is retried with backoff. What a step destroys is archived first
(:mod:`~tenantdb.execute.archiving`), what it recreates is restored (:mod:`~tenantdb.execute.restoring`), the
ledger is written by :mod:`~tenantdb.execute.ledger` and the events by :mod:`~tenantdb.execute.event_log`.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from tenantdb.config import Durability, RunnerSettings
from tenantdb.db import EventKind, JournalKey, Session
from tenantdb.db.durability import defer_commits, flush_commits
from tenantdb.db.migration_writes import insert_writes, table_starts
from tenantdb.errors import StepInterrupted, TenantdbError
from tenantdb.execute.journaled import run_statements, where_interrupted
from tenantdb.execute.ledger import finish, unrecord
from tenantdb.execute.observer import Observer, SilentObserver
from tenantdb.execute.online import resumable_rewrite
from tenantdb.execute.restoring import Restorer
from tenantdb.execute.step_run import StepRun, script_of
from tenantdb.migrations import Direction, ExecutionMode, Script
from tenantdb.migrations.foreign_ledgers import ForeignLedger
from tenantdb.plan import Plan, Step
from tenantdb.sql import Rewrite


@dataclass(frozen=True, slots=True, kw_only=True)
class StepOutcome:
    """What happened to one migration in a run."""

    version: str
    name: str
    direction: Direction
    mode: ExecutionMode
    statements: int
    duration_ms: int
    resumed_at: int | None = None  # first statement run when an interrupted run was resumed
    lock_retries: int = 0
    ledger_only: bool = False  # only the ledger row was removed; nothing ran


@dataclass(slots=True)
class RunResult:
    """Every step a run completed, in order."""

    direction: Direction
    steps: list[StepOutcome] = field(default_factory=list)


class Runner:
    """Executes a :class:`Plan` on a session that holds the runner lock."""

    def __init__(
        self,
        session: Session,
        settings: RunnerSettings,
        observer: Observer | None = None,
        *,
        foreign_ledger: ForeignLedger | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        session.stop_preparing()
        self.foreign_ledger = foreign_ledger  # another tool's ledger kept in step with the project's steps
        self.observer: Observer = observer or SilentObserver()
        self.restorer = Restorer(session, settings, self.observer)

    def run(self, plan: Plan) -> RunResult:
        """Every step in order. With ``durable = "end-of-run"`` a run of several steps commits asynchronously (every
        migration, journal mark and ledger row, each still atomic) and flushes once when it ends, however it ends:
        WAL is flushed in order, so that flush makes the whole run durable."""
        result = RunResult(direction=plan.direction)
        self.observer.run_started(plan.direction, len(plan.steps))
        deferred = self.settings.durable is Durability.END_OF_RUN and len(plan.steps) > 1
        if deferred:
            defer_commits(self.session)
        try:
            for step in plan.steps:
                result.steps.append(self.run_step(step))
        except BaseException as error:
            if deferred:
                with contextlib.suppress(TenantdbError):  # a lost connection: the step's error is what matters
                    self.session.rollback()  # what an interrupted step left open (a file's own BEGIN) is not kept
                    flush_commits(self.session)
            if isinstance(error, StepInterrupted):  # Ctrl-C: say what the run did before the step
                done = "applied" if plan.direction is Direction.UP else "rolled back"
                before = f"{len(result.steps)} of {len(plan.steps)} migration(s) {done} before it"
                raise StepInterrupted(f"{error}; {before}") from error
            raise
        if deferred:
            flush_commits(self.session)
        return result

    def run_step(self, step: Step) -> StepOutcome:
        run = StepRun(
            self.session,
            self.settings,
            self.observer,
            step,
            restorer=self.restorer,
            foreign_ledger=self.foreign_ledger,
        )
        if step.ledger_only:
            return self._forget(run)
        script = script_of(step.migration, step.direction)
        rewrites: tuple[Rewrite, ...] = ()
        if self.settings.online:
            script, rewrites = self._online(step, script)
        started = datetime.now(UTC)
        clock = time.monotonic()
        self.observer.migration_started(step.migration, step.direction, len(script.statements))
        try:
            if script.mode is ExecutionMode.TRANSACTION:
                resumed_at = None
                self._run_transactional(run, script, started)
            else:
                run.journaled = script
                resumed_at = run_statements(run, script, started, rewrites)
        except KeyboardInterrupt as interrupt:
            raise StepInterrupted(_left_by_interrupt(run, script)) from interrupt
        duration_ms = int((time.monotonic() - clock) * 1000)
        self.observer.migration_finished(step.migration, step.direction, duration_ms)
        return StepOutcome(
            version=str(step.migration.version),
            name=step.migration.name,
            direction=step.direction,
            mode=script.mode,
            statements=len(script.statements),
            duration_ms=duration_ms,
            resumed_at=resumed_at,
            lock_retries=run.retries,
        )

    def _forget(self, run: StepRun) -> StepOutcome:
        """``down --ledger-only``: remove the ledger row (and any journal), run nothing, and say so."""
        migration = run.migration
        clock = time.monotonic()
        with self.session.transaction():
            unrecord(run)
            run.event(EventKind.LEDGER_ONLY, f"{migration.label}: removed from the ledger; the schema was not changed")
        self.observer.note(f"{migration.label}: removed from the ledger only; the schema was not changed")
        return StepOutcome(
            version=str(migration.version),
            name=migration.name,
            direction=run.step.direction,
            mode=ExecutionMode.TRANSACTION,
            statements=0,
            duration_ms=int((time.monotonic() - clock) * 1000),
            ledger_only=True,
        )

    def _online(self, step: Step, script: Script) -> tuple[Script, tuple[Rewrite, ...]]:
        """Rewrite blocking statements on existing tables; any rewrite runs the script statement by statement (which
        records the rewrites' events before its first statement)."""
        key = JournalKey(source=step.migration.source, version=step.migration.version, direction=step.direction)
        statements, rewrites = resumable_rewrite(self.session, key, script.statements, self.settings.online_min_size)
        if not rewrites:
            return script, ()
        for rewrite in rewrites:
            self.observer.note(
                f"{step.migration.label}: online rewrite ({rewrite.kind}) at line {rewrite.original.line}"
            )
        return replace(script, statements=statements, no_transaction=True), rewrites

    def _run_transactional(self, run: StepRun, script: Script, started: datetime) -> None:
        """The whole script, what it wrote, its restores, ledger row and event in one transaction, retried whole on
        a lock timeout."""
        migration, session = run.migration, self.session

        def attempt() -> None:
            statements = script.statements
            may_write = run.may_write(statements)
            try:
                together = run.sent_with_begin(statements)  # most scripts: all of it, one round trip
                opened = run.begin(together, may_write=may_write)
                for index, statement in enumerate(together):
                    self.observer.statement_finished(migration, index, statement)
                files = table_starts(opened) if may_write else None
                for index, statement in enumerate(statements[len(together) :], start=len(together)):
                    run.execute(statement)
                    self.observer.statement_finished(migration, index, statement)
                # what the step wrote is read before archives are restored: restored rows are not the step's
                pending = run.transaction_writes(files)
                if self.restorer.restores(run.step):
                    insert_writes(session, pending)
                    self.restorer.restore_archives(run.step)
                    pending = []
                with session.pipeline():  # what it wrote, ledger, event and COMMIT in one round trip
                    insert_writes(session, pending)
                    finish(run, script, started)
                    session.execute("COMMIT")
            except BaseException:
                session.rollback()
                raise

        run.retrying(None, attempt)


def _left_by_interrupt(run: StepRun, script: Script) -> str:
    """What a Ctrl-C left of the step: a transactional one nothing, a statement-by-statement one its journal."""
    if script.mode is not ExecutionMode.TRANSACTION:
        return where_interrupted(run, script)
    label, direction = run.migration.label, run.step.direction
    if direction is Direction.UP:
        return f"{label} (up) was interrupted and rolled back: nothing of it is applied"
    return f"{label} (down) was interrupted and its rollback undone: it is still applied"
