"""``tenantdb report plans``: profitability per plan and the spread of tenant margins inside each plan."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tenantdb.bi.reports.common import ReportOptions, ReportScope, resolve_scope
from tenantdb.bi.reports.figures import fetch_models
from tenantdb.db import Session


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanProfitability:
    """One plan's month (``plan_name`` None: customers without a current subscription)."""

    plan_name: str | None
    price_monthly: Decimal | None  # None: the plan's currency has no rate to USD
    tenants: int
    revenue: Decimal
    cost: Decimal
    profit: Decimal
    gross_margin_ratio: Decimal | None
    unprofitable_tenants: int
    emails_delivered: int
    cost_per_1000_delivered: Decimal | None
    tenants_with_margin: int
    margin_min: Decimal | None
    margin_p25: Decimal | None
    margin_median: Decimal | None
    margin_p75: Decimal | None
    margin_max: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PlansReport:
    report: str
    scope: ReportScope
    plans: tuple[PlanProfitability, ...]


def plan_profitability(session: Session, scope: ReportScope) -> tuple[PlanProfitability, ...]:
    return fetch_models(session, PlanProfitability, "plans", scope)


def build(session: Session, options: ReportOptions) -> PlansReport:
    scope = resolve_scope(session, options)
    return PlansReport(report="plans", scope=scope, plans=plan_profitability(session, scope))
