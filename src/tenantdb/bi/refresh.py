"""``tenantdb bi refresh``: recompute the rollups of module ``bi`` month by month, incrementally.

Each month is one transaction: its allocation lines, customer figures and reconciliation are deleted and inserted
again, so a reader (whose snapshot predates the commit, or follows it) always sees a whole month, old or new, and
is never blocked (no lock stronger than ROW EXCLUSIVE is taken on the rollups). A month is skipped unless asked for
by name or with ``everything``, or its inputs changed since its last refresh (the notes of ``bi.changes``), or it was
computed with other definitions, or never.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from time import perf_counter
from typing import LiteralString, Protocol, cast

from tenantdb.bi.allocation import allocate_month, prepare_month
from tenantdb.bi.changes import (
    EVERY_STAGE,
    Stage,
    consume,
    definitions,
    spread_every_month,
    stages_due,
    stale_months,
)
from tenantdb.bi.emit.month import emit_month, emits
from tenantdb.bi.months import months_with_data
from tenantdb.bi.reconcile import DEFAULT_TOLERANCE, reconcile_month
from tenantdb.bi.reports.executive import store_summary
from tenantdb.bi.rollup import summarize_month
from tenantdb.db import Session, bypasses_row_security
from tenantdb.errors import ConfigError, DatabaseStateError

# Recorded with every month: a new version of the definitions refreshes every month again.
ENGINE_VERSION = "bi-2"  # bi-2: revenue recognized over service periods, in USD through fx_rates
# pg_advisory_xact_lock(REFRESH_LOCK, year * 12 + month): two refreshes of one month take turns.
REFRESH_LOCK = 0x7462_6972
# Sorts and hashes over a month's resources and invoice lines stay in memory (for the month's transaction only).
WORK_MEM = "128MB"
# Module security's role for the refresh: reads what analysts read (every tenant's rows), writes only the rollups.
REFRESH_ROLE = "tenantdb_refresh"


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshRequest:
    """What to refresh: named months (always), or every month with data (only changed ones unless everything).

    ``jobs`` months are refreshed at once, each on its own connection (when the caller can open more).
    """

    months: tuple[date, ...] = ()
    everything: bool = False
    tolerance: Decimal = DEFAULT_TOLERANCE
    jobs: int = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthRefresh:
    """One refreshed month: the stages it recomputed, what the month holds and how long its transaction took."""

    month: date
    recomputed: tuple[Stage, ...]
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
        raise DatabaseStateError(
            f"{session.database} has no business-intelligence rollups: module bi is not applied",
            hint='enable the modules in tenantdb.toml (modules = [..., "cost_tracking", "bi"]) and run '
            "`tenantdb migrate up`",
        )
    if session.fetch_value("SELECT to_regrole(%s) IS NOT NULL", (REFRESH_ROLE,)):
        if not session.fetch_value("SELECT pg_has_role(session_user, %s, 'MEMBER')", (REFRESH_ROLE,)):
            raise ConfigError(
                f"role {session.user} may not act as {REFRESH_ROLE}, the role each month is refreshed as",
                hint=f"GRANT {REFRESH_ROLE} TO {session.user} (or refresh as the role that runs the migrations)",
            )
    elif not bypasses_row_security(session):
        raise ConfigError(
            f"role {session.user} is subject to row-level security: it would allocate only the rows it may see",
            hint="refresh as the role that runs the migrations, a superuser or a role with BYPASSRLS",
        )


def current_month(session: Session) -> date:
    """The month under way, by the database's clock (UTC), as the rollups count months."""
    return cast(date, session.fetch_value("SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date"))


