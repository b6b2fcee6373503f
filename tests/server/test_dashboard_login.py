"""Dashboard login with a token: the session cookie, CSRF and same-origin on state changes, logout, and the audit
trail of logins, admin requests and state changes."""

from __future__ import annotations

import re
from typing import Annotated, Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from tenantdb.db.api_tokens import Scope
from tenantdb.server.app import create_app
from tenantdb.server.request_db import RequestDb, allows
from tenantdb.server.scopes import EVERYONE
from tests.server.conftest import BASE, ServerWorld, bearer

changes = APIRouter(prefix="/api/v1")


@changes.post("/probe-change")
def probe_change(db: Annotated[RequestDb, allows(EVERYONE)]) -> dict[str, Any]:
    return {"scope": db.principal.scope.value}


@pytest.fixture
def app_client(server_world: ServerWorld) -> Any:
    app = create_app(server_world.settings())
    app.include_router(changes)
    with TestClient(app, base_url=BASE, follow_redirects=False) as opened:
        yield opened


SAME_ORIGIN = {"Origin": BASE}


def log_in(client: TestClient, token: str) -> str:
    response = client.post("/login", data={"token": token}, headers=SAME_ORIGIN)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http here; https requests get Secure
    page = client.get("/")
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def audit_rows(world: ServerWorld) -> list[tuple[Any, ...]]:
    with world.admin() as admin:
        return admin.fetch_all("SELECT action, method, route, status, scope FROM api_audit ORDER BY at, audit_id")


def test_without_a_session_the_dashboard_sends_to_the_login_page(app_client: TestClient) -> None:
    response = app_client.get("/")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert app_client.get("/login").status_code == 200


def test_login_renders_the_dashboard_and_logout_needs_csrf_and_same_origin(
    app_client: TestClient, server_world: ServerWorld
) -> None:
    csrf = log_in(app_client, server_world.token(Scope.EXECUTIVE))
    assert "executive" in app_client.get("/").text
    assert app_client.post("/logout", headers=SAME_ORIGIN).status_code == 403  # no CSRF token
    assert app_client.post("/logout", data={"csrf_token": "wrong"}, headers=SAME_ORIGIN).status_code == 403
    foreign = {"Origin": "https://evil.example"}
    assert app_client.post("/logout", data={"csrf_token": csrf}, headers=foreign).status_code == 403
    assert app_client.get("/").status_code == 200  # still logged in
    done = app_client.post("/logout", data={"csrf_token": csrf}, headers={"Referer": f"{BASE}/"})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    app_client.cookies.clear()
    assert app_client.get("/").status_code == 303


def test_a_closed_session_cookie_no_longer_works(app_client: TestClient, server_world: ServerWorld) -> None:
    csrf = log_in(app_client, server_world.token(Scope.ANALYST))
    cookie = app_client.cookies.get("tenantdb_session")
    app_client.post("/logout", data={"csrf_token": csrf}, headers=SAME_ORIGIN)
    app_client.cookies.set("tenantdb_session", str(cookie))
    assert app_client.get("/").status_code == 303
    assert app_client.get("/api/v1/months").status_code == 401


def test_cookie_state_changes_need_csrf_bearer_ones_do_not(app_client: TestClient, server_world: ServerWorld) -> None:
    token = server_world.token(Scope.EXECUTIVE)
    csrf = log_in(app_client, token)
    assert app_client.post("/api/v1/probe-change", headers=SAME_ORIGIN).status_code == 403
    with_header = app_client.post("/api/v1/probe-change", headers={**SAME_ORIGIN, "X-CSRF-Token": csrf})
    assert with_header.status_code == 200
    app_client.cookies.clear()
    assert app_client.post("/api/v1/probe-change", headers=bearer(token)).status_code == 200


def test_a_bad_login_is_401_with_no_cookie_and_a_foreign_login_form_is_refused(
    app_client: TestClient, server_world: ServerWorld
) -> None:
    bad = app_client.post("/login", data={"token": "tdb_nope"}, headers=SAME_ORIGIN)
    assert bad.status_code == 401 and "set-cookie" not in bad.headers
    token = server_world.token(Scope.EXECUTIVE)
    forged = app_client.post("/login", data={"token": token}, headers={"Origin": "https://evil.example"})
    assert forged.status_code == 403 and "set-cookie" not in forged.headers


def test_logins_admin_requests_and_state_changes_are_audited(app_client: TestClient, server_world: ServerWorld) -> None:
    before = len(audit_rows(server_world))
    app_client.post("/login", data={"token": "tdb_wrong-token"}, headers=SAME_ORIGIN)
    csrf = log_in(app_client, server_world.token(Scope.EXECUTIVE))
    app_client.get("/api/v1/months")  # an executive's read: not audited
    app_client.post("/api/v1/probe-change", headers={**SAME_ORIGIN, "X-CSRF-Token": csrf})
    app_client.post("/logout", data={"csrf_token": csrf}, headers=SAME_ORIGIN)
    app_client.cookies.clear()
    app_client.get("/api/v1/months", headers=bearer(server_world.token(Scope.ADMIN)))
    assert audit_rows(server_world)[before:] == [
        ("login_failed", "POST", "/login", 401, None),
        ("login", "POST", "/login", 303, "executive"),
        ("request", "POST", "/api/v1/probe-change", 200, "executive"),
        ("logout", "POST", "/logout", 303, "executive"),
        ("request", "GET", "/api/v1/months", 200, "admin"),
    ]


def test_the_cookie_is_secure_over_https(server_world: ServerWorld) -> None:
    with TestClient(create_app(server_world.settings()), base_url="https://testserver", follow_redirects=False) as tls:
        response = tls.post(
            "/login", data={"token": server_world.token(Scope.EXECUTIVE)}, headers={"Origin": "https://testserver"}
        )
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]
