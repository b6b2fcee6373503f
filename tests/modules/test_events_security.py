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

from tenantdb.db import Session, connect
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
    switch_tenant,
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


# The operator's judgement of a customer (reprice it, its margin band and health, decisions about it) is not the
# customer's to read, even its own rows: a tenant who can run SQL would see "costs more than it pays: reprice".
OPERATOR_ONLY = ("cost_optimizations", "cost_optimization_results", "strategic_decisions")
TENANT_READABLE = tuple(table for table in EVENTS_TABLES if table not in OPERATOR_ONLY)
# The events a tenant reads of its own: what its application records (delivery outcomes, revenue impacts).
TENANT_EVENTS = ("email_delivery_outcome", "revenue_impact")


@pytest.mark.parametrize("role", TENANT_ROLES)
@pytest.mark.parametrize("table", OPERATOR_ONLY)
def test_a_tenant_reads_none_of_the_operators_judgement_of_it(
    world: World, admin: Session, role: str, table: str
) -> None:
    with acting(admin, role, world.t1), pytest.raises(DatabaseError) as error:
        admin.fetch_all(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))
    assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE


@pytest.mark.parametrize("role", TENANT_ROLES)
def test_a_tenant_reads_only_the_events_its_application_records(world: World, admin: Session, role: str) -> None:
    admin.execute("BEGIN")
    for event, properties in (("$groupidentify", '{"margin_band": "negative", "health": "Critical Action Required"}'),
                              ("cost_optimization", '{"kind": "reprice_unprofitable_tenant"}'),
                              ("efficiency_metrics", '{"score": 12}'), ("strategic_decision", '{"stage": "opened"}'),
                              ("email_delivery_outcome", '{"sent": 1}')):  # fmt: skip
        admin.execute(
            "INSERT INTO business_events (event_id, occurred_at, event, tenant_id, properties)"
            " VALUES (%s, now(), %s, %s, %s::jsonb)",
            (uuid4(), event, world.t1.id, properties),
        )
    with acting(admin, role, world.t1, begin=False):
        seen = {row[0] for row in admin.fetch_all("SELECT event FROM business_events")}
    assert seen == set(TENANT_EVENTS)


@pytest.mark.parametrize("role", TENANT_ROLES)
@pytest.mark.parametrize("table", TENANT_READABLE)
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


def test_r25_two_tenants_ingesting_the_same_batch_id_never_wait_for_each_other(world: World) -> None:
    """Batch ids, days and event ids are keyed by tenant: a tenant that reuses (or guesses) another tenant's batch
    id neither waits for it nor learns from it; each counts its own outcomes."""
    batch = uuid4()
    with connect(world.dsn) as first, connect(world.dsn) as second:
        first.execute("BEGIN")
        first.execute("SET LOCAL ROLE application_service")
        switch_tenant(first, world.t1)
        assert record_outcomes(first, batch, [costly(world.t1.id, "0.5")]).counted == 1
        second.execute("BEGIN")
        second.execute("SET LOCAL ROLE application_service")
        second.execute("SET LOCAL lock_timeout = '2s'")
        switch_tenant(second, world.t2)
        assert record_outcomes(second, batch, [costly(world.t2.id, "0.5")]).counted == 1  # no wait on T1's rows
        second.rollback()
        first.rollback()


@pytest.mark.parametrize("event", ["$groupidentify", "cost_optimization", "efficiency_metrics", "strategic_decision"])
def test_the_application_cannot_emit_the_operators_events_even_for_its_own_tenant(
    world: World, admin: Session, event: str
) -> None:
    """A tenant's own $groupidentify would set its plan, margin band and health in PostHog, and its own
    optimization, efficiency or decision events would stand beside the operator's: those come from the refresh and
    the administrators only. The application emits what it records: delivery outcomes and revenue impacts."""
    before = outbox_of_everyone(admin)
    with acting(admin, "application_service", world.t1), pytest.raises(DatabaseError) as error:
        admin.execute(
            'SELECT tenantdb_events_emit(%s, now(), %s, %s, \'{"health": "healthy"}\')', (uuid4(), event, world.t1.id)
        )
    assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
    assert outbox_of_everyone(admin) == before


def test_the_application_cannot_forge_or_resolve_the_refreshs_impacts(world: World, admin: Session) -> None:
    """The refresh's deliverability impacts are the operator's measure of the tenant: the application neither
    records an impact as the refresh's nor resolves (or rewrites) one of them, even its own tenant's."""
    admin.execute("BEGIN")
    refresh_impact = uuid4()
    admin.execute(
        "INSERT INTO revenue_impacts (tenant_id, impact_id, impact_type, amount, urgency, affected_customer_value,"
        " month, detected_at, source) VALUES (%s, %s, 'deliverability_risk', -500, 'critical', 900,"
        " date_trunc('month', now())::date, now() - interval '1 hour', 'bi_refresh')",
        (world.t1.id, refresh_impact),
    )
    with acting(admin, "application_service", world.t1, begin=False):
        admin.execute("SAVEPOINT attempt")  # after the role and tenant: rolling back to it keeps them
        for statement, params in (
            ("SELECT tenantdb_events_record_revenue_impact(%s, 'churn', -10, 'low', 10, now(), 'bi_refresh')",
             (world.t1.id,)),
            ("UPDATE revenue_impacts SET source = 'bi_refresh'", ()),
        ):  # fmt: skip
            with pytest.raises(DatabaseError) as error:
                admin.execute(statement, params)
            assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE, statement
            admin.execute("ROLLBACK TO SAVEPOINT attempt")
        with pytest.raises(DatabaseError) as error:
            admin.execute("SELECT tenantdb_events_resolve_revenue_impact(%s, %s)", (world.t1.id, refresh_impact))
        assert error.value.sqlstate == "P0002"
        admin.execute("ROLLBACK TO SAVEPOINT attempt")
        assert admin.execute_count("UPDATE revenue_impacts SET resolved_at = now() WHERE source = 'bi_refresh'") == 0
        assert len(rows_as_text(admin, "revenue_impacts")) == 2  # it still reads the refresh's impact
