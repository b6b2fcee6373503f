"""``tenantdb plan``: run pending migrations inside a transaction that is always rolled back, and measure.

For every statement the preview records the locks PostgreSQL actually granted (``pg_locks`` of this
session before and after it), whether the table was rewritten (its relfilenode changed) or scanned (the
transaction's scan counter moved), the table's size and row estimate, and any error PostgreSQL raised — each
statement runs in a savepoint, so one error does not hide the next. Statements that cannot run in a
transaction (``CREATE INDEX CONCURRENTLY``, ...) are previewed through their transactional form, which
validates them; their lock is reported from PostgreSQL's documentation and marked as such.

A lock mode the transaction already holds from an earlier statement is not taken again, so it cannot be
observed: the statement's documented locks fill that gap (marked as documented). That is how each statement of
an online rewrite (``NOT VALID`` then ``VALIDATE``, each in its own transaction when the runner runs it) shows
its own lock after an ``ADD COLUMN`` took ACCESS EXCLUSIVE. A statement on a table an earlier statement of the
pending run created gets an :class:`IfExisting` too: on that new, empty table its lock stalls nobody, but the
same statement on the table once it exists with data would take that lock and rewrite or scan it.

The statements are the runner's own: its online rewrites and, for a migration an interrupted run left journaled,
what the rerun will do (statements done skipped, a cut-off statement outside a transaction found done, a detach
left pending finalized, an INVALID leftover index dropped first), so plan does not report errors the rerun avoids.

Nothing is committed: the transaction is rolled back at the end, whatever happens. The session's
``lock_timeout`` applies, so a preview never queues behind production traffic for long.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

from tenantdb.config import RunnerSettings
from tenantdb.db import (
    QUERY_CANCELED,
    JournalKey,
    JournalState,
    LockSample,
    RelationState,
    Session,
    applied_migrations,
    held_relation_locks,
    journal_entries,
    relation_names,
    relation_states,
    state_exists,
)
from tenantdb.errors import DatabaseError
from tenantdb.execute.online import resumable_rewrite
from tenantdb.execute.repair import cut_off, invalid_leftovers
from tenantdb.migrations import Direction, Migration, MigrationSet
from tenantdb.plan import plan_up
from tenantdb.sql import Rewrite, Statement
from tenantdb.sql.locks import documented_locks
from tenantdb.sql.preview import OutsideStatement, outside_statement

PLAN_STATEMENT_TIMEOUT = timedelta(seconds=5)
"""How long one statement may run in the preview. Each holds its locks on the live tables until the preview rolls
back (a stand-in ``CREATE INDEX`` blocks writes for its whole build, a type change everything for its rewrite), so a
statement that runs longer is stopped and the preview ends there, rather than stall production for minutes."""

ROW_CHANGING = frozenset({"UpdateStmt", "DeleteStmt", "MergeStmt"})
"""Statements whose every changed row stays locked against other writers until the migration commits."""

# modes that conflict with ROW EXCLUSIVE: while one is held or waited for, no row can be written
WRITE_BLOCKING = frozenset({"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"})
_STRENGTH = (
    "AccessExclusiveLock",
    "ExclusiveLock",
    "ShareRowExclusiveLock",
    "ShareLock",
    "ShareUpdateExclusiveLock",
    "RowExclusiveLock",
    "RowShareLock",
    "AccessShareLock",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LockTaken:
    relation: str
    mode: str
    new_relation: bool = False  # the statement created it; nobody else can be waiting for it
    documented: bool = False  # reported from the documentation (statement runs outside a transaction)


@dataclass(frozen=True, slots=True, kw_only=True)
class IfExisting:
    """What a statement on a table created earlier in the pending run would do to that table once it has data."""

    relation: str
    modes: tuple[str, ...]  # strongest first
    rewrite: bool = False
    scan: bool = False

    @property
    def blocks_writes(self) -> bool:
        return any(mode in WRITE_BLOCKING for mode in self.modes)

    def describe(self) -> str:
        work = "rewrite it" if self.rewrite else "scan it" if self.scan else ""
        does = f"take {', '.join(self.modes)}" + (f" and {work}" if work else "")
        return f"{self.relation} is created earlier in this run; on the table with data this would {does}"


@dataclass(frozen=True, slots=True, kw_only=True)
class StatementPreview:
    """What one statement did inside the preview transaction."""

    line: int
    statement: str
    locks: tuple[LockTaken, ...] = ()
    rewritten: tuple[str, ...] = ()  # tables whose storage was rewritten
    scanned: tuple[str, ...] = ()  # tables read in full (without a rewrite)
    sizes: dict[str, tuple[int, int | None]] = field(default_factory=dict)  # table -> (bytes, estimated rows)
    unanalyzed: tuple[str, ...] = ()  # tables never analyzed: rows estimated from pages, or None when impossible
    if_existing: tuple[IfExisting, ...] = ()  # tables created earlier in the run, as if they existed with data
    outside_transaction: bool = False
    done_before: bool = False  # run by an interrupted run (its journal says so): the rerun starts after it
    stopped: bool = False  # ran longer than the preview's statement_timeout: stopped, its locks released
    changes_rows: bool = False  # an UPDATE, DELETE or MERGE: every row it changes stays locked until the commit
    rows_changed: int | None = None  # how many it changed in the preview (None: not one of those, or not run)
    skipped: bool = False  # after a stopped statement: not previewed
    repairs: tuple[str, ...] = ()  # what the rerun of an interrupted run does first, or instead
    error: str | None = None
    sqlstate: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MigrationPreview:
    version: str
    name: str
    path: Path
    statements: tuple[StatementPreview, ...]
    rewrites: tuple[str, ...] = ()  # online rewrites the runner will make

    @property
    def errors(self) -> int:
        return sum(1 for statement in self.statements if statement.error)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoppedAt:
    """The statement that ran too long: its migration file and line."""

    path: Path
    line: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Preview:
    database: str
    migrations: tuple[MigrationPreview, ...]
    statement_timeout: timedelta = field(default_factory=lambda: PLAN_STATEMENT_TIMEOUT)
    stopped_at: StoppedAt | None = None  # the statement that ran too long; nothing after it was previewed

    @property
    def errors(self) -> int:
        return sum(migration.errors for migration in self.migrations)


def preview(
    session: Session,
    migrations: MigrationSet | Sequence[MigrationSet],
    settings: RunnerSettings,
    *,
    statement_timeout: timedelta = PLAN_STATEMENT_TIMEOUT,
) -> Preview:
    """Preview every pending migration of every source on ``session``'s database; changes nothing. A statement
    that runs longer than ``statement_timeout`` is stopped and the preview ends there (see
    :data:`PLAN_STATEMENT_TIMEOUT`)."""
    sets = [migrations] if isinstance(migrations, MigrationSet) else list(migrations)
    steps = [step for source in sets for step in plan_up(source, applied_migrations(session, source.source)).steps]
    results: list[MigrationPreview] = []
    stopped_at: StoppedAt | None = None
    session.begin(lock_timeout=settings.lock_timeout, statement_timeout=statement_timeout)
    try:
        existing = frozenset(relation_states(session))  # what the run starts from; the rest it creates
        journals = state_exists(session)  # no tenantdb state yet: no interrupted run either
        for step in steps:
            migration = _preview_migration(
                session, step.migration, settings, existing, journals=journals, skip=stopped_at is not None
            )
            stopped = next((statement for statement in migration.statements if statement.stopped), None)
            if stopped is not None:
                stopped_at = StoppedAt(path=step.migration.up.path, line=stopped.line)
            results.append(migration)
    finally:
        session.rollback()
    return Preview(
        database=session.database,
        migrations=tuple(results),
        statement_timeout=statement_timeout,
        stopped_at=stopped_at,
    )


def _preview_migration(
    session: Session,
    migration: Migration,
    settings: RunnerSettings,
    existing: frozenset[str],
    *,
    journals: bool,
    skip: bool = False,
) -> MigrationPreview:
    """The runner's own statements: its online rewrites (those of an interrupted run resumed as journaled), with
    the statements that run's journal marks done shown as such and not run again."""
    statements = migration.up.statements
    rewrites: Sequence[Rewrite] = ()
    key = JournalKey(source=migration.source, version=migration.version, direction=Direction.UP)
    if settings.online:
        statements, rewrites = resumable_rewrite(session, key, statements, settings.online_min_size, journals=journals)
    entries = journal_entries(session, key) if journals else {}
    previews: list[StatementPreview] = []
    for index, statement in enumerate(statements):
        if skip:  # a statement before it ran too long: what follows would build on what it did not finish
            previews.append(StatementPreview(line=statement.line, statement=statement.text, skipped=True))
            continue
        found = _rerun_preview(session, statement, existing, entries[index].state if index in entries else None)
        skip = found.stopped
        previews.append(found)
    return MigrationPreview(
        version=str(migration.version),
        name=migration.name,
        path=migration.path,
        statements=tuple(previews),
        rewrites=tuple(rewrite.describe() for rewrite in rewrites),
    )


