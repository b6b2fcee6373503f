"""``tenantdb report deliverability``: risk levels, rates against the providers' limits, revenue at risk."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from tenantdb.bi.reports.common import ReportOptions, ReportScope, resolve_scope
from tenantdb.bi.reports.figures import RISK_LEVELS, fetch_models
from tenantdb.db import Session


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderLimits:
    """The published limits the rates are read against (docs/business-metrics.md, Reports)."""

    bounce_near: Decimal = Decimal("0.04")
    bounce_review: Decimal = Decimal("0.05")  # Amazon SES puts the account under review
    bounce_suspension: Decimal = Decimal("0.10")  # SES suspension risk; risk level critical_action_required
    complaints_near: Decimal = Decimal("0.0008")
    complaints_limit: Decimal = Decimal("0.001")  # Gmail's bulk-sender requirement
    complaints_never: Decimal = Decimal("0.003")  # Gmail: never reach


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantDeliverability:
    tenant_id: UUID
    company_name: str
    plan_name: str | None
    emails_sent: int
    emails_delivered: int
    emails_bounced: int
    spam_complaints: int
    bounce_rate: Decimal | None
    spam_rate: Decimal | None
    business_risk_level: str
    below_min_volume: bool
    reasons: tuple[str, ...]
    estimated_revenue_loss: Decimal
    revenue_at_risk: Decimal
    potential_savings: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskCount:
    risk_level: str
    tenants: int
    estimated_revenue_loss: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliverabilityReport:
    report: str
    scope: ReportScope
    limits: ProviderLimits
    revenue_at_risk: Decimal
    potential_savings: Decimal
    tenants_below_min_volume: int
    risk_levels: tuple[RiskCount, ...]
    tenants: tuple[TenantDeliverability, ...]


def build(session: Session, options: ReportOptions) -> DeliverabilityReport:
    scope = resolve_scope(session, options)
    tenants = fetch_models(session, TenantDeliverability, "deliverability", scope)
    zero = Decimal(0)
    return DeliverabilityReport(
        report="deliverability",
        scope=scope,
        limits=ProviderLimits(),
        revenue_at_risk=sum((t.revenue_at_risk for t in tenants), zero),  # bounded: never above the revenue
        potential_savings=sum((t.potential_savings for t in tenants), zero),
        tenants_below_min_volume=sum(1 for t in tenants if t.below_min_volume),
        risk_levels=tuple(
            RiskCount(
                risk_level=level,
                tenants=sum(1 for t in tenants if t.business_risk_level == level),
                estimated_revenue_loss=sum(
                    (t.estimated_revenue_loss for t in tenants if t.business_risk_level == level), zero
                ),
            )
            for level in RISK_LEVELS
        ),
        tenants=tenants,
    )
