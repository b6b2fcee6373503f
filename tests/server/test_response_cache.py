"""The per-worker response cache: a cached response equals a fresh one, a hit runs no report, new data (an event)
invalidates, tenants and scopes never share an entry, authentication and the admin audit still run on every hit,
and the LRU keeps to its bounds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from tenantdb.config import load_settings
from tenantdb.db.api_tokens import Scope
from tenantdb.server.app import create_app
from tenantdb.server.cache import CachedResponse, ResponseCache
from tenantdb.server.settings import ServerSettings, server_settings
from tests import wire
from tests.server.conftest import BASE, ServerWorld, bearer


@pytest.fixture
def cached(server_world: ServerWorld) -> Iterator[TestClient]:
    with server_world.admin() as admin:  # the workers' shared store (test_response_store.py) starts empty too
        admin.execute("DELETE FROM api_response_cache")
    with TestClient(create_app(server_world.settings(cache_entries=100)), base_url=BASE) as opened:
        yield opened


@pytest.fixture
def uncached(server_world: ServerWorld) -> Iterator[TestClient]:
    with TestClient(create_app(server_world.settings(cache_entries=0)), base_url=BASE) as opened:
        yield opened


def _cache(client: TestClient) -> ResponseCache:
    found = client.app.state.cache  # type: ignore[attr-defined]
    assert isinstance(found, ResponseCache)
    return found


PATHS = (
    "/api/v1/executive-summary",
    "/api/v1/executive-summary?format=csv",
    "/api/v1/views/revenue-health?limit=5",
    "/api/v1/tenants?sort=-revenue",
    "/api/v1/tenants/alpha-mail/allocation",
    "/api/v1/tenants/alpha-mail/trend?months=3",
    "/api/v1/plans",
    "/api/v1/months",
)


@pytest.mark.parametrize("path", PATHS)
def test_a_cached_response_equals_a_fresh_one(
    cached: TestClient, uncached: TestClient, server_world: ServerWorld, path: str
) -> None:
    executive = bearer(server_world.token(Scope.EXECUTIVE))
    fresh = uncached.get(path, headers=executive)
    first = cached.get(path, headers=executive)
    hit = cached.get(path, headers=executive)
    assert fresh.status_code == first.status_code == hit.status_code == 200, fresh.text
    assert fresh.content == first.content == hit.content
    assert fresh.headers["etag"] == hit.headers["etag"]
    assert fresh.headers["content-type"] == hit.headers["content-type"]
    assert _cache(cached).stats.hits == 1
    assert _cache(uncached).stats.hits == 0


def test_a_hit_runs_no_report_and_a_new_event_invalidates(cached: TestClient, server_world: ServerWorld) -> None:
    executive = bearer(server_world.token(Scope.EXECUTIVE))
    cache = _cache(cached)
    cached.get("/api/v1/views/efficiency", headers=executive)
    assert (cache.stats.computed, cache.stats.hits) == (1, 0)
    cached.get("/api/v1/views/efficiency", headers=executive)
    assert (cache.stats.computed, cache.stats.hits) == (1, 1)  # the route did not run
    with server_world.admin() as admin, admin.transaction():
        admin.execute("SELECT tenantdb_events_emit(%s, now(), 'efficiency_metrics', NULL, '{}')", (uuid4(),))
    cached.get("/api/v1/views/efficiency", headers=executive)
    assert (cache.stats.computed, cache.stats.hits) == (2, 1)


def test_an_etag_of_a_hit_answers_304(cached: TestClient, server_world: ServerWorld) -> None:
    executive = bearer(server_world.token(Scope.EXECUTIVE))
    first = cached.get("/api/v1/plans", headers=executive)
    again = cached.get("/api/v1/plans", headers=executive | {"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_two_tenants_never_share_an_entry(cached: TestClient, server_world: ServerWorld) -> None:
    alpha = bearer(server_world.token(Scope.TENANT, "alpha-mail"))
    beta = bearer(server_world.token(Scope.TENANT, "beta-corp"))
    mine = cached.get("/api/v1/tenants/alpha-mail/allocation", headers=alpha)
    assert mine.status_code == 200, mine.text
    assert cached.get("/api/v1/tenants/alpha-mail/allocation", headers=beta).status_code == 404
    alpha_months = cached.get("/api/v1/months", headers=alpha)
    beta_months = cached.get("/api/v1/months", headers=beta)
    assert alpha_months.status_code == beta_months.status_code == 200
    assert _cache(cached).stats.hits == 0  # the same path and parameters, two entries
    assert cached.get("/api/v1/months", headers=beta).content == beta_months.content


def test_executive_and_tenant_scopes_never_share(cached: TestClient, server_world: ServerWorld) -> None:
    executive = bearer(server_world.token(Scope.EXECUTIVE))
    alpha = bearer(server_world.token(Scope.TENANT, "alpha-mail"))
    path = "/api/v1/tenants/alpha-mail/allocation"
    operator_view = cached.get(path, headers=executive)
    own_view = cached.get(path, headers=alpha)
    assert operator_view.status_code == own_view.status_code == 200
    assert "unit_cost" in operator_view.text
    assert "unit_cost" not in own_view.text
    assert _cache(cached).stats.hits == 0


def test_authentication_and_the_admin_audit_run_on_every_hit(cached: TestClient, server_world: ServerWorld) -> None:
    admin = bearer(server_world.token(Scope.ADMIN))
    with server_world.admin() as session:
        before = int(session.fetch_value("SELECT count(*) FROM api_audit WHERE route = '/api/v1/plans'"))
    cached.get("/api/v1/plans", headers=admin)
    cached.get("/api/v1/plans", headers=admin)
    assert _cache(cached).stats.hits == 1
    with server_world.admin() as session:
        after = int(session.fetch_value("SELECT count(*) FROM api_audit WHERE route = '/api/v1/plans'"))
    assert after == before + 2
    assert cached.get("/api/v1/plans", headers=bearer("tdb_" + "x" * 43)).status_code == 401


def test_a_state_changing_route_is_never_cached(cached: TestClient, server_world: ServerWorld) -> None:
    admin = bearer(server_world.token(Scope.ADMIN))
    body = {"title": "Cache me not", "category": "other"}
    first = cached.post("/api/v1/decisions", headers=admin, json=body)
    second = cached.post("/api/v1/decisions", headers=admin, json=body)
    assert first.status_code == second.status_code
    assert first.json() != second.json()
    assert _cache(cached).stats.hits == 0


def _response(size: int) -> CachedResponse:
    return CachedResponse(body=b"x" * size, media_type="application/json", headers=(("ETag", '"e"'),))


def test_the_lru_keeps_to_its_entry_bound() -> None:
    cache = ResponseCache(max_entries=2, max_bytes=10_000)
    cache.put(("a",), _response(1))
    cache.put(("b",), _response(1))
    assert cache.get(("a",)) is not None  # a is now the most recently used
    cache.put(("c",), _response(1))
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) is not None
    assert cache.get(("c",)) is not None
    assert len(cache) == 2


def test_the_lru_keeps_to_its_byte_bound() -> None:
    cache = ResponseCache(max_entries=100, max_bytes=1000)
    cache.put(("a",), _response(400))
    cache.put(("b",), _response(400))
    cache.put(("c",), _response(400))
    assert cache.get(("a",)) is None
    assert cache.size_bytes <= 1000
    cache.put(("big",), _response(5000))  # larger than the whole cache: never kept
    assert cache.get(("big",)) is None
    assert cache.get(("c",)) is not None


def test_a_zero_bound_disables_the_cache() -> None:
    cache = ResponseCache(max_entries=0, max_bytes=1000)
    cache.put(("a",), _response(1))
    assert cache.get(("a",)) is None


def test_the_bounds_come_from_the_server_settings(tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text("[server]\ncache_entries = 5\ncache_bytes = 4096\n", encoding="utf-8")
    found = server_settings(load_settings(tmp_path, environ={}), "postgresql:///x", environ={})
    assert (found.cache_entries, found.cache_bytes) == (5, 4096)
    off = server_settings(
        load_settings(tmp_path, environ={}), "postgresql:///x", {"TENANTDB_SERVER_CACHE_ENTRIES": "0"}
    )
    assert off.cache_entries == 0
    assert ServerSettings.from_json(found.to_json()).cache_bytes == 4096


def _one_connection(client: TestClient) -> Any:
    """psycopg_pool's pool under the app's (one connection), to trace that connection."""
    return client.app.state.pool._pool  # type: ignore[attr-defined]


def test_a_cached_answer_costs_six_round_trips(server_world: ServerWorld, tmp_path: Path) -> None:
    """A hit's database work, counted on the wire: the pool's check, BEGIN with the token lookup, the switch to the
    scope's role with the data version's first query, the version, COMMIT, and the pool's reset (eight before: BEGIN
    and the lookup, the role and the version's probe each took a round trip, the reset two)."""
    executive = bearer(server_world.token(Scope.EXECUTIVE))
    settings = server_world.settings(cache_entries=100, pool_min=1, pool_max=1)
    with TestClient(create_app(settings), base_url=BASE) as client:
        assert client.get("/api/v1/executive-summary", headers=executive).status_code == 200  # now cached
        pool = _one_connection(client)
        connection = pool.getconn()
        with wire.traced(connection, tmp_path / "idle.txt") as idle:  # the pool's own reset and check
            pool.putconn(connection)
            connection = pool.getconn()
        with wire.traced(connection, tmp_path / "hit.txt") as hit:
            pool.putconn(connection)
            assert client.get("/api/v1/executive-summary", headers=executive).status_code == 200
            connection = pool.getconn()
        pool.putconn(connection)
    assert _cache(client).stats.hits >= 1
    assert (hit[0] - idle[0]).round_trips <= 6
