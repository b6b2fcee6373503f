"""Statement-by-statement scripts, journaled in ``tenantdb.statement_journal`` so that a rerun resumes.

* a statement that may run in a transaction runs in its own, together with its journal row (atomic);
* a statement that cannot is marked ``started``, run, then marked ``done``; a rerun that finds it ``started``
  repairs what an interrupted build leaves (an INVALID index) before running it again;
* statements inside the file's own ``BEGIN ... COMMIT`` are journaled inside that transaction, so a kill rolls
  back statements and journal rows together.

A rerun resumes at the first statement not marked ``done``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from tenantdb.db import EventKind, JournalEntry, JournalKey, JournalState, journal_entries, journal_mark, statement_sha
from tenantdb.db.migration_writes import TableStart, insert_writes, table_starts
from tenantdb.errors import ConnectionFailed, DatabaseError, LockTimeoutExhausted, MigrationFailed
from tenantdb.execute.ledger import finish
from tenantdb.execute.repair import already_done, drop_invalid_leftovers
from tenantdb.execute.retry import Backoff, LockRetry, blockers_of, in_the_way
from tenantdb.execute.step_run import StepRun, script_of
from tenantdb.migrations import Script
from tenantdb.sql import Rewrite, Statement, TransactionMode
from tenantdb.sql.locks import waits_only_for_snapshots

DONE, STARTED = JournalState.DONE, JournalState.STARTED


def run_statements(run: StepRun, script: Script, started: datetime, rewrites: tuple[Rewrite, ...] = ()) -> int | None:
    """Run the script's unfinished statements and write its ledger row; returns where an interrupted run resumed."""
    migration, session = run.migration, run.session
    key = JournalKey(source=migration.source, version=migration.version, direction=run.step.direction)

    def before() -> None:  # the rewrites' events and the session's timeouts go with the journal read
        for rewrite in rewrites:
            run.event(EventKind.REWRITE, rewrite.describe(), rewrite.original)
        run.set_timeouts()

    journal = journal_entries(session, key, before=before)
    _refuse_edits_of_finished_statements(run, script, journal)
    entries = {index: entry.state for index, entry in journal.items()}
    resumed_at = _first_unfinished(entries, len(script.statements)) if entries else None
    if resumed_at is not None:
        message = f"resuming at statement {resumed_at + 1} of {len(script.statements)}"
        run.observer.note(f"{migration.label}: {message}")
        run.event(EventKind.RESUME, message)
    block = _FileTransaction(run.backoff())
    index = 0
    timeouts_left = False  # the last statement ran outside a transaction and left the build's timeouts set
    recorded = False  # the last statement ran in a transaction of its own, together with the ledger row
    while index < len(script.statements):
        statement = script.statements[index]
        if entries.get(index) is DONE:
            pass
        elif statement.transaction is TransactionMode.CONTROL or session.in_transaction:
            restart = _run_in_file_transaction(run, key, index, statement, block)
            if restart is not None:
                entries = {i: state for i, state in entries.items() if i < restart}
                index = restart
                continue
        elif statement.transaction is TransactionMode.OUTSIDE:
            last = index == len(script.statements) - 1
            timeouts_left = _run_outside(
                run, key, index, statement, interrupted=entries.get(index) is STARTED, last=last
            )
        elif index == len(script.statements) - 1 and not run.restorer.restores(run.step):
            _run_in_own_transaction(run, key, index, statement, record=lambda: finish(run, script, started))
            recorded = True
        else:
            _run_in_own_transaction(run, key, index, statement)
        entries[index] = DONE
        run.observer.statement_finished(migration, index, statement)
        index += 1
    _require_committed(run, script)
    if not recorded:
        _record(run, script, started, timeouts_left=timeouts_left)
    return resumed_at


def where_interrupted(run: StepRun, script: Script) -> str:
    """What a Ctrl-C during a statement-by-statement run left, read from the journal once the step's open
    transaction is rolled back, and what the next command does about it."""
    migration, direction = run.migration, run.step.direction
    key = JournalKey(source=migration.source, version=migration.version, direction=direction)
    total = len(script.statements)
    again = f"`tenantdb migrate {direction.value}`"
    try:
        entries = {index: entry.state for index, entry in journal_entries(run.session, key).items()}
    except DatabaseError:  # the connection went with the interrupt: the journal says it next time
        return f"{migration.label} ({direction}) was interrupted part way: {again} resumes it where it stopped"
    done = _first_unfinished(entries, total)
    if done is None:
        return f"{migration.label} ({direction}) was interrupted after its last statement: {again} records it"
    where = f"after statement {done} of {total}" if done else f"at statement 1 of {total}"
    return f"{migration.label} ({direction}) was interrupted {where}: {again} resumes it at statement {done + 1}"


def _record(run: StepRun, script: Script, started: datetime, *, timeouts_left: bool) -> None:
    """Restore what the step recreates, then write its ledger row; ``timeouts_left``: put the migration's timeouts
    back first (in the same round trip when nothing is restored)."""
    session = run.session
    restores = run.restorer.restores(run.step)
    if restores:
        if timeouts_left:
            run.set_timeouts()
            timeouts_left = False
        session.execute("BEGIN")
    try:
        run.restorer.restore_archives(run.step)
        with session.pipeline():  # (the timeouts back, BEGIN,) ledger with its event, and COMMIT in one round trip
            if timeouts_left:
                run.set_timeouts()
            if not restores:
                session.execute("BEGIN")
            finish(run, script, started)
            session.execute("COMMIT")
    except BaseException:
        session.rollback()
        raise


