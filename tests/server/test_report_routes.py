"""The two routes that prove the pattern: months and the executive summary, read as business_analysts."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient

from tenantdb.bi.reports import ReportOptions
from tenantdb.bi.reports.executive import ExecutiveReport, build
from tenantdb.db.api_tokens import Scope
from tests.bi.report_data import MONTH
from tests.server.conftest import ServerWorld, bearer


def test_months_lists_the_months_with_data_and_marks_complete_ones(
    client: TestClient, server_world: ServerWorld
) -> None:
    response = client.get("/api/v1/months", headers=bearer(server_world.token(Scope.ANALYST)))
    assert response.status_code == 200, response.text
    body = response.json()
    assert {"month": f"{MONTH:%Y-%m}", "complete": True} in body["months"]
    assert body["latest_complete"] == body["months"][-1]["month"] or not body["months"][-1]["complete"]


def test_executive_summary_is_the_report_model_with_decimals_as_strings(
    client: TestClient, server_world: ServerWorld
) -> None:
    response = client.get(
        f"/api/v1/executive-summary?month={MONTH:%Y-%m}", headers=bearer(server_world.token(Scope.EXECUTIVE))
    )
    assert response.status_code == 200, response.text
    body = response.json()
    with server_world.admin() as admin:
        expected = build(admin, ReportOptions(month=MONTH))
    assert isinstance(expected, ExecutiveReport)
    assert body["scope"]["month"] == MONTH.isoformat()
    assert body["key_metrics"]["revenue"] == str(expected.key_metrics.revenue)
    assert Decimal(body["key_metrics"]["revenue"]) == Decimal("399.00")
    assert isinstance(body["key_metrics"]["cost"], str)
    assert len(body["tenants"]) == len(expected.tenants)


def test_executive_summary_builds_as_business_analysts(server_world: ServerWorld) -> None:
    with server_world.admin() as admin, admin.transaction():
        admin.execute("SET LOCAL ROLE business_analysts")
        report = build(admin, ReportOptions(month=MONTH))
    assert report.key_metrics.revenue == Decimal("399.00")


def test_a_month_without_data_is_a_422_with_a_clear_message(client: TestClient, server_world: ServerWorld) -> None:
    response = client.get("/api/v1/executive-summary?month=1999-01", headers=bearer(server_world.token(Scope.ADMIN)))
    assert response.status_code == 422, response.text
    assert "1999-01" in response.json()["problems"][0]["message"]
