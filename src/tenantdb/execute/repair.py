"""Repairs before a concurrent index build or drop runs again: what an interrupted or timed-out one left behind."""

from __future__ import annotations

from collections.abc import Callable

from tenantdb.db import (
    EventKind,
    PartitionState,
    Session,
    drop_index_concurrently,
    finalize_detach,
    find_index,
    invalid_indexes_on,
    partition_state,
)
from tenantdb.execute.event_log import record_step_event
from tenantdb.execute.observer import Observer
from tenantdb.plan import Step
from tenantdb.sql import Statement, index_dropped_concurrently, partition_detached_concurrently


def already_done(session: Session, step: Step, statement: Statement) -> bool:
    """An interrupted ``CREATE INDEX CONCURRENTLY`` whose index is complete and valid, ``DROP INDEX
    CONCURRENTLY`` whose index is gone or ``DETACH PARTITION ... CONCURRENTLY`` whose partition is detached needs
    no rerun; a detach left pending is completed with ``FINALIZE`` (running it again is refused)."""
    detach = partition_detached_concurrently(statement)
    if detach is not None:
        table, partition = detach
        state = partition_state(session, table, partition)
        if state in (PartitionState.ATTACHED, PartitionState.MISSING):
            return False
        if state is PartitionState.PENDING:
            finalize_detach(session, table, partition)
            message = f"completed the detach of {partition[1]} an interruption left pending (FINALIZE)"
        else:
            message = f"partition {partition[1]} was detached before the interruption"
        record_step_event(session, step, EventKind.REPAIR, message, statement)
        return True
    dropped = index_dropped_concurrently(statement)
    if dropped is not None:
        schema, name = dropped
        if find_index(session, schema, name) is not None:
            return False
        message = f"index {name} was dropped before the interruption"
        record_step_event(session, step, EventKind.REPAIR, message, statement)
        return True
    target = statement.concurrent_index
    if target is None or target.rebuild or target.name is None:
        return False
    index = find_index(session, target.schema, target.name)
    if index is None or not index.valid:
        return False
    message = f"index {index.schema}.{index.name} was built before the interruption"
    record_step_event(session, step, EventKind.REPAIR, message, statement)
    return True


def drop_invalid_leftovers(
    session: Session,
    observer: Observer,
    step: Step,
    statement: Statement,
    *,
    before: Callable[[], None] | None = None,
) -> None:
    """Drop the INVALID index an interrupted or timed-out concurrent build left behind; ``before`` sends statements
    whose results are not read in the lookup's round trip (they are sent even when there is nothing to look up)."""
    target = statement.concurrent_index
    if target is None or (target.name is None and target.table is None):
        if before is not None:
            with session.pipeline():
                before()
        return
    if target.rebuild and target.name is not None:
        candidates = [
            found
            for suffix in ("_ccnew", "_ccold")
            if (
                found := find_index(
                    session, target.schema, target.name + suffix, before=before if suffix == "_ccnew" else None
                )
            )
            is not None
        ]
    elif target.name is not None:
        found = find_index(session, target.schema, target.name, before=before)
        candidates = [found] if found is not None else []
    else:
        candidates = invalid_indexes_on(session, target.table_schema, target.table or "", before=before)
    for index in candidates:
        if index.valid and not index.name.endswith("_ccold"):
            continue
        drop_index_concurrently(session, index.schema, index.name)
        message = f"dropped INVALID index {index.schema}.{index.name} before retrying"
        record_step_event(session, step, EventKind.REPAIR, message, statement)
        observer.note(f"dropped INVALID index {index.schema}.{index.name} left by an interrupted build")
