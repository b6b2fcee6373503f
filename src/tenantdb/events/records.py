"""Revenue impacts and strategic decisions: thin wrappers of module events' SQL functions, which record the
transition and emit its event in the caller's transaction (the HTTP API calls the same functions)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from tenantdb.db import Session
from tenantdb.errors import ConfigError, DatabaseError
from tenantdb.events.ingest import statement

BAD_VALUE = "22023"


class ImpactType(StrEnum):
    """What moved a customer's revenue."""

    DELIVERABILITY_RISK = "deliverability_risk"
    CHURN = "churn"
    DOWNGRADE = "downgrade"
    UPGRADE = "upgrade"
    EXPANSION = "expansion"
    PAYMENT_FAILURE = "payment_failure"
    REFUND = "refund"
    OTHER = "other"


class Urgency(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ImpactSource(StrEnum):
    """Who detected an impact: tenantdb's BI refresh or the application."""

    BI_REFRESH = "bi_refresh"
    APPLICATION = "application"


class DecisionCategory(StrEnum):
    PRICING = "pricing"
    INFRASTRUCTURE = "infrastructure"
    DELIVERABILITY = "deliverability"
    RETENTION = "retention"
    EXPANSION = "expansion"
    OTHER = "other"


class DecisionOutcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    DEFERRED = "deferred"


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """A strategic decision; ``decision_hours`` is how long it took, None while open."""

    decision_id: UUID
    tenant_id: UUID | None
    tenant: str | None
    title: str
    category: DecisionCategory
    opened_at: datetime
    decided_at: datetime | None
    outcome: DecisionOutcome | None
    expected_value: Decimal | None
    note: str | None
    decision_hours: Decimal | None


def _aware(name: str, value: datetime | None) -> None:
    if value is not None and value.utcoffset() is None:
        raise DatabaseError(
            f"{name} {value} has no time zone",
            sqlstate=BAD_VALUE,
            hint="give an aware datetime (datetime.now(UTC)): months and response times are counted in UTC",
        )


def record_revenue_impact(
    session: Session,
    *,
    tenant_id: UUID,
    impact_type: ImpactType,
    amount: Decimal,
    urgency: Urgency,
    affected_customer_value: Decimal,
    detected_at: datetime,
    source: ImpactSource = ImpactSource.APPLICATION,
    details: dict[str, Any] | None = None,
    impact_id: UUID | None = None,
) -> UUID:
    """Record a revenue impact (``amount``: dollars per month, negative for a loss or a risk) and emit its
    detected event; returns its id (generated unless given; a given id recorded before changes nothing)."""
    _aware("detected_at", detected_at)
    value = session.fetch_value(
        statement("record_revenue_impact"),
        {
            "tenant_id": tenant_id,
            "impact_type": str(impact_type),
            "amount": amount,
            "urgency": str(urgency),
            "affected_customer_value": affected_customer_value,
            "detected_at": detected_at,
            "source": str(source),
            "details": json.dumps(details or {}),
            "impact_id": impact_id,
        },
    )
    return UUID(str(value))


def resolve_revenue_impact(
    session: Session, *, tenant_id: UUID, impact_id: UUID, resolved_at: datetime | None = None
) -> UUID:
    """Mark an impact resolved (now, unless ``resolved_at``) and emit its resolved event; returns the event's id."""
    _aware("resolved_at", resolved_at)
    value = session.fetch_value(
        statement("resolve_revenue_impact"),
        {"tenant_id": tenant_id, "impact_id": impact_id, "resolved_at": resolved_at},
    )
    return UUID(str(value))


def open_decision(
    session: Session,
    *,
    title: str,
    category: DecisionCategory,
    tenant_id: UUID | None = None,
    expected_value: Decimal | None = None,
    opened_at: datetime | None = None,
    decision_id: UUID | None = None,
) -> UUID:
    """Open a strategic decision (about a customer, or company-wide) and emit its opened event; returns its id."""
    _aware("opened_at", opened_at)
    value = session.fetch_value(
        statement("open_decision"),
        {
            "title": title,
            "category": str(category),
            "tenant_id": tenant_id,
            "expected_value": expected_value,
            "opened_at": opened_at,
            "decision_id": decision_id,
        },
    )
    return UUID(str(value))


def decide(
    session: Session,
    *,
    decision_id: UUID,
    outcome: DecisionOutcome,
    decided_at: datetime | None = None,
    note: str | None = None,
) -> Decision:
    """Decide an open decision (now, unless ``decided_at``) and emit its decided event; returns it as decided."""
    _aware("decided_at", decided_at)
    session.fetch_value(
        statement("decide"),
        {"decision_id": decision_id, "outcome": str(outcome), "decided_at": decided_at, "note": note},
    )
    (decided,) = _decisions(session, open_only=False, decision_id=decision_id)
    return decided


def list_decisions(session: Session, *, open_only: bool = False) -> tuple[Decision, ...]:
    """The strategic decisions the session may read, newest first (only the undecided ones with ``open_only``)."""
    return _decisions(session, open_only=open_only, decision_id=None)


def _decisions(session: Session, *, open_only: bool, decision_id: UUID | None) -> tuple[Decision, ...]:
    rows = session.fetch_all(statement("decisions"), {"open_only": open_only, "decision_id": decision_id})
    return tuple(
        Decision(
            decision_id=row[0],
            tenant_id=row[1],
            tenant=row[2],
            title=row[3],
            category=DecisionCategory(row[4]),
            opened_at=row[5],
            decided_at=row[6],
            outcome=DecisionOutcome(row[7]) if row[7] is not None else None,
            expected_value=row[8],
            note=row[9],
            decision_hours=row[10],
        )
        for row in rows
    )


def find_tenant(session: Session, name: str) -> UUID:
    """The id of the tenant with this id, slug or name (a name several companies share is an error naming them)."""
    rows = session.fetch_all(statement("find_tenant"), {"name": name.strip()})
    if not rows:
        raise ConfigError(f"no tenant {name}", hint="name a tenant by its id, its slug or its name")
    exact = [row for row in rows if row[2]]
    if not exact and len(rows) > 1:
        slugs = ", ".join(str(row[1]) for row in rows[:10])
        raise ConfigError(f"several tenants are named {name!r}", hint=f"name one by its slug: {slugs}")
    return UUID(str((exact or rows)[0][0]))
