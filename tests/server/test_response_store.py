"""The response store the workers share (module api's api_response_cache): a report one worker built is served by
another without running it, equal to a fresh answer; new data misses it; tenant answers never go there, a tenant
token never gets an operator's stored answer, and neither a tenant nor an analyst role can read or forge a row."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from tenantdb.config import load_settings
from tenantdb.db.api_tokens import Scope
from tenantdb.errors import ConfigError, DatabaseError
from tenantdb.server.app import create_app
from tenantdb.server.cache import ResponseCache
from tenantdb.server.settings import ServerSettings, server_settings
from tests.server.conftest import BASE, ServerWorld, bearer

ALPHA = "00000000-0000-4000-8000-00000000000a"


def _stored(world: ServerWorld) -> int:
    with world.admin() as admin:
        return int(admin.fetch_value("SELECT count(*) FROM api_response_cache"))


@pytest.fixture
def workers(server_world: ServerWorld) -> Iterator[tuple[TestClient, TestClient]]:
    """Two workers of one server (two apps, each with its own memory cache) over an empty store."""
    with server_world.admin() as admin:
        admin.execute("DELETE FROM api_response_cache")
    settings = server_world.settings(cache_entries=100, cache_shared=True)
    with (
        TestClient(create_app(settings), base_url=BASE) as first,
        TestClient(create_app(settings), base_url=BASE) as second,
    ):
        yield first, second


def _cache(client: TestClient) -> ResponseCache:
    found = client.app.state.cache  # type: ignore[attr-defined]
    assert isinstance(found, ResponseCache)
    return found


@pytest.mark.parametrize(
    "path",
    ["/api/v1/executive-summary", "/api/v1/views/efficiency?format=csv", "/api/v1/tenants?sort=-revenue&limit=2"],
)
def test_a_report_one_worker_built_is_served_by_another_without_running(
    workers: tuple[TestClient, TestClient], server_world: ServerWorld, path: str
) -> None:
    first, second = workers
    executive = bearer(server_world.token(Scope.EXECUTIVE))
    built = first.get(path, headers=executive)
    shared = second.get(path, headers=executive)
    assert built.status_code == shared.status_code == 200, built.text
    assert built.content == shared.content
    assert {name: built.headers[name] for name in ("etag", "content-type", "vary")} == {
        name: shared.headers[name] for name in ("etag", "content-type", "vary")
    }
    assert (_cache(first).stats.computed, _cache(second).stats.computed) == (1, 0)
    assert _cache(second).stats.shared_hits == 1
    assert second.get(path, headers=executive | {"If-None-Match": built.headers["etag"]}).status_code == 304


def test_new_data_misses_the_shared_store(workers: tuple[TestClient, TestClient], server_world: ServerWorld) -> None:
    first, second = workers
    executive = bearer(server_world.token(Scope.EXECUTIVE))
    first.get("/api/v1/views/cost-center", headers=executive)
    with server_world.admin() as admin, admin.transaction():
        admin.execute("SELECT tenantdb_events_emit(%s, now(), 'efficiency_metrics', NULL, '{}')", (uuid4(),))
    second.get("/api/v1/views/cost-center", headers=executive)
    assert (_cache(second).stats.computed, _cache(second).stats.shared_hits) == (1, 0)


def test_admin_and_executive_answers_are_stored_apart(
    workers: tuple[TestClient, TestClient], server_world: ServerWorld
) -> None:
    first, second = workers
    first.get("/api/v1/plans", headers=bearer(server_world.token(Scope.EXECUTIVE)))
    second.get("/api/v1/plans", headers=bearer(server_world.token(Scope.ADMIN)))
    assert _cache(second).stats.shared_hits == 0
    with server_world.admin() as admin:
        roles = admin.fetch_all("SELECT role_name FROM api_response_cache WHERE route LIKE '%/plans' ORDER BY 1")
    assert roles == [("business_analysts",), ("db_administrators",)]


def test_a_tenant_never_gets_an_operators_stored_answer_and_stores_none(
    workers: tuple[TestClient, TestClient], server_world: ServerWorld
) -> None:
    first, second = workers
    path = "/api/v1/tenants/alpha-mail/allocation"
    operator_view = first.get(path, headers=bearer(server_world.token(Scope.EXECUTIVE)))
    assert operator_view.status_code == 200 and "unit_cost" in operator_view.text
    stored = _stored(server_world)
    own_view = second.get(path, headers=bearer(server_world.token(Scope.TENANT, "alpha-mail")))
    assert own_view.status_code == 200
    assert "unit_cost" not in own_view.text
    assert second.get(path, headers=bearer(server_world.token(Scope.TENANT, "beta-corp"))).status_code == 404
    for client in (first, second):
        assert client.get("/api/v1/months", headers=bearer(server_world.token(Scope.TENANT, "alpha-mail"))).is_success
    assert _stored(server_world) == stored  # tenant answers stay in the workers' memory
    assert _cache(second).stats.shared_hits == 0


@pytest.mark.parametrize("role", ["tenant_api", "business_analysts"])
def test_neither_a_tenant_nor_an_analyst_role_can_read_or_forge_a_stored_answer(
    workers: tuple[TestClient, TestClient], server_world: ServerWorld, role: str
) -> None:
    first, _ = workers
    first.get("/api/v1/executive-summary", headers=bearer(server_world.token(Scope.EXECUTIVE)))
    assert _stored(server_world) >= 1
    attempts = (
        "SELECT count(*) FROM api_response_cache",
        "SELECT * FROM tenantdb_api_cache_get(sha256('x'))",
        "SELECT tenantdb_api_cache_put(sha256('x'), 'business_analysts', '/r', 'v', 'text/csv', '[]', 'forged')",
        "UPDATE api_response_cache SET body = 'forged'",
    )
    with server_world.admin() as admin:
        for attempt in attempts:
            with pytest.raises(DatabaseError, match="permission denied"), admin.transaction():
                admin.execute(f"SET LOCAL ROLE {role}")
                admin.execute("SELECT set_config('app.current_tenant_id', %s, true)", (ALPHA,))
                admin.execute(attempt)


def test_the_shared_store_is_on_by_default() -> None:
    assert ServerSettings(dsn="postgresql:///x").cache_shared is True


def test_the_shared_store_can_be_turned_off(server_world: ServerWorld) -> None:
    with server_world.admin() as admin:
        admin.execute("DELETE FROM api_response_cache")
    with TestClient(create_app(server_world.settings(cache_shared=False)), base_url=BASE) as client:
        assert client.get("/api/v1/plans", headers=bearer(server_world.token(Scope.EXECUTIVE))).is_success
    assert _stored(server_world) == 0


def test_cache_shared_comes_from_the_server_settings(tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text("[server]\ncache_shared = false\n", encoding="utf-8")
    settings = load_settings(tmp_path, environ={})
    assert server_settings(settings, "postgresql:///x", environ={}).cache_shared is False
    on = server_settings(settings, "postgresql:///x", {"TENANTDB_SERVER_CACHE_SHARED": "true"})
    assert on.cache_shared is True
    assert ServerSettings.from_json(on.to_json()).cache_shared is True
    with pytest.raises(ConfigError, match="true or false"):
        server_settings(settings, "postgresql:///x", {"TENANTDB_SERVER_CACHE_SHARED": "maybe"})