def _refuse_edits_of_finished_statements(run: StepRun, script: Script, journal: dict[int, JournalEntry]) -> None:
    """Resuming is safe when the statements that already ran are unchanged; later ones may be fixed."""
    for index, entry in sorted(journal.items()):
        if entry.state is not DONE:
            continue
        current = script.statements[index] if index < len(script.statements) else None
        if current is not None and statement_sha(current.text) == entry.statement_sha:
            continue
        raise MigrationFailed(
            f"{run.migration.label} was interrupted after statement {index + 1} ran, "
            "and that statement has been edited or removed since",
            version=str(run.migration.version),
            path=script.path,
            line=current.line if current else None,
            statement=current.text if current else "",
            sqlstate=None,
            hint="restore the statements that already ran; only the statements after them may change",
        )


def _first_unfinished(entries: dict[int, JournalState], total: int) -> int | None:
    return next((i for i in range(total) if entries.get(i) is not DONE), None)


def _run_in_file_transaction(
    run: StepRun, key: JournalKey, index: int, statement: Statement, block: _FileTransaction
) -> int | None:
    """Run a statement of the file's own transaction; on a lock timeout return where to restart."""
    session = run.session
    if block.start is None and statement.transaction is TransactionMode.CONTROL:
        block.start = index
        block.files = run.table_files(script_of(run.migration, run.step.direction).statements)
    try:
        run.execute(statement)
    except DatabaseError as error:  # only a lock timeout gets here; the server aborted the block
        if block.start is None:
            raise run.failure(statement, error) from error
        found = tuple(blockers_of(session, run.blocked_at))
        waited = run.wait.current
        run.wait.timed_out(found)
        delay = block.next_delay()
        if delay is None:
            spent = LockTimeoutExhausted(
                f"gave up after {block.attempts} attempts, {run.wait.describe()}: {error.message}{in_the_way(found)}",
                sqlstate=error.sqlstate,
            )
            raise run.exhausted(statement, spent) from error
        retry = LockRetry(attempt=block.attempts, waited=waited, delay=delay, error=error, blockers=found)
        run.on_retry(statement)(retry)
        time.sleep(delay)
        run.set_timeouts()
        return block.start
    if session.in_transaction:
        insert_writes(session, run.transaction_writes(block.files))
    journal_mark(session, key, index, statement.text, DONE)
    if not session.in_transaction:
        block.start = None
    return None


def _require_committed(run: StepRun, script: Script) -> None:
    if not run.session.in_transaction:
        return
    run.session.rollback()
    raise MigrationFailed(
        f"{run.migration.label} opens a transaction it never commits",
        version=str(run.migration.version),
        path=script.path,
        line=script.statements[-1].line if script.statements else None,
        statement="",
        sqlstate=None,
        hint="end the file's transaction with COMMIT",
    )


def _run_in_own_transaction(
    run: StepRun, key: JournalKey, index: int, statement: Statement, record: Callable[[], None] | None = None
) -> None:
    """The statement and its journal entry in one transaction: BEGIN goes with the statement, the journal entry
    with COMMIT (two round trips). With ``record`` (the script's last statement), the ledger row it writes takes the
    journal entry's place: the statement commits together with its migration's ledger row."""
    session = run.session
    may_write = run.may_write((statement,))

    def attempt() -> None:
        try:
            together = run.sent_with_begin((statement,))
            opened = run.begin(together, may_write=may_write)
            if not together:
                run.execute(statement)
            pending = run.transaction_writes(table_starts(opened) if may_write else None)
            with session.pipeline():
                insert_writes(session, pending)
                if record is None:
                    journal_mark(session, key, index, statement.text, DONE)
                else:
                    record()
                session.execute("COMMIT")
        except BaseException:
            session.rollback()
            raise

    run.retrying(statement, attempt)


def _run_outside(
    run: StepRun, key: JournalKey, index: int, statement: Statement, *, interrupted: bool, last: bool = False
) -> bool:
    """Run a statement that cannot run in a transaction, marked ``started`` before and ``done`` after; returns True
    when it left its own timeouts set for the caller to put back.

    The ``done`` of a script's ``last`` statement is not written, and the timeouts are not put back here: the ledger
    transaction that follows deletes the journal and sets them, in one round trip. Killed before that commits, the
    rerun finds the statement ``started`` and its index built, as after a kill before ``done``.
    """
    session, step = run.session, run.step
    if interrupted and already_done(session, step, statement):
        journal_mark(session, key, index, statement.text, DONE)
        return False
    # Concurrent builds, drops, detaches and VACUUM take SHARE UPDATE EXCLUSIVE, which no read or write waits for,
    # then wait for older snapshots: a lock_timeout would only throw away finished work behind a report. VACUUM FULL,
    # CLUSTER or a plain REINDEX keep the migration's lock wait: every query queues behind them.
    wait = timedelta(0) if waits_only_for_snapshots(statement) else run.lock_timeout()

    def started() -> None:  # the journal entry and the statement's timeouts go with the leftover lookup
        journal_mark(session, key, index, statement.text, STARTED)
        session.set_timeouts(lock_timeout=wait, statement_timeout=run.statement_timeout(statement), local=False)

    # "started" before a leftover is dropped: killed in between, the rerun looks for the leftover again
    drop_invalid_leftovers(session, run.observer, step, statement, before=started)
    finished = False
    try:
        run.retrying(
            statement,
            lambda: run.execute(statement),
            before_retry=lambda: drop_invalid_leftovers(session, run.observer, step, statement),
        )
        finished = True
    finally:
        if not session.closed and not (finished and last):
            with session.pipeline():  # the migration's timeouts again and, when it ran, the journal
                run.set_timeouts()
                if finished:
                    journal_mark(session, key, index, statement.text, DONE)
    if session.closed:
        raise ConnectionFailed(
            f"{run.migration.label}: lost the connection after {run.where(statement)} ran",
            hint="run the same command again: tenantdb re-reads the journal and resumes",
        )
    return last


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
