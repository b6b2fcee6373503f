"""Bearer tokens, scopes and the request's database role (RELIABILITY A1, A2, A4, A5, A9)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from tenantdb.db.api_tokens import Scope, revoke_token
from tenantdb.server.app import create_app
from tenantdb.server.request_db import RequestDb, allows
from tenantdb.server.scopes import EVERYONE
from tests.bi.report_data import ALPHA
from tests.server.conftest import BASE, ServerWorld, bearer

probe = APIRouter(prefix="/api/v1")


@probe.get("/probe")
def probe_route(db: Annotated[RequestDb, allows(EVERYONE)]) -> dict[str, Any]:
    """What a route sees of the database: its role, its tenant, and how many companies it can read."""
    row = db.session.fetch_one(
        "SELECT current_user::text, session_user::text, current_setting('statement_timeout'),"
        " (SELECT count(*) FROM companies)"
    )
    assert row is not None
    return {"role": row[0], "login": row[1], "timeout": row[2], "companies": row[3]}


@pytest.fixture(scope="module")
def probing(server_world: ServerWorld) -> Any:
    app = create_app(server_world.settings())
    app.include_router(probe)
    with TestClient(app, base_url=BASE) as opened:
        yield opened


@pytest.mark.parametrize(
    ("scope", "role", "companies"),
    [
        (Scope.EXECUTIVE, "business_analysts", 5),
        (Scope.ANALYST, "business_analysts", 5),
        (Scope.ADMIN, "db_administrators", 5),
        (Scope.TENANT, "tenant_api", 1),
    ],
)
def test_a_route_runs_as_the_scopes_role_never_as_the_login_role(
    probing: TestClient, server_world: ServerWorld, scope: Scope, role: str, companies: int
) -> None:
    token = server_world.token(scope, "alpha-mail" if scope is Scope.TENANT else None)
    response = probing.get("/api/v1/probe", headers=bearer(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["role"] == role != body["login"]
    assert body["timeout"] == "5s"
    assert body["companies"] == companies


def test_the_tenant_comes_from_the_token_and_overrides_in_the_request_are_refused(
    probing: TestClient, server_world: ServerWorld
) -> None:
    token = server_world.token(Scope.TENANT, "alpha-mail")
    headers = {**bearer(token), "X-Tenant-Id": "00000000-0000-4000-8000-00000000000b"}
    assert probing.get("/api/v1/probe", headers=headers).json()["companies"] == 1
    refused = probing.get("/api/v1/probe?tenant_id=00000000-0000-4000-8000-00000000000b", headers=bearer(token))
    assert refused.status_code == 422
    assert "tenant_id" in refused.text


def test_signed_context_mode_needs_the_servers_key_and_works_with_it(server_world: ServerWorld) -> None:
    from tenantdb.db.context_keys import add_context_key, remove_context_key
    from tenantdb.tenant_token import TenantTokenSigner

    token = server_world.token(Scope.TENANT, "alpha-mail")
    with server_world.admin() as admin:
        key = add_context_key(admin)
    try:
        signer = TenantTokenSigner(key_id=key.key_id, secret=key.secret)
        for settings, expected in ((server_world.settings(), 503), (server_world.settings(context_signer=signer), 200)):
            app = create_app(settings)
            app.include_router(probe)
            with TestClient(app, base_url=BASE, raise_server_exceptions=False) as client:
                response = client.get("/api/v1/probe", headers=bearer(token))
            assert response.status_code == expected, response.text
            if expected == 200:
                assert response.json()["companies"] == 1
            else:
                assert "retry-after" in response.headers  # no key: 503, the reason logged (test_api_fixes.py)
    finally:
        with server_world.admin() as admin:
            remove_context_key(admin, key.key_id)


def test_plain_mode_sets_the_tenant_id(probing: TestClient, server_world: ServerWorld) -> None:
    token = server_world.token(Scope.TENANT, "beta-corp")
    assert probing.get("/api/v1/probe", headers=bearer(token)).json()["companies"] == 1
    with server_world.admin() as admin:
        assert admin.fetch_value("SELECT slug FROM companies WHERE id = %s", (ALPHA,)) == "alpha-mail"


def test_every_bad_credential_gets_the_same_401(client: TestClient, server_world: ServerWorld) -> None:
    expired = server_world.token(Scope.EXECUTIVE, lifetime=timedelta(seconds=1))
    with server_world.admin() as admin:
        admin.execute("UPDATE api_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval"
                      " '1 day' WHERE prefix = %s", (expired[:12],))  # fmt: skip
        revoked = server_world.token(Scope.EXECUTIVE)
        revoke_token(admin, revoked[:12])
    valid = server_world.token(Scope.EXECUTIVE)
    attempts: list[dict[str, str]] = [
        {},
        bearer("garbage"),
        bearer(valid[:-1] + ("A" if valid[-1] != "A" else "B")),
        bearer(expired),
        bearer(revoked),
        {"Authorization": f"Basic {valid}"},
        {"Authorization": "Bearer " + "x" * 5000},
        {"Cookie": "tenantdb_session=forged"},
    ]
    answers = [client.get("/api/v1/months", headers=headers) for headers in attempts]
    assert {(a.status_code, a.text, a.headers.get("www-authenticate")) for a in answers} == {
        (401, '{"error":"a valid API token is required"}', "Bearer")
    }
    assert client.get("/api/v1/months", headers=bearer(valid)).status_code == 200


def test_a_scope_not_declared_by_the_route_gets_403(client: TestClient, server_world: ServerWorld) -> None:
    tenant = server_world.token(Scope.TENANT, "alpha-mail")
    response = client.get("/api/v1/executive-summary", headers=bearer(tenant))
    assert response.status_code == 403
    assert response.json() == {"error": "this token's scope does not allow this request"}


def test_bad_tokens_are_rate_limited_per_client_address(server_world: ServerWorld) -> None:
    app = create_app(server_world.settings(failed_auth_burst=3, failed_auth_rate=0.01))
    with TestClient(app, base_url=BASE) as client:
        statuses = [client.get("/api/v1/months", headers=bearer(f"tdb_guess{n}")).status_code for n in range(5)]
        valid = client.get("/api/v1/months", headers=bearer(server_world.token(Scope.EXECUTIVE)))
    assert statuses == [401, 401, 401, 429, 429]
    assert valid.status_code == 429 and int(valid.headers["retry-after"]) >= 1
