"""Red team on module events as the tenant roles (RELIABILITY.md §3.3): no other tenant's events, delivery counts,
impacts or efficiency; no event or outcome written for another tenant; tenant_api writes nothing; nobody but the
operator touches the outbox's delivery state.

``tenantdb_events_record_outcomes`` and ``tenantdb_events_emit`` are SECURITY INVOKER: the caller's row-level
security is what stops a tenant from loading cost onto every other tenant, so each attack runs the functions
themselves, and checks afterwards that the other tenants' rows did not move.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from psycopg import sql

from tenantdb.db import Session
from tenantdb.errors import DatabaseError
from tenantdb.events.ingest import Outcome, OutcomeKind, record_outcomes
from tests.modules.security_world import (
    INSUFFICIENT_PRIVILEGE,
    TENANT_ROLES,
    World,
    acting,
    leaked,
    privileged,
    rows_as_text,
)

EVENTS_TABLES = (
    "business_events",
    "email_delivery_batches",
    "email_delivery_daily",
    "revenue_impacts",
    "cost_optimizations",
    "cost_optimization_results",
    "efficiency_metrics",
    "strategic_decisions",
)
DELIVERY_STATE = ("delivered_at", "attempts", "next_attempt_at", "leased_until", "last_error")
WHEN = datetime(2026, 2, 3, 10, 0, tzinfo=UTC)


def daily_of_everyone(admin: Session) -> list[tuple[object, ...]]:
    return admin.fetch_all("SELECT * FROM email_delivery_daily ORDER BY tenant_id, day")


def outbox_of_everyone(admin: Session) -> list[tuple[object, ...]]:
    return admin.fetch_all("SELECT event_id, tenant_id, delivered_at, leased_until FROM business_events ORDER BY 1")


def plant_platform_rows(admin: Session) -> None:
    """Rows that name no tenant (a platform-wide event, a shared pool's action), in the caller's transaction."""
    admin.execute(
        "INSERT INTO business_events (event_id, occurred_at, event, tenant_id, properties)"
        " VALUES (%s, now(), 'cost_optimization', NULL, '{\"pool\": \"shared-sending\"}')",
        (uuid4(),),
    )
    admin.execute(
        "INSERT INTO cost_optimizations (optimization_id, tenant_id, kind, subject, month, expected_savings,"
        " recommended_at) VALUES (%s, NULL, 'consolidate_idle_pool', 'shared-sending', '2026-02-01', 300, now())",
        (uuid4(),),
    )


@pytest.mark.parametrize("role", TENANT_ROLES)
@pytest.mark.parametrize("table", EVENTS_TABLES)
def test_a_tenant_reads_only_its_own_rows_and_no_platform_rows(
    world: World, admin: Session, role: str, table: str
) -> None:
    admin.execute("BEGIN")
    plant_platform_rows(admin)
    with acting(admin, role, world.t1, begin=False):
        rows = rows_as_text(admin, table)
    assert len(rows) == 1 and world.t1.id in rows[0], rows
    assert leaked(world, world.t1, rows) == []


@pytest.mark.parametrize("role", TENANT_ROLES)
def test_a_tenant_cannot_emit_an_event_for_another_tenant_or_for_the_platform(
    world: World, admin: Session, role: str
) -> None:
    before = outbox_of_everyone(admin)
    for tenant in (world.t2.id, None):
        with acting(admin, role, world.t1), pytest.raises(DatabaseError) as error:
            admin.execute("SELECT tenantdb_events_emit(%s, now(), 'revenue_impact', %s, '{}')", (uuid4(), tenant))
        assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
    assert outbox_of_everyone(admin) == before


def test_the_application_emits_its_own_tenants_events_and_tenant_api_none(world: World, admin: Session) -> None:
    with acting(admin, "application_service", world.t1):
        assert admin.fetch_value(
            "SELECT tenantdb_events_emit(%s, now(), 'revenue_impact', %s, '{}')", (uuid4(), world.t1.id)
        )
    with acting(admin, "tenant_api", world.t1), pytest.raises(DatabaseError) as error:
        admin.execute("SELECT tenantdb_events_emit(%s, now(), 'revenue_impact', %s, '{}')", (uuid4(), world.t1.id))
    assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE


def costly(tenant: str, cost: str = "1000") -> Outcome:
    return Outcome(tenant_id=UUID(tenant), occurred_at=WHEN, kind=OutcomeKind.BLOCKED, cost=Decimal(cost))


@pytest.mark.parametrize("role", TENANT_ROLES)
def test_a_tenant_cannot_load_cost_onto_another_tenant_through_record_outcomes(
    world: World, admin: Session, role: str
) -> None:
    """The finding of the last round: a tenant that can load cost onto every other tenant. The function runs with
    the caller's rights, so the WITH CHECK of email_delivery_batches refuses the other tenant's rows, and the whole
    batch (the caller's own outcomes too) counts nothing."""
    before = daily_of_everyone(admin), outbox_of_everyone(admin)
    for batch in (
        [costly(world.t2.id)],
        [costly(world.t1.id, "0"), costly(world.t2.id), costly(world.tenants[2].id)],
    ):
        with acting(admin, role, world.t1), pytest.raises(DatabaseError) as error:
            record_outcomes(admin, uuid4(), batch)
        assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
        assert leaked(world, world.t1, [str(error.value), error.value.hint or ""]) == []
    assert (daily_of_everyone(admin), outbox_of_everyone(admin)) == before


def test_the_application_records_its_own_tenants_outcomes(world: World, admin: Session) -> None:
    with acting(admin, "application_service", world.t1):
        assert record_outcomes(admin, uuid4(), [costly(world.t1.id, "0.25")]).counted == 1
        assert len(rows_as_text(admin, "email_delivery_daily")) == 2  # the canary's day and this one


def test_without_a_tenant_context_no_outcome_is_recorded(world: World, admin: Session) -> None:
    before = daily_of_everyone(admin)
    with acting(admin, "application_service", None), pytest.raises(DatabaseError) as error:
        record_outcomes(admin, uuid4(), [costly(world.t1.id)])
    assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
    assert daily_of_everyone(admin) == before


@pytest.mark.parametrize("table", EVENTS_TABLES)
def test_tenant_api_writes_nothing(admin: Session, table: str) -> None:
    for privilege in ("INSERT", "UPDATE", "DELETE", "TRUNCATE"):
        assert not privileged(admin, "tenant_api", table, privilege), privilege


@pytest.mark.parametrize("role", TENANT_ROLES)
def test_no_tenant_role_can_change_the_delivery_state_of_events(world: World, admin: Session, role: str) -> None:
    for column in DELIVERY_STATE:
        assert not admin.fetch_value(
            "SELECT has_column_privilege(%s, 'business_events', %s, 'UPDATE')", (role, column)
        ), column
    before = outbox_of_everyone(admin)
    for column in ("delivered_at", "leased_until"):
        with acting(admin, role, world.t1), pytest.raises(DatabaseError) as error:
            admin.execute(sql.SQL("UPDATE business_events SET {} = now()").format(sql.Identifier(column)))
        assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
    with acting(admin, role, world.t1), pytest.raises(DatabaseError) as error:
        admin.execute("DELETE FROM business_events")
    assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
    assert outbox_of_everyone(admin) == before


@pytest.mark.parametrize("role", TENANT_ROLES)
def test_a_tenant_cannot_rewrite_or_delete_its_batches_or_delete_its_days(
    world: World, admin: Session, role: str
) -> None:
    """A batch row is the audit of what was counted: no tenant role changes or deletes one, nor deletes a day.
    (application_service may UPDATE its own days: the ingest's upsert runs with its rights, as the analytics
    aggregates do; tenant_api may not.)"""
    attempts = [
        ("email_delivery_batches", "UPDATE {} SET cost_impact = 0"),
        ("email_delivery_batches", "DELETE FROM {}"),
        ("email_delivery_daily", "DELETE FROM {}"),
    ]
    if role == "tenant_api":
        attempts.append(("email_delivery_daily", "UPDATE {} SET cost_impact = 0"))
    for table, statement in attempts:
        with acting(admin, role, world.t1), pytest.raises(DatabaseError) as error:
            admin.execute(sql.SQL(statement).format(sql.Identifier(table)))
        assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE, (table, statement)
