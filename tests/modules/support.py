"""Helpers for the bundled-module tests: apply modules, act as a tenant role, prove migrations reversible."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest

from tenantdb.db import Session, catalog_snapshot, connect
from tenantdb.errors import DatabaseError
from tenantdb.execute import RunRequest, first_difference, migrate, round_trip
from tenantdb.migrations import Direction, MigrationSet
from tenantdb.modules import module_migrations, resolve_modules
from tests.helpers import FAST

SET_TENANT = "SELECT set_config('app.current_tenant_id', %s, true)"

CHECK_VIOLATION = "23514"
UNIQUE_VIOLATION = "23505"
FOREIGN_KEY_VIOLATION = "23503"
INSUFFICIENT_PRIVILEGE = "42501"


def rejected(session: Session, statement: str, params: tuple[object, ...] = ()) -> str:
    """Run ``statement`` in a transaction that must fail; return the SQLSTATE."""
    with pytest.raises(DatabaseError) as error, session.transaction():
        session.execute(statement, params)
    return str(error.value.sqlstate)


def module_sets(name: str) -> list[MigrationSet]:
    """The module's migrations after those of everything it requires, in the order tenantdb applies them."""
    return [module_migrations(spec) for spec in resolve_modules([name])]


def apply_modules(session: Session, name: str) -> list[MigrationSet]:
    sets = module_sets(name)
    migrate(session, sets, FAST, RunRequest(direction=Direction.UP))
    return sets


def assert_round_trip(dsn: str, name: str) -> None:
    """``tenantdb migrate test`` for the module and its requirements on a scratch database."""
    report = round_trip(dsn, module_sets(name), FAST)
    assert report.difference is None, report.difference
    assert report.ok


def positional_snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """The catalog, which compares a column by its place among the table's columns and a comment by its column's
    name, not by attnums: a module may add columns to another module's tables (cost_tracking does), and a column
    dropped and added again gets a new attnum but keeps its place, which is what matters."""
    return catalog_snapshot(session)


def assert_each_migration_runs_twice(session: Session, name: str) -> None:
    """Every migration of the module: up, down, up again; the catalog after each up is the same."""
    *requirements, own = module_sets(name)
    migrate(session, requirements, FAST, RunRequest(direction=Direction.UP))
    before = positional_snapshot(session)
    for count in range(1, len(own) + 1):
        prefix = replace(own, migrations=own.migrations[:count])
        label = prefix.migrations[-1].label
        migrate(session, [*requirements, prefix], FAST, RunRequest(direction=Direction.UP))
        applied = positional_snapshot(session)
        migrate(session, [*requirements, prefix], FAST, RunRequest(direction=Direction.DOWN, steps=1))
        migrate(session, [*requirements, prefix], FAST, RunRequest(direction=Direction.UP))
        assert first_difference(f"{label} applied again", applied, positional_snapshot(session)) is None
    migrate(session, [*requirements, own], FAST, RunRequest(direction=Direction.DOWN, steps=len(own)))
    assert first_difference(f"{name} rolled back", before, positional_snapshot(session)) is None


def new_company(session: Session, slug: str) -> str:
    return str(session.fetch_value("INSERT INTO companies (name, slug) VALUES (%s, %s) RETURNING id", (slug, slug)))


@contextmanager
def acting_as(dsn: str, role: str, tenant: str | None = None) -> Iterator[Session]:
    """A transaction as ``role`` with the tenant set the way the application sets it (transaction-local)."""
    with connect(dsn, application_name="tenantdb module test") as session, session.transaction():
        session.execute(f"SET LOCAL ROLE {role}")
        if tenant is not None:
            session.execute(SET_TENANT, (tenant,))
        yield session


def fetch_as(dsn: str, role: str, tenant: str | None, query: str, params: Any = None) -> list[tuple[Any, ...]]:
    with acting_as(dsn, role, tenant) as session:
        return session.fetch_all(query, params)


def subscribe(db: Session, tenant: str, limits: dict[str, int], status: str = "active") -> str:
    """A plan with ``limits`` as its feature_limits, and the tenant's subscription to it (module billing)."""
    plan = db.fetch_value(
        "INSERT INTO plans (name, price_monthly, feature_limits) VALUES ('plan ' || gen_random_uuid(), 99, %s)"
        " RETURNING plan_id",
        (json.dumps(limits),),
    )
    db.execute(
        "INSERT INTO subscriptions (tenant_id, plan_id, status, current_period_start, current_period_end, canceled_at)"
        " VALUES (%s, %s, %s, now() - interval '1 day', now() + interval '1 month',"
        " CASE WHEN %s = 'canceled' THEN now() END)",
        (tenant, plan, status, status),
    )
    return str(plan)
