"""``tenantdb rollback --phase NAME --level feature``: switch a phase's feature off, and back on exactly.

A phase's ``feature_off`` SQL (usually ``UPDATE``s of flag rows) runs in one transaction. The tables its
statements write to are read from their AST; each must have a primary key (checked before anything runs).
Their rows are captured first, the switch runs, and every row that differs afterwards (by primary key) is stored
in ``tenantdb.feature_rows`` with its values before and after. ``--restore`` puts the stored rows back as they
were before the switch, in one transaction, and refuses when any of them was changed since (``--force``
overwrites those changes). Writes the statements make through triggers or functions are reported, not stored.
"""

from __future__ import annotations

from tenantdb.config import PhaseSpec, Settings
from tenantdb.db import EventKind, Session, record_event, resolve_table
from tenantdb.db.archive import primary_key
from tenantdb.db.migration_writes import table_files
from tenantdb.db.row_snapshots import (
    FeatureTable,
    capture,
    changed_since,
    feature_table,
    latest_snapshot,
    mark_restored,
    new_snapshot,
    restore_rows,
    snapshot_tables,
    store_changes,
    tables_written,
)
from tenantdb.errors import ConfigError, DatabaseStateError
from tenantdb.phases.levels.model import (
    FeatureReport,
    FeatureTableChange,
    Level,
    LevelOutcome,
    LevelRequest,
    refuse_dry_run,
)
from tenantdb.sql import Statement, split_statements
from tenantdb.sql.targets import changes_data_only, written_tables


def feature_off(session: Session, spec: PhaseSpec, settings: Settings, *, force: bool = False) -> FeatureReport:
    """Run the phase's ``feature_off`` in one transaction, storing the previous values of every row it changes."""
    statements = statements_of(spec)
    tables = _tables(session, spec, statements)
    earlier = latest_snapshot(session, spec.name)
    if earlier is not None and not force:
        raise DatabaseStateError(
            f"the feature of phase {spec.name!r} is already off (snapshot {earlier.id}, "
            f"{earlier.taken_at:%Y-%m-%d %H:%M})",
            remedy="force",
            hint="to switch it off again on top, or restore it (turn it back on) first",
        )
    with session.transaction(
        lock_timeout=settings.runner.lock_timeout, statement_timeout=settings.runner.statement_timeout
    ):
        start = table_files(session)
        for number, table in enumerate(tables):
            capture(session, number, table)
        for statement in statements:
            session.run_script(statement.text)
        snapshot_id = new_snapshot(session, spec.name, [s.text for s in statements])
        changes = tuple(
            FeatureTableChange(table=table.qualified, rows=store_changes(session, snapshot_id, number, table))
            for number, table in enumerate(tables)
        )
        captured = {(t.schema, t.name) for t in tables}
        others = tuple(sorted(f"{s}.{n}" for s, n in tables_written(session, start) - captured if s != "tenantdb"))
        record_event(
            session,
            EventKind.PHASE_FEATURE_OFF,
            message=f"phase {spec.name}: feature off, {sum(c.rows for c in changes)} row(s) changed "
            f"(snapshot {snapshot_id})",
            details={"phase": spec.name, "snapshot": snapshot_id, "not_captured": list(others)},
        )
    return FeatureReport(phase=spec.name, action="off", snapshot_id=snapshot_id, tables=changes, not_captured=others)


