"""Business intelligence: cost allocation, per-tenant rollups and the report models (docs/business-metrics.md)."""

from tenantdb.bi.months import parse_month
from tenantdb.bi.reconcile import DEFAULT_TOLERANCE
from tenantdb.bi.refresh import (
    ForgottenMonth,
    MonthRefresh,
    RefreshObserver,
    RefreshReport,
    RefreshRequest,
    forget_month,
    refresh,
    refresh_in_transaction,
)

__all__ = [
    "DEFAULT_TOLERANCE",
    "ForgottenMonth",
    "MonthRefresh",
    "RefreshObserver",
    "RefreshReport",
    "RefreshRequest",
    "forget_month",
    "parse_month",
    "refresh",
    "refresh_in_transaction",
]
