"""``tenantdb actions``: the cost optimizations ``bi refresh`` recommends, and recording what was done about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tenantdb.bi.emit import (
    Optimization,
    OptimizationStatus,
    Transition,
    Transitioned,
    find_optimization,
    list_optimizations,
    transition,
)
from tenantdb.bi.emit.month import emits
from tenantdb.bi.refresh import as_refresh_role, check_refreshable, lock_month
from tenantdb.bi.reports.explain import resolve_tenant
from tenantdb.commands.connection import open_session
from tenantdb.config import Settings
from tenantdb.db import Session
from tenantdb.errors import ConfigError


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionsList:
    """``tenantdb actions list``: the optimizations that match the filters, newest month first."""

    database: str
    month: date | None
    status: OptimizationStatus | None
    tenant: str | None
    optimizations: tuple[Optimization, ...]


def actions_list(
    settings: Settings,
    *,
    month: date | None = None,
    status: OptimizationStatus | None = None,
    tenant: str | None = None,
) -> ActionsList:
    """The recommended actions recorded by the refresh, with what became of them."""
    with open_session(settings, "actions") as session:
        _check(session)
        with session.transaction(), as_refresh_role(session):
            tenant_id = None if tenant is None else resolve_tenant(session, tenant)[0]
            found = list_optimizations(session, month=month, status=status, tenant_id=tenant_id)
        return ActionsList(database=session.database, month=month, status=status, tenant=tenant, optimizations=found)


def actions_transition(
    settings: Settings, reference: str, change: Transition, *, note: str | None = None
) -> Transitioned:
    """``tenantdb actions accept|done|dismiss ID``: one transition and its event, in one transaction (as the role
    that refreshes; done_by is the login)."""
    with open_session(settings, "actions") as session:
        _check(session)
        with session.transaction(), as_refresh_role(session):
            _, month = find_optimization(session, reference)
            lock_month(session, month)  # the month's refresh writes its rows too: one after the other
            return transition(session, reference, change, note=note)


def _check(session: Session) -> None:
    check_refreshable(session)
    if not emits(session):
        raise ConfigError(
            f"{session.database} has no cost optimizations: module events is not applied",
            hint="run `tenantdb migrate up` (module bi requires events), then `tenantdb bi refresh`",
        )
