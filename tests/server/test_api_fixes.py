"""Fixes found by the lead and the core helper: no database name in the API (A10), and a signed-context database
without the server's key is a 503 with a generic body and a clear log line, not a 500."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from tenantdb.db.api_tokens import Scope
from tenantdb.server.app import create_app
from tenantdb.server.errors import MESSAGES
from tests.bi.report_data import MONTH
from tests.server.conftest import BASE, ServerWorld, bearer


def test_the_executive_summary_does_not_expose_the_database_name(client: TestClient, server_world: ServerWorld) -> None:
    response = client.get(
        f"/api/v1/executive-summary?month={MONTH:%Y-%m}", headers=bearer(server_world.token(Scope.EXECUTIVE))
    )
    assert response.status_code == 200, response.text
    assert "database" not in response.json()["scope"]
    with server_world.admin() as admin:
        assert admin.database not in response.text
    schema = client.app.openapi()["components"]["schemas"]  # type: ignore[attr-defined]
    assert "database" not in schema["ReportScope"]["properties"]


def test_signed_context_without_the_key_is_a_503_with_a_generic_body(
    server_world: ServerWorld, caplog: pytest.LogCaptureFixture
) -> None:
    from tenantdb.db.context_keys import add_context_key, remove_context_key

    token = server_world.token(Scope.TENANT, "alpha-mail")
    with server_world.admin() as admin:
        key = add_context_key(admin)
    try:
        with (
            TestClient(create_app(server_world.settings()), base_url=BASE, raise_server_exceptions=False) as client,
            caplog.at_level(logging.ERROR, logger="tenantdb.server"),
        ):
            response = client.get("/api/v1/data-version", headers=bearer(token))
    finally:
        with server_world.admin() as admin:
            remove_context_key(admin, key.key_id)
    assert response.status_code == 503, response.text
    assert response.json() == {"error": MESSAGES[503]}
    assert "retry-after" in response.headers
    assert "TENANTDB_CONTEXT_KEY" in caplog.text
