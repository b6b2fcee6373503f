"""A refusal by the AI session limits (ai_saas 0004, SQLSTATE P0L01/P0L02) answers 429 with Retry-After, never 500."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from tenantdb.db.api_tokens import Scope
from tenantdb.server.app import create_app
from tenantdb.server.errors import seconds_to_next_month
from tenantdb.server.request_db import RequestDb, allows
from tenantdb.server.scopes import EVERYONE
from tests.server.conftest import BASE, ServerWorld, bearer

limited = APIRouter(prefix="/api/v1")


@limited.post("/refused")
def refused(db: Annotated[RequestDb, allows(EVERYONE)], sqlstate: str) -> Any:
    """What the limits trigger raises, raised by PostgreSQL the same way (the trigger itself: test_ai_saas_limits)."""
    db.session.execute(
        "DO $$ BEGIN RAISE EXCEPTION 'AI analysis session refused: limit of 3 reached (3 created in 2026-12)'"
        f" USING ERRCODE = '{sqlstate}'; END $$"
    )


@pytest.fixture(scope="module")
def client(server_world: ServerWorld) -> Any:
    app = create_app(server_world.settings())
    app.include_router(limited)
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as opened:
        yield opened


@pytest.mark.parametrize(
    ("sqlstate", "limit"), [("P0L01", "ai_sessions_per_month"), ("P0L02", "ai_concurrent_sessions")]
)
def test_an_ai_limit_refusal_is_a_429_with_retry_after(
    client: TestClient, server_world: ServerWorld, sqlstate: str, limit: str
) -> None:
    response = client.post(f"/api/v1/refused?sqlstate={sqlstate}", headers=bearer(server_world.token(Scope.EXECUTIVE)))
    assert response.status_code == 429
    assert response.json()["limit"] == limit
    retry = int(response.headers["retry-after"])
    if sqlstate == "P0L01":  # the month's quota starts again at the next UTC month
        assert 0 < retry <= 31 * 86400
        assert abs(retry - seconds_to_next_month(datetime.now(UTC))) <= 5
    else:
        assert retry == 5  # the server's retry_after
    assert sqlstate not in response.text and "RAISE" not in response.text


def test_another_raised_error_is_still_a_500(client: TestClient, server_world: ServerWorld) -> None:
    response = client.post("/api/v1/refused?sqlstate=P0001", headers=bearer(server_world.token(Scope.EXECUTIVE)))
    assert response.status_code == 500


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        (datetime(2026, 12, 31, 23, 59, 30, tzinfo=UTC), 30),
        (datetime(2026, 2, 1, 0, 0, tzinfo=UTC), 28 * 86400),
        (datetime(2026, 6, 30, 23, 59, 59, 500000, tzinfo=UTC), 1),
    ],
)
def test_seconds_to_next_month(now: datetime, seconds: int) -> None:
    assert seconds_to_next_month(now) == seconds
