"""Repairs before a statement outside a transaction runs again: what an interrupted or timed-out one left behind.

:func:`cut_off` and :func:`invalid_leftovers` only read, so ``tenantdb plan`` shows what the rerun will find; the
runner acts on them (:func:`already_done`, :func:`drop_invalid_leftovers`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tenantdb.db import (
    EventKind,
    IndexRef,
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
from tenantdb.sql.statements import QualifiedName


@dataclass(frozen=True, slots=True, kw_only=True)
class CutOff:
    """What an interrupted run left of a statement outside a transaction, as its rerun finds it: the statement took
    effect (it is not run again), or its detach was left pending (completed with ``FINALIZE`` instead)."""

    event: str  # what the rerun did, for the event log
    plan: str  # what the rerun will do, for ``tenantdb plan``
    finalize: tuple[QualifiedName, QualifiedName] | None = None  # (table, partition) of a detach left pending


def cut_off(session: Session, statement: Statement) -> CutOff | None:
    """What an interrupted ``CREATE INDEX CONCURRENTLY`` (index complete and valid), ``DROP INDEX CONCURRENTLY``
    (index gone) or ``DETACH PARTITION ... CONCURRENTLY`` (partition detached, or its detach left pending) already
    did; None when the statement is to run again. Reads only."""
    detach = partition_detached_concurrently(statement)
    if detach is not None:
        table, partition = detach
        state = partition_state(session, table, partition)
        if state in (PartitionState.ATTACHED, PartitionState.MISSING):
            return None
        if state is PartitionState.PENDING:
            return CutOff(
                event=f"completed the detach of {partition[1]} an interruption left pending (FINALIZE)",
                plan=f"the detach of {partition[1]} an interruption left pending is completed with FINALIZE",
                finalize=(table, partition),
            )
        found = f"partition {partition[1]} was detached before the interruption"
        return CutOff(event=found, plan=f"{found}: not run again")
    dropped = index_dropped_concurrently(statement)
    if dropped is not None:
        schema, name = dropped
        if find_index(session, schema, name) is not None:
            return None
        found = f"index {name} was dropped before the interruption"
        return CutOff(event=found, plan=f"{found}: not run again")
    target = statement.concurrent_index
    if target is None or target.rebuild or target.name is None:
        return None
    index = find_index(session, target.schema, target.name)
    if index is None or not index.valid:
        return None
    found = f"index {index.schema}.{index.name} was built before the interruption"
    return CutOff(event=found, plan=f"{found}: not built again")


def already_done(session: Session, step: Step, statement: Statement) -> bool:
    """Whether an interrupted statement outside a transaction needs no rerun (:func:`cut_off`); a detach left
    pending is completed with ``FINALIZE`` here (running it again is refused)."""
    found = cut_off(session, statement)
    if found is None:
        return False
    if found.finalize is not None:
        finalize_detach(session, *found.finalize)
    record_step_event(session, step, EventKind.REPAIR, found.event, statement)
    return True


def invalid_leftovers(
    session: Session, statement: Statement, *, before: Callable[[], None] | None = None
) -> list[IndexRef]:
    """The INVALID indexes an interrupted or timed-out concurrent build of ``statement`` left behind, which the
    runner drops before the statement runs (a ``REINDEX CONCURRENTLY``'s ``_ccold`` even when valid); ``before``
    sends statements whose results are not read in the lookup's round trip (sent even when there is nothing to look
    up). Reads only."""
    target = statement.concurrent_index
    if target is None or (target.name is None and target.table is None):
        if before is not None:
            with session.pipeline():
                before()
        return []
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
    return [index for index in candidates if not index.valid or index.name.endswith("_ccold")]


def drop_invalid_leftovers(
    session: Session,
    observer: Observer,
    step: Step,
    statement: Statement,
    *,
    before: Callable[[], None] | None = None,
) -> None:
    """Drop what :func:`invalid_leftovers` finds; ``before`` as there."""
    for index in invalid_leftovers(session, statement, before=before):
        drop_index_concurrently(session, index.schema, index.name)
        message = f"dropped INVALID index {index.schema}.{index.name} before retrying"
        record_step_event(session, step, EventKind.REPAIR, message, statement)
        observer.note(f"dropped INVALID index {index.schema}.{index.name} left by an interrupted build")
