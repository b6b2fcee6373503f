"""E-mail delivery outcomes, counted per tenant and UTC day on ingest (no row per e-mail), once per batch id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import LiteralString
from uuid import UUID

from tenantdb.db import Session
from tenantdb.errors import DatabaseError

BAD_OUTCOME = "22023"  # SQLSTATE of a bad element, the same as tenantdb_events_record_outcomes raises


class OutcomeKind(StrEnum):
    """What happened to one e-mail."""

    SENT = "sent"
    DELIVERED = "delivered"
    BOUNCED = "bounced"
    SPAM = "spam"
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """One e-mail's outcome for a tenant; ``cost`` is what sending it cost (counted as cost impact when it was
    bounced, blocked or marked as spam)."""

    tenant_id: UUID
    occurred_at: datetime
    kind: OutcomeKind
    cost: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class IngestResult:
    """A batch ingested: how many outcomes it held and how many were counted (0 when it was seen before)."""

    batch_id: UUID
    outcomes: int
    counted: int

    @property
    def replayed(self) -> bool:
        """The batch had outcomes, and every one of them had been counted by an earlier call with its id."""
        return self.outcomes > 0 and self.counted == 0


@cache
def statement(name: str) -> LiteralString:
    """The statement in ``events/sql/<name>.sql`` (its ``%(name)s`` placeholders are bound by the caller)."""
    return resources.files("tenantdb.events").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def record_outcomes(session: Session, batch_id: UUID, outcomes: Sequence[Outcome]) -> IngestResult:
    """Count ``outcomes`` into email_delivery_daily in one statement, in the caller's transaction if one is open.

    A batch id counts once per tenant and day, however often and however concurrently it is sent again, so a
    caller that is unsure whether a batch arrived sends it again with the same id. A bad element (an unknown
    kind, a negative or non-finite cost, a time without a time zone, an unknown tenant) fails the whole batch and
    counts nothing. As application_service, every outcome must be the current tenant's (row-level security).
    """
    for item in outcomes:
        if item.occurred_at.tzinfo is None or item.occurred_at.utcoffset() is None:
            raise DatabaseError(
                f"bad e-mail delivery outcome: tenant {item.tenant_id}, time {item.occurred_at} without a time zone",
                sqlstate=BAD_OUTCOME,
                hint="give occurred_at as an aware datetime (datetime.now(UTC)): days are counted in UTC",
            )
    counted = session.fetch_value(
        statement("record_outcomes"),
        {
            "batch_id": batch_id,
            "tenant_ids": [item.tenant_id for item in outcomes],
            "occurred_at": [item.occurred_at for item in outcomes],
            "outcomes": [str(item.kind) for item in outcomes],
            "costs": [item.cost for item in outcomes],
        },
    )
    return IngestResult(batch_id=batch_id, outcomes=len(outcomes), counted=int(counted))
