"""``tenantdb report cost-per-email``: what a delivered e-mail costs, per tenant and per plan (cost only)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from tenantdb.bi.reports.common import ReportOptions, ReportScope, resolve_scope
from tenantdb.bi.reports.figures import fetch_models
from tenantdb.db import Session


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantCostPerEmail:
    tenant_id: UUID
    company_name: str
    plan_name: str | None
    emails_delivered: int
    total_cost: Decimal
    recognized_revenue: Decimal
    cost_per_email_delivered: Decimal | None
    cost_per_1000_delivered: Decimal | None
    revenue_per_1000_delivered: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanCostPerEmail:
    plan_name: str | None
    tenants: int
    emails_delivered: int
    total_cost: Decimal
    cost_per_email_delivered: Decimal | None
    cost_per_1000_delivered: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CostPerEmailReport:
    report: str
    scope: ReportScope
    tenants: tuple[TenantCostPerEmail, ...]
    plans: tuple[PlanCostPerEmail, ...]


def build(session: Session, options: ReportOptions) -> CostPerEmailReport:
    scope = resolve_scope(session, options)
    return CostPerEmailReport(
        report="cost-per-email",
        scope=scope,
        tenants=fetch_models(session, TenantCostPerEmail, "cost_per_email", scope),
        plans=fetch_models(session, PlanCostPerEmail, "cost_per_email_plans", scope),
    )