def _rerun_preview(
    session: Session, statement: Statement, existing: frozenset[str], journaled: JournalState | None
) -> StatementPreview:
    """The statement as the runner will treat it: skipped when its journal says done; outside a transaction, what
    an interrupted run left of it (:func:`~tenantdb.execute.repair.cut_off`, for a statement journaled
    ``started``) and the INVALID leftovers the runner drops before it runs."""
    if journaled is JournalState.DONE:
        return StatementPreview(line=statement.line, statement=statement.text, done_before=True)
    outside = outside_statement(statement)
    if outside is None:
        return _preview_statement(session, statement, existing, outside)
    documented = _documented(outside.lock, outside.table, ())
    found = cut_off(session, statement) if journaled is JournalState.STARTED else None
    if found is not None:
        return StatementPreview(
            line=statement.line,
            statement=statement.text,
            locks=documented if found.finalize is not None else (),
            outside_transaction=True,
            done_before=found.finalize is None,
            repairs=(found.plan,),
        )
    leftovers = invalid_leftovers(session, statement)
    if not leftovers:
        return _preview_statement(session, statement, existing, outside)
    repairs = tuple(
        f"first drops the INVALID index {index.schema}.{index.name} an interrupted or failed build left"
        " (DROP INDEX CONCURRENTLY)"
        for index in leftovers
    )
    target = statement.concurrent_index
    if target is not None and any(index.name == target.name for index in leftovers):
        # its stand-in would meet the leftover's name: shown, not run (the build that left it got that far)
        return StatementPreview(
            line=statement.line, statement=statement.text, locks=documented, outside_transaction=True, repairs=repairs
        )
    return replace(_preview_statement(session, statement, existing, outside), repairs=repairs)


