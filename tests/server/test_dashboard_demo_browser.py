"""The dashboard as a CFO sees it on the demo's data: ``tenantdb demo``'s dataset (200 tenants, a year of history,
refreshed rollups) served by uvicorn on 127.0.0.1 and opened in chromium with an executive token. Each view and one
tenant page must load without a console error and show the report model's figures for the month; a screenshot of
each is kept as ``<artifacts>/screenshots/demo-<view>.png`` (the README's and docs/dashboard.md's images come from
these)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tenantdb import commands
from tenantdb.bi.reports.executive import ExecutiveReport
from tenantdb.config import load_settings
from tenantdb.db import connect
from tenantdb.db.api_tokens import Scope, create_token
from tenantdb.server.dashboard.formats import money, number
from tenantdb.server.settings import ServerSettings
from tests.postgres import PgServer
from tests.server.browser import screenshot
from tests.server.test_dashboard_browser import log_in, serve

pytestmark = pytest.mark.slow


@dataclass(frozen=True, slots=True)
class Demo:
    dsn: str
    executive: ExecutiveReport
    token: str


@pytest.fixture(scope="module")
def demo(pg_server: PgServer, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The demo database, built by ``tenantdb demo``'s own function, and an executive token on it."""
    project = tmp_path_factory.mktemp("demo-browser")
    settings = load_settings(project, environ={}).with_overrides(dsn=pg_server.dsn)
    built = commands.run_demo(settings)
    assert built.executive is not None, "the demo refreshed no rollups for its month"
    with connect(built.database_url) as session:
        token = create_token(
            session, name="demo browser", scope=Scope.EXECUTIVE, tenant=None, lifetime=timedelta(days=1)
        ).secret
    return Demo(dsn=built.database_url, executive=built.executive, token=token)


@pytest.fixture(scope="module")
def base_url(demo: Demo) -> Iterator[str]:
    yield from serve(ServerSettings(dsn=demo.dsn))


VIEWS = {
    "overview": ("/", "Executive overview"),
    "revenue": ("/revenue", "Revenue Health Monitor"),
    "costs": ("/costs", "Cost Optimization Center"),
    "efficiency": ("/efficiency", "Operational Efficiency"),
    "decisions": ("/decisions", "Strategic Decision Tracker"),
    "benchmarks": ("/benchmarks", "Benchmarks"),
}


def test_each_view_shows_the_demo_figures_without_console_errors(page: Page, base_url: str, demo: Demo) -> None:
    totals = demo.executive.key_metrics
    log_in(page, base_url, demo.token)
    for name, (path, title) in VIEWS.items():
        page.goto(f"{base_url}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        expect(page.get_by_label("Month", exact=True)).to_have_value(f"{totals.month:%Y-%m}")
        if name in {"overview", "revenue"}:
            expect(page.locator("main")).to_contain_text(money(totals.revenue))
        if name == "overview":
            expect(page.locator("main")).to_contain_text(money(totals.cost))
            expect(page.locator("main")).to_contain_text(money(totals.profit))
            expect(page.locator("main")).to_contain_text(number(totals.tenants))
        if name == "revenue":
            expect(page.locator("main")).to_contain_text(money(totals.revenue_at_risk))
        screenshot(page, f"demo-{name}")


def test_the_largest_tenant_page_shows_its_figures(page: Page, base_url: str, demo: Demo) -> None:
    largest = max(demo.executive.tenants, key=lambda tenant: tenant.recognized_revenue)
    log_in(page, base_url, demo.token)
    page.goto(f"{base_url}/tenants/{largest.slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text(largest.company_name)
    expect(page.locator("main")).to_contain_text(money(largest.recognized_revenue))
    screenshot(page, "demo-tenant")
