"""State-changing routes (admin only, audited): cost-optimization actions and strategic decisions; and the business
events list (bounded range, keyset cursor, row-level security for a tenant token)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from tenantdb.db.api_tokens import Scope
from tests.bi.report_data import ALPHA, BETA, MONTH
from tests.server.conftest import ServerWorld, bearer


@pytest.fixture  # a token per test: one token's rate limit would stop a module
def admin_token(server_world: ServerWorld) -> dict[str, str]:
    return bearer(server_world.token(Scope.ADMIN))


@pytest.fixture  # a token per test: one token's rate limit would stop a module
def executive(server_world: ServerWorld) -> dict[str, str]:
    return bearer(server_world.token(Scope.EXECUTIVE))


@pytest.fixture
def action(server_world: ServerWorld) -> Iterator[UUID]:
    """A fresh recommended action for Beta in the dataset's month."""
    action_id = uuid4()
    with server_world.admin() as admin, admin.transaction():
        admin.execute(
            "INSERT INTO cost_optimizations (optimization_id, tenant_id, kind, subject, month, expected_savings,"
            " recommended_at) VALUES (%s, %s, 'raise_margin_to_target', 'beta-corp', %s, 42.00, %s)",
            (action_id, BETA, MONTH, datetime(2026, 10, 1, 6, tzinfo=UTC)),
        )
    yield action_id


def _audit_rows(server_world: ServerWorld, route: str) -> int:
    with server_world.admin() as admin:
        return int(admin.fetch_value("SELECT count(*) FROM api_audit WHERE route = %s", (route,)))


def test_actions_lists_and_filters(client: TestClient, executive: dict[str, str], action: UUID) -> None:
    response = client.get(
        "/api/v1/actions?status=recommended&kind=raise_margin_to_target&tenant=beta-corp", headers=executive
    )
    assert response.status_code == 200, response.text
    ids = [item["optimization_id"] for item in response.json()["actions"]]
    assert str(action) in ids
    assert client.get("/api/v1/actions?kind=fix_deliverability&tenant=beta-corp", headers=executive).json()[
        "actions"
    ] == [] or str(action) not in str(client.get("/api/v1/actions?kind=fix_deliverability", headers=executive).json())
    assert client.get("/api/v1/actions?status=whatever", headers=executive).status_code == 422
    assert client.get("/api/v1/actions?format=csv", headers=executive).headers["content-type"].startswith("text/csv")


