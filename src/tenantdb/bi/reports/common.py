"""What every report shares: its options, the month it covers, the revenue basis, and its SQL files.

Reports read the rollups of module ``bi`` (``bi_tenant_monthly``, ``bi_cost_allocation_lines``,
``bi_reconciliation``) and a few base tables; every definition is in docs/business-metrics.md.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any, LiteralString
from uuid import UUID

from tenantdb.db import Session, bypasses_row_security
from tenantdb.errors import ConfigError, DatabaseStateError


class RevenueBasis(StrEnum):
    """Which revenue a report uses (docs/business-metrics.md, "Revenue: recognized, cash and deferred"); the value
    is its column of ``bi_tenant_monthly``, the name (lower case) the ``--basis`` option."""

    RECOGNIZED = "recognized_revenue"
    CASH = "cash_revenue"

    @property
    def option(self) -> str:
        return self.name.lower()

    @property
    def note(self) -> str:
        return _BASIS_NOTES[self]

    @classmethod
    def from_option(cls, text: str) -> RevenueBasis:
        """``recognized`` or ``cash`` (or the column name); anything else is a clear error."""
        wanted = text.strip().lower()
        for basis in cls:
            if wanted in (basis.option, basis.value):
                return basis
        raise ConfigError(f"{text!r}: expected one of {', '.join(basis.option for basis in cls)}", option="basis")


_BASIS_NOTES = {
    RevenueBasis.RECOGNIZED: "recognized revenue of the month (ASC 606 / IFRS 15): each charge, refund, credit and "
    "adjustment over the service period it pays for, in USD (not the plan's list price)",
    RevenueBasis.CASH: "cash revenue of the month: the ledger as dated (charges minus refunds and credits, plus "
    "adjustments, that occurred in the month), in USD",
}
REVENUE_BASIS = RevenueBasis.RECOGNIZED
REVENUE_BASIS_NOTE = REVENUE_BASIS.note
DEFAULT_MARGIN_TARGET = Decimal("0.30")
DEFAULT_MIN_VOLUME = 1_000
DEFAULT_LIMIT = 100  # rows of a list a dashboard model returns (keyset pagination: see each model)
MAX_LIMIT = 1_000
DEFAULT_MONTHS = 12  # months of a trend
MAX_MONTHS = 60
IDLE_DEDICATED_UTILIZATION = Decimal("0.20")  # below it a tenant's dedicated servers are reported idle
HIGH_IDLE_SHARE = Decimal("0.30")  # a pool whose idle line is above this share of its cost is reported

_MONTH = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportOptions:
    """What the user asked for: ``--month``, ``--basis``, ``--margin-target``, ``--min-volume`` (and ``--tenant``
    for explain and the tenant page); the dashboard models' ``--limit`` (rows of a list), ``--months`` (of a
    trend) and ``--after`` (the keyset cursor of their lists)."""

    month: date | None = None
    basis: RevenueBasis = REVENUE_BASIS
    margin_target: Decimal = DEFAULT_MARGIN_TARGET
    min_volume: int = DEFAULT_MIN_VOLUME
    tenant: str | None = None
    limit: int = DEFAULT_LIMIT
    months: int = DEFAULT_MONTHS
    after: UUID | None = None  # a list's keyset cursor: the id of the last row of the previous page


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportScope:
    """The header of every report: which month, on which revenue, with which thresholds; and how many ledger
    entries of the month could not be converted to USD (left out of every revenue figure)."""

    database: str
    month: date
    revenue_basis: RevenueBasis
    revenue_basis_note: str
    margin_target: Decimal
    min_volume: int
    refreshed_at: datetime | None
    unconverted_entries: int = 0
    days_in_month: int | None = None
    partial_days: int | None = None  # a partial month: the days its rollups cover (None: the whole month)

    @property
    def month_label(self) -> str:
        if self.partial_days is None:
            return f"{self.month:%Y-%m}"
        return f"{self.month:%Y-%m} (partial: {self.partial_days} of {self.days_in_month} days)"


def parse_month(text: str) -> date:
    """``2025-06`` -> 2025-06-01; anything else is a clear error."""
    match = _MONTH.fullmatch(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise ConfigError(f"{text!r}: expected a month like 2025-06 (YYYY-MM)", option="month")
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_cursor(text: str) -> UUID:
    """A list's keyset cursor (the id of a row); anything else is a clear error."""
    try:
        return UUID(text.strip())
    except ValueError:
        raise ConfigError(f"{text!r}: expected the id of a row of the previous page (a uuid)", option="after") from None


