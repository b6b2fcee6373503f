"""The dashboard as a CFO sees it on the demo's data: ``tenantdb demo``'s dataset (200 tenants, a year of history,
refreshed rollups) served by uvicorn on 127.0.0.1 and opened in chromium with an executive token. Each view and one
tenant page must load without a console error and show the report model's figures for the month; a screenshot of
each is kept as ``<artifacts>/screenshots/demo-<view>.png`` (the README's and docs/dashboard.md's images come from
these: ``demo-<view>-screen.png`` is the first 1366x900 of each)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

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
from tests.server.browser import LAPTOP, artifacts_dir, screenshot
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


FIRST_SCREEN = {"width": 1366, "height": 900}  # the README's and docs' images: what a laptop shows first


def first_screen(page: Page, name: str) -> Path:
    """``<artifacts>/screenshots/<name>-screen.png``: the page's first 1366x900, as a laptop shows it."""
    path = artifacts_dir() / "screenshots" / f"{name}-screen.png"
    page.set_viewport_size(FIRST_SCREEN)  # type: ignore[arg-type]
    page.screenshot(path=str(path))
    page.set_viewport_size(LAPTOP)
    return path


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
        if name == "benchmarks":  # the report's first and last bins are open-ended, and the chart's tables say so
            ranges = page.locator(".chart table tbody th").all_text_contents()
            assert any(text.startswith("below ") for text in ranges), ranges
            assert any(text.endswith(" or more") for text in ranges), ranges
        if name == "efficiency":  # a score out of 100 (efficiency_metrics), not a ratio to write as a percentage
            card = page.locator(".kpi", has=page.locator(".kpi-label", has_text="Efficiency score"))
            value = card.locator(".kpi-value").inner_text()
            assert not value.endswith("%") and 0 <= Decimal(value) <= 100, value
            expect(card.locator(".kpi-note")).to_have_text("out of 100")
        if name == "revenue":
            expect(page.locator("main")).to_contain_text(money(totals.revenue_at_risk))
        screenshot(page, f"demo-{name}")
        first_screen(page, f"demo-{name}")


def test_the_largest_tenant_page_shows_its_figures(page: Page, base_url: str, demo: Demo) -> None:
    largest = max(demo.executive.tenants, key=lambda tenant: tenant.recognized_revenue)
    log_in(page, base_url, demo.token)
    page.goto(f"{base_url}/tenants/{largest.slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text(largest.company_name)
    expect(page.locator("main")).to_contain_text(money(largest.recognized_revenue))
    screenshot(page, "demo-tenant")
    first_screen(page, "demo-tenant")


# tables whose content is wider than their box: a laptop user would have to scroll them sideways to read a row
CLIPPED_TABLES = """[...document.querySelectorAll('.table-scroll')]
  .filter(box => box.scrollWidth > box.clientWidth + 1)
  .map(box => box.querySelector('caption').textContent.trim() + ': ' + box.scrollWidth + ' > ' + box.clientWidth)"""


def test_tables_fit_a_laptop_text_cells_wrap_instead_of_being_cut(page: Page, base_url: str, demo: Demo) -> None:
    """At 1366 px no table of a view or of a tenant's page is cut at the right: long text wraps in its cell."""
    largest = max(demo.executive.tenants, key=lambda tenant: tenant.recognized_revenue)
    log_in(page, base_url, demo.token)
    clipped: dict[str, list[str]] = {}
    for name, (path, _) in {**VIEWS, "tenant": (f"/tenants/{largest.slug}", "")}.items():
        page.goto(f"{base_url}{path}")
        found = page.evaluate(CLIPPED_TABLES)
        if found:
            clipped[name] = found
    assert clipped == {}


def test_open_actions_link_their_tenant_and_savings_to_date_are_written_as_money(
    page: Page, base_url: str, demo: Demo
) -> None:
    log_in(page, base_url, demo.token)
    page.goto(f"{base_url}/costs")
    rows = page.locator("table", has=page.locator("caption", has_text="Open actions")).locator("tbody tr")
    tenants = [row.locator("td").first for row in rows.all()]
    linked = [cell.locator("a") for cell in tenants if cell.inner_text() != "Shared / provider"]
    assert linked, "the demo has open actions of tenants"
    for link in linked:
        assert link.count() == 1, "an open action's tenant is not a link to its page"
        assert (link.get_attribute("href") or "").startswith("/tenants/"), link.inner_text()
    name = linked[0].inner_text()
    linked[0].click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    page.goto(f"{base_url}/costs")
    notes = page.locator(".kpi-note").all_inner_texts()
    assert notes[:3] and all(note.startswith("$") and note.endswith(" to date") for note in notes[:3]), notes
