"""Archive before destroy: what a statement is about to drop or delete is copied first, in its transaction (the
copy is committed or lost together with the statement), once writes to the table are held: the copy is what the
statement destroys, whatever writers commit while it waits for its own lock."""

from __future__ import annotations

from tenantdb.db import (
    ArchiveKind,
    ArchiveRequest,
    EventKind,
    Session,
    archive,
    comment_on_table,
    dependent_views,
    dependents,
    hold_writes,
    referencing_tables,
    resolve_table,
)
from tenantdb.execute.event_log import record_step_event
from tenantdb.plan import Step
from tenantdb.sql import DestructionKind, Statement, destructions


def archive_before(session: Session, step: Step, statement: Statement) -> None:
    """Copy the tables, columns and rows ``statement`` destroys (and the views its CASCADE removes)."""
    for destruction in destructions(statement):
        found = resolve_table(session, destruction.schema, destruction.table)
        if found is None:
            continue  # DROP ... IF EXISTS of something absent: nothing to keep
        schema, table = found
        targets = [(schema, table)]
        if destruction.cascade and destruction.kind is DestructionKind.ROWS:
            targets += referencing_tables(session, schema, table)  # TRUNCATE ... CASCADE empties them
        hold_writes(session, targets)  # reads go on; writes wait until the migration's transaction ends
        also = dependents(session, schema, table) if destruction.cascade else []
        if destruction.cascade and destruction.kind is not DestructionKind.ROWS:
            _archive_dependent_views(session, step, statement, schema, table)
        for target_schema, target_table in targets:
            entry = archive(
                session,
                ArchiveRequest(
                    source=step.migration.source,
                    version=str(step.migration.version),
                    direction=step.direction,
                    kind=ArchiveKind(destruction.kind.value),
                    schema=target_schema,
                    table=target_table,
                    column=destruction.column,
                    selection=destruction.selection if target_table == table else None,
                    statement=statement.text,
                ),
            )
            removed = f"; CASCADE also removes: {', '.join(also)}" if also else ""
            record_step_event(
                session,
                step,
                EventKind.ARCHIVE,
                f"archived {entry.row_count} row(s) of {entry.object_name} into "
                f"{entry.archive_schema}.{entry.archive_table} (digest {entry.digest[:12]}){removed}",
                statement,
            )


def _archive_dependent_views(session: Session, step: Step, statement: Statement, schema: str, table: str) -> None:
    """DROP ... CASCADE removes the views built on the table: keep each one's definition (in a comment of its
    archive table) and a materialized view's rows, so nothing the statement destroys is lost."""
    for view in dependent_views(session, schema, table):
        entry = archive(
            session,
            ArchiveRequest(
                source=step.migration.source,
                version=str(step.migration.version),
                direction=step.direction,
                kind=ArchiveKind.DEPENDENT,
                schema=view.schema,
                table=view.name,
                with_rows=view.keeps_rows,
                statement=statement.text,
            ),
        )
        comment_on_table(session, entry.archive_schema, entry.archive_table, view.definition)
        kind = "materialized view" if view.materialized else "view"
        rows = f" and its {entry.row_count} row(s)" if view.keeps_rows else ""
        record_step_event(
            session,
            step,
            EventKind.ARCHIVE,
            f"archived the definition of {kind} {view.schema}.{view.name}{rows}, which CASCADE removes, into "
            f"{entry.archive_schema}.{entry.archive_table}",
            statement,
        )