def check_options(options: ReportOptions) -> None:
    """Thresholds a report can work with; bad ones change nothing and say why."""
    if not Decimal(-10) <= options.margin_target < Decimal(1):
        raise ConfigError(
            f"{options.margin_target}: expected a ratio below 1, e.g. 0.3 for 30%", option="margin_target"
        )
    if options.min_volume < 0:
        raise ConfigError(f"{options.min_volume}: expected 0 or more e-mails", option="min_volume")
    if not 1 <= options.limit <= MAX_LIMIT:
        raise ConfigError(f"{options.limit}: expected 1 to {MAX_LIMIT:,} rows", option="limit")
    if not 1 <= options.months <= MAX_MONTHS:
        raise ConfigError(f"{options.months}: expected 1 to {MAX_MONTHS} months", option="months")


@cache
def query(name: str) -> LiteralString:
    """The report query ``sql/<name>.sql``: package data, values only through its ``%(name)s`` placeholders."""
    return resources.files("tenantdb.bi.reports").joinpath("sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


def resolve_scope(session: Session, options: ReportOptions) -> ReportScope:
    """The month to report (``--month`` or the latest refreshed one) after checking the rollups exist."""
    check_options(options)
    if not session.fetch_value("SELECT to_regclass('bi_tenant_monthly') IS NOT NULL"):
        raise DatabaseStateError(
            f"{session.database} has no business-intelligence rollups: module bi is not applied",
            hint='enable the modules in tenantdb.toml (modules = [..., "cost_tracking", "bi"]), run `tenantdb '
            "migrate up`, then `tenantdb bi refresh` (or try `tenantdb demo`)",
        )
    probe = session.fetch_value("SELECT has_table_privilege('bi_refresh_state', 'SELECT')")
    months = [row[0] for row in session.fetch_all(query("refreshed_months" if probe else "refreshed_months_scan"))]
    if not months:
        if not bypasses_row_security(session):
            role = session.fetch_value("SELECT current_user")
            raise ConfigError(
                f"role {role} sees no rollups on {session.database}",
                hint="if `tenantdb bi refresh` ran, row-level security hides them from this role: read the reports "
                "as a member of business_analysts (or as a role with BYPASSRLS)",
            )
        raise ConfigError(
            f"no rollups yet on {session.database}: nothing has been refreshed",
            hint="run `tenantdb bi refresh` first",
        )
    now = session.fetch_value("SELECT now()")
    this_month = now.astimezone(UTC).date().replace(day=1)
    ended = [m for m in months if m < this_month]
    month = options.month or (ended or months)[-1]  # the last complete month; the current one only when asked
    if month not in months:
        listed = ", ".join(f"{m:%Y-%m}" for m in months[-6:])
        raise ConfigError(
            f"no rollups for {month:%Y-%m} on {session.database}",
            hint=f"refreshed months: {listed}{' (latest shown)' if len(months) > 6 else ''}; "
            f"run `tenantdb bi refresh --month {month:%Y-%m}` if it has data",
        )
    scope = ReportScope(
        database=session.database,
        month=month,
        revenue_basis=options.basis,
        revenue_basis_note=options.basis.note,
        margin_target=options.margin_target,
        min_volume=options.min_volume,
        refreshed_at=None,
    )
    return with_month(session, scope, month)


def with_month(session: Session, scope: ReportScope, month: date) -> ReportScope:
    """``scope`` for ``month``: when it was refreshed, its length, the days it covers when it is partial (its
    rollups refreshed before it ended, UTC), and its ledger entries without a rate to USD."""
    refreshed_at = month_refreshed_at(session, month)
    as_of = (refreshed_at or session.fetch_value("SELECT now()")).astimezone(UTC).date()
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    partial = None if as_of > date(month.year, month.month, days_in_month) else as_of.day if as_of >= month else 0
    unconverted = session.fetch_value(query("unconverted_entries"), {"month": month}) or 0
    return replace(
        scope,
        month=month,
        refreshed_at=refreshed_at,
        days_in_month=days_in_month,
        partial_days=partial,
        unconverted_entries=unconverted,
    )


def scope_params(scope: ReportScope) -> dict[str, Any]:
    """The placeholders every report query may use."""
    return {
        "month": scope.month,
        "basis": str(scope.revenue_basis.value),
        "margin_target": scope.margin_target,
        "min_volume": scope.min_volume,
        "idle_utilization": IDLE_DEDICATED_UTILIZATION,
        "high_idle_share": HIGH_IDLE_SHARE,
    }


def month_refreshed_at(session: Session, month: date) -> datetime | None:
    """When the month was last refreshed: its bi_refresh_state row, else its rollup rows' latest time."""
    if session.fetch_value("SELECT has_table_privilege('bi_refresh_state', 'SELECT')"):
        at = session.fetch_value("SELECT refreshed_at FROM bi_refresh_state WHERE month = %s", (month,))
        if at is not None:
            return at  # type: ignore[no-any-return]
    return session.fetch_value(  # type: ignore[no-any-return]
        "SELECT max(refreshed_at) FROM bi_tenant_monthly WHERE month = %s", (month,)
    )
