"""``tenantdb report reconciliation``: modeled cost against provider invoices, per provider and month."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from tenantdb.bi.reports.common import ReportOptions, ReportScope, query, resolve_scope, scope_params, with_month
from tenantdb.bi.reports.figures import rows_as
from tenantdb.db import Session
from tenantdb.errors import ConfigError


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderReconciliation:
    """``invoiced - modeled = rate_drift + quantity_drift + unmatched``, exactly."""

    provider: str
    month: date
    modeled: Decimal
    invoiced: Decimal
    difference: Decimal
    rate_drift: Decimal
    quantity_drift: Decimal
    unmatched: Decimal
    scale_factor: Decimal | None
    tolerance: Decimal
    flagged: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconciliationReport:
    report: str
    scope: ReportScope
    modeled: Decimal
    invoiced: Decimal
    flagged_providers: int
    providers: tuple[ProviderReconciliation, ...]


def _reconciled_months(session: Session) -> list[date]:
    return [row[0] for row in session.fetch_all("SELECT DISTINCT month FROM bi_reconciliation ORDER BY month")]


def build(session: Session, options: ReportOptions) -> ReconciliationReport:
    """The requested month, or the latest month with invoices reconciled up to the last complete month."""
    scope = resolve_scope(session, replace(options, month=None))
    months = _reconciled_months(session)
    if options.month is not None:
        if options.month not in months:
            listed = ", ".join(f"{m:%Y-%m}" for m in months[-6:]) or "none"
            raise ConfigError(
                f"no reconciliation for {options.month:%Y-%m} on {session.database}",
                hint=f"reconciled months: {listed}; load provider_invoices for the month and run `tenantdb bi "
                f"refresh --month {options.month:%Y-%m}`",
            )
        scope = with_month(session, scope, options.month)
    elif months:  # the latest reconciled month up to the reports' default (the last complete month)
        scope = with_month(session, scope, ([m for m in months if m <= scope.month] or months)[-1])
    columns, rows = session.fetch_named(query("reconciliation"), scope_params(scope))
    providers = rows_as(ProviderReconciliation, columns, rows)
    zero = Decimal(0)
    return ReconciliationReport(
        report="reconciliation",
        scope=scope,
        modeled=sum((p.modeled for p in providers), zero),
        invoiced=sum((p.invoiced for p in providers), zero),
        flagged_providers=sum(1 for p in providers if p.flagged),
        providers=providers,
    )