def _preview_statement(
    session: Session, statement: Statement, existing: frozenset[str], outside: OutsideStatement | None
) -> StatementPreview:
    text = outside.stand_in if outside else statement.text
    if outside is not None and text is None:
        return StatementPreview(line=statement.line, statement=statement.text, outside_transaction=True)
    assert text is not None
    before_locks = held_relation_locks(session)
    before = relation_states(session)
    documented = documented_locks(statement) if outside is None else ()
    names = relation_names(session, [(lock.schema, lock.relation) for lock in documented])
    expected = [(name, lock.mode) for name, lock in zip(names, documented, strict=True) if name is not None]
    changes_rows = statement.node in ROW_CHANGING
    session.execute("SAVEPOINT tenantdb_preview")
    try:
        changed = session.run_script(text)
    except DatabaseError as error:
        session.execute("ROLLBACK TO SAVEPOINT tenantdb_preview")  # its locks go with it
        if error.sqlstate == QUERY_CANCELED:
            return StatementPreview(
                line=statement.line, statement=statement.text, stopped=True, changes_rows=changes_rows
            )
        return StatementPreview(
            line=statement.line, statement=statement.text, error=error.message, sqlstate=error.sqlstate
        )
    session.execute("RELEASE SAVEPOINT tenantdb_preview")
    after = relation_states(session)
    locks = _new_locks(before_locks, held_relation_locks(session), before)
    if outside is not None:
        locks = _documented(outside.lock, outside.table, locks)
    locks = _already_held(locks, expected, before_locks)
    touched = {lock.relation for lock in locks}
    rewritten = tuple(
        sorted(name for name in touched if name in before and name in after and _rewritten(before[name], after[name]))
    )
    scanned = tuple(
        sorted(
            name
            for name in touched
            if name in before and name in after and name not in rewritten and after[name].scans > before[name].scans
        )
    )
    # a table the run created has no size worth showing: the hazard is what the statement would do with data
    sized = [name for name in touched if name in before and name in existing and before[name].kind in "rmp"]
    return StatementPreview(
        line=statement.line,
        statement=statement.text,
        locks=locks,
        rewritten=rewritten,
        scanned=scanned,
        sizes={name: (before[name].bytes, before[name].rows) for name in sized},
        unanalyzed=tuple(sorted(name for name in sized if before[name].rows_from_pages)),
        if_existing=_if_existing(locks, rewritten, scanned, before, existing),
        outside_transaction=outside is not None,
        changes_rows=changes_rows,
        rows_changed=changed if changes_rows and changed >= 0 else None,
    )


