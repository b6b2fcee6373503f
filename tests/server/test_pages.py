"""The dashboard's pages over HTTP: every view renders with navigation, the month picker (complete months by
default), "data as of" and live refresh; tables link tenants and download as CSV; tenant logins see only their
own page; the database down is a 503 page."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from tenantdb.db.api_tokens import Scope
from tenantdb.server.app import create_app
from tenantdb.server.dashboard.exports import csv_text
from tenantdb.server.settings import ServerSettings
from tests.bi.report_data import BETA, MONTH
from tests.server.conftest import BASE, ServerWorld
from tests.server.test_errors_headers import closed_port

SAME_ORIGIN = {"Origin": BASE}
VIEWS = ["/", "/revenue", "/costs", "/efficiency", "/decisions", "/benchmarks", "/tenants", "/tenants/alpha-mail"]


def logged_in(world: ServerWorld, scope: Scope, tenant: str | None = None) -> TestClient:
    client = TestClient(create_app(world.settings()), base_url=BASE, follow_redirects=False)
    client.__enter__()
    response = client.post("/login", data={"token": world.token(scope, tenant)}, headers=SAME_ORIGIN)
    assert response.status_code == 303, response.text
    return client


@pytest.fixture(scope="module")
def executive(server_world: ServerWorld) -> Iterator[TestClient]:
    client = logged_in(server_world, Scope.EXECUTIVE)
    yield client
    client.__exit__(None, None, None)


@pytest.fixture(scope="module")
def alpha(server_world: ServerWorld) -> Iterator[TestClient]:
    client = logged_in(server_world, Scope.TENANT, "alpha-mail")
    yield client
    client.__exit__(None, None, None)


def selected_month(html: str) -> str:
    found = re.search(r'<option value="(\d{4}-\d{2})" selected>', html)
    assert found, "no month selected in the picker"
    return found.group(1)


@pytest.mark.parametrize("path", VIEWS)
def test_every_view_has_navigation_month_picker_data_as_of_and_live_refresh(executive: TestClient, path: str) -> None:
    response = executive.get(path)
    assert response.status_code == 200, response.text
    html = response.text
    assert '<nav class="views" aria-label="Views">' in html
    assert selected_month(html) == "2026-09"  # the latest complete month with data
    assert "Data as of" in html
    assert 'data-live-url="/api/v1/data-version"' in html
    assert 'name="csrf_token"' in html  # the logout form


def test_the_overview_shows_portfolio_kpis_with_deltas_a_trend_and_links_to_the_views(executive: TestClient) -> None:
    html = executive.get("/").text
    assert ("Revenue" in html and "vs August 2026" in html) or "vs 2026-08" in html or "vs previous month" in html
    assert 'class="kpi-delta' in html
    assert "<svg" in html  # the portfolio trend
    for path in ("/revenue", "/costs", "/efficiency", "/decisions", "/benchmarks"):
        assert f'href="{path}?month=2026-09"' in html


def test_the_month_picker_chooses_the_month_and_a_bad_month_is_422(executive: TestClient) -> None:
    assert selected_month(executive.get("/revenue?month=2026-08").text) == "2026-08"
    assert executive.get("/revenue?month=2026-13").status_code == 422
    assert executive.get("/revenue?month=2026-09&nonsense=1").status_code == 422


def test_tables_link_tenants_and_download_the_same_rows_as_csv(executive: TestClient) -> None:
    html = executive.get("/revenue?month=2026-09").text
    assert 'href="/tenants/alpha-mail"' in html and "data-sortable" in html
    found = re.search(r'<a href="([^"]+)" download>Download CSV', html)
    assert found
    response = executive.get(found.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][0] == "Tenant"
    assert {row[0] for row in rows[1:]} >= {"Alpha Mail", "Beta Corp"}


@pytest.mark.parametrize("path", ["", "/revenue", "/costs", "/efficiency", "/decisions", "/benchmarks", "/tenants"])
def test_every_table_view_has_a_csv_export(executive: TestClient, path: str) -> None:
    response = executive.get(f"{path}/export.csv?month=2026-09")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.text.count("\n") >= 1


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_escaped() -> None:
    from decimal import Decimal

    from tenantdb.server.dashboard.components import Column, Link
    from tenantdb.server.dashboard.formats import ValueKind

    columns = [Column(label="Tenant"), Column(label="Amount", kind=ValueKind.MONEY)]
    text = csv_text(columns, [[Link(text="=HYPERLINK(1)", href="/x"), Decimal("-5.00")], ["@SUM(A1)", None]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["Tenant", "Amount"],
        ["'=HYPERLINK(1)", "-5.00"],
        ["'@SUM(A1)", ""],
    ]


def test_the_tenant_page_explains_the_allocation_line_by_line_with_health_and_trend(executive: TestClient) -> None:
    html = executive.get("/tenants/beta-corp?month=2026-09").text
    assert "Beta Corp" in html
    assert "ops-overhead" in html and "shared-eu" in html  # the pools of its allocation lines
    assert "Health" in html and 'class="badge badge-warning"' in html  # Monitor, in words and colour
    assert "margin below target" in html  # reasons in words
    assert html.count("<svg") >= 2  # 12-month trend charts


def test_the_tenant_list_searches_by_name_or_slug(executive: TestClient) -> None:
    html = executive.get("/tenants?q=beta").text
    assert 'href="/tenants/beta-corp"' in html and 'href="/tenants/beta-corp-eu"' in html
    assert 'href="/tenants/alpha-mail"' not in html


def test_benchmarks_draw_each_distribution_with_the_limits_and_a_chosen_tenant(executive: TestClient) -> None:
    html = executive.get("/benchmarks?month=2026-09&tenant=beta-corp").text
    assert "Beta Corp" in html and html.count("<svg") >= 4
    assert "limit" in html.lower()


def test_an_unknown_tenant_is_a_404_page(executive: TestClient) -> None:
    response = executive.get("/tenants/no-such-tenant")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")


def test_a_tenant_login_sees_only_its_own_page(alpha: TestClient) -> None:
    assert alpha.get("/tenants/alpha-mail").status_code == 200
    for path in ["/", "/revenue", "/costs", "/efficiency", "/decisions", "/benchmarks", "/tenants"]:
        response = alpha.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/tenants/alpha-mail", path
    other = alpha.get("/tenants/beta-corp")
    unknown = alpha.get("/tenants/no-such-tenant")
    assert other.status_code == unknown.status_code == 404
    assert other.text == unknown.text
    assert "Beta Corp" not in alpha.get("/tenants/alpha-mail").text


def test_data_version_answers_the_session_and_changes_with_new_data(
    executive: TestClient, server_world: ServerWorld
) -> None:
    first = executive.get("/api/v1/data-version")
    assert first.status_code == 200 and isinstance(first.json()["version"], str)
    html = executive.get("/revenue").text
    assert f'data-live-version="{first.json()["version"]}"' in html
    with server_world.admin() as admin:  # a refresh lands (of a month no other test reads)
        admin.execute(
            "INSERT INTO bi_refresh_state (month, definitions, refreshed_at, duration_ms)"
            " VALUES ('2001-01-01', 'test', now() + interval '1 minute', 0)"
        )
    try:
        assert executive.get("/api/v1/data-version").json()["version"] != first.json()["version"]
    finally:
        with server_world.admin() as admin:
            admin.execute("DELETE FROM bi_refresh_state WHERE month = '2001-01-01'")


@pytest.mark.parametrize("path", VIEWS)
def test_the_database_down_is_a_503_page_with_retry_after(path: str) -> None:
    settings = ServerSettings(
        dsn=f"postgresql://tenantdb@127.0.0.1:{closed_port()}/none", pool_timeout=timedelta(milliseconds=300)
    )
    with TestClient(create_app(settings), base_url=BASE) as client:
        response = client.get(path, headers={"Cookie": "tenantdb_session=whatever"})
    assert response.status_code == 503 and response.headers["retry-after"]
    assert "The database is unavailable" in response.text and "Traceback" not in response.text


@pytest.fixture(scope="module")
def admin(server_world: ServerWorld) -> Iterator[TestClient]:
    client = logged_in(server_world, Scope.ADMIN)
    yield client
    client.__exit__(None, None, None)


@pytest.fixture
def open_action(server_world: ServerWorld) -> UUID:
    """A recommended action for Beta Corp in the dataset's month."""
    action_id = uuid4()
    with server_world.admin() as session, session.transaction():
        session.execute(
            "INSERT INTO cost_optimizations (optimization_id, tenant_id, kind, subject, month, expected_savings,"
            " recommended_at) VALUES (%s, %s, 'raise_margin_to_target', 'beta-corp', %s, 42.00, %s)",
            (action_id, BETA, MONTH, datetime(2026, 10, 1, 6, tzinfo=UTC)),
        )
    return action_id


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_an_admin_marks_an_open_action_from_the_costs_page_with_csrf(
    admin: TestClient, executive: TestClient, server_world: ServerWorld, open_action: UUID
) -> None:
    html = admin.get("/costs?month=2026-09").text
    form = f'action="/costs/actions/{open_action}"'
    assert form in html
    assert form not in executive.get("/costs?month=2026-09").text  # only the admin scope gets the forms
    csrf = csrf_of(html)
    url = f"/costs/actions/{open_action}"
    assert admin.post(url, data={"change": "accept", "month": "2026-09"}, headers=SAME_ORIGIN).status_code == 403
    foreign = {"Origin": "https://evil.example"}
    assert admin.post(url, data={"change": "accept", "csrf_token": csrf}, headers=foreign).status_code == 403
    executive_csrf = csrf_of(executive.get("/costs").text)
    refused = executive.post(url, data={"change": "accept", "csrf_token": executive_csrf}, headers=SAME_ORIGIN)
    assert refused.status_code == 403

    done = admin.post(url, data={"change": "accept", "csrf_token": csrf, "month": "2026-09"}, headers=SAME_ORIGIN)
    assert done.status_code == 303 and done.headers["location"] == "/costs?month=2026-09&notice=accepted"
    assert "The action was marked accepted." in admin.get(done.headers["location"]).text
    with server_world.admin() as session:
        status = session.fetch_value("SELECT status FROM cost_optimizations WHERE optimization_id = %s", (open_action,))
        audited = session.fetch_value("SELECT count(*) FROM api_audit WHERE route = '/costs/actions/{action_id}'")
    assert status == "accepted" and audited >= 1

    again = admin.post(url, data={"change": "accept", "csrf_token": csrf}, headers=SAME_ORIGIN)
    assert again.headers["location"] == "/costs?notice=unchanged"
    dismissed = admin.post(url, data={"change": "dismiss", "csrf_token": csrf}, headers=SAME_ORIGIN)
    assert dismissed.headers["location"] == "/costs?notice=dismissed"
    late = admin.post(url, data={"change": "done", "csrf_token": csrf}, headers=SAME_ORIGIN)
    assert late.headers["location"] == "/costs?notice=not_allowed"
    unknown = admin.post(f"/costs/actions/{uuid4()}", data={"change": "done", "csrf_token": csrf}, headers=SAME_ORIGIN)
    assert unknown.status_code == 404
    bad = admin.post(url, data={"change": "delete", "csrf_token": csrf}, headers=SAME_ORIGIN)
    assert bad.status_code == 422


def test_the_month_picker_keeps_the_chosen_tenant_and_search(executive: TestClient) -> None:
    benchmarks = executive.get("/benchmarks?tenant=beta-corp").text
    picker = benchmarks[benchmarks.index('class="month-picker"') :].split("</form>")[0]
    assert '<input type="hidden" name="tenant" value="beta-corp">' in picker
    tenants = executive.get("/tenants?q=beta").text
    picker = tenants[tenants.index('class="month-picker"') :].split("</form>")[0]
    assert '<input type="hidden" name="q" value="beta">' in picker
