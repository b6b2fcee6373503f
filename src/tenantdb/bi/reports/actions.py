"""Recommended actions, ranked by the dollars per month each is worth (``sql/actions.sql``)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from tenantdb.bi.reports.common import ReportScope
from tenantdb.bi.reports.figures import fetch_dicts
from tenantdb.db import Session

ACTION_KINDS = {
    "reprice_unprofitable_tenant": "costs more than it pays: reprice, move to a larger plan, or cut its cost",
    "raise_margin_to_target": "profitable but below the margin target: the gap to the target",
    "fix_deliverability": "bounces and complaints above 2% / 0.1%: the revenue loss avoided by fixing them",
    "downsize_idle_dedicated": "dedicated servers mostly idle: their idle share of cost",
    "consolidate_idle_pool": "shared pool with a large idle-capacity line: consolidate servers",
    "review_invoice_drift": "provider invoice differs from the modeled cost beyond the tolerance",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """One thing to do about a tenant, a pool or an invoice, and what it is worth per month."""

    rank: int
    kind: str
    subject: str
    tenant_id: UUID | None
    pool_id: UUID | None
    dollars_per_month: Decimal
    metric: Decimal | None
    description: str


def recommended_actions(session: Session, scope: ReportScope, limit: int | None = None) -> tuple[Action, ...]:
    """The month's actions, largest dollars first (all of them without ``limit``)."""
    rows = fetch_dicts(session, "actions", scope, actions_limit=limit)
    return actions_from(rows)


def actions_from(rows: list[dict[str, Any]]) -> tuple[Action, ...]:
    """Rows of ``sql/actions.sql`` (in their order) as ranked actions."""
    return tuple(
        Action(
            rank=rank,
            kind=row["kind"],
            subject=row["subject"],
            tenant_id=_uuid(row["tenant_id"]),
            pool_id=_uuid(row["pool_id"]),
            dollars_per_month=Decimal(row["dollars_per_month"]),
            metric=None if row["metric"] is None else Decimal(row["metric"]),
            description=ACTION_KINDS[row["kind"]],
        )
        for rank, row in enumerate(rows, start=1)
    )


def _uuid(value: UUID | str | None) -> UUID | None:
    return UUID(value) if isinstance(value, str) else value
