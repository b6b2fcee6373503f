"""A rate against the mailbox providers' published limits (docs/business-metrics.md, "Benchmarks"): the closed set
of statuses the Revenue Health Monitor and the benchmarks give a customer's bounce and spam rates. The SQL that
assigns them (``sql/dash_risk_tenants.sql``, ``sql/dash_benchmark_tenants.sql``) reads the unrounded rates, at or
above the minimum volume only; the thresholds are :class:`~tenantdb.bi.reports.deliverability.ProviderLimits`."""

from __future__ import annotations

from enum import StrEnum


class LimitStatus(StrEnum):
    """Bounce: near above 4%, over the limit above 5% (SES review), over the maximum above 10% (SES suspension).
    Spam: near above 0.08%, over the limit above 0.1% (Gmail), over the maximum above 0.3% (Gmail: never reach)."""

    WITHIN = "within"
    NEAR_LIMIT = "near_limit"
    OVER_LIMIT = "over_limit"
    OVER_MAXIMUM = "over_maximum"
    BELOW_MIN_VOLUME = "below_min_volume"  # too few e-mails in the month to judge
    NO_DATA = "no_data"  # nothing sent (bounce) or delivered (spam)