def test_an_action_is_accepted_then_done_idempotently_with_its_event_and_audit(
    client: TestClient, server_world: ServerWorld, admin_token: dict[str, str], action: UUID
) -> None:
    audited = _audit_rows(server_world, "/api/v1/actions/{action_id}/accept")
    accepted = client.post(f"/api/v1/actions/{action}/accept", headers=admin_token, json={"note": "on it"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["changed"] is True and accepted.json()["action"]["status"] == "accepted"
    again = client.post(f"/api/v1/actions/{action}/accept", headers=admin_token)
    assert again.status_code == 200 and again.json()["changed"] is False
    done = client.post(f"/api/v1/actions/{action}/done", headers=admin_token)
    assert done.status_code == 200 and done.json()["action"]["status"] == "done"
    assert client.post(f"/api/v1/actions/{action}/dismiss", headers=admin_token).status_code == 409
    with server_world.admin() as admin:
        stages = admin.fetch_all(
            "SELECT properties->>'stage' FROM business_events WHERE event = 'cost_optimization'"
            " AND properties->>'optimization_id' = %s ORDER BY occurred_at",
            (str(action),),
        )
        note = admin.fetch_value("SELECT note FROM cost_optimizations WHERE optimization_id = %s", (action,))
    assert [row[0] for row in stages] == ["accepted", "done"]
    assert note == "on it"
    assert _audit_rows(server_world, "/api/v1/actions/{action_id}/accept") == audited + 2


def test_action_transitions_need_admin_an_existing_id_and_a_strict_body(
    client: TestClient, executive: dict[str, str], admin_token: dict[str, str], action: UUID
) -> None:
    assert client.post(f"/api/v1/actions/{action}/accept", headers=executive).status_code == 403
    missing = client.post(f"/api/v1/actions/{uuid4()}/accept", headers=admin_token)
    assert missing.status_code == 404 and missing.json() == {"error": "not found"}
    assert client.post("/api/v1/actions/not-a-uuid/accept", headers=admin_token).status_code == 422
    extra = client.post(f"/api/v1/actions/{action}/accept", headers=admin_token, json={"status": "done"})
    assert extra.status_code == 422


def test_decisions_open_decide_and_list(
    client: TestClient, server_world: ServerWorld, admin_token: dict[str, str], executive: dict[str, str]
) -> None:
    opened = client.post(
        "/api/v1/decisions",
        headers=admin_token,
        json={"title": "Reprice Beta", "category": "pricing", "tenant": "beta-corp", "expected_value": "1200.50"},
    )
    assert opened.status_code == 201, opened.text
    decision = opened.json()
    assert decision["tenant"] == "beta-corp" and decision["expected_value"] == "1200.50"
    listed = client.get("/api/v1/decisions?open=true", headers=executive).json()["decisions"]
    assert decision["decision_id"] in [d["decision_id"] for d in listed]
    path = f"/api/v1/decisions/{decision['decision_id']}/decide"
    decided = client.post(path, headers=admin_token, json={"outcome": "approved", "note": "go"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["changed"] is True and decided.json()["decision"]["outcome"] == "approved"
    assert client.post(path, headers=admin_token, json={"outcome": "approved"}).json()["changed"] is False
    assert client.post(path, headers=admin_token, json={"outcome": "rejected"}).status_code == 409
    assert (
        client.post(
            f"/api/v1/decisions/{uuid4()}/decide", headers=admin_token, json={"outcome": "approved"}
        ).status_code
        == 404
    )
    assert client.post(path, headers=executive, json={"outcome": "approved"}).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"title": "", "category": "pricing"},
        {"title": "x", "category": "astrology"},
        {"title": "x", "category": "pricing", "expected_value": "NaN"},
        {"title": "x", "category": "pricing", "owner": "me"},
        {"title": "x", "category": "pricing", "tenant": "no-such-tenant"},
    ],
)
def test_a_bad_decision_is_refused_and_nothing_is_recorded(
    client: TestClient, server_world: ServerWorld, admin_token: dict[str, str], body: dict[str, str]
) -> None:
    with server_world.admin() as admin:
        before = admin.fetch_value("SELECT count(*) FROM strategic_decisions")
    response = client.post("/api/v1/decisions", headers=admin_token, json=body)
    assert response.status_code in (404, 422), response.text
    with server_world.admin() as admin:
        assert admin.fetch_value("SELECT count(*) FROM strategic_decisions") == before


@pytest.fixture(scope="module")
def events(server_world: ServerWorld) -> list[UUID]:
    """Five delivery outcomes of Alpha and one operator event about Alpha, a minute apart (recent)."""
    now = datetime.now(UTC).replace(microsecond=0)
    ids = []
    with server_world.admin() as admin, admin.transaction():
        for n in range(5):
            event_id = uuid4()
            ids.append(event_id)
            admin.execute(
                "SELECT tenantdb_events_emit(%s, %s, 'email_delivery_outcome', %s, jsonb_build_object('n', %s::int))",
                (event_id, now - timedelta(minutes=n), ALPHA, n),
            )
        admin.execute("SELECT tenantdb_events_emit(gen_random_uuid(), %s, 'cost_optimization', %s, '{}')", (now, ALPHA))
    return ids


def test_events_page_by_occurred_at_and_id(client: TestClient, executive: dict[str, str], events: list[UUID]) -> None:
    url: str | None = "/api/v1/events?kind=email_delivery_outcome&tenant=alpha-mail&limit=2"
    seen: list[str] = []
    while url is not None and len(seen) < 20:
        response = client.get(url, headers=executive)
        assert response.status_code == 200, response.text
        seen += [event["event_id"] for event in response.json()["events"]]
        url = response.json()["next"]
    assert [str(e) for e in events] == [s for s in seen if UUID(s) in set(events)]


def test_a_tenant_token_reads_its_own_delivery_events_only(
    client: TestClient, server_world: ServerWorld, events: list[UUID]
) -> None:
    alpha = bearer(server_world.token(Scope.TENANT, "alpha-mail"))
    body = client.get("/api/v1/events", headers=alpha).json()
    assert {event["kind"] for event in body["events"]} <= {"email_delivery_outcome", "revenue_impact"}
    assert {str(e) for e in events} <= {event["event_id"] for event in body["events"]}
    beta = bearer(server_world.token(Scope.TENANT, "beta-corp"))
    assert client.get("/api/v1/events", headers=beta).json()["events"] == []
    other = client.get("/api/v1/events?tenant=alpha-mail", headers=beta)
    unknown = client.get("/api/v1/events?tenant=no-such-tenant", headers=beta)
    assert other.status_code == unknown.status_code == 404 and other.text == unknown.text


@pytest.mark.parametrize(
    "query",
    [
        "since=2020-01-01T00:00:00Z&until=2026-01-01T00:00:00Z",
        "since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z",
        "since=2026-01-01T00:00:00",
        "until=0.0",  # a number is not a time, though pydantic reads it as seconds since 1970 (schemathesis, CI3)
        "since=1767225600&until=1767312000",
        "until=2026-01-01",  # a date without a time
        "kind=drop_table",
        "cursor=e30",
        "limit=100000",
    ],
)
def test_events_bad_ranges_and_cursors_are_a_422(client: TestClient, executive: dict[str, str], query: str) -> None:
    response = client.get(f"/api/v1/events?{query}", headers=executive)
    assert response.status_code == 422, response.text
