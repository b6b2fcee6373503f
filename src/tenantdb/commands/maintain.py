"""``tenantdb db maintain``: VACUUM, ANALYZE and REINDEX CONCURRENTLY where the catalog's statistics call for them.

Per table of the connected database (thresholds in ``[maintain]``, docs/maintain.md):

* ``VACUUM`` when its dead rows pass ``vacuum_min_dead_rows`` and ``vacuum_dead_ratio`` of the live rows; with
  ``--full`` and ``full_dead_ratio`` passed, ``VACUUM FULL`` instead, which rewrites the table under an ACCESS
  EXCLUSIVE lock (a warning says so);
* ``ANALYZE`` when it was never analyzed, or the rows changed since pass ``analyze_min_changes`` and
  ``analyze_changed_ratio`` (with a VACUUM: ``VACUUM (ANALYZE)``);
* ``REINDEX INDEX CONCURRENTLY`` for an INVALID index, or a B-tree whose estimated bloat passes
  ``index_bloat_ratio`` and ``index_min_bloat`` (the estimate: :mod:`tenantdb.db.maintenance`).

Every statement runs in autocommit with the runner's lock waits and retries (:mod:`tenantdb.execute.retry`), one
table or index at a time, while holding the runner lock (a migration and a maintenance run never overlap). A
table whose lock the retry budget cannot get is given up and the run goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from tenantdb.commands.connection import open_session
from tenantdb.config import MaintainSettings, RunnerSettings, Settings
from tenantdb.db import (
    EventKind,
    IndexStats,
    LockHolder,
    MaintainKind,
    Session,
    StoredSize,
    TableStats,
    drop_index_concurrently,
    index_stats,
    invalid_indexes_on,
    lock_blockers,
    maintenance_progress,
    maintenance_statement,
    record_event,
    run_maintenance,
    statement_text,
    store_sizes,
    stored_sizes,
    table_stats,
)
from tenantdb.errors import (
    ConfigError,
    ConnectionFailed,
    DatabaseError,
    ExitCode,
    LockTimeoutExhausted,
    TenantdbError,
)
from tenantdb.execute import Backoff, LockRetry, LockWait, SilentObserver, runner_lock, with_lock_retries

__all__ = [
    "IndexSizes",
    "MaintainAction",
    "MaintainKind",
    "MaintainReport",
    "Outcome",
    "TableSizes",
    "db_maintain",
    "human_size",
]

Progress = Callable[[str], None]

_LEFTOVER_MARKS = ("_ccnew", "_ccold")  # names REINDEX CONCURRENTLY gives the copies an interrupted run leaves


class Outcome(StrEnum):
    """What became of a planned action."""

    PLANNED = "planned"  # --dry-run
    DONE = "done"
    GAVE_UP = "gave up"  # the lock retry budget ran out
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class MaintainAction:
    """One statement of the plan: on which table (and index), why, and what became of it."""

    schema: str
    table: str
    index: str | None
    kind: MaintainKind
    statement: str
    reason: str
    outcome: Outcome = Outcome.PLANNED
    seconds: float | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexSizes:
    """An index's size now, at the last run, after this run, and its estimated bloat."""

    name: str
    valid: bool
    bytes: int
    previous_bytes: int | None
    growth_bytes: int | None
    bytes_after: int | None
    bloat_bytes: int | None  # None: not estimated (not a B-tree, or no statistics yet)
    bloat_ratio: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TableSizes:
    """A table's size and statistics now, its size at the last run and after this run, and its indexes."""

    schema: str
    name: str
    live_rows: int
    dead_rows: int
    last_analyze: datetime | None
    last_vacuum: datetime | None
    bytes: int
    previous_bytes: int | None
    growth_bytes: int | None
    bytes_after: int | None
    indexes: tuple[IndexSizes, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class MaintainReport:
    """The plan (``dry_run``) or what ran, with every table's sizes and the growth since the last run."""

    database: str
    dry_run: bool
    full: bool
    previous_run_at: datetime | None
    actions: tuple[MaintainAction, ...]
    tables: tuple[TableSizes, ...]
    warnings: tuple[str, ...]

    @property
    def failed(self) -> bool:
        return any(action.outcome in (Outcome.FAILED, Outcome.GAVE_UP) for action in self.actions)

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def exit_code(self) -> ExitCode:
        """1 when a statement failed, 8 when a table's lock never came within the retry budget, else 0."""
        outcomes = {action.outcome for action in self.actions}
        if Outcome.FAILED in outcomes:
            return ExitCode.FAILED
        return ExitCode.LOCK_TIMEOUT if Outcome.GAVE_UP in outcomes else ExitCode.OK


@dataclass(frozen=True, slots=True, kw_only=True)
class _Survey:
    tables: list[TableStats]
    indexes: list[IndexStats]
    stored: dict[tuple[str, str, str], StoredSize]


def db_maintain(
    settings: Settings,
    *,
    dry_run: bool = False,
    full: bool = False,
    tables: Sequence[str] = (),
    progress: Progress | None = None,
    progress_every: timedelta = timedelta(seconds=10),
) -> MaintainReport:
    """Plan maintenance from the statistics and, unless ``dry_run``, run it; ``tables`` (``[schema.]name``) limit it."""
    say = progress or (lambda _message: None)
    with open_session(settings, "maintain") as session:
        survey = _survey(session, tables)  # an unknown table fails here, before anything is written
        if dry_run:
            actions, warnings = plan(survey.tables, survey.indexes, settings.maintain, full=full)
            return _report(session, survey, actions, warnings, dry_run=True, full=full, after=None)
        with runner_lock(session, settings.runner, _LockObserver(say)):
            survey = _survey(session, tables)  # what another run did while this one waited for the lock
            actions, warnings = plan(survey.tables, survey.indexes, settings.maintain, full=full)
            for warning in warnings:
                say(f"warning: {warning}")
            with _watching(settings, session.pid, say, progress_every if actions else None) as watch:
                done = [
                    _run(session, settings.runner, action, watch(f"[{n}/{len(actions)}]"), say)
                    for n, action in enumerate(actions, 1)
                ]
            after = _survey(session, tables)
            sizes = [(table.schema, table.name, "", table.bytes) for table in after.tables]
            sizes += [(index.schema, index.table, index.name, index.bytes) for index in after.indexes]
            store_sizes(session, sizes, every_table=not tables)
            return _report(session, survey, done, warnings, dry_run=False, full=full, after=after)


class _LockObserver(SilentObserver):
    def __init__(self, say: Progress) -> None:
        self._say = say

    def waiting_for_runner_lock(self, holder: LockHolder | None) -> None:
        who = f" (held by {holder.describe()})" if holder is not None else ""
        self._say(f"waiting for the runner lock{who}")


@contextmanager
def _watching(settings: Settings, pid: int, say: Progress, every: timedelta | None) -> Iterator[Callable[[str], str]]:
    """Every ``every`` (None: never), say where the running statement is (``pg_stat_progress_*``, read from a
    second session); the block marks each statement with the function it gets, which returns the label given."""
    current: list[str] = []
    stop = threading.Event()

    def mark(step: str) -> str:
        current[:] = [step]
        return step

    def watch(seconds: float) -> None:
        try:
            with open_session(settings, "maintain progress") as watcher:
                while not stop.wait(seconds):
                    where = maintenance_progress(watcher, pid)
                    if where is not None and current:
                        say(f"{current[0]} {where}")
        except TenantdbError:
            return  # progress is a courtesy: a watcher that cannot connect leaves the run alone

    if every is None:
        yield mark
        return
    thread = threading.Thread(target=watch, args=(every.total_seconds(),), name="maintain-progress", daemon=True)
    thread.start()
    try:
        yield mark
    finally:
        stop.set()
        thread.join()


def _survey(session: Session, names: Sequence[str]) -> _Survey:
    tables = _chosen(table_stats(session), names)
    return _Survey(tables=tables, indexes=index_stats(session, tables), stored=stored_sizes(session))


def _chosen(tables: list[TableStats], names: Sequence[str]) -> list[TableStats]:
    """The tables ``names`` designate (``schema.name``, or ``name`` in any schema); every table when none."""
    if not names:
        return tables
    chosen: dict[tuple[str, str], TableStats] = {}
    for name in names:
        schema, dot, table = name.partition(".")
        found = [t for t in tables if (t.schema, t.name) == (schema, table)] if dot else []
        found = found or [t for t in tables if t.name == name]
        if not found:
            raise ConfigError(
                f"{{tables}}: no table named {name!r} in this database (or this role may not maintain it)",
                refers=("tables",),
                hint="name a table as schema.table or table; `\\dt` in psql lists them",
            )
        if len(found) > 1:
            schemas = ", ".join(sorted(t.schema for t in found))
            raise ConfigError(
                f"{name!r} is in several schemas ({schemas})", option="tables", hint="write it as schema.table"
            )
        chosen[(found[0].schema, found[0].name)] = found[0]
    return [chosen[key] for key in sorted(chosen)]


# -- the plan -------------------------------------------------------------------------------------------------


def plan(
    tables: Sequence[TableStats], indexes: Sequence[IndexStats], limits: MaintainSettings, *, full: bool
) -> tuple[list[MaintainAction], tuple[str, ...]]:
    """The actions the statistics call for, table by table (VACUUM or ANALYZE first, then its indexes), and the
    warnings to show before running them."""
    actions: list[MaintainAction] = []
    warnings: list[str] = []
    by_table: dict[tuple[str, str], list[IndexStats]] = {}
    for index in indexes:
        by_table.setdefault((index.schema, index.table), []).append(index)
    for table in tables:
        kind, reason = _table_kind(table, limits, full=full)
        if kind is not None:
            actions.append(_action(kind, table.schema, table.name, None, reason))
        if kind is MaintainKind.VACUUM_FULL:
            warnings.append(
                f"VACUUM FULL rewrites {table.schema}.{table.name} ({human_size(table.bytes)}) under an ACCESS "
                "EXCLUSIVE lock: every read and write of the table waits until it is done"
            )
            continue  # VACUUM FULL rebuilds every index of the table
        for index in by_table.get((table.schema, table.name), ()):
            why = _reindex_reason(index, limits, warnings)
            if why is not None:
                actions.append(_action(MaintainKind.REINDEX, table.schema, table.name, index.name, why))
    return actions, tuple(warnings)


def _table_kind(table: TableStats, limits: MaintainSettings, *, full: bool) -> tuple[MaintainKind | None, str]:
    live = max(table.live_rows, 1)
    dead_ratio = table.dead_rows / live
    vacuum = table.dead_rows >= max(limits.vacuum_min_dead_rows, 1) and dead_ratio >= limits.vacuum_dead_ratio
    never = table.last_analyze is None and (table.live_rows or table.dead_rows or table.changed_since_analyze)
    changed = table.changed_since_analyze
    analyze = bool(never) or (
        changed >= max(limits.analyze_min_changes, 1) and changed / live >= limits.analyze_changed_ratio
    )
    reasons = []
    if vacuum:
        reasons.append(f"{table.dead_rows} dead rows, {dead_ratio:.0%} of {table.live_rows} live")
    if never:
        reasons.append("never analyzed")
    elif analyze:
        reasons.append(f"{changed} rows changed since the last analyze, {changed / live:.0%} of the live rows")
    reason = "; ".join(reasons)
    if vacuum and full and dead_ratio >= limits.full_dead_ratio:
        return MaintainKind.VACUUM_FULL, f"{reason} (--full: at least {limits.full_dead_ratio:.0%} dead)"
    if vacuum:
        return (MaintainKind.VACUUM_ANALYZE if analyze else MaintainKind.VACUUM), reason
    return (MaintainKind.ANALYZE if analyze else None), reason


def _reindex_reason(index: IndexStats, limits: MaintainSettings, warnings: list[str]) -> str | None:
    name = f"{index.schema}.{index.name}"
    if not index.valid and any(mark in index.name for mark in _LEFTOVER_MARKS):
        warnings.append(f"{name} is an INVALID copy left by an interrupted REINDEX CONCURRENTLY: drop it")
        return None
    bloat, ratio = index.bloat_bytes(), index.bloat_ratio()
    if index.valid:
        if bloat is None or ratio is None or ratio < limits.index_bloat_ratio or bloat < limits.index_min_bloat:
            return None
        reason = f"estimated bloat {human_size(bloat)}, {ratio:.0%} of {human_size(index.bytes)}"
    else:
        reason = "INVALID (an interrupted or failed concurrent build)"
    if index.exclusion:
        warnings.append(f"{name}: {reason}, but it backs an exclusion constraint, which REINDEX CONCURRENTLY refuses")
        return None
    return reason


def _action(kind: MaintainKind, schema: str, table: str, index: str | None, reason: str) -> MaintainAction:
    statement = statement_text(maintenance_statement(kind, schema, index or table))
    return MaintainAction(schema=schema, table=table, index=index, kind=kind, statement=statement, reason=reason)


def human_size(size: int) -> str:
    """``1.5 MB``: powers of 1024, as PostgreSQL's ``pg_size_pretty``."""
    amount = float(size)
    for unit in ("bytes", "kB", "MB", "GB"):
        if amount < 1024 or unit == "GB":
            return f"{amount:.0f} {unit}" if unit == "bytes" else f"{amount:.1f} {unit}"
        amount /= 1024
    raise AssertionError("unreachable")


# -- running --------------------------------------------------------------------------------------------------


def _run(session: Session, runner: RunnerSettings, action: MaintainAction, step: str, say: Progress) -> MaintainAction:
    """One statement with the runner's lock waits and retries; a lock that never comes or an error is recorded and
    the run goes on (a lost connection ends it)."""
    say(f"{step} {action.statement}: {action.reason}")
    statement = maintenance_statement(action.kind, action.schema, action.index or action.table)
    backoff = Backoff(base=runner.retry_base_delay, cap=runner.retry_max_delay, budget=runner.lock_retry_budget)
    started = time.monotonic()
    leftovers_before = _invalid_names(session, action)

    def retried(retry: LockRetry) -> None:
        say(f"{step} {retry.message()}")

    try:
        if action.kind is MaintainKind.REINDEX:
            # As the runner's concurrent index builds: SHARE UPDATE EXCLUSIVE, which no read or write waits for,
            # then waits for older snapshots; a lock_timeout would only throw the finished build away.
            with_lock_retries(
                lambda: run_maintenance(
                    session, statement, lock_timeout=timedelta(0), statement_timeout=runner.index_statement_timeout
                ),
                backoff,
                on_retry=retried,
                before_retry=lambda: _drop_leftovers(session, action, leftovers_before),
            )
        else:
            wait = LockWait.of(runner)
            with_lock_retries(
                lambda: run_maintenance(
                    session, statement, lock_timeout=wait.current, statement_timeout=runner.statement_timeout
                ),
                backoff,
                wait=wait,
                blockers=lambda: lock_blockers(session, [(action.schema, action.table)]),
                on_retry=retried,
            )
        outcome, error = Outcome.DONE, None
    except ConnectionFailed:
        raise
    except LockTimeoutExhausted as exhausted:
        outcome, error = Outcome.GAVE_UP, exhausted.message
    except DatabaseError as failure:
        outcome, error = Outcome.FAILED, failure.message
        if action.kind is MaintainKind.REINDEX:
            _drop_leftovers(session, action, leftovers_before)
    seconds = round(time.monotonic() - started, 3)
    say(f"{step} {outcome.value} in {seconds:.1f}s" + (f": {error}" if error else ""))
    record_event(
        session,
        EventKind.MAINTAIN,
        message=f"{action.kind.value} {outcome.value}: {action.reason}" + (f"; {error}" if error else ""),
        statement=action.statement,
        details={"outcome": outcome.value, "seconds": seconds},
    )
    return replace(action, outcome=outcome, seconds=seconds, error=error)


def _invalid_names(session: Session, action: MaintainAction) -> set[str]:
    if action.kind is not MaintainKind.REINDEX:
        return set()
    return {index.name for index in invalid_indexes_on(session, action.schema, action.table)}


def _drop_leftovers(session: Session, action: MaintainAction, before: set[str]) -> None:
    """Drop the INVALID copy a failed REINDEX CONCURRENTLY left (it would slow every write and never be used)."""
    session.set_timeouts(lock_timeout=timedelta(0), statement_timeout=timedelta(0), local=False)
    for index in invalid_indexes_on(session, action.schema, action.table):
        if index.name not in before and any(mark in index.name for mark in _LEFTOVER_MARKS):
            drop_index_concurrently(session, index.schema, index.name)


# -- the report -----------------------------------------------------------------------------------------------


def _report(
    session: Session,
    survey: _Survey,
    actions: Sequence[MaintainAction],
    warnings: tuple[str, ...],
    *,
    dry_run: bool,
    full: bool,
    after: _Survey | None,
) -> MaintainReport:
    stored = survey.stored
    after_tables = {(t.schema, t.name): t.bytes for t in after.tables} if after else {}
    after_indexes = {(i.schema, i.table, i.name): i.bytes for i in after.indexes} if after else {}
    indexes: dict[tuple[str, str], list[IndexSizes]] = {}
    for index in survey.indexes:
        previous = stored.get((index.schema, index.table, index.name))
        indexes.setdefault((index.schema, index.table), []).append(
            IndexSizes(
                name=index.name,
                valid=index.valid,
                bytes=index.bytes,
                previous_bytes=previous.bytes if previous else None,
                growth_bytes=index.bytes - previous.bytes if previous else None,
                bytes_after=after_indexes.get((index.schema, index.table, index.name)),
                bloat_bytes=index.bloat_bytes(),
                bloat_ratio=index.bloat_ratio(),
            )
        )
    tables = []
    for table in survey.tables:
        previous = stored.get((table.schema, table.name, ""))
        tables.append(
            TableSizes(
                schema=table.schema,
                name=table.name,
                live_rows=table.live_rows,
                dead_rows=table.dead_rows,
                last_analyze=table.last_analyze,
                last_vacuum=table.last_vacuum,
                bytes=table.bytes,
                previous_bytes=previous.bytes if previous else None,
                growth_bytes=table.bytes - previous.bytes if previous else None,
                bytes_after=after_tables.get((table.schema, table.name)),
                indexes=tuple(indexes.get((table.schema, table.name), ())),
            )
        )
    return MaintainReport(
        database=session.database,
        dry_run=dry_run,
        full=full,
        previous_run_at=max((size.measured_at for size in stored.values()), default=None),
        actions=tuple(actions),
        tables=tuple(tables),
        warnings=warnings,
    )
