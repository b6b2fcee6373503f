"""Report models: one module per report, each a frozen dataclass built from set-based SQL over the rollups.

Every report states its month and revenue basis (:class:`ReportScope`); the CLI renders the same model as rich
tables, JSON or CSV.
"""

from collections.abc import Callable
from typing import Any

from tenantdb.bi.reports import (
    cost_optimization,
    cost_per_email,
    deliverability,
    executive,
    explain,
    plans,
    reconciliation,
)
from tenantdb.bi.reports.common import (
    DEFAULT_MARGIN_TARGET,
    DEFAULT_MIN_VOLUME,
    REVENUE_BASIS,
    ReportOptions,
    ReportScope,
    RevenueBasis,
    parse_month,
)
from tenantdb.db import Session

REPORTS: dict[str, Callable[[Session, ReportOptions], Any]] = {
    "executive": executive.build,
    "cost-optimization": cost_optimization.build,
    "cost-per-email": cost_per_email.build,
    "plans": plans.build,
    "deliverability": deliverability.build,
    "reconciliation": reconciliation.build,
    "explain": explain.build,
}

__all__ = [
    "DEFAULT_MARGIN_TARGET",
    "DEFAULT_MIN_VOLUME",
    "REPORTS",
    "REVENUE_BASIS",
    "ReportOptions",
    "ReportScope",
    "RevenueBasis",
    "parse_month",
]
