"""Business intelligence: cost allocation, per-tenant rollups and the report models (docs/business-metrics.md)."""

from tenantdb.bi.months import parse_month
from tenantdb.bi.reconcile import DEFAULT_TOLERANCE
from tenantdb.bi.refresh import (
    MonthRefresh,
    RefreshObserver,
    RefreshReport,
    RefreshRequest,
    refresh,
    refresh_in_transaction,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "MonthRefresh",
    "RefreshObserver",
    "RefreshReport",
    "RefreshRequest",
    "parse_month",
    "refresh",
    "refresh_in_transaction",
]
