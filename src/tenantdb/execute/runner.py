"""Run planned steps: transactional scripts atomically with their ledger row, the rest journaled and resumable.

A transactional script runs in one transaction together with its ``applied_migrations`` row; a lock
timeout aborts the transaction and the whole script is retried with backoff.

A statement-by-statement script (``no-transaction``, or one with ``CREATE INDEX CONCURRENTLY``, ``VACUUM``,
its own ``BEGIN``/``COMMIT``, ...) is journaled in ``tenantdb.statement_journal``:

* a statement that may run in a transaction runs in its own, together with its journal row (atomic);
* a statement that cannot is marked ``started``, run, then marked ``done``; a rerun that finds it
  ``started`` repairs what an interrupted build leaves (an INVALID index) before running it again;
* statements inside the file's own ``BEGIN ... COMMIT`` are journaled inside that transaction, so a kill
  rolls back statements and journal rows together.

A rerun resumes at the first statement not marked ``done``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from tenantdb.config import RunnerSettings
from tenantdb.db import (
    DEPENDENT_KIND,
    AppliedMigration,
    ArchiveRequest,
    JournalEntry,
    JournalKey,
    Session,
    applied_migrations,
    archive,
    comment_on_table,
    dependent_views,
    dependents,
    drop_index_concurrently,
    explain_missing_extension,
    find_index,
    interrupted_versions,
    invalid_indexes_on,
    is_lock_timeout,
    journal_clear,
    journal_entries,
    journal_mark,
    journal_void,
    list_entries,
    object_exists,
    record_applied,
    record_event,
    referencing_tables,
    remove_applied,
    resolve_table,
    restore,
    statement_sha,
    who_applies,
)
from tenantdb.db.migration_writes import (
    TABLE_FILES,
    PendingWrite,
    TableStart,
    insert_writes,
    table_files,
    table_starts,
    transaction_writes,
)
from tenantdb.errors import (
    ConfigError,
    ConnectionFailed,
    DatabaseError,
    LockTimeoutExhausted,
    MigrationFailed,
    TenantdbError,
)
from tenantdb.execute.observer import Observer, SilentObserver
from tenantdb.execute.online import resumable_rewrite
from tenantdb.execute.retry import Backoff, LockRetry, LockWait, blockers_of, in_the_way, with_lock_retries
from tenantdb.migrations import PROJECT_SOURCE, Direction, ExecutionMode, Migration, Script, Version
from tenantdb.migrations.foreign_ledgers import ForeignLedger, follow_step
from tenantdb.plan import Plan, Step
from tenantdb.sql import DestructionKind, Rewrite, Statement, TransactionMode, destructions
from tenantdb.sql.effects import effect_record, effects
from tenantdb.sql.targets import may_write_rows

RetryHook = Callable[[LockRetry], None]


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
        self._retries = 0
        self._wait = LockWait.of(settings)
        self._blocked_at: Statement | None = None  # the statement whose lock wait timed out last
        self._restorable: set[tuple[str, str]] | None = None  # (source, version) with archives to restore

    def run(self, plan: Plan) -> RunResult:
        result = RunResult(direction=plan.direction)
        self.observer.run_started(plan.direction, len(plan.steps))
        for step in plan.steps:
            result.steps.append(self.run_step(step))
        return result

    def run_step(self, step: Step) -> StepOutcome:
        if step.ledger_only:
            return self._forget(step)
        script = step.migration.up if step.direction is Direction.UP else step.migration.down
        assert script is not None, "the planner only plans downs that exist"
        rewrites: tuple[Rewrite, ...] = ()
        if self.settings.online:
            script, rewrites = self._online(step, script)
        self._retries = 0
        self._wait = LockWait.of(self.settings, step.migration.lock_timeout)
        started = datetime.now(UTC)
        clock = time.monotonic()
        self.observer.migration_started(step.migration, step.direction, len(script.statements))
        if script.mode is ExecutionMode.TRANSACTION:
            resumed_at = None
            self._run_transactional(step, script, started)
        else:
            resumed_at = self._run_statements(step, script, started, rewrites)
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
            lock_retries=self._retries,
        )

    def _forget(self, step: Step) -> StepOutcome:
        """``down --ledger-only``: remove the ledger row (and any journal), run nothing, and say so."""
        migration = step.migration
        clock = time.monotonic()
        with self.session.transaction():
            self._unrecord(step)
            self._event(step, "ledger_only", f"{migration.label}: removed from the ledger; the schema was not changed")
        self.observer.note(f"{migration.label}: removed from the ledger only; the schema was not changed")
        return StepOutcome(
            version=str(migration.version),
            name=migration.name,
            direction=step.direction,
            mode=ExecutionMode.TRANSACTION,
            statements=0,
            duration_ms=int((time.monotonic() - clock) * 1000),
            ledger_only=True,
        )

    def _unrecord(self, step: Step) -> None:
        """A migration is rolled back (or forgotten): its ledger row, its journal and the journals of interrupted
        runs above it go; a kept foreign ledger follows (caller's transaction)."""
        migration = step.migration
        remove_applied(self.session, migration.source, str(migration.version))
        self._void_journals_above(step)
        journal_clear(self.session, migration.source, str(migration.version))
        self._follow_foreign_ledger(step)

    def _follow_foreign_ledger(self, step: Step) -> None:
        """``keep_foreign_ledger``: the other tool's ledger records the project's step too (same transaction)."""
        if self.foreign_ledger is None or step.migration.source != PROJECT_SOURCE:
            return
        newest = None
        if step.direction is Direction.DOWN:
            remaining = [
                _version_like(step.migration.version, row.version)
                for row in applied_migrations(self.session, PROJECT_SOURCE)
            ]
            newest = max(remaining, default=None)
        follow_step(self.session, self.foreign_ledger, step.migration.version, step.direction, newest_remaining=newest)

    def _void_journals_above(self, step: Step) -> None:
        """A rollback makes the journal of every interrupted up run above it void: what it records as done may
        have been undone with the rolled-back migration, so the next ``up`` runs such a migration from the start."""
        migration = step.migration
        above = [
            version
            for version in interrupted_versions(self.session, migration.source, Direction.UP.value)
            if version != str(migration.version) and _version_like(migration.version, version) > migration.version
        ]
        if not above:
            return
        journal_void(self.session, migration.source, above)
        message = (
            f"rolling back {migration.label} voided the journal of interrupted run(s) {', '.join(above)}: "
            "they will run from their first statement"
        )
        self._event(step, "journal_void", message)
        self.observer.note(message)

    def _online(self, step: Step, script: Script) -> tuple[Script, tuple[Rewrite, ...]]:
        """Rewrite blocking statements on existing tables; any rewrite runs the script statement by statement (which
        records the rewrites' events before its first statement)."""
        key = JournalKey(source=step.migration.source, version=str(step.migration.version), direction=step.direction)
        statements, rewrites = resumable_rewrite(self.session, key, script.statements)
        if not rewrites:
            return script, ()
        for rewrite in rewrites:
            self.observer.note(
                f"{step.migration.label}: online rewrite ({rewrite.kind}) at line {rewrite.original.line}"
            )
        return replace(script, statements=statements, no_transaction=True), rewrites

    # -- timeouts and retries -------------------------------------------------------------------------

    def _lock_timeout(self, migration: Migration) -> timedelta:
        """The current attempt's lock wait (adaptive: see :mod:`tenantdb.execute.retry`)."""
        return self._wait.current

    def _statement_timeout(self, migration: Migration, statement: Statement | None) -> timedelta:
        if migration.statement_timeout is not None:
            return migration.statement_timeout
        if statement is not None and statement.concurrent_index is not None:
            return self.settings.index_statement_timeout
        return self.settings.statement_timeout

    def _backoff(self) -> Backoff:
        return Backoff(
            base=self.settings.retry_base_delay,
            cap=self.settings.retry_max_delay,
            budget=self.settings.lock_retry_budget,
        )

    def _on_retry(self, step: Step, statement: Statement | None) -> RetryHook:
        def hook(retry: LockRetry) -> None:
            self._retries += 1
            self.session.rollback()
            where = statement or self._blocked_at
            self._event(step, "lock_retry", retry.message(), where, retry.error.sqlstate, retry.details())
            self.observer.lock_retry(step.migration, retry.attempt, retry.delay, retry.reason())

        return hook

    def _retrying(
        self,
        step: Step,
        statement: Statement | None,
        action: Callable[[], None],
        before_retry: Callable[[], None] | None = None,
    ) -> None:
        """Run ``action`` with lock-timeout retries; a spent budget names the migration and is logged."""
        self._wait = LockWait.of(self.settings, step.migration.lock_timeout)
        self._blocked_at = None
        try:
            with_lock_retries(
                action,
                self._backoff(),
                wait=self._wait,
                blockers=lambda: blockers_of(self.session, self._blocked_at),
                on_retry=self._on_retry(step, statement),
                before_retry=before_retry,
            )
        except LockTimeoutExhausted as error:
            raise self._exhausted(step, statement, error) from error

    def _exhausted(self, step: Step, statement: Statement | None, error: LockTimeoutExhausted) -> LockTimeoutExhausted:
        where = f" at {_where(step.migration, step.direction, statement)}" if statement else ""
        exhausted = LockTimeoutExhausted(
            f"{step.migration.label} ({step.direction}){where}: {error.message}",
            sqlstate=error.sqlstate,
            hint=error.hint
            or "a long transaction holds a conflicting lock (see pg_stat_activity); retry later "
            "or raise [runner] lock_retry_budget",
        )
        self.session.rollback()
        with suppress(TenantdbError):  # the connection is gone; the error itself still reaches the user
            self._event(step, "failure", exhausted.message, statement, error.sqlstate)
        return exhausted

    # -- transactional scripts ------------------------------------------------------------------------

    def _run_transactional(self, step: Step, script: Script, started: datetime) -> None:
        migration = step.migration

        def attempt() -> None:
            statements = script.statements
            may_write = self._may_write(step, statements)
            opened: list[list[tuple[object, ...]]] = []

            def begin(first: Statement | None = None) -> None:
                # BEGIN, the timeouts, the user tables (when the step may write rows) and the first statement: one
                # round trip
                opened.append(
                    self.session.begin(
                        lock_timeout=self._lock_timeout(migration),
                        statement_timeout=self._statement_timeout(migration, None),
                        read=TABLE_FILES if may_write else None,
                        first=first.text if first is not None else None,
                    )
                )

            try:
                first = statements[0] if statements and not self._archives(statements[0]) else None
                if first is None:
                    begin()
                else:
                    self._execute(step, first, run=lambda: begin(first))
                    self.observer.statement_finished(migration, 0, first)
                files = table_starts(opened[0]) if may_write else None
                for index, statement in enumerate(statements):
                    if index == 0 and first is not None:
                        continue
                    self._execute(step, statement)
                    self.observer.statement_finished(migration, index, statement)
                # what the step wrote is read before archives are restored: restored rows are not the step's
                pending = self._transaction_writes(step, files)
                if self._restores(step):
                    insert_writes(self.session, pending)
                    self._restore_archives(step)
                    pending = []
                with self.session.pipeline():  # what it wrote, ledger, event and COMMIT in one round trip
                    insert_writes(self.session, pending)
                    self._finish(step, script, started)
                    self.session.execute("COMMIT")
            except BaseException:
                self.session.rollback()
                raise

        self._retrying(step, None, attempt)

    def _archives(self, statement: Statement) -> bool:
        """Whether the statement destroys data that is archived first (in its transaction, before it runs)."""
        return self.settings.archive and bool(destructions(statement))

    @staticmethod
    def _may_write(step: Step, statements: Sequence[Statement]) -> bool:
        """Whether what the transaction writes is recorded: an up step with a statement that may write rows.

        Leaving a transaction unrecorded is always safe: ``rollback --level data`` only removes rows whose
        transaction was recorded.
        """
        return step.direction is Direction.UP and any(may_write_rows(statement) for statement in statements)

    def _table_files(self, step: Step, statements: Sequence[Statement]) -> dict[int, TableStart] | None:
        """Tables before an up step's transaction, when it may write rows (None: nothing will be recorded)."""
        return table_files(self.session) if self._may_write(step, statements) else None

    def _record_writes(self, step: Step, files: dict[int, TableStart] | None) -> None:
        """What an up step's transaction wrote, for ``rollback --level data`` (in that transaction)."""
        insert_writes(self.session, self._transaction_writes(step, files))

    def _transaction_writes(self, step: Step, files: dict[int, TableStart] | None) -> list[PendingWrite]:
        if files is None:
            return []
        return transaction_writes(self.session, step.migration.source, str(step.migration.version), files)

    def _execute(self, step: Step, statement: Statement, run: Callable[[], None] | None = None) -> None:
        """Run one statement (or ``run``, which sends it with others and archives nothing); a failure becomes
        MigrationFailed (lock timeouts and lost connections pass)."""
        try:
            if run is not None:
                run()
            else:
                if self.settings.archive:
                    self._archive_before(step, statement)
                self.session.run_script(statement.text)
        except ConnectionFailed as error:
            where = _where(step.migration, step.direction, statement)
            raise ConnectionFailed(
                f"{step.migration.label} ({step.direction}) at {where}: {error.message}",
                sqlstate=error.sqlstate,
                hint=error.hint,
            ) from error
        except DatabaseError as error:
            if is_lock_timeout(error):
                self._blocked_at = statement
                raise
            raise self._failure(step, statement, explain_missing_extension(error)) from error

    def _failure(self, step: Step, statement: Statement, error: DatabaseError) -> MigrationFailed:
        migration = step.migration
        self.session.rollback()
        failure = MigrationFailed(
            f"{migration.label} ({step.direction}) failed at {_where(migration, step.direction, statement)}: "
            f"{error.message}",
            version=str(migration.version),
            path=_script(migration, step.direction).path,
            line=statement.line,
            statement=statement.text,
            sqlstate=error.sqlstate,
            hint=error.hint,
        )
        self._record_failure(step, failure)
        return failure

    def _record_failure(self, step: Step, failure: MigrationFailed) -> None:
        try:
            self._event(step, "failure", failure.message, failure.statement, failure.sqlstate)
        except TenantdbError:
            return  # the connection is gone; the error itself still reaches the user

    def _finish(self, step: Step, script: Script, started: datetime) -> None:
        """Write the ledger and the event (in the caller's transaction)."""
        migration = step.migration
        finished = datetime.now(UTC)
        if step.direction is Direction.UP:
            user, host = who_applies()
            record_applied(
                self.session,
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
                    duration_ms=int((finished - started).total_seconds() * 1000),
                    statements_total=len(script.statements),
                    statements_done=len(script.statements),
                    # what its statements (as written, before online rewrites) create, remove and rename, for
                    # `migrate verify` to hold the ledger against
                    catalog_effects=tuple(effect_record(effect) for effect in effects(migration.up.statements)),
                ),
            )
            journal_clear(self.session, migration.source, str(migration.version))
            self._follow_foreign_ledger(step)
        else:
            self._unrecord(step)
        record_event(
            self.session,
            "apply" if step.direction is Direction.UP else "rollback",
            source=migration.source,
            version=str(migration.version),
            direction=step.direction,
            message=f"{migration.label}: {len(script.statements)} statements ({script.mode})",
            details={
                "duration_ms": int((finished - started).total_seconds() * 1000),
                "retries": self._retries,
            },
        )

    # -- archive before destroy, restore on re-apply ---------------------------------------------------

    def _archive_before(self, step: Step, statement: Statement) -> None:
        """Copy what the statement is about to destroy, in its transaction (it is committed or lost together)."""
        for destruction in destructions(statement):
            found = resolve_table(self.session, destruction.schema, destruction.table)
            if found is None:
                continue  # DROP ... IF EXISTS of something absent: nothing to keep
            schema, table = found
            targets = [(schema, table)]
            if destruction.cascade and destruction.kind is DestructionKind.ROWS:
                targets += referencing_tables(self.session, schema, table)  # TRUNCATE ... CASCADE empties them
            also = dependents(self.session, schema, table) if destruction.cascade else []
            if destruction.cascade and destruction.kind is not DestructionKind.ROWS:
                self._archive_dependent_views(step, statement, schema, table)
            for target_schema, target_table in targets:
                entry = archive(
                    self.session,
                    ArchiveRequest(
                        source=step.migration.source,
                        version=str(step.migration.version),
                        direction=step.direction,
                        kind=destruction.kind.value,
                        schema=target_schema,
                        table=target_table,
                        column=destruction.column,
                        selection=destruction.selection if target_table == table else None,
                        statement=statement.text,
                    ),
                )
                removed = f"; CASCADE also removes: {', '.join(also)}" if also else ""
                self._event(
                    step,
                    "archive",
                    f"archived {entry.row_count} row(s) of {entry.object_name} into "
                    f"{entry.archive_schema}.{entry.archive_table} (digest {entry.digest[:12]}){removed}",
                    statement,
                )

    def _archive_dependent_views(self, step: Step, statement: Statement, schema: str, table: str) -> None:
        """DROP ... CASCADE removes the views built on the table: keep each one's definition (in a comment of
        its archive table) and a materialized view's rows, so nothing the statement destroys is lost."""
        for view in dependent_views(self.session, schema, table):
            entry = archive(
                self.session,
                ArchiveRequest(
                    source=step.migration.source,
                    version=str(step.migration.version),
                    direction=step.direction,
                    kind=DEPENDENT_KIND,
                    schema=view.schema,
                    table=view.name,
                    with_rows=view.keeps_rows,
                    statement=statement.text,
                ),
            )
            comment_on_table(self.session, entry.archive_schema, entry.archive_table, view.definition)
            kind = "materialized view" if view.materialized else "view"
            rows = f" and its {entry.row_count} row(s)" if view.keeps_rows else ""
            self._event(
                step,
                "archive",
                f"archived the definition of {kind} {view.schema}.{view.name}{rows}, which CASCADE removes, into "
                f"{entry.archive_schema}.{entry.archive_table}",
                statement,
            )

    def _restore_archives(self, step: Step) -> None:
        """Put back the tables and columns the opposite direction archived, now that they exist again.

        Newest archive first (an undo stack), so parents come back before the rows that reference them. Rows
        removed by DELETE or TRUNCATE stay in the archive until restored by hand (``tenantdb archive restore``):
        re-running a data migration recreates its own rows, and putting the old ones back would double them.
        Archived rows a rolled-back migration wrote stay too (it recreates them); the rest win over the rows the
        step just wrote with the same primary key. Each restore runs in a savepoint: its rows carry a
        subtransaction id the step did not record, so a later archive counts them as the application's.
        """
        if not self._restores(step):
            return
        migration = step.migration
        entries = list_entries(self.session, source=migration.source, version=str(migration.version), pending_only=True)
        for entry in reversed(entries):
            if entry.direction == step.direction or entry.kind in ("rows", DEPENDENT_KIND):
                continue
            if not object_exists(self.session, entry):
                continue

            def progress(done: int, total: int, name: str = entry.object_name) -> None:
                self.observer.restore_progress(migration, name, done, total)

            self.session.execute("SAVEPOINT tenantdb_restore")
            try:
                restored = restore(self.session, entry, archived_wins=True, progress=progress)
            except ConnectionFailed:
                raise
            except (DatabaseError, ConfigError) as error:  # rows whose parents are gone, a column without a key
                self.session.execute("ROLLBACK TO SAVEPOINT tenantdb_restore")
                message = f"kept {entry.object_name} archived (archive {entry.id}): {error.message}"
                sqlstate = error.sqlstate if isinstance(error, DatabaseError) else None
                self._event(step, "restore_skipped", message, sqlstate=sqlstate)
                self.observer.note(f"{migration.label}: {message}; `tenantdb archive restore {entry.id}` later")
                continue
            self.session.execute("RELEASE SAVEPOINT tenantdb_restore")
            message = restored.describe(entry)
            self._event(step, "restore", f"{message} from {entry.archive_schema}.{entry.archive_table}")
            self.observer.note(f"{migration.label}: {message}")

    def _restores(self, step: Step) -> bool:
        """Whether the step has archived tables or columns to put back (one look at the manifest per run)."""
        if not self.settings.archive or not self.settings.restore_on_reapply:
            return False
        if self._restorable is None:
            pending = list_entries(self.session, pending_only=True)
            self._restorable = {
                (entry.source, entry.version) for entry in pending if entry.kind not in ("rows", DEPENDENT_KIND)
            }
        return (step.migration.source, str(step.migration.version)) in self._restorable

    # -- statement-by-statement scripts ---------------------------------------------------------------

    def _run_statements(
        self, step: Step, script: Script, started: datetime, rewrites: tuple[Rewrite, ...] = ()
    ) -> int | None:
        migration = step.migration
        key = JournalKey(source=migration.source, version=str(migration.version), direction=step.direction)

        def before() -> None:  # the rewrites' events and the session's timeouts go with the journal read
            for rewrite in rewrites:
                self._event(step, "rewrite", rewrite.describe(), rewrite.original)
            self.session.set_timeouts(
                lock_timeout=self._lock_timeout(migration),
                statement_timeout=self._statement_timeout(migration, None),
                local=False,
            )

        journal = journal_entries(self.session, key, before=before)
        self._refuse_edits_of_finished_statements(step, script, journal)
        entries = {index: entry.state for index, entry in journal.items()}
        resumed_at = self._first_unfinished(entries, len(script.statements)) if entries else None
        if resumed_at is not None:
            message = f"resuming at statement {resumed_at + 1} of {len(script.statements)}"
            self.observer.note(f"{migration.label}: {message}")
            self._event(step, "resume", message)
        block = _FileTransaction(self._backoff())
        index = 0
        while index < len(script.statements):
            statement = script.statements[index]
            if entries.get(index) == "done":
                pass
            elif statement.transaction is TransactionMode.CONTROL or self.session.in_transaction:
                restart = self._run_in_file_transaction(step, key, index, statement, block)
                if restart is not None:
                    entries = {i: state for i, state in entries.items() if i < restart}
                    index = restart
                    continue
            elif statement.transaction is TransactionMode.OUTSIDE:
                self._run_outside(step, key, index, statement, interrupted=entries.get(index) == "started")
            else:
                self._run_in_own_transaction(step, key, index, statement)
            entries[index] = "done"
            self.observer.statement_finished(migration, index, statement)
            index += 1
        self._require_committed(step, script)
        restores = self._restores(step)
        if restores:
            self.session.execute("BEGIN")
        try:
            self._restore_archives(step)
            with self.session.pipeline():  # (BEGIN,) ledger, event and COMMIT in one round trip
                if not restores:
                    self.session.execute("BEGIN")
                self._finish(step, script, started)
                self.session.execute("COMMIT")
        except BaseException:
            self.session.rollback()
            raise
        return resumed_at

    def _refuse_edits_of_finished_statements(
        self, step: Step, script: Script, journal: dict[int, JournalEntry]
    ) -> None:
        """Resuming is safe when the statements that already ran are unchanged; later ones may be fixed."""
        for index, entry in sorted(journal.items()):
            if entry.state != "done":
                continue
            current = script.statements[index] if index < len(script.statements) else None
            if current is not None and statement_sha(current.text) == entry.statement_sha:
                continue
            line = current.line if current else None
            raise MigrationFailed(
                f"{step.migration.label} was interrupted after statement {index + 1} ran, "
                "and that statement has been edited or removed since",
                version=str(step.migration.version),
                path=script.path,
                line=line,
                statement=current.text if current else "",
                sqlstate=None,
                hint="restore the statements that already ran; only the statements after them may change",
            )

    def _run_in_file_transaction(
        self, step: Step, key: JournalKey, index: int, statement: Statement, block: _FileTransaction
    ) -> int | None:
        """Run a statement of the file's own transaction; on a lock timeout return where to restart."""
        if block.start is None and statement.transaction is TransactionMode.CONTROL:
            block.start = index
            block.files = self._table_files(step, _script(step.migration, step.direction).statements)
        try:
            self._execute(step, statement)
        except DatabaseError as error:  # only a lock timeout gets here; the server aborted the block
            if block.start is None:
                raise self._failure(step, statement, error) from error
            found = tuple(blockers_of(self.session, self._blocked_at))
            waited = self._wait.current
            self._wait.timed_out(found)
            delay = block.next_delay()
            if delay is None:
                spent = LockTimeoutExhausted(
                    f"gave up after {block.attempts} attempts, {self._wait.describe()}: {error.message}"
                    f"{in_the_way(found)}",
                    sqlstate=error.sqlstate,
                )
                raise self._exhausted(step, statement, spent) from error
            retry = LockRetry(attempt=block.attempts, waited=waited, delay=delay, error=error, blockers=found)
            self._on_retry(step, statement)(retry)
            time.sleep(delay)
            self.session.set_timeouts(
                lock_timeout=self._lock_timeout(step.migration),
                statement_timeout=self._statement_timeout(step.migration, None),
                local=False,
            )
            return block.start
        if self.session.in_transaction:
            self._record_writes(step, block.files)
        journal_mark(self.session, key, index, statement.text, "done")
        if not self.session.in_transaction:
            block.start = None
        return None

    def _require_committed(self, step: Step, script: Script) -> None:
        if not self.session.in_transaction:
            return
        self.session.rollback()
        raise MigrationFailed(
            f"{step.migration.label} opens a transaction it never commits",
            version=str(step.migration.version),
            path=script.path,
            line=script.statements[-1].line if script.statements else None,
            statement="",
            sqlstate=None,
            hint="end the file's transaction with COMMIT",
        )

    @staticmethod
    def _first_unfinished(entries: dict[int, str], total: int) -> int | None:
        return next((i for i in range(total) if entries.get(i) != "done"), None)

    def _run_in_own_transaction(self, step: Step, key: JournalKey, index: int, statement: Statement) -> None:
        """The statement and its journal entry in one transaction: BEGIN goes with the statement, the journal entry
        with COMMIT (two round trips)."""
        may_write = self._may_write(step, (statement,))

        def attempt() -> None:
            opened: list[list[tuple[object, ...]]] = []

            def begin(first: Statement | None = None) -> None:
                read = TABLE_FILES if may_write else None
                opened.append(
                    self.session.begin(
                        lock_timeout=self._lock_timeout(step.migration),
                        statement_timeout=self._statement_timeout(step.migration, None),
                        read=read,
                        first=first.text if first is not None else None,
                    )
                )

            try:
                if self._archives(statement):
                    begin()
                    self._execute(step, statement)
                else:
                    self._execute(step, statement, run=lambda: begin(statement))
                pending = self._transaction_writes(step, table_starts(opened[0]) if may_write else None)
                with self.session.pipeline():
                    insert_writes(self.session, pending)
                    journal_mark(self.session, key, index, statement.text, "done")
                    self.session.execute("COMMIT")
            except BaseException:
                self.session.rollback()
                raise

        self._retrying(step, statement, attempt)

    def _run_outside(self, step: Step, key: JournalKey, index: int, statement: Statement, *, interrupted: bool) -> None:
        migration = step.migration
        if interrupted and self._already_built(step, statement):
            journal_mark(self.session, key, index, statement.text, "done")
            return
        self._drop_invalid_leftovers(step, statement)
        timeout = self._statement_timeout(migration, statement)
        with self.session.pipeline():  # the journal entry and the statement's timeouts: one round trip
            journal_mark(self.session, key, index, statement.text, "started")
            # Concurrent builds, drops, detaches and VACUUM take SHARE UPDATE EXCLUSIVE, which no read or write
            # waits for, then wait for older snapshots: a lock_timeout would only throw away finished work behind
            # a report.
            self.session.set_timeouts(lock_timeout=timedelta(0), statement_timeout=timeout, local=False)
        finished = False
        try:
            self._retrying(
                step,
                statement,
                lambda: self._execute(step, statement),
                before_retry=lambda: self._drop_invalid_leftovers(step, statement),
            )
            finished = True
        finally:
            if not self.session.closed:
                with self.session.pipeline():  # the migration's timeouts again and, when it ran, the journal
                    self.session.set_timeouts(
                        lock_timeout=self._lock_timeout(migration),
                        statement_timeout=self._statement_timeout(migration, None),
                        local=False,
                    )
                    if finished:
                        journal_mark(self.session, key, index, statement.text, "done")
        if self.session.closed:
            raise ConnectionFailed(
                f"{migration.label}: lost the connection after {_where(migration, step.direction, statement)} ran",
                hint="run the same command again: tenantdb re-reads the journal and resumes",
            )

    def _already_built(self, step: Step, statement: Statement) -> bool:
        """An interrupted CREATE INDEX CONCURRENTLY whose index is complete and valid needs no rerun."""
        target = statement.concurrent_index
        if target is None or target.rebuild or target.name is None:
            return False
        index = find_index(self.session, target.schema, target.name)
        if index is None or not index.valid:
            return False
        self._event(step, "repair", f"index {index.schema}.{index.name} was built before the interruption", statement)
        return True

    def _drop_invalid_leftovers(self, step: Step, statement: Statement) -> None:
        """Drop the INVALID index an interrupted or timed-out concurrent build left behind."""
        target = statement.concurrent_index
        if target is None:
            return
        if target.rebuild and target.name is not None:
            candidates = [
                found
                for suffix in ("_ccnew", "_ccold")
                if (found := find_index(self.session, target.schema, target.name + suffix)) is not None
            ]
        elif target.name is not None:
            found = find_index(self.session, target.schema, target.name)
            candidates = [found] if found is not None else []
        elif target.table is not None:
            candidates = invalid_indexes_on(self.session, target.table_schema, target.table)
        else:
            candidates = []
        for index in candidates:
            if index.valid and not index.name.endswith("_ccold"):
                continue
            drop_index_concurrently(self.session, index.schema, index.name)
            self._event(
                step,
                "repair",
                f"dropped INVALID index {index.schema}.{index.name} before retrying",
                statement,
            )
            self.observer.note(f"dropped INVALID index {index.schema}.{index.name} left by an interrupted build")

    def _event(
        self,
        step: Step,
        kind: str,
        message: str,
        statement: Statement | str | None = None,
        sqlstate: str | None = None,
        details: dict[str, object] | None = None,
    ) -> None:
        record_event(
            self.session,
            kind,
            source=step.migration.source,
            version=str(step.migration.version),
            direction=step.direction,
            message=message,
            statement=statement.text if isinstance(statement, Statement) else statement,
            sqlstate=sqlstate,
            details=details,
        )


class _FileTransaction:
    """Retry state of a ``BEGIN ... COMMIT`` block written in the migration file."""

    def __init__(self, backoff: Backoff) -> None:
        self.backoff = backoff
        self.start: int | None = None
        self.files: dict[int, TableStart] | None = None  # user tables when the block began
        self.attempts = 0
        self._clock = time.monotonic()

    def next_delay(self) -> float | None:
        """Seconds to wait before restarting the block, or None when the budget is spent."""
        self.attempts += 1
        delay = self.backoff.delay(self.attempts)
        if time.monotonic() - self._clock + delay > self.backoff.budget.total_seconds():
            return None
        return delay


def _script(migration: Migration, direction: Direction) -> Script:
    script = migration.up if direction is Direction.UP else migration.down
    assert script is not None
    return script


def _version_like(known: Version, text: str) -> Version:
    """``text`` read the way ``known`` was (diesel's versions compare as strings)."""
    return Version.parse_lexical(text) if known.lexical else Version.parse(text)


def _where(migration: Migration, direction: Direction, statement: Statement) -> str:
    return f"{_script(migration, direction).path.name}:{statement.line}"
