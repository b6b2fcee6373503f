"""One step of a run: its session and settings, the migration's timeouts, lock-timeout retries, and failures that
name the file and line."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from datetime import timedelta

from tenantdb.config import RunnerSettings
from tenantdb.db import EventKind, Session, explain_missing_extension, is_lock_timeout
from tenantdb.db.migration_writes import TABLE_FILES, PendingWrite, TableStart, table_files, transaction_writes
from tenantdb.errors import (
    ConnectionFailed,
    DatabaseError,
    LockTimeoutExhausted,
    MigrationFailed,
    StatementFailed,
    TenantdbError,
)
from tenantdb.execute.archiving import archive_before
from tenantdb.execute.event_log import record_step_event
from tenantdb.execute.observer import Observer
from tenantdb.execute.restoring import Restorer
from tenantdb.execute.retry import Backoff, LockRetry, LockWait, blockers_of, give_up_hint, with_lock_retries
from tenantdb.migrations import Direction, Migration, Script
from tenantdb.migrations.foreign_ledgers import ForeignLedger
from tenantdb.plan import Step
from tenantdb.sql import Statement, destructions, resumes_at
from tenantdb.sql.targets import may_write_rows

RetryHook = Callable[[LockRetry], None]


class StepRun:
    """The state of one step while it runs: retries so far, the current lock wait, the statement last blocked."""

    def __init__(
        self,
        session: Session,
        settings: RunnerSettings,
        observer: Observer,
        step: Step,
        *,
        restorer: Restorer,
        foreign_ledger: ForeignLedger | None = None,
    ) -> None:
        self.session = session
        self.settings = settings
        self.observer = observer
        self.step = step
        self.restorer = restorer
        self.foreign_ledger = foreign_ledger  # another tool's ledger kept in step with the project's steps
        self.retries = 0
        self.wait = LockWait.of(settings, step.migration.lock_timeout)
        self.blocked_at: Statement | None = None  # the statement whose lock wait timed out last
        self.journaled: Script | None = None  # the script when it runs statement by statement (journaled)

    @property
    def migration(self) -> Migration:
        return self.step.migration

    def event(
        self,
        kind: EventKind,
        message: str,
        statement: Statement | str | None = None,
        sqlstate: str | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        record_step_event(self.session, self.step, kind, message, statement, sqlstate, details)

    def where(self, statement: Statement) -> str:
        return f"{script_of(self.migration, self.step.direction).path.name}:{statement.line}"

    # -- timeouts and retries -------------------------------------------------------------------------

    def lock_timeout(self) -> timedelta:
        """The current attempt's lock wait (adaptive: see :mod:`tenantdb.execute.retry`)."""
        return self.wait.current

    def statement_timeout(self, statement: Statement | None = None) -> timedelta:
        if self.migration.statement_timeout is not None:
            return self.migration.statement_timeout
        if statement is not None and statement.concurrent_index is not None:
            return self.settings.index_statement_timeout
        return self.settings.statement_timeout

    def set_timeouts(self) -> None:
        """The migration's timeouts for the session (statement-by-statement scripts)."""
        self.session.set_timeouts(
            lock_timeout=self.lock_timeout(), statement_timeout=self.statement_timeout(), local=False
        )

    def begin(self, statements: Sequence[Statement], *, may_write: bool) -> list[tuple[object, ...]]:
        """BEGIN, the timeouts, the user tables (when the step may write rows) and the transaction's first
        ``statements``: one round trip; returns the user tables' rows. A failing statement is reported as
        :meth:`execute` reports it."""
        try:
            return self.session.begin(
                lock_timeout=self.lock_timeout(),
                statement_timeout=self.statement_timeout(),
                read=TABLE_FILES if may_write else None,
                statements=[statement.text for statement in statements],
            )
        except StatementFailed as error:
            raise self.attributed(statements[error.index], error) from error
        except ConnectionFailed as error:  # which statement was running is unknown unless there was one
            raise self.attributed(statements[0] if len(statements) == 1 else None, error) from error

    def backoff(self) -> Backoff:
        return Backoff(
            base=self.settings.retry_base_delay,
            cap=self.settings.retry_max_delay,
            budget=self.settings.lock_retry_budget,
        )

    def on_retry(self, statement: Statement | None) -> RetryHook:
        def hook(retry: LockRetry) -> None:
            self.retries += 1
            self.session.rollback()
            where = statement or self.blocked_at
            self.event(EventKind.LOCK_RETRY, retry.message(), where, retry.error.sqlstate, retry.details())
            self.observer.lock_retry(self.migration, retry.attempt, retry.delay, retry.reason())

        return hook

    def retrying(
        self,
        statement: Statement | None,
        action: Callable[[], None],
        before_retry: Callable[[], None] | None = None,
    ) -> None:
        """Run ``action`` with lock-timeout retries; a spent budget names the migration and is logged."""
        self.wait = LockWait.of(self.settings, self.migration.lock_timeout)
        self.blocked_at = None
        try:
            with_lock_retries(
                action,
                self.backoff(),
                wait=self.wait,
                blockers=lambda: blockers_of(self.session, self.blocked_at),
                on_retry=self.on_retry(statement),
                before_retry=before_retry,
            )
        except LockTimeoutExhausted as error:
            raise self.exhausted(statement, error) from error

    def exhausted(self, statement: Statement | None, error: LockTimeoutExhausted) -> LockTimeoutExhausted:
        where = f" at {self.where(statement)}" if statement else ""
        exhausted = LockTimeoutExhausted(
            f"{self.migration.label} ({self.step.direction}){where}: {error.message}",
            sqlstate=error.sqlstate,
            hint=error.hint or give_up_hint(()),
        )
        self.session.rollback()
        with suppress(TenantdbError):  # the connection is gone; the error itself still reaches the user
            self.event(EventKind.FAILURE, exhausted.message, statement, error.sqlstate)
        return exhausted

    # -- statements -----------------------------------------------------------------------------------

    def archives(self, statement: Statement) -> bool:
        """Whether the statement destroys data that is archived first (in its transaction, before it runs)."""
        return self.settings.archive and bool(destructions(statement))

    def execute(self, statement: Statement) -> None:
        """Run one statement (its destructions archived first); a failure becomes MigrationFailed (lock timeouts and
        lost connections pass)."""
        try:
            if self.settings.archive:
                archive_before(self.session, self.step, statement)
            self.session.run_script(statement.text)
        except DatabaseError as error:
            raise self.attributed(statement, error) from error

    def attributed(self, statement: Statement | None, error: DatabaseError) -> TenantdbError:
        """The error to raise for ``statement`` (None: unknown) failing: a lost connection names the migration, a
        lock timeout is passed on to be retried, any other error is the migration's failure."""
        if isinstance(error, ConnectionFailed):
            where = f" at {self.where(statement)}" if statement is not None else ""
            return ConnectionFailed(
                f"{self.migration.label} ({self.step.direction}){where}: {error.message}",
                sqlstate=error.sqlstate,
                hint=error.hint,
            )
        if is_lock_timeout(error):
            self.blocked_at = statement
            return error
        assert statement is not None, "only a lost connection leaves the statement unknown"
        return self.failure(statement, explain_missing_extension(error))

    def sent_with_begin(self, statements: Sequence[Statement]) -> Sequence[Statement]:
        """The statements that go out together with BEGIN: those before the first whose destructions are archived
        first (a round trip of its own) or that is a COPY (a protocol of its own)."""
        for index, statement in enumerate(statements):
            if self.archives(statement) or statement.node == "CopyStmt":
                return statements[:index]
        return statements

    def failure(self, statement: Statement, error: DatabaseError) -> MigrationFailed:
        migration = self.migration
        self.session.rollback()
        left = self.left_by_failure(statement)
        failure = MigrationFailed(
            f"{migration.label} ({self.step.direction}) failed at {self.where(statement)}: {error.message}",
            version=str(migration.version),
            path=script_of(migration, self.step.direction).path,
            line=statement.line,
            statement=statement.text,
            sqlstate=error.sqlstate,
            hint=f"{error.hint}; {left}" if error.hint else left,
        )
        with suppress(TenantdbError):  # the connection is gone; the error itself still reaches the user
            self.event(EventKind.FAILURE, failure.message, failure.statement, failure.sqlstate)
        return failure

    def left_by_failure(self, statement: Statement) -> str:
        """What a failed ``statement`` left of the step, and what to run once it is fixed."""
        label, direction = self.migration.label, self.step.direction
        again = f"`tenantdb migrate {direction.value}`"
        done = resumes_at(self.journaled.statements, statement) if self.journaled else 0
        if done:
            ran = "statement 1" if done == 1 else f"statements 1 to {done}"
            stays = "stays" if done == 1 else "stay"
            return (
                f"{ran} of {label} {stays} applied (`tenantdb migrate status` shows it interrupted): fix statement "
                f"{done + 1}, leave the ones before it as they are, and {again} resumes it at statement {done + 1}"
            )
        if direction is Direction.UP:
            return f"nothing of {label} is applied (its transaction was rolled back): fix it and run {again} again"
        return f"{label} is still applied (its rollback was rolled back): fix its down and run {again} again"

    # -- what an up step's transaction wrote, for ``rollback --level data`` ---------------------------

    def may_write(self, statements: Sequence[Statement]) -> bool:
        """Whether what the transaction writes is recorded: an up step with a statement that may write rows.

        Leaving a transaction unrecorded is always safe: ``rollback --level data`` only removes rows whose
        transaction was recorded.
        """
        return self.step.direction is Direction.UP and any(may_write_rows(statement) for statement in statements)

    def table_files(self, statements: Sequence[Statement]) -> dict[int, TableStart] | None:
        """Tables before an up step's transaction, when it may write rows (None: nothing will be recorded)."""
        return table_files(self.session) if self.may_write(statements) else None

    def transaction_writes(self, files: Mapping[int, TableStart] | None) -> list[PendingWrite]:
        if files is None:
            return []
        return transaction_writes(self.session, self.migration.source, self.migration.version, files)


def script_of(migration: Migration, direction: Direction) -> Script:
    script = migration.up if direction is Direction.UP else migration.down
    assert script is not None, "the planner only plans downs that exist"
    return script