def check_begun(session: Session, months: tuple[date, ...]) -> None:
    """Months that have not begun have no costs to allocate yet; refreshing one would make it every report's
    default month."""
    now = current_month(session)
    ahead = sorted(month for month in months if month > now)
    if ahead:
        raise ConfigError(
            f"{ahead[0]:%Y-%m} has not begun (the current month is {now:%Y-%m}): nothing to refresh yet",
            option="month",
            hint="refresh it once it has begun; `tenantdb bi forget --month M` removes a month refreshed by mistake",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ForgottenMonth:
    """A month whose rollups ``forget_month`` removed."""

    month: date
    lines: int
    tenants: int


def forget_month(session: Session, month: date) -> ForgottenMonth:
    """Remove every rollup of a refreshed month in one transaction (as tenantdb_refresh, like the refresh); the
    reports then fall back to the latest month still refreshed. A month never refreshed is a clear error."""
    check_refreshable(session)
    with session.transaction(), as_refresh_role(session):
        session.execute("SELECT pg_advisory_xact_lock(%s, %s)", (REFRESH_LOCK, month.year * 12 + month.month))
        if not session.fetch_value("SELECT EXISTS (SELECT FROM bi_refresh_state WHERE month = %s)", (month,)):
            raise ConfigError(
                f"{month:%Y-%m} has no rollups to forget: it was never refreshed",
                hint="`tenantdb report executive --json` lists the refreshed months",
            )
        lines = session.execute_count("DELETE FROM bi_cost_allocation_lines WHERE month = %s", (month,))
        tenants = session.execute_count("DELETE FROM bi_tenant_monthly WHERE month = %s", (month,))
        session.execute("DELETE FROM bi_reconciliation WHERE month = %s", (month,))
        session.execute("DELETE FROM bi_month_summary WHERE month = %s", (month,))
        session.execute("DELETE FROM bi_refresh_state WHERE month = %s", (month,))
    return ForgottenMonth(month=month, lines=lines, tenants=tenants)


def check_request(request: RefreshRequest) -> None:
    if not Decimal(0) <= request.tolerance < Decimal(1):
        raise ConfigError(
            f"{request.tolerance}: expected a ratio from 0 to below 1, e.g. 0.02 for 2%", option="tolerance"
        )
    if not 1 <= request.jobs <= 64:
        raise ConfigError(f"{request.jobs}: expected 1 to 64 connections", option="jobs")


Connect = Callable[[], Session]


def refresh(
    session: Session,
    request: RefreshRequest,
    observer: RefreshObserver | None = None,
    connect: Connect | None = None,
) -> RefreshReport:
    """Refresh the requested months, one transaction each (``session`` must not be in a transaction).

    With ``connect`` (a way to open more sessions like ``session``) and ``request.jobs`` > 1, that many months are
    refreshed at once, each on a connection of its own; the plan and the final ANALYZE run on ``session``.
    """
    started = perf_counter()
    check_request(request)
    check_refreshable(session)
    check_begun(session, request.months)
    candidates = sorted(set(request.months)) if request.months else months_with_data(session)
    with session.transaction(), as_refresh_role(session):
        spread_every_month(session, candidates)
        stale = stale_months(session, candidates, current=definitions(ENGINE_VERSION, request.tolerance))
    wholly = bool(request.months) or request.everything
    todo = candidates if wholly else stale
    skipped = [month for month in candidates if month not in todo]
    if observer is not None:
        observer.planned(todo, skipped)
    jobs = min(request.jobs, len(todo)) if connect is not None else 1
    months = _Months(todo, request.tolerance, wholly, observer)
    if jobs <= 1:
        months.work(session)
    else:
        assert connect is not None
        months.run_in_parallel(connect, jobs)
    refreshed = sorted(months.done, key=lambda done: done.month)
    if refreshed:
        session.execute("ANALYZE bi_cost_allocation_lines, bi_tenant_monthly, bi_reconciliation")
    return RefreshReport(
        database=session.database,
        refreshed=tuple(refreshed),
        skipped=tuple(skipped),
        seconds=round(perf_counter() - started, 3),
    )


class _Months:
    """The months left to refresh, taken one at a time by one or more workers, each on its own session."""

    def __init__(self, todo: list[date], tolerance: Decimal, wholly: bool, observer: RefreshObserver | None) -> None:
        self.pending = deque(enumerate(todo, start=1))
        self.total = len(todo)
        self.tolerance = tolerance
        self.wholly = wholly
        self.observer = observer
        self.done: list[MonthRefresh] = []
        self.lock = threading.Lock()
        self.failed = threading.Event()

    def work(self, session: Session) -> None:
        """Refresh months until none is left (or another worker failed)."""
        while not self.failed.is_set():
            with self.lock:
                if not self.pending:
                    return
                position, month = self.pending.popleft()
                if self.observer is not None:
                    self.observer.month_started(month, position, self.total)
            try:
                with session.transaction():
                    done = refresh_month(session, month, tolerance=self.tolerance, wholly=self.wholly)
            except BaseException:
                self.failed.set()
                raise
            with self.lock:
                self.done.append(done)
                if self.observer is not None:
                    self.observer.month_finished(done)

    def run_in_parallel(self, connect: Connect, jobs: int) -> None:
        """``jobs`` workers with a connection each; the first failure is raised once they have stopped."""

        def worker() -> None:
            with connect() as session:
                self.work(session)

        with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="bi-refresh") as pool:
            futures = [pool.submit(worker) for _ in range(jobs)]
        for future in futures:
            future.result()