def feature_on(session: Session, spec: PhaseSpec, settings: Settings, *, force: bool = False) -> FeatureReport:
    """Put back every row the newest ``feature_off`` of the phase changed, exactly as it was before."""
    snapshot = latest_snapshot(session, spec.name)
    if snapshot is None:
        raise DatabaseStateError(
            f"nothing to restore: the feature of phase {spec.name!r} is not off",
            hint=f"rolling phase {spec.name!r} back at the feature level switches it off",
        )
    with session.transaction(
        lock_timeout=settings.runner.lock_timeout, statement_timeout=settings.runner.statement_timeout
    ):
        tables = []
        for schema, name, _ in snapshot_tables(session, snapshot.id):
            keys = primary_key(session, schema, name) if resolve_table(session, schema, name) else ()
            if not keys:
                raise DatabaseStateError(f"cannot restore {schema}.{name}: the table or its primary key is gone")
            tables.append(feature_table(session, schema, name, keys))
        changed = [f"{t.qualified} {key}" for t in tables for key in changed_since(session, snapshot.id, t)]
        if changed and not force:
            shown = "; ".join(changed[:5]) + (f"; ... and {len(changed) - 5} more" if len(changed) > 5 else "")
            raise DatabaseStateError(
                f"{len(changed)} row(s) changed since the feature was switched off: {shown}",
                remedy="force",
                hint="to put the previous values back over those changes",
            )
        written = tuple(
            FeatureTableChange(table=t.qualified, rows=restore_rows(session, snapshot.id, t)) for t in tables
        )
        mark_restored(session, snapshot.id)
        record_event(
            session,
            EventKind.PHASE_FEATURE_ON,
            message=f"phase {spec.name}: feature restored from snapshot {snapshot.id}, "
            f"{sum(w.rows for w in written)} row(s) written"
            + (f", {len(changed)} change(s) overwritten" if changed else ""),
            details={"phase": spec.name, "snapshot": snapshot.id, "overwritten": changed},
        )
    return FeatureReport(
        phase=spec.name,
        action="restore",
        snapshot_id=snapshot.id,
        taken_at=snapshot.taken_at,
        tables=written,
        overwritten=tuple(changed),
    )


def statements_of(spec: PhaseSpec) -> list[Statement]:
    """The phase's ``feature_off`` statements, refused unless they only change data."""
    if not spec.feature_off:
        raise ConfigError(
            f"phase {spec.name!r} declares no feature_off",
            hint='add feature_off = ["UPDATE feature_flags SET enabled = false WHERE ..."] to its [[phases]] table',
        )
    statements = [statement for item in spec.feature_off for statement in split_statements(item.sql)]
    for statement in statements:
        if not changes_data_only(statement):
            raise ConfigError(
                f"phase {spec.name!r}: feature_off may only change data (INSERT, UPDATE, DELETE, MERGE, SELECT); "
                f"found {statement.node}: {statement.text.splitlines()[0]}"
            )
    return statements


def _tables(session: Session, spec: PhaseSpec, statements: list[Statement]) -> list[FeatureTable]:
    """The tables the statements write to, each with a primary key (refused before anything changes)."""
    tables: list[FeatureTable] = []
    for statement in statements:
        for target in written_tables(statement):
            found = resolve_table(session, target.schema, target.table)
            if found is None:
                raise DatabaseStateError(
                    f"phase {spec.name!r}: feature_off writes to {target.table!r}, which does not exist"
                )
            keys = primary_key(session, *found)
            if not keys:
                raise DatabaseStateError(
                    f"phase {spec.name!r}: feature_off writes to {found[0]}.{found[1]}, which has no primary key, "
                    "so its previous values could not be restored exactly",
                    hint="add a primary key to the table, or switch the feature off by hand",
                )
            if all((t.schema, t.name) != found for t in tables):
                tables.append(feature_table(session, found[0], found[1], keys))
    return tables


class FeatureLevel:
    """Switch the phase's feature off with its ``feature_off``; ``restore`` switches it back on exactly."""

    level = Level.FEATURE

    def validate(self, request: LevelRequest) -> None:
        refuse_dry_run(request)
        if not request.restore:
            statements_of(request.spec)

    def run(self, session: Session, request: LevelRequest) -> LevelOutcome:
        report = feature_off(session, request.spec, request.settings, force=request.force)
        return LevelOutcome(phase=request.spec.name, level=self.level, feature=report)

    def restore(self, session: Session, request: LevelRequest) -> LevelOutcome:
        report = feature_on(session, request.spec, request.settings, force=request.force)
        return LevelOutcome(phase=request.spec.name, level=self.level, feature=report)
