"""``tenantdb bi refresh`` and ``tenantdb report``: the rollups and the reports read from them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from tenantdb.bi import ForgottenMonth, RefreshObserver, RefreshReport, RefreshRequest, forget_month, refresh
from tenantdb.bi.reports import REPORTS, Report, ReportOptions
from tenantdb.commands.connection import open_session, resolve_dsn
from tenantdb.config import Settings
from tenantdb.db import (
    Session,
    connect,
    runner_identity,
)
from tenantdb.errors import ConfigError

R = TypeVar("R")


def refresh_rollups(session: Session) -> str:
    """``tenantdb bi refresh`` of every month with data whose inputs changed; says what it did.

    Seeding module bi already computed every month (in the seed's transaction), so this normally finds them all
    up to date; it is the same call a user makes after changing data.
    """
    report = refresh(session, RefreshRequest())
    months = len(report.refreshed) + len(report.skipped)
    return f"{months} month(s): {len(report.refreshed)} refreshed ({report.lines:,} allocation lines), " + (
        f"{len(report.skipped)} already up to date"
    )


def has_rollups(session: Session, month: date) -> bool:
    if not session.fetch_value("SELECT to_regclass('bi_tenant_monthly') IS NOT NULL"):
        return False
    return bool(session.fetch_value("SELECT EXISTS (SELECT FROM bi_tenant_monthly WHERE month = %s)", (month,)))


def read_report(session: Session, build: Callable[[Session, ReportOptions], R], options: ReportOptions) -> R:
    """Build a report in one read-only snapshot: a refresh committing meanwhile never mixes two versions."""
    session.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    try:
        return build(session, options)
    finally:
        session.rollback()


def report(settings: Settings, name: str, options: ReportOptions) -> Report:
    """``tenantdb report NAME``: one report model (docs/business-metrics.md) from the rollups of the month."""
    if name not in REPORTS:
        raise ConfigError(f"unknown report {name!r}", hint=f"reports: {', '.join(REPORTS)}")
    # Row-level security stays on: analysts read the rollups through their policies (the migration role's
    # sessions turn it off so that RLS raises instead of filtering; a report reader must not be refused).
    application = f"tenantdb report {runner_identity()}"[:63]
    check = settings.runner.connection_check_interval
    with connect(resolve_dsn(settings), application_name=application, check_interval=check) as session:
        return read_report(session, REPORTS[name], options)


def bi_forget(settings: Settings, month: date) -> ForgottenMonth:
    """``tenantdb bi forget --month M``: remove every rollup of a refreshed month."""
    with open_session(settings, "bi forget") as session:
        return forget_month(session, month)


def bi_refresh(settings: Settings, request: RefreshRequest, observer: RefreshObserver | None = None) -> RefreshReport:
    """``tenantdb bi refresh``: recompute the months of module bi's rollups whose inputs changed (or those asked
    for), one transaction per month, each as tenantdb_refresh (docs/business-metrics.md, docs/security.md)."""
    with open_session(settings, "bi refresh") as session:
        return refresh(session, request, observer, connect=lambda: open_session(settings, "bi refresh"))
