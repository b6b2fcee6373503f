"""Health of a customer's month: the closed sets of statuses and of reasons why margin does not apply.

The definition lives once, in SQL (module bi: ``tenantdb_bi_margin_exemption`` and ``tenantdb_bi_health_status``),
used by the view ``executive_business_summary`` and by every report query; docs/business-metrics.md states it.
"""

from __future__ import annotations

from enum import StrEnum


class HealthStatus(StrEnum):
    """``business_health_status``, worst first; ``Not Applicable`` when margin does not apply."""

    CRITICAL = "Critical Action Required"
    MONITOR = "Monitor"
    GOOD = "Good"
    EXCELLENT = "Excellent"
    NOT_APPLICABLE = "Not Applicable"


class MarginExemption(StrEnum):
    """Why margin does not apply to a customer's month without revenue (``margin_not_applicable_reason``)."""

    NO_SUBSCRIPTION = "no_subscription"  # churned, canceled or never subscribed
    TRIAL = "trial"
    FREE_PLAN = "free_plan"
    BELOW_MIN_VOLUME = "below_min_volume"
