"""``tenantdb rollback --phase NAME --level data``: remove exactly the rows the phase's migrations inserted.

The runner records, for each migration transaction, its transaction ids and what it did to each table
(:mod:`tenantdb.db.migration_writes`). A row still carrying one of those ids in ``xmin`` is a row the phase wrote
and nobody changed since: an application ``UPDATE`` gives the row a new ``xmin``, so rows changed later are kept (and
counted as "changed since"), and rows the application inserted never carry the phase's ids.

Rows are removed only from tables where the phase's transaction did nothing but insert (or which it created):
where it also updated or rewrote rows, those rows carry the same ids, so all of them are kept and reported.
A phase row that a row which stays still references is kept (nothing is ever cascade-deleted). Everything runs
in one transaction with the tables locked against writes: archive the rows (``tenantdb archive restore`` puts
them back), delete children before parents, record an event. Refused before anything changes when ids could be
ambiguous:

* another cluster (dump and restore): ids there mean other transactions;
* ids 2^31 or more transactions old: ``xmin`` is 32 bits, and past that a value may name a newer transaction.
  Freezing does not hide rows: since PostgreSQL 9.4 a frozen row keeps its ``xmin`` (a flag marks it frozen);
* after the cluster's first 2^32 transactions a frozen row 2^32 transactions older than the phase has the same
  32-bit ``xmin``; in tables the phase did not create, more matching rows than it inserted means exactly that.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from tenantdb.config import Settings
from tenantdb.db import (
    ArchiveEntry,
    ArchiveKind,
    ArchiveRequest,
    EventKind,
    Session,
    applied_migrations,
    archive,
    is_lock_timeout,
    record_event,
)
from tenantdb.db.migration_writes import EPOCH, TableWrite, count_removed, id_problem, migration_writes
from tenantdb.db.row_marks import (
    LiveTable,
    cluster_identity,
    count_stamped,
    current_xid,
    delete_marked,
    foreign_keys_to,
    live_table,
    lock_tables,
    mark_rows,
    marked_counts,
    marked_selection,
    start_marks,
    unmark_referenced,
)
from tenantdb.errors import DatabaseError, DatabaseStateError, LockTimeoutExhausted
from tenantdb.migrations import MigrationSet
from tenantdb.phases.levels.model import (
    DataRollbackReport,
    Level,
    LevelOutcome,
    LevelRequest,
    TableDataRollback,
)

ARCHIVE_SOURCE = "phase"


@dataclass(slots=True)
class _Table:
    live: LiveTable
    writes: list[TableWrite]
    found: dict[int, int] = field(default_factory=dict)  # writer index -> rows marked
    referenced: int = 0
    ambiguous: int = 0
    notes: list[str] = field(default_factory=list)


def rollback_data(
    session: Session, phase: str, phase_set: MigrationSet, settings: Settings, *, dry_run: bool = False
) -> DataRollbackReport:
    """Remove the rows the phase's applied migrations inserted (the runner lock must be held).

    ``dry_run`` does everything but archiving and deleting, and rolls the transaction back.
    """
    applied = {row.version for row in applied_migrations(session, phase_set.source)}
    members = [m for m in phase_set if str(m.version) in applied]
    writes = migration_writes(session, phase_set.source, [str(m.version) for m in members])
    labels = tuple(m.label for m in members)
    session.begin(lock_timeout=settings.runner.lock_timeout, statement_timeout=settings.runner.statement_timeout)
    try:
        _refuse_ambiguous_ids(session, phase, writes)
        tables, gone = _tables(session, writes)
        removable = [t for t in tables if any(w.inserts_only for w in t.writes)]
        _lock(session, removable)
        start_marks(session)
        for table in tables:
            _mark(session, phase, table)
        _keep_referenced(session, removable)
        results = [_remove(session, phase, table, dry_run) for table in _children_first(session, removable)]
        results += [_report(t, 0, None) for t in tables if t not in removable] + gone
        report = DataRollbackReport(
            phase=phase, migrations=labels, tables=tuple(sorted(results, key=_by_name)), dry_run=dry_run
        )
        if dry_run:
            session.rollback()
            return report
        record_event(
            session,
            EventKind.PHASE_DATA_ROLLBACK,
            message=f"phase {phase}: removed {report.removed} row(s) the phase inserted, from "
            f"{sum(1 for t in report.tables if t.removed)} table(s)",
            details={"phase": phase, "tables": [_event_details(t) for t in report.tables]},
        )
        session.execute("COMMIT")
    except BaseException:
        session.rollback()
        raise
    return report


def _by_name(table: TableDataRollback) -> str:
    return table.table


def _refuse_ambiguous_ids(session: Session, phase: str, writes: list[TableWrite]) -> None:
    if not writes:
        return
    cluster = cluster_identity(session)
    if any(w.cluster != cluster for w in writes):
        raise DatabaseStateError(
            f"phase {phase!r} ran on another PostgreSQL cluster (the database was dumped and restored, or "
            "upgraded, since): its transaction ids do not identify its rows here",
            hint="remove the rows by hand; the schema level still rolls the phase back",
        )
    now = current_xid(session)
    problem = id_problem(
        now=now, oldest=min(x for w in writes for x in w.xids), newest=max(x for w in writes for x in w.xids)
    )
    if problem:
        raise DatabaseStateError(
            f"phase {phase!r}: {problem}, so its rows can no longer be told apart",
            hint="remove the rows by hand; the schema level still rolls the phase back",
        )


def _tables(session: Session, writes: list[TableWrite]) -> tuple[list[_Table], list[TableDataRollback]]:
    by_relid: dict[int, list[TableWrite]] = defaultdict(list)
    for write in writes:
        by_relid[write.relid].append(write)
    tables, gone = [], []
    for relid, table_writes in by_relid.items():
        live = live_table(session, relid)
        recorded = table_writes[-1]
        if live is None or (live.schema, live.name) != (recorded.table_schema, recorded.table_name):
            note = "the table no longer exists" if live is None else f"the table is now {live.qualified}"
            gone.append(TableDataRollback(table=recorded.table, notes=(f"{note}: nothing removed",)))
            continue
        table = _Table(live=live, writes=table_writes)
        if live.relfilenode != recorded.relfilenode:
            table.notes.append(
                "rewritten since the phase (ALTER TABLE, VACUUM FULL, CLUSTER, TRUNCATE): rows a rewrite "
                "stamped with a newer transaction id are kept"
            )
        tables.append(table)
    return tables, gone


def _lock(session: Session, removable: list[_Table]) -> None:
    """Block writes to the tables rows are removed from, and to the tables referencing them (reads go on)."""
    targets = [(t.live.schema, t.live.name) for t in removable]
    children = [(key.child_schema, key.child_table) for t in removable for key in foreign_keys_to(session, t.live)]
    try:
        lock_tables(session, targets, "SHARE ROW EXCLUSIVE")
        lock_tables(session, [c for c in children if c not in targets], "SHARE")
    except DatabaseError as error:
        if not is_lock_timeout(error):
            raise
        names = ", ".join(sorted({f"{schema}.{table}" for schema, table in targets + children}))
        raise LockTimeoutExhausted(
            f"could not lock {names} against writes within lock_timeout: {error.message}",
            sqlstate=error.sqlstate,
            hint="a long transaction holds a conflicting lock (see pg_stat_activity); nothing was changed, retry",
        ) from error


def _mark(session: Session, phase: str, table: _Table) -> None:
    clean = [(index, w.xids) for index, w in enumerate(table.writes) if w.inserts_only]
    mixed = [xid for w in table.writes if not w.inserts_only for xid in w.xids]
    if mixed:
        table.ambiguous = count_stamped(session, table.live, mixed)
        table.notes.append(
            "the phase also updated or rewrote rows of this table, so its inserted rows cannot be told apart: all kept"
        )
    if not clean:
        return
    table.found = mark_rows(session, table.live, clean)
    for index, write in enumerate(table.writes):
        expected = write.inserted - write.removed
        if write.inserts_only and not write.created and write.xid >= EPOCH and table.found.get(index, 0) > expected:
            raise DatabaseStateError(
                f"phase {phase!r}: {table.live.qualified} has more rows with the phase's transaction ids than the "
                "phase inserted; rows frozen 2^32 transactions earlier carry the same ids",
                hint="remove the phase's rows by hand (tenantdb.migration_writes lists its transactions)",
            )


def _keep_referenced(session: Session, removable: list[_Table]) -> None:
    """Unmark rows still referenced by rows that stay, until nothing changes (a kept row keeps its parents)."""
    keys = {id(t): foreign_keys_to(session, t.live) for t in removable}
    changed = True
    while changed:
        changed = False
        for table in removable:
            for key in keys[id(table)]:
                kept = unmark_referenced(session, table.live, key)
                table.referenced += kept
                changed = changed or kept > 0


def _children_first(session: Session, removable: list[_Table]) -> list[_Table]:
    """Tables ordered so that a table referencing another comes before it (a cycle is broken anywhere)."""
    children: dict[int, set[int]] = {id(t): set() for t in removable}
    for parent in removable:
        for key in foreign_keys_to(session, parent.live):
            children[id(parent)] |= {
                id(c) for c in removable if c is not parent and key.child_relid in c.live.ancestors
            }
    ordered: list[_Table] = []
    waiting = list(removable)
    while waiting:
        pending = {id(t) for t in waiting}
        ready = next((t for t in waiting if not children[id(t)] & pending), waiting[0])
        ordered.append(ready)
        waiting.remove(ready)
    return ordered


def _remove(session: Session, phase: str, table: _Table, dry_run: bool) -> TableDataRollback:
    remaining = marked_counts(session, table.live)
    total = sum(remaining.values())
    if not total or dry_run:
        return _report(table, total, None)
    entry = archive(
        session,
        ArchiveRequest(
            source=ARCHIVE_SOURCE,
            version=phase,
            direction="data",
            kind=ArchiveKind.ROWS,
            schema=table.live.schema,
            table=table.live.name,
            selection=marked_selection(table.live),
            # the entry's description of what was done, never executed (delete_marked deletes, with placeholders)
            statement=f"-- tenantdb rollback --phase {phase!r} --level data\n"  # nosec B608
            f"DELETE FROM {table.live.qualified} /* {total} row(s) the phase inserted */",
        ),
    )
    removed = delete_marked(session, table.live)
    for index, count in remaining.items():
        count_removed(session, table.writes[index], count)
    return _report(table, removed, entry)


def _report(table: _Table, removed: int, entry: ArchiveEntry | None) -> TableDataRollback:
    changed = sum(
        max(0, w.inserted - w.removed - table.found.get(index, 0))
        for index, w in enumerate(table.writes)
        if w.inserts_only
    )
    return TableDataRollback(
        table=table.live.qualified,
        removed=removed,
        kept_changed=changed,
        kept_referenced=table.referenced,
        kept_ambiguous=table.ambiguous,
        archive_id=entry.id if entry else None,
        archive_table=f"{entry.archive_schema}.{entry.archive_table}" if entry else None,
        notes=tuple(table.notes),
    )


def _event_details(table: TableDataRollback) -> dict[str, object]:
    return {
        "table": table.table,
        "removed": table.removed,
        "kept_changed": table.kept_changed,
        "kept_referenced": table.kept_referenced,
        "kept_ambiguous": table.kept_ambiguous,
        "archive_id": table.archive_id,
    }


class DataLevel:
    """Remove exactly the rows the phase's migrations inserted, archived first; ``dry_run`` only counts them."""

    level = Level.DATA

    def validate(self, request: LevelRequest) -> None:
        """Every request can be tried: what cannot be told apart is refused inside the transaction."""

    def run(self, session: Session, request: LevelRequest) -> LevelOutcome:
        report = rollback_data(session, request.spec.name, request.members, request.settings, dry_run=request.dry_run)
        return LevelOutcome(phase=request.spec.name, level=self.level, data=report)
