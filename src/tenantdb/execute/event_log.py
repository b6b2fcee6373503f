"""The runner's entries in the event log: each names the step's migration, direction and, where one ran, statement."""

from __future__ import annotations

from collections.abc import Mapping

from tenantdb.db import EventKind, Session, record_event
from tenantdb.plan import Step
from tenantdb.sql import Statement


def record_step_event(
    session: Session,
    step: Step,
    kind: EventKind,
    message: str,
    statement: Statement | str | None = None,
    sqlstate: str | None = None,
    details: Mapping[str, object] | None = None,
) -> None:
    """Append an event about ``step`` (in the caller's transaction, if one is open)."""
    record_event(
        session,
        kind,
        source=step.migration.source,
        version=str(step.migration.version),
        direction=step.direction,
        message=message,
        statement=statement.text if isinstance(statement, Statement) else statement,
        sqlstate=sqlstate,
        details=details,
    )
