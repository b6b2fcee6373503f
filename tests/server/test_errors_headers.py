"""Validation, generic error bodies, the database down, security headers, caching and CORS (A7, A11, A12)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any

import pytest
from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from starlette.middleware.base import BaseHTTPMiddleware

from tenantdb.db.api_tokens import Scope
from tenantdb.server.api.models import StrictModel
from tenantdb.server.app import create_app
from tenantdb.server.request_db import RequestDb, allows
from tenantdb.server.scopes import EVERYONE
from tests.server.conftest import BASE, ServerWorld, bearer

failing = APIRouter(prefix="/api/v1")


@failing.get("/fails")
def fails(db: Annotated[RequestDb, allows(EVERYONE)], kind: str) -> Any:
    if kind == "sql":
        db.session.execute("SELECT * FROM companies WHERE id = 'not-a-uuid'::uuid")
    if kind == "timeout":
        db.session.execute("SELECT pg_sleep(3)")
    raise ValueError("secret internal detail")


@failing.get("/stream-fails")
def stream_fails(db: Annotated[RequestDb, allows(EVERYONE)]) -> StreamingResponse:
    def rows() -> Iterator[bytes]:
        yield b"first row\n"
        raise RuntimeError("midway")

    return StreamingResponse(rows(), media_type="text/csv")


@pytest.fixture(scope="module")
def broken(server_world: ServerWorld) -> Any:
    app = create_app(server_world.settings(statement_timeout=timedelta(milliseconds=300)))
    app.include_router(failing)
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as opened:
        yield opened


@pytest.fixture(scope="module")
def executive(server_world: ServerWorld) -> str:
    return server_world.token(Scope.EXECUTIVE)


@pytest.mark.parametrize("kind", ["sql", "python"])
def test_an_unexpected_error_is_a_generic_500(broken: TestClient, executive: str, kind: str) -> None:
    response = broken.get(f"/api/v1/fails?kind={kind}", headers=bearer(executive))
    assert response.status_code == 500
    assert response.json() == {"error": "internal error"}
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-store"
    for leak in ("uuid", "22P02", "SELECT", "secret", "Traceback", "companies"):
        assert leak not in response.text


def test_a_statement_timeout_is_a_503_with_retry_after(broken: TestClient, executive: str) -> None:
    response = broken.get("/api/v1/fails?kind=timeout", headers=bearer(executive))
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert "57014" not in response.text and "pg_sleep" not in response.text


def test_invalid_and_unknown_parameters_are_422_with_a_clear_message(client: TestClient, executive: str) -> None:
    bad = client.get("/api/v1/executive-summary?month=2026-13", headers=bearer(executive))
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["location"] == "query.month"
    assert "2026-13" not in bad.text  # the input is not echoed back
    unknown = client.get("/api/v1/months?sort=name", headers=bearer(executive))
    assert unknown.status_code == 422
    assert unknown.json()["problems"] == [{"location": "query.sort", "message": "unknown query parameter"}]


def test_a_parameter_given_twice_is_422_not_its_last_value(client: TestClient, executive: str) -> None:
    """Schemathesis (CI): ``search=<control character>&search=ok`` answered 200, as FastAPI validates the last value
    of a repeated scalar parameter only; a scalar given twice is refused whole."""
    for query in ("search=%11bad&search=ok", "search=ok&search=ok", "limit=5&limit=6"):
        twice = client.get(f"/api/v1/tenants?{query}", headers=bearer(executive))
        assert twice.status_code == 422, query
        name = query.split("=")[0]
        assert twice.json()["problems"] == [{"location": f"query.{name}", "message": "given more than once"}]


def test_security_headers_on_data_errors_and_pages(client: TestClient, executive: str) -> None:
    for response in (
        client.get("/api/v1/months", headers=bearer(executive)),
        client.get("/api/v1/months"),
        client.get("/login"),
        client.get("/healthz"),
    ):
        headers = response.headers
        assert headers["cache-control"] == "private, no-store"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["x-frame-options"] == "DENY"
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_every_middleware_is_plain_asgi(server_world: ServerWorld) -> None:
    """``@app.middleware("http")`` (Starlette's BaseHTTPMiddleware) runs a task group and a memory stream per layer
    and request: with three of them, a cached answer's server CPU went mostly to that plumbing (issue 14)."""
    app = create_app(server_world.settings())
    middleware: list[object] = [entry.cls for entry in app.user_middleware]
    assert BaseHTTPMiddleware not in middleware


def test_a_streamed_body_that_fails_midway_keeps_the_started_response(broken: TestClient, executive: str) -> None:
    """Once the status line is sent nothing can turn it into a 500: the body stops, no second answer follows."""
    response = broken.get("/api/v1/stream-fails", headers=bearer(executive))
    assert response.status_code == 200
    assert response.text == "first row\n"
    assert response.headers["cache-control"] == "private, no-store"


def test_a_foreign_origin_is_refused_unless_configured(server_world: ServerWorld, executive: str) -> None:
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    with TestClient(create_app(server_world.settings()), base_url=BASE) as client:
        refused = client.options("/api/v1/months", headers=preflight)
        simple = client.get("/api/v1/months", headers={**bearer(executive), "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in refused.headers
    assert "access-control-allow-origin" not in simple.headers
    settings = server_world.settings(cors_origins=("https://bi.example.com",))
    with TestClient(create_app(settings), base_url=BASE) as client:
        allowed = client.options("/api/v1/months", headers={**preflight, "Origin": "https://bi.example.com"})
        still_refused = client.options("/api/v1/months", headers=preflight)
    assert allowed.headers["access-control-allow-origin"] == "https://bi.example.com"
    assert "access-control-allow-origin" not in still_refused.headers


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_database_down_is_a_503_json_for_the_api_and_a_page_for_the_dashboard(executive: str) -> None:
    from tenantdb.server.settings import ServerSettings

    settings = ServerSettings(dsn=f"postgresql://tenantdb@127.0.0.1:{closed_port()}/none", pool_timeout=timedelta(
        milliseconds=500))  # fmt: skip
    with TestClient(create_app(settings), base_url=BASE) as client:
        api = client.get("/api/v1/months", headers=bearer(executive))
        page = client.get("/", headers={"Cookie": "tenantdb_session=whatever"})
        health = client.get("/healthz")
    assert api.status_code == 503 and api.headers["retry-after"] == "5"
    assert api.json() == {"error": "the database is unavailable; retry after the number of seconds in Retry-After"}
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert "The database is unavailable" in page.text and "Traceback" not in page.text
    assert health.status_code == 200


def test_the_pool_recovers_when_its_connections_are_killed(server_world: ServerWorld, executive: str) -> None:
    with TestClient(create_app(server_world.settings()), base_url=BASE) as client:
        assert client.get("/api/v1/months", headers=bearer(executive)).status_code == 200
        with server_world.admin() as admin:
            killed = admin.fetch_value(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE application_name = 'tenantdb serve' AND datname = current_database()"
            )
        assert killed >= 1
        assert client.get("/api/v1/months", headers=bearer(executive)).status_code == 200


class Note(StrictModel):
    text: str


@failing.post("/notes")
def add_note(db: Annotated[RequestDb, allows(EVERYONE)], note: Note) -> dict[str, str]:
    return {"text": note.text}


def test_unknown_json_fields_are_422(broken: TestClient, executive: str) -> None:
    fine = broken.post("/api/v1/notes", json={"text": "hi"}, headers=bearer(executive))
    assert fine.status_code == 200, fine.text
    extra = broken.post("/api/v1/notes", json={"text": "hi", "tenant_id": "x"}, headers=bearer(executive))
    assert extra.status_code == 422
    assert extra.json()["problems"][0]["location"] == "body.tenant_id"


def test_a_huge_body_is_413_before_anything_reads_it(broken: TestClient, executive: str) -> None:
    huge = broken.post(
        "/api/v1/notes", content=b'{"text": "' + b"x" * (2 * 1024 * 1024) + b'"}', headers={
            **bearer(executive), "Content-Type": "application/json"}
    )  # fmt: skip
    assert huge.status_code == 413
    assert "Traceback" not in huge.text and len(huge.text) < 200, huge.text
