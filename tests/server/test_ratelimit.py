"""Token buckets per token and per tenant: 429 with Retry-After, other tokens unaffected (A8)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.testclient import TestClient

from tenantdb.db.api_tokens import Scope
from tenantdb.server.app import create_app
from tenantdb.server.ratelimit import TokenBuckets
from tenantdb.server.request_db import RequestDb, allows
from tenantdb.server.scopes import EVERYONE
from tests.server.conftest import BASE, ServerWorld, bearer


def test_a_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=2.0, burst=2, clock=lambda: now[0])
    assert [buckets.take("a"), buckets.take("a"), buckets.take("a")] == [None, None, 1]
    assert buckets.take("b") is None
    now[0] = 0.5
    assert buckets.take("a") is None


def test_a_flooding_token_gets_429_and_another_token_does_not(server_world: ServerWorld) -> None:
    noisy, quiet = server_world.token(Scope.EXECUTIVE), server_world.token(Scope.EXECUTIVE)
    with TestClient(create_app(server_world.settings(token_burst=3, token_rate=0.01)), base_url=BASE) as client:
        statuses = [client.get("/api/v1/months", headers=bearer(noisy)).status_code for _ in range(4)]
        limited = client.get("/api/v1/months", headers=bearer(noisy))
        other = client.get("/api/v1/months", headers=bearer(quiet))
    assert statuses == [200, 200, 200, 429]
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json() == {"error": "too many requests; retry after the number of seconds in Retry-After"}
    assert other.status_code == 200


def test_a_tenant_is_limited_across_its_tokens(server_world: ServerWorld) -> None:
    router = APIRouter()

    @router.get("/api/v1/mine")
    def mine(db: Annotated[RequestDb, allows(EVERYONE)]) -> Any:
        return {"tenant": db.principal.tenant_slug}

    first, second = (server_world.token(Scope.TENANT, "alpha-mail") for _ in range(2))
    beta = server_world.token(Scope.TENANT, "beta-corp")
    app = create_app(server_world.settings(tenant_burst=2, tenant_rate=0.01))
    app.include_router(router)
    with TestClient(app, base_url=BASE) as client:
        statuses = [client.get("/api/v1/mine", headers=bearer(token)).status_code for token in (first, second, second)]
        other_tenant = client.get("/api/v1/mine", headers=bearer(beta))
    assert statuses == [200, 200, 429]
    assert other_tenant.json() == {"tenant": "beta-corp"}
