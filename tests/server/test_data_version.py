"""The O(1) data version (module bi's ``bi_data_version``): it changes after a refresh, a business event, an action
transition and a decision, is equal when nothing changed, its query never loops over tenants, and a tenant's version
does not move when another tenant's events land."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from fastapi.testclient import TestClient

from tenantdb.bi.reconcile import DEFAULT_TOLERANCE
from tenantdb.bi.refresh import refresh_month
from tenantdb.db import Session, connect
from tenantdb.db.api_tokens import Scope
from tenantdb.server.api.data_version import current_version
from tenantdb.server.api.sqlfiles import query
from tests.bi.report_data import ALPHA, BETA, MONTH
from tests.server.conftest import ServerWorld, bearer


def _version(client: TestClient, headers: dict[str, str]) -> str:
    response = client.get("/api/v1/data-version", headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["version"])


def _emit(world: ServerWorld, event: str, tenant: UUID | None) -> None:
    with world.admin() as admin, admin.transaction():
        admin.execute("SELECT tenantdb_events_emit(%s, now(), %s, %s, '{}')", (uuid4(), event, tenant))


def test_the_version_is_equal_when_nothing_changed(client: TestClient, server_world: ServerWorld) -> None:
    executive = bearer(server_world.token(Scope.EXECUTIVE))
    assert _version(client, executive) == _version(client, executive)


def test_the_version_changes_after_an_event(client: TestClient, server_world: ServerWorld) -> None:
    executive = bearer(server_world.token(Scope.EXECUTIVE))
    before = _version(client, executive)
    _emit(server_world, "efficiency_metrics", None)
    assert _version(client, executive) != before


def test_the_version_changes_after_an_action_transition_and_a_decision(
    client: TestClient, server_world: ServerWorld
) -> None:
    executive = bearer(server_world.token(Scope.EXECUTIVE))
    admin = bearer(server_world.token(Scope.ADMIN))
    action_id = uuid4()
    with server_world.admin() as session, session.transaction():
        session.execute(
            "INSERT INTO cost_optimizations (optimization_id, tenant_id, kind, subject, month, expected_savings,"
            " recommended_at) VALUES (%s, %s, 'raise_margin_to_target', 'beta-corp', %s, 7.00, %s)",
            (action_id, BETA, MONTH, datetime(2026, 10, 1, 6, tzinfo=UTC)),
        )
    before = _version(client, executive)
    assert client.post(f"/api/v1/actions/{action_id}/accept", headers=admin, json={}).status_code == 200
    after_action = _version(client, executive)
    assert after_action != before
    created = client.post("/api/v1/decisions", headers=admin, json={"title": "Move pool", "category": "pricing"})
    assert created.status_code in (200, 201), created.text
    assert _version(client, executive) != after_action


def test_a_tenant_version_ignores_other_tenants_events(client: TestClient, server_world: ServerWorld) -> None:
    alpha = bearer(server_world.token(Scope.TENANT, "alpha-mail"))
    before = _version(client, alpha)
    _emit(server_world, "email_delivery_outcome", BETA)
    _emit(server_world, "efficiency_metrics", None)
    assert _version(client, alpha) == before  # nothing about Beta or the platform leaks into Alpha's version
    _emit(server_world, "email_delivery_outcome", ALPHA)
    assert _version(client, alpha) != before


def _plan(session: Session, text: str) -> str:
    return "\n".join(str(row[0]) for row in session.fetch_all("EXPLAIN " + text))


def test_the_operator_version_query_does_not_loop_over_tenants(server_world: ServerWorld) -> None:
    with server_world.admin() as session:
        plan = _plan(session, query("data_version_global"))
    assert "companies" not in plan
    assert "business_events" not in plan
    assert "Loop" not in plan


def test_the_version_changes_after_a_refresh(report_data_dsn: str) -> None:
    dsn = report_data_dsn
    with connect(dsn) as session:
        with session.transaction():
            session.execute("SET LOCAL ROLE business_analysts")
            before = current_version(session).version
        with session.transaction():
            refresh_month(session, MONTH, tolerance=DEFAULT_TOLERANCE)
        with session.transaction():
            session.execute("SET LOCAL ROLE business_analysts")
            assert current_version(session).version != before
            again = current_version(session).version
        with session.transaction():
            session.execute("SET LOCAL ROLE business_analysts")
            assert current_version(session).version == again


def _bumps(session: Session) -> int:
    return int(session.fetch_value("SELECT sum(bumps) FROM bi_data_version"))


def test_a_transaction_bumps_once_however_many_events_it_writes(server_world: ServerWorld) -> None:
    with server_world.admin() as admin:
        before = _bumps(admin)
        with admin.transaction():
            for _ in range(3):
                admin.execute("SELECT tenantdb_events_emit(%s, now(), 'efficiency_metrics', NULL, '{}')", (uuid4(),))
        assert _bumps(admin) == before + 1


def test_an_open_writer_never_blocks_another_writer(server_world: ServerWorld) -> None:
    """The bump runs at commit: a writer whose transaction is still open holds no counter row, whatever slot the
    other writer's backend shares with it (a wait would hit the lock timeout)."""
    with server_world.admin() as first, server_world.admin() as second, first.transaction():
        first.execute("SELECT tenantdb_events_emit(%s, now(), 'efficiency_metrics', NULL, '{}')", (uuid4(),))
        with second.transaction():
            second.execute("SET LOCAL lock_timeout = '2s'")
            second.execute("SELECT tenantdb_events_emit(%s, now(), 'efficiency_metrics', NULL, '{}')", (uuid4(),))
