"""``tenantdb report cost-optimization``: idle dedicated capacity, unprofitable tenants, idle pools, savings."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from tenantdb.bi.reports.actions import Action, recommended_actions
from tenantdb.bi.reports.common import (
    HIGH_IDLE_SHARE,
    IDLE_DEDICATED_UTILIZATION,
    ReportOptions,
    ReportScope,
    resolve_scope,
)
from tenantdb.bi.reports.figures import TenantFigures, fetch_models
from tenantdb.db import Session


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolFigures:
    """One cost pool's month: what it cost, its idle-capacity line, and its members."""

    pool_id: UUID
    pool_name: str
    rules: str
    pool_cost: Decimal
    idle_cost: Decimal
    idle_share: Decimal | None
    members: int
    high_idle: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class IdleDedicated:
    """A customer whose dedicated servers sent below the idle threshold, and what their idle share costs."""

    tenant_id: UUID
    company_name: str
    plan_name: str | None
    dedicated_capacity: int
    emails_sent: int
    dedicated_utilization: Decimal | None
    dedicated_server_cost: Decimal
    idle_cost: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class SavingsByKind:
    kind: str
    opportunities: int
    dollars_per_month: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class CostOptimizationReport:
    report: str
    scope: ReportScope
    idle_utilization_threshold: Decimal
    high_idle_share_threshold: Decimal
    total_dollars_per_month: Decimal
    savings: tuple[SavingsByKind, ...]
    opportunities: tuple[Action, ...]
    idle_dedicated: tuple[IdleDedicated, ...]
    unprofitable: tuple[TenantFigures, ...]
    pools: tuple[PoolFigures, ...]


def build(session: Session, options: ReportOptions) -> CostOptimizationReport:
    scope = resolve_scope(session, options)
    opportunities = recommended_actions(session, scope)
    kinds: dict[str, list[Action]] = {}
    for action in opportunities:
        kinds.setdefault(action.kind, []).append(action)
    return CostOptimizationReport(
        report="cost-optimization",
        scope=scope,
        idle_utilization_threshold=IDLE_DEDICATED_UTILIZATION,
        high_idle_share_threshold=HIGH_IDLE_SHARE,
        total_dollars_per_month=sum((a.dollars_per_month for a in opportunities), Decimal(0)),
        savings=tuple(
            SavingsByKind(
                kind=kind,
                opportunities=len(actions),
                dollars_per_month=sum((a.dollars_per_month for a in actions), Decimal(0)),
            )
            for kind, actions in sorted(kinds.items(), key=lambda item: -sum(a.dollars_per_month for a in item[1]))
        ),
        opportunities=opportunities,
        idle_dedicated=fetch_models(session, IdleDedicated, "idle_dedicated_list", scope),
        unprofitable=fetch_models(session, TenantFigures, "unprofitable", scope),
        pools=fetch_models(session, PoolFigures, "pools", scope),
    )
