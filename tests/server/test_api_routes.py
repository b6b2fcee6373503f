"""The API's routes over the report tests' dataset: the route x scope table, tenants (filters, sort, keyset
pagination, bad cursors), one tenant's summary/allocation/trend, plans, deliverability, reconciliation, the five
views, data-version; CSV downloads with formula escaping; ETag and 304."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tenantdb.db.api_tokens import Scope
from tenantdb.server.api.access import ROUTE_SCOPES
from tenantdb.server.app import create_app, route_inventory
from tenantdb.server.settings import ServerSettings
from tests.bi.report_data import ALPHA, BETA, MONTH
from tests.server.conftest import ServerWorld, bearer
from tests.server.test_routes import declared_scopes

M = f"{MONTH:%Y-%m}"


@pytest.fixture  # a token per test: one token's rate limit would stop a module
def analyst(server_world: ServerWorld) -> dict[str, str]:
    return bearer(server_world.token(Scope.ANALYST))


@pytest.fixture  # a token per test: one token's rate limit would stop a module
def tenant_alpha(server_world: ServerWorld) -> dict[str, str]:
    return bearer(server_world.token(Scope.TENANT, "alpha-mail"))


def test_the_route_scope_table_is_what_the_routes_declare() -> None:
    app = create_app(ServerSettings(dsn="postgresql://127.0.0.1:1/none"))
    served = {
        (method, entry.path.removeprefix("/api/v1")): declared_scopes(entry.route)
        for entry in route_inventory(app)
        if entry.path.startswith("/api/v1/") and entry.path != "/api/v1/openapi.json"
        for method in entry.methods
    }
    assert served == ROUTE_SCOPES


def test_every_api_route_has_a_summary_a_description_and_a_tag() -> None:
    schema = create_app(ServerSettings(dsn="postgresql://127.0.0.1:1/none")).openapi()
    for path, item in schema["paths"].items():
        if path.startswith("/api/v1/"):
            for method, operation in item.items():
                assert operation.get("summary") and operation.get("description") and operation.get("tags"), (
                    method,
                    path,
                )


def test_tenants_lists_the_months_customers_sorted_by_name(client: TestClient, analyst: dict[str, str]) -> None:
    response = client.get(f"/api/v1/tenants?month={M}", headers=analyst)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [row["slug"] for row in body["tenants"]] == ["alpha-mail", "beta-corp", "gamma-tiny"]
    assert body["total"] == 3 and body["next"] is None
    assert body["tenants"][0]["revenue"] == "100.00"


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("sort=-revenue", ["beta-corp", "alpha-mail", "gamma-tiny"]),
        ("sort=cost", ["gamma-tiny", "alpha-mail", "beta-corp"]),
        ("plan=Growth", ["alpha-mail"]),
        ("health=monitor", ["beta-corp"]),
        ("health=not_applicable", ["gamma-tiny"]),
        ("search=BET", ["beta-corp"]),
        ("search=gamma", ["gamma-tiny"]),
        ("at_risk=true", ["beta-corp"]),
    ],
)
def test_tenants_filters_and_sorts(client: TestClient, analyst: dict[str, str], query: str, slugs: list[str]) -> None:
    response = client.get(f"/api/v1/tenants?month={M}&{query}", headers=analyst)
    assert response.status_code == 200, response.text
    assert [row["slug"] for row in response.json()["tenants"]] == slugs


@pytest.mark.parametrize("sort", ["name", "-revenue", "cost", "-emails_sent"])
def test_tenants_pages_one_row_at_a_time_list_every_row_once(
    client: TestClient, analyst: dict[str, str], sort: str
) -> None:
    everything = client.get(f"/api/v1/tenants?month={M}&sort={sort}", headers=analyst).json()["tenants"]
    url: str | None = f"/api/v1/tenants?month={M}&sort={sort}&limit=1"
    seen: list[str] = []
    while url is not None:
        response = client.get(url, headers=analyst)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total"] == 3
        seen += [row["slug"] for row in body["tenants"]]
        url = body["next"]
        assert len(seen) < 10
    assert seen == [row["slug"] for row in everything]


@pytest.mark.parametrize(
    "query",
    [
        "cursor=garbage",
        "cursor=eyJsaXN0IjoiZXZlbnRzIn0",  # a JSON object of another list
        "cursor=" + "A" * 500,
        "cursor=%27%20OR%201%3D1--",
        "sort=company_name",
        "sort=name;DROP TABLE companies",
        "limit=0",
        "limit=501",
        "health=dreadful",
        "month=2026-13",
        "at_risk=maybe",
        "tenant_id=00000000-0000-4000-8000-00000000000b",
    ],
)
def test_tenants_bad_parameters_are_a_422(client: TestClient, analyst: dict[str, str], query: str) -> None:
    response = client.get(f"/api/v1/tenants?month={M}&{query}", headers=analyst)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid request"


def test_a_cursor_of_another_sort_is_a_422(client: TestClient, analyst: dict[str, str]) -> None:
    first = client.get(f"/api/v1/tenants?month={M}&sort=name&limit=1", headers=analyst).json()
    cursor = first["next"].split("cursor=")[1]
    response = client.get(f"/api/v1/tenants?month={M}&sort=-revenue&limit=1&cursor={cursor}", headers=analyst)
    assert response.status_code == 422


@pytest.mark.parametrize("tenant", ["alpha-mail", str(ALPHA)])
def test_a_tenant_is_named_by_slug_or_id(client: TestClient, analyst: dict[str, str], tenant: str) -> None:
    for route in ("summary", "allocation", "trend"):
        response = client.get(f"/api/v1/tenants/{tenant}/{route}?month={M}", headers=analyst)
        assert response.status_code == 200, (route, response.text)
    allocation = client.get(f"/api/v1/tenants/{tenant}/allocation?month={M}", headers=analyst).json()
    assert allocation["slug"] == "alpha-mail" and allocation["lines_total"] == "30.00"
    assert "database" not in allocation["scope"]


def test_an_unknown_tenant_is_a_404(client: TestClient, analyst: dict[str, str]) -> None:
    for tenant in ("no-such-tenant", "00000000-0000-4000-8000-0000000000ff"):
        response = client.get(f"/api/v1/tenants/{tenant}/allocation", headers=analyst)
        assert response.status_code == 404
        assert response.json() == {"error": "not found"}


def test_a_tenant_token_reads_no_portfolio_and_no_tenant_report(
    client: TestClient, tenant_alpha: dict[str, str]
) -> None:
    for path in ("/tenants", "/tenants/alpha-mail/summary", "/executive-summary", "/plans", "/actions"):
        assert client.get(f"/api/v1{path}", headers=tenant_alpha).status_code == 403, path


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/plans", "plans"),
        ("/deliverability", "tenants"),
        ("/reconciliation", "providers"),
        ("/views/revenue-health", "tenants"),
        ("/views/cost-center", "open_actions"),
        ("/views/efficiency", "tenants"),
        ("/views/decisions", "decisions"),
        ("/views/benchmarks", "tenants"),
    ],
)
def test_report_routes_answer_the_report_model(
    client: TestClient, analyst: dict[str, str], path: str, key: str
) -> None:
    response = client.get(f"/api/v1{path}?month={M}", headers=analyst)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"]["month"] == MONTH.isoformat() and "database" not in body["scope"]
    assert isinstance(body[key], list)
    csv_response = client.get(f"/api/v1{path}?month={M}&format=csv", headers=analyst)
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert csv_response.headers["content-disposition"].startswith("attachment; filename=")
    assert M in csv_response.headers["content-disposition"]


def test_a_view_pages_with_a_link_header(client: TestClient, analyst: dict[str, str]) -> None:
    seen: list[str] = []
    url: str | None = f"/api/v1/views/revenue-health?month={M}&limit=1"
    while url is not None and len(seen) < 10:
        response = client.get(url, headers=analyst)
        assert response.status_code == 200, response.text
        seen += [row["slug"] for row in response.json()["tenants"]]
        link = response.headers.get("link")
        url = link.split(";")[0].strip("<>") if link else None
    everything = client.get(f"/api/v1/views/revenue-health?month={M}", headers=analyst).json()["tenants"]
    assert seen == [row["slug"] for row in everything]
    bad = client.get(f"/api/v1/views/revenue-health?month={M}&cursor=bm90LWpzb24", headers=analyst)
    assert bad.status_code == 422


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_by_accept_header_and_numbers_stay_numbers(client: TestClient, analyst: dict[str, str]) -> None:
    response = client.get(f"/api/v1/tenants?month={M}&sort=profit", headers=analyst | {"Accept": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == f'attachment; filename="tenants-{M}.csv"'
    assert "Accept" in response.headers["vary"]
    rows = _csv(response.text)
    assert rows[0]["slug"] == "gamma-tiny" and rows[0]["profit"] == "-12.50"  # a negative number is no formula
    assert Decimal(rows[0]["profit"]) == Decimal("-12.50")


@pytest.fixture
def formula_tenant(server_world: ServerWorld) -> Any:
    tenant = "00000000-0000-4000-8000-0000000000e9"
    with server_world.admin() as admin, admin.transaction():
        admin.execute(
            "INSERT INTO companies (id, name, slug) VALUES (%s, '=HYPERLINK(\"http://x\")', 'formula-co')", (tenant,)
        )
        admin.execute(
            "INSERT INTO bi_tenant_monthly (tenant_id, month, company_name, plan_name, recognized_revenue,"
            " total_cost, infrastructure_cost) VALUES (%s, %s, '=HYPERLINK(\"http://x\")', '@plan', 1.00, 2.00, 2.00)",
            (tenant, MONTH),
        )
    yield tenant
    with server_world.admin() as admin, admin.transaction():
        admin.execute("DELETE FROM bi_tenant_monthly WHERE tenant_id = %s", (tenant,))
        admin.execute("DELETE FROM companies WHERE id = %s", (tenant,))


def test_csv_escapes_text_cells_that_would_run_as_formulas(
    client: TestClient, analyst: dict[str, str], formula_tenant: str
) -> None:
    response = client.get(f"/api/v1/tenants?month={M}&search=formula&format=csv", headers=analyst)
    (row,) = _csv(response.text)
    assert row["company_name"] == '\'=HYPERLINK("http://x")'
    assert row["plan_name"] == "'@plan"
    assert row["profit"] == "-1.00"
    executive = client.get(f"/api/v1/executive-summary?month={M}&format=csv", headers=analyst)
    assert "'=HYPERLINK" in executive.text and "\n=HYPERLINK" not in executive.text


def test_etag_and_304_and_never_a_shared_cache(client: TestClient, analyst: dict[str, str]) -> None:
    for path in (f"/api/v1/tenants?month={M}", f"/api/v1/plans?month={M}&format=csv", "/api/v1/months"):
        first = client.get(path, headers=analyst)
        etag = first.headers["etag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        assert "public" not in first.headers["cache-control"] and "private" in first.headers["cache-control"]
        again = client.get(path, headers=analyst | {"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        changed = client.get(path, headers=analyst | {"If-None-Match": '"other"'})
        assert changed.status_code == 200


def test_data_version_is_readable_by_every_scope_and_changes_with_new_events(
    client: TestClient, server_world: ServerWorld, analyst: dict[str, str], tenant_alpha: dict[str, str]
) -> None:
    before = client.get("/api/v1/data-version", headers=analyst)
    assert before.status_code == 200, before.text
    unchanged = client.get("/api/v1/data-version", headers=analyst | {"If-None-Match": before.headers["etag"]})
    assert unchanged.status_code == 304
    tenant_view = client.get("/api/v1/data-version", headers=tenant_alpha)
    assert tenant_view.status_code == 200, tenant_view.text
    assert tenant_view.json()["refreshed_at"] is None
    with server_world.admin() as admin, admin.transaction():
        admin.execute("SELECT tenantdb_events_emit(gen_random_uuid(), now(), 'efficiency_metrics', %s, '{}')", (BETA,))
    after = client.get("/api/v1/data-version", headers=analyst).json()
    assert after["version"] != before.json()["version"]
    # the tenant cannot read the operator's efficiency event of another tenant: its version is unchanged
    assert client.get("/api/v1/data-version", headers=tenant_alpha).json() == tenant_view.json()


def test_every_api_route_is_in_the_docs_table() -> None:
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "server.md").read_text(encoding="utf-8")
    for method, path in ROUTE_SCOPES:
        shown = path.replace("{action_id}", "{id}").replace("{decision_id}", "{id}")
        if "/actions/{id}/" in shown:
            shown = "/actions/{id}/accept"
        assert f"| {method} | `{shown}" in docs, (method, path)


def test_a_tenant_token_lists_the_months_of_its_own_rollups(
    client: TestClient, server_world: ServerWorld, tenant_alpha: dict[str, str]
) -> None:
    response = client.get("/api/v1/months", headers=tenant_alpha)
    assert response.status_code == 200, response.text
    assert [m["month"] for m in response.json()["months"]] == ["2026-08", "2026-09"]
    gamma = client.get("/api/v1/months", headers=bearer(server_world.token(Scope.TENANT, "gamma-tiny")))
    assert [m["month"] for m in gamma.json()["months"]] == ["2026-09"]


def test_a_tenant_token_reads_its_own_allocation_without_the_pools_totals(
    client: TestClient, tenant_alpha: dict[str, str], analyst: dict[str, str]
) -> None:
    response = client.get(f"/api/v1/tenants/alpha-mail/allocation?month={M}", headers=tenant_alpha)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["slug"] == "alpha-mail" and body["month"] == MONTH.isoformat()
    assert sorted(line["amount"] for line in body["lines"]) == ["10.00", "20.00"]
    assert body["lines_total"] == "30.00"
    assert "unit_cost" not in response.text and "driver_total" not in response.text  # R27: other tenants' volume
    same = client.get(f"/api/v1/tenants/{ALPHA}/allocation?month={M}", headers=tenant_alpha)
    assert same.json() == body
    other = client.get(f"/api/v1/tenants/beta-corp/allocation?month={M}", headers=tenant_alpha)
    other_id = client.get(f"/api/v1/tenants/{BETA}/allocation?month={M}", headers=tenant_alpha)
    unknown = client.get(f"/api/v1/tenants/no-such-tenant/allocation?month={M}", headers=tenant_alpha)
    assert other.status_code == other_id.status_code == unknown.status_code == 404
    assert other.text == other_id.text == unknown.text
    csv_lines = client.get(f"/api/v1/tenants/alpha-mail/allocation?month={M}&format=csv", headers=tenant_alpha)
    assert csv_lines.status_code == 200 and "unit_cost" not in csv_lines.text


def test_a_tenant_token_reads_its_own_trend_without_the_operators_judgement(
    client: TestClient, tenant_alpha: dict[str, str]
) -> None:
    response = client.get(f"/api/v1/tenants/alpha-mail/trend?month={M}&months=2", headers=tenant_alpha)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(m["month"], m["revenue"], m["cost"]) for m in body["trend"]] == [
        ("2026-08-01", "100.00", "25.00"),
        ("2026-09-01", "100.00", "30.00"),
    ]
    assert "health" not in response.text and "reasons" not in response.text
    assert client.get(f"/api/v1/tenants/beta-corp/trend?month={M}", headers=tenant_alpha).status_code == 404
    one = client.get(f"/api/v1/tenants/alpha-mail/trend?month={M}&months=1&format=csv", headers=tenant_alpha)
    assert one.text.splitlines()[1].startswith("2026-09-01,100.00,30.00")


def _cursor(**key: str) -> str:
    from tenantdb.server.api import cursor

    return cursor.encode("tenants", id=str(ALPHA), **key)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tenants?search=a%00b",
        "/api/v1/tenants?plan=%00",
        "/api/v1/tenants?sort=-revenue&cursor=" + _cursor(key="1e999999999", sort="-revenue"),
        "/api/v1/tenants?sort=name&cursor=" + _cursor(key="a\x00b", sort="name"),
        "/api/v1/events?until=0001-01-01T00:00:00Z",
        "/api/v1/events?since=0001-01-01T00:00:00%2B14:00&until=0001-01-02T00:00:00Z",
    ],
)
def test_hostile_values_are_a_422_never_a_500(client: TestClient, analyst: dict[str, str], path: str) -> None:
    response = client.get(path, headers=analyst)
    assert response.status_code == 422, response.text
