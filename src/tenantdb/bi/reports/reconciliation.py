"""``tenantdb report reconciliation``: modeled cost against provider invoices, per provider and month."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from tenantdb.bi.reports.common import ReportOptions, ReportScope, query, resolve_scope, scope_params, with_month
from tenantdb.bi.reports.figures import rows_as
from tenantdb.bi.reports.rounding import round_money, round_parts
from tenantdb.db import Session
from tenantdb.errors import ConfigError


class ReconciliationFlag(StrEnum):
    """Why a provider's month is flagged (docs/business-metrics.md, "Reconciliation to invoices")."""

    NO_RATE = "no_rate"  # an invoice's currency has no rate to USD: nothing compared, left out of the totals
    UNMATCHED_LINES = "unmatched_lines"
    BEYOND_TOLERANCE = "beyond_tolerance"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderReconciliation:
    """``invoiced - modeled = rate_drift + quantity_drift + unmatched``, exactly, in USD. Invoices in another
    currency are converted (``fx_rate``); without a rate the USD figures are None and the row is flagged
    ``no_rate``, showing what was invoiced in its own ``currency``."""

    provider: str
    month: date
    modeled: Decimal
    invoiced: Decimal | None
    difference: Decimal | None
    rate_drift: Decimal | None
    quantity_drift: Decimal | None
    unmatched: Decimal | None
    scale_factor: Decimal | None
    tolerance: Decimal
    flagged: bool
    flag_reason: ReconciliationFlag | None
    currency: str
    invoiced_original: Decimal | None
    fx_rate: Decimal | None

    @property
    def converted(self) -> bool:
        return self.flag_reason is not ReconciliationFlag.NO_RATE


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconciliationReport:
    """Totals are over the providers whose invoices could be converted to USD; the others are counted apart."""

    report: str
    scope: ReportScope
    modeled: Decimal
    invoiced: Decimal
    flagged_providers: int
    unconverted_providers: int
    providers: tuple[ProviderReconciliation, ...]


def _reconciled_months(session: Session) -> list[date]:
    return [row[0] for row in session.fetch_all("SELECT DISTINCT month FROM bi_reconciliation ORDER BY month")]


def shown(exact: ProviderReconciliation) -> ProviderReconciliation:
    """The exact figures rounded to the cent so that they add up as shown: modeled to the cent, the difference is
    invoiced (whole cents) minus modeled as shown, and the drifts are rounded by largest remainder to that
    difference (each drift rounded on its own could show 0.00 + 0.00 for a difference of -0.01)."""
    modeled = round_money(exact.modeled)
    if exact.invoiced is None:  # no rate to USD: no USD figures to add up
        return replace(exact, modeled=modeled)
    assert exact.rate_drift is not None and exact.quantity_drift is not None and exact.unmatched is not None
    difference = exact.invoiced - modeled
    rate, quantity, unmatched = round_parts((exact.rate_drift, exact.quantity_drift, exact.unmatched), difference)
    return replace(
        exact,
        modeled=modeled,
        difference=difference,
        rate_drift=rate,
        quantity_drift=quantity,
        unmatched=unmatched,
    )


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
    providers = tuple(
        shown(replace(row, flag_reason=None if row.flag_reason is None else ReconciliationFlag(row.flag_reason)))
        for row in rows_as(ProviderReconciliation, columns, rows)
    )
    converted = [p for p in providers if p.converted]
    zero = Decimal(0)
    return ReconciliationReport(
        report="reconciliation",
        scope=scope,
        modeled=sum((p.modeled for p in converted), zero),
        invoiced=sum((p.invoiced or zero for p in converted), zero),
        flagged_providers=sum(1 for p in providers if p.flagged),
        unconverted_providers=len(providers) - len(converted),
        providers=providers,
    )
