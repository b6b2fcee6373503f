"""The lifecycle of a recommended cost optimization: recommended -> accepted -> done (or done directly, or dismissed).

Each transition emits its ``cost_optimization`` event in the same transaction (stage accepted, done or dismissed;
stable id of the optimization and the stage). Marking a ``fix_deliverability`` action done also resolves the
customer's open deliverability revenue impacts of that month. Bad input (an unknown id, an ambiguous prefix, a
transition the status does not allow, a time in the future) is a clear error and changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import LiteralString
from uuid import UUID

from tenantdb.bi.statements import statement
from tenantdb.db import Session
from tenantdb.errors import ConfigError

MIN_PREFIX = 8  # hex digits of an id prefix that `tenantdb actions` accepts
_HEX = re.compile(r"[0-9a-f]+")


class OptimizationStatus(StrEnum):
    """Where a cost optimization is in its lifecycle (``cost_optimizations.status``)."""

    RECOMMENDED = "recommended"
    ACCEPTED = "accepted"
    DONE = "done"
    DISMISSED = "dismissed"


class Transition(StrEnum):
    """What ``tenantdb actions`` can do to an optimization: the command's name."""

    ACCEPT = "accept"
    DONE = "done"
    DISMISS = "dismiss"

    @property
    def target(self) -> OptimizationStatus:
        return _TARGETS[self]

    @property
    def allowed_from(self) -> tuple[OptimizationStatus, ...]:
        """The statuses this transition may start from."""
        if self is Transition.ACCEPT:
            return (OptimizationStatus.RECOMMENDED,)
        return (OptimizationStatus.RECOMMENDED, OptimizationStatus.ACCEPTED)


_TARGETS = {
    Transition.ACCEPT: OptimizationStatus.ACCEPTED,
    Transition.DONE: OptimizationStatus.DONE,
    Transition.DISMISS: OptimizationStatus.DISMISSED,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Optimization:
    """A recommended action of a month and what became of it: its latest measured month's remaining and realized
    savings (``measured_month`` None until a month after it was done is refreshed)."""

    optimization_id: UUID
    month: date
    kind: str
    tenant_id: UUID | None
    subject: str
    pool_id: UUID | None
    expected_savings: Decimal
    status: OptimizationStatus
    recommended_at: datetime
    accepted_at: datetime | None
    done_at: datetime | None
    done_by: str | None
    note: str | None
    measured_month: date | None
    remaining: Decimal | None
    realized: Decimal | None
    months_measured: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Transitioned:
    """An optimization after a transition, and the revenue impacts that marking it done resolved."""

    optimization: Optimization
    transition: Transition
    resolved_impacts: int


def list_optimizations(
    session: Session,
    *,
    month: date | None = None,
    status: OptimizationStatus | None = None,
    tenant_id: UUID | None = None,
    optimization_id: UUID | None = None,
) -> tuple[Optimization, ...]:
    """The optimizations, newest month and largest expected savings first, filtered as asked."""
    columns, rows = session.fetch_named(
        statement("results_optimizations"),
        {
            "month": month,
            "status": None if status is None else status.value,
            "tenant_id": tenant_id,
            "optimization_id": optimization_id,
        },
    )
    return tuple(_optimization(dict(zip(columns, row, strict=True))) for row in rows)


def _optimization(row: dict[str, object]) -> Optimization:
    return Optimization(**(row | {"status": OptimizationStatus(str(row["status"]))}))  # type: ignore[arg-type]


def find_optimization(session: Session, reference: str) -> tuple[UUID, date]:
    """The optimization ``reference`` names (its id, or a unique prefix of 8+ hex digits) and its month; an unknown
    id or an ambiguous prefix is a clear error."""
    found = session.fetch_all(statement("emit_find_optimization"), {"prefix": _prefix(reference)})
    if not found:
        raise ConfigError(
            f"no cost optimization {reference!r} on {session.database}",
            hint="`tenantdb actions list` shows the ids",
        )
    if len(found) > 1:
        raise ConfigError(
            f"{reference!r} is the start of several optimizations' ids",
            hint="give more of the id (`tenantdb actions list` shows them)",
        )
    optimization_id, month = found[0]
    return optimization_id, month


def transition(
    session: Session,
    reference: str,
    change: Transition,
    *,
    note: str | None = None,
    at: datetime | None = None,
) -> Transitioned:
    """Apply ``change`` to the optimization ``reference`` names (its id, or a unique prefix of 8+ hex digits) in the
    caller's transaction, at ``at`` (now by default; never in the future nor before it could be acted on). A caller
    that runs beside refreshes takes the month's refresh lock first (:func:`find_optimization` gives the month)."""
    optimization_id, _ = find_optimization(session, reference)
    locked = session.fetch_one(_LOCK_ROW, (optimization_id,))
    assert locked is not None, "optimizations are never deleted but with their customer"
    status, kind, tenant_id, month, recommended_at, accepted_at = locked
    current = OptimizationStatus(status)
    if current not in change.allowed_from:
        raise ConfigError(
            f"cost optimization {optimization_id} is {current.value}: it cannot be marked {change.target.value}",
            hint=_HINTS[current],
        )
    now = session.fetch_value("SELECT now()")
    when = now if at is None else at
    earliest = max(recommended_at, accepted_at or recommended_at) if change is Transition.DONE else recommended_at
    if when > now or when < earliest:
        raise ConfigError(
            f"{when.isoformat()}: an optimization is {change.target.value} between when it could be acted on "
            f"({earliest.isoformat()}) and now",
        )
    emitted = session.fetch_all(
        statement("emit_transition"),
        {
            "optimization_id": optimization_id,
            "status": change.target.value,
            "from": [allowed.value for allowed in change.allowed_from],
            "at": when,
            "note": note,
        },
    )
    assert emitted, "the optimization was locked: its status cannot have changed"
    resolved = 0
    if change is Transition.DONE and kind == "fix_deliverability" and tenant_id is not None:
        resolved = int(
            session.fetch_value(
                statement("emit_resolve_impacts"),
                {"tenant_id": tenant_id, "month": month, "at": when},
            )
        )
    (optimization,) = list_optimizations(session, optimization_id=optimization_id)
    return Transitioned(optimization=optimization, transition=change, resolved_impacts=resolved)


_LOCK_ROW: LiteralString = (
    "SELECT status, kind, tenant_id, month, recommended_at, accepted_at FROM cost_optimizations"
    " WHERE optimization_id = %s FOR UPDATE"
)
_HINTS = {
    OptimizationStatus.RECOMMENDED: "accept it or mark it done first",
    OptimizationStatus.ACCEPTED: "mark it done, or dismiss it",
    OptimizationStatus.DONE: "it is done: its realized savings are measured on the months that follow",
    OptimizationStatus.DISMISSED: "it was dismissed; a later month recommends it again if it is still worth it",
}


def _prefix(reference: str) -> str:
    """The hex digits of an id or id prefix (dashes dropped, any case); too short or not hex is a clear error."""
    digits = reference.strip().lower().replace("-", "")
    if not _HEX.fullmatch(digits) or not MIN_PREFIX <= len(digits) <= 32:
        raise ConfigError(
            f"{reference!r} is not an optimization id",
            hint=f"give its id, or the first {MIN_PREFIX} or more hex digits of it (`tenantdb actions list`)",
        )
    return digits
