"""``tenantdb bi refresh``: recompute the rollups of module ``bi`` month by month, incrementally.

Each month is one transaction: its allocation lines, customer figures and reconciliation are deleted and inserted
again, so a reader (whose snapshot predates the commit, or follows it) always sees a whole month, old or new, and
is never blocked (no lock stronger than ROW EXCLUSIVE is taken on the rollups). A month whose inputs have the same
fingerprint as at its last refresh is skipped unless asked for by name or with ``everything``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from time import perf_counter
from typing import Protocol

from tenantdb.bi.allocation import allocate_month, prepare_month
from tenantdb.bi.months import fingerprints, months_with_data
from tenantdb.bi.reconcile import DEFAULT_TOLERANCE, reconcile_month
from tenantdb.bi.rollup import summarize_month
from tenantdb.db import Session, bypasses_row_security
from tenantdb.errors import ConfigError

# Part of every fingerprint: a new version of the definitions refreshes every month again.
ENGINE_VERSION = "bi-1"
# pg_advisory_xact_lock(REFRESH_LOCK, year * 12 + month): two refreshes of one month take turns.
REFRESH_LOCK = 0x7462_6972


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshRequest:
    """What to refresh: named months (always), or every month with data (only changed ones unless everything)."""

    months: tuple[date, ...] = ()
    everything: bool = False
    tolerance: Decimal = DEFAULT_TOLERANCE


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthRefresh:
    """One refreshed month: what it wrote and how long its transaction took."""

    month: date
    lines: int
    tenants: int
    providers: int
    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshReport:
    """What a refresh did, month by month."""

    database: str
    refreshed: tuple[MonthRefresh, ...]
    skipped: tuple[date, ...]
    seconds: float

    @property
    def lines(self) -> int:
        return sum(month.lines for month in self.refreshed)


class RefreshObserver(Protocol):
    """Progress of a refresh: the plan, then each month as it starts and commits."""

    def planned(self, refresh: list[date], skip: list[date]) -> None: ...

    def month_started(self, month: date, position: int, total: int) -> None: ...

    def month_finished(self, done: MonthRefresh) -> None: ...


def check_refreshable(session: Session) -> None:
    """Module bi is applied and the role reads every tenant's rows; otherwise a clear error, nothing changed."""
    if not session.fetch_value("SELECT to_regclass('bi_refresh_state') IS NOT NULL"):
        raise ConfigError(
            f"{session.database} has no business-intelligence rollups: module bi is not applied",
            hint='enable the modules in tenantdb.toml (modules = [..., "cost_tracking", "bi"]) and run '
            "`tenantdb migrate up`",
        )
    if not bypasses_row_security(session):
        raise ConfigError(
            f"role {session.user} is subject to row-level security: it would allocate only the rows it may see",
            hint="refresh as the role that runs the migrations, a superuser or a role with BYPASSRLS",
        )


def check_tolerance(tolerance: Decimal) -> None:
    if not Decimal(0) <= tolerance < Decimal(1):
        raise ConfigError(f"--tolerance {tolerance}: expected a ratio from 0 to below 1, e.g. 0.02 for 2%")


def refresh(session: Session, request: RefreshRequest, observer: RefreshObserver | None = None) -> RefreshReport:
    """Refresh the requested months, one transaction each (``session`` must not be in a transaction)."""
    started = perf_counter()
    check_tolerance(request.tolerance)
    check_refreshable(session)
    candidates = sorted(set(request.months)) if request.months else months_with_data(session)
    current = fingerprints(session, candidates, engine=ENGINE_VERSION, tolerance=str(request.tolerance))
    previous = dict(session.fetch_all("SELECT month, fingerprint FROM bi_refresh_state"))
    forced = bool(request.months) or request.everything
    todo = [month for month in candidates if forced or previous.get(month) != current[month]]
    skipped = [month for month in candidates if month not in todo]
    if observer is not None:
        observer.planned(todo, skipped)
    refreshed = []
    for position, month in enumerate(todo, start=1):
        if observer is not None:
            observer.month_started(month, position, len(todo))
        with session.transaction():
            done = refresh_month(session, month, fingerprint=current[month], tolerance=request.tolerance)
        refreshed.append(done)
        if observer is not None:
            observer.month_finished(done)
    if refreshed:
        session.execute("ANALYZE bi_cost_allocation_lines, bi_tenant_monthly, bi_reconciliation")
    return RefreshReport(
        database=session.database,
        refreshed=tuple(refreshed),
        skipped=tuple(skipped),
        seconds=round(perf_counter() - started, 3),
    )


def refresh_month(session: Session, month: date, *, fingerprint: str, tolerance: Decimal) -> MonthRefresh:
    """Recompute one month inside the caller's transaction and record its fingerprint."""
    began = perf_counter()
    session.execute("SELECT pg_advisory_xact_lock(%s, %s)", (REFRESH_LOCK, month.year * 12 + month.month))
    prepare_month(session, month)
    lines = allocate_month(session, month)
    tenants = summarize_month(session, month)
    providers = reconcile_month(session, month, tolerance)
    seconds = perf_counter() - began
    session.execute(
        "INSERT INTO bi_refresh_state (month, fingerprint, refreshed_at, duration_ms) VALUES (%s, %s, now(), %s)"
        " ON CONFLICT (month) DO UPDATE SET fingerprint = EXCLUDED.fingerprint,"
        " refreshed_at = EXCLUDED.refreshed_at, duration_ms = EXCLUDED.duration_ms",
        (month, fingerprint, int(seconds * 1000)),
    )
    return MonthRefresh(month=month, lines=lines, tenants=tenants, providers=providers, seconds=round(seconds, 3))


def refresh_in_transaction(session: Session, tolerance: Decimal = DEFAULT_TOLERANCE) -> list[MonthRefresh]:
    """Every month with data, inside the caller's open transaction (``tenantdb seed`` fills module bi this way)."""
    months = months_with_data(session)
    current = fingerprints(session, months, engine=ENGINE_VERSION, tolerance=str(tolerance))
    return [refresh_month(session, month, fingerprint=current[month], tolerance=tolerance) for month in months]