def refresh_month(session: Session, month: date, *, tolerance: Decimal, wholly: bool = True) -> MonthRefresh:
    """Recompute one month inside the caller's transaction (READ COMMITTED, or a snapshot taken no earlier than
    here) and record the definitions it was computed with; the month's change notes are consumed first. Unless
    ``wholly``, a month computed with the same definitions recomputes only the stages its notes call for (a ledger
    entry: the customers' figures), and always its summary."""
    current = definitions(ENGINE_VERSION, tolerance)
    with as_refresh_role(session):
        began = perf_counter()
        lock_month(session, month)
        noted = consume(session, month)  # before any read of the inputs
        stages = EVERY_STAGE if wholly else stages_due(session, month, current=current, noted=noted)
        session.set_local("work_mem", WORK_MEM)
        session.set_local("jit", "off")  # compiling the month's big joins costs more than it saves
        prepare_month(session, month)
        month_only = (month,)
        if Stage.ALLOCATION in stages:
            lines = allocate_month(session, month)
        else:
            lines = session.fetch_value(_MONTH_LINES, month_only)
        if Stage.CUSTOMERS in stages:
            tenants = summarize_month(session, month)
        else:
            tenants = session.fetch_value(_MONTH_CUSTOMERS, month_only)
        if Stage.RECONCILIATION in stages:
            providers = reconcile_month(session, month, tolerance)
        else:
            providers = session.fetch_value("SELECT count(*) FROM bi_reconciliation WHERE month = %s", month_only)
        seconds = perf_counter() - began
        session.execute(
            "INSERT INTO bi_refresh_state (month, definitions, refreshed_at, duration_ms) VALUES (%s, %s, now(), %s)"
            " ON CONFLICT (month) DO UPDATE SET definitions = EXCLUDED.definitions,"
            " refreshed_at = EXCLUDED.refreshed_at, duration_ms = EXCLUDED.duration_ms",
            (month, current, int(seconds * 1000)),
        )
        store_summary(session, month)  # after bi_refresh_state: the row carries the month's refreshed_at
        if emits(session):  # the month's business events, committed with the figures that caused them
            emit_month(session, month)
        return MonthRefresh(
            month=month,
            recomputed=tuple(stage for stage in Stage if stage in stages),
            lines=lines,
            tenants=tenants,
            providers=providers,
            seconds=round(seconds, 3),
        )


def lock_month(session: Session, month: date) -> None:
    """Until the caller's transaction ends: the month's refresh (or anything else that writes its rows) waits."""
    session.execute("SELECT pg_advisory_xact_lock(%s, %s)", (REFRESH_LOCK, month.year * 12 + month.month))


# What a month holds, counted company by company through the keys (tenant_id, month, ...): no index of the
# rollups leads with month (RELIABILITY R26).
_MONTH_LINES: LiteralString = (
    "SELECT count(*) FROM companies c JOIN bi_cost_allocation_lines l ON l.tenant_id = c.id AND l.month = %s"
)
_MONTH_CUSTOMERS: LiteralString = (
    "SELECT count(*) FROM companies c JOIN bi_tenant_monthly m ON m.tenant_id = c.id AND m.month = %s"
)


@contextmanager
def as_refresh_role(session: Session) -> Iterator[None]:
    """Inside the caller's transaction: act as tenantdb_refresh with row-level security on (its reads go through
    the analysts' policies, which show every tenant), when module security made the role; then back to the role
    and row_security setting before, so a caller's own transaction (``tenantdb seed``) continues as it was. On an
    error the transaction is rolled back, which undoes both settings anyway."""
    row = session.fetch_one(
        "SELECT current_setting('role'), current_setting('row_security'), to_regrole(%s) IS NOT NULL", (REFRESH_ROLE,)
    )
    assert row is not None
    role, row_security, exists = row
    if exists:
        session.execute("SELECT set_config('role', %s, true), set_config('row_security', 'on', true)", (REFRESH_ROLE,))
    yield
    if exists:
        session.execute(
            "SELECT set_config('role', %s, true), set_config('row_security', %s, true)", (role, row_security)
        )


def refresh_in_transaction(session: Session, tolerance: Decimal = DEFAULT_TOLERANCE) -> list[MonthRefresh]:
    """Every month with data, inside the caller's open transaction (``tenantdb seed`` fills module bi this way)."""
    months = months_with_data(session)
    with as_refresh_role(session):
        spread_every_month(session, months)
    return [refresh_month(session, month, tolerance=tolerance) for month in months]