def _already_held(
    observed: tuple[LockTaken, ...], expected: Sequence[tuple[str, str]], before: Sequence[LockSample]
) -> tuple[LockTaken, ...]:
    """Add the documented locks the transaction held already (not taken again, so not observed)."""
    held = {(lock.relation, lock.mode) for lock in before}
    seen = {(lock.relation, lock.mode) for lock in observed}
    added = [
        LockTaken(relation=name, mode=mode, documented=True)
        for name, mode in expected
        if (name, mode) in held and (name, mode) not in seen
    ]
    return tuple(sorted({*observed, *added}, key=lambda lock: (lock.relation, lock.mode)))


def _if_existing(
    locks: tuple[LockTaken, ...],
    rewritten: tuple[str, ...],
    scanned: tuple[str, ...],
    before: dict[str, RelationState],
    existing: frozenset[str],
) -> tuple[IfExisting, ...]:
    """For tables an earlier statement of the run created: the same statement on them once they hold data."""
    created = sorted(
        {lock.relation for lock in locks if lock.relation in before and lock.relation not in existing}
        & {name for name, state in before.items() if state.kind in "rmp"}
    )
    found = []
    for name in created:
        modes = sorted({lock.mode for lock in locks if lock.relation == name}, key=_strength)
        found.append(IfExisting(relation=name, modes=tuple(modes), rewrite=name in rewritten, scan=name in scanned))
    return tuple(found)


def _strength(mode: str) -> int:
    return _STRENGTH.index(mode) if mode in _STRENGTH else len(_STRENGTH)


def _rewritten(before: RelationState, after: RelationState) -> bool:
    return before.kind in "rm" and before.filenode != after.filenode


def _new_locks(
    before: Sequence[LockSample], after: Sequence[LockSample], existing: dict[str, RelationState]
) -> tuple[LockTaken, ...]:
    held = {(lock.relation, lock.mode) for lock in before}
    taken = []
    for lock in after:
        if (lock.relation, lock.mode) in held or lock.kind not in ("r", "p", "m", "v", "f"):
            continue
        taken.append(LockTaken(relation=lock.relation, mode=lock.mode, new_relation=lock.relation not in existing))
    return tuple(sorted(set(taken), key=lambda lock: (lock.relation, lock.mode)))


def _documented(mode: str, table: str | None, observed: tuple[LockTaken, ...]) -> tuple[LockTaken, ...]:
    """Replace the stand-in's locks on the table by the lock the concurrent form takes."""
    if not mode:
        return observed
    tables = {lock.relation for lock in observed if not lock.new_relation} or ({table} if table else set())
    return tuple(LockTaken(relation=name, mode=mode, documented=True) for name in sorted(tables))
