"""The dashboard in Debian's chromium against a real server (uvicorn on 127.0.0.1, the server tests' database): log in
with a token made here, open each view, change the month with the picker, sort by clicking, download a CSV,
follow a tenant, log out; a phone has no sideways page scroll; Tab reaches the navigation and the sortable headers.
The page fixture fails a test on any console error, failed request or HTTP error. Screenshots of each view are kept
in test-artifacts/screenshots/."""

from __future__ import annotations

import csv
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect

from tenantdb.db.api_tokens import Scope
from tenantdb.server.app import create_app
from tenantdb.server.settings import ServerSettings
from tests.bi.report_data import BETA, MONTH
from tests.server.browser import PHONE, screenshot
from tests.server.conftest import ServerWorld

VIEWS = {
    "overview": ("/", "Executive overview"),
    "revenue": ("/revenue", "Revenue Health Monitor"),
    "costs": ("/costs", "Cost Optimization Center"),
    "efficiency": ("/efficiency", "Operational Efficiency"),
    "decisions": ("/decisions", "Strategic Decision Tracker"),
    "benchmarks": ("/benchmarks?tenant=beta-corp", "Benchmarks"),
    "tenants": ("/tenants", "Tenants"),
    "tenant": ("/tenants/beta-corp", "Beta Corp"),
}


# elements wider than the page, outside the boxes that scroll on their own (charts, tables): why a page overflows
WIDER_THAN_THE_PAGE = """[...document.querySelectorAll('body *')]
  .filter(e => !e.closest('.chart-drawing, .table-scroll')
               && e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .slice(0, 5).map(e => e.tagName + '.' + e.className)"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(settings: ServerSettings) -> Iterator[str]:
    """``tenantdb serve``'s app under uvicorn in a thread on 127.0.0.1: its base URL until resumed."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def base_url(server_world: ServerWorld) -> Iterator[str]:
    """The server on this module's database."""
    yield from serve(server_world.settings())


@pytest.fixture(scope="module")
def token(server_world: ServerWorld) -> str:
    return server_world.token(Scope.EXECUTIVE)


def log_in(page: Page, base_url: str, token: str) -> None:
    page.goto(f"{base_url}/")
    expect(page).to_have_url(f"{base_url}/login")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Executive overview")


def test_log_in_open_every_view_change_month_sort_download_follow_a_tenant_and_log_out(
    page: Page, base_url: str, token: str
) -> None:
    log_in(page, base_url, token)
    for name, (path, title) in VIEWS.items():
        page.goto(f"{base_url}{path}")
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        expect(page.locator(".as-of")).to_contain_text("Data as of")
        screenshot(page, f"dashboard-{name}")

    page.goto(f"{base_url}/revenue")
    picker = page.get_by_label("Month", exact=True)
    expect(picker).to_have_value("2026-09")
    with page.expect_navigation():
        picker.select_option("2026-08")
    expect(page).to_have_url(f"{base_url}/revenue?month=2026-08")
    expect(page.get_by_label("Month", exact=True)).to_have_value("2026-08")

    page.goto(f"{base_url}/revenue?month=2026-09")
    table = page.locator("table[data-sortable]").first
    header = table.locator("th", has=page.get_by_role("button", name="Revenue", exact=True))
    page.get_by_role("button", name="Revenue", exact=True).click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    first = table.locator("tbody tr").first.locator("td").first
    expect(first).to_have_text("Gamma Tiny")  # the smallest revenue
    page.get_by_role("button", name="Revenue", exact=True).click()
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(first).to_have_text("Beta Corp")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").first.click()
    saved = Path(download.value.path())
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert rows[0][:3] == ["Tenant", "Plan", "Revenue"]
    assert {row[0] for row in rows[1:]} >= {"Alpha Mail", "Beta Corp", "Gamma Tiny"}
    assert download.value.suggested_filename == "revenue-health-2026-09.csv"

    page.get_by_role("link", name="Alpha Mail").first.click()
    expect(page).to_have_url(f"{base_url}/tenants/alpha-mail")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alpha Mail")
    expect(page.get_by_role("table", name="Cost allocation, line by line")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{base_url}/login")
    page.goto(f"{base_url}/revenue")
    expect(page).to_have_url(f"{base_url}/login")


def test_on_a_phone_no_view_scrolls_sideways(browser: Browser, base_url: str, token: str) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        log_in(page, base_url, token)
        for name, (path, _) in VIEWS.items():
            page.goto(f"{base_url}{path}")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            wide = page.evaluate(WIDER_THAN_THE_PAGE)
            assert overflow <= 0, f"{name} scrolls sideways by {overflow}px on a phone: {wide}"
            if name in ("overview", "revenue"):
                screenshot(page, f"dashboard-{name}-phone")
    finally:
        context.close()
    assert errors == []


def test_keyboard_alone_reaches_the_navigation_and_the_sortable_headers(page: Page, base_url: str, token: str) -> None:
    log_in(page, base_url, token)
    page.goto(f"{base_url}/revenue")
    reached: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("(e => e.tagName + ':' + e.textContent.trim())(document.activeElement)"))
    assert "A:Cost Optimization" in reached and "A:Benchmarks" in reached
    assert "BUTTON:Revenue" in reached
    # Enter on a focused header button sorts
    page.get_by_role("button", name="Revenue", exact=True).focus()
    page.keyboard.press("Enter")
    header = page.locator("th", has=page.get_by_role("button", name="Revenue", exact=True))
    expect(header).to_have_attribute("aria-sort", "ascending")


def test_an_admin_records_an_action_taken_from_the_costs_page(
    page: Page, base_url: str, server_world: ServerWorld
) -> None:
    action_id = uuid4()
    with server_world.admin() as session, session.transaction():
        session.execute(
            "INSERT INTO cost_optimizations (optimization_id, tenant_id, kind, subject, month, expected_savings,"
            " recommended_at) VALUES (%s, %s, 'downsize_idle_dedicated', 'mta1.browser.example', %s, 17.00, now())",
            (action_id, BETA, MONTH),
        )
    log_in(page, base_url, server_world.token(Scope.ADMIN))
    page.goto(f"{base_url}/costs?month=2026-09")
    form = page.locator(f'form[action="/costs/actions/{action_id}"]')
    form.get_by_role("combobox").select_option("accept")
    form.get_by_role("button", name="Record").click()
    expect(page).to_have_url(f"{base_url}/costs?month=2026-09&notice=accepted")
    expect(page.get_by_role("status").filter(has_text="The action was marked accepted.")).to_be_visible()
    with server_world.admin() as session:
        status = session.fetch_value("SELECT status FROM cost_optimizations WHERE optimization_id = %s", (action_id,))
    assert status == "accepted"


def test_a_tenant_login_lands_on_its_own_page(page: Page, base_url: str, server_world: ServerWorld) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Token").fill(server_world.token(Scope.TENANT, "alpha-mail"))
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/tenants/alpha-mail")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alpha Mail")
    expect(page.get_by_role("table", name="Cost allocation, line by line")).to_be_visible()
    expect(page.get_by_role("navigation", name="Views")).to_have_count(0)
    screenshot(page, "dashboard-tenant-login")


def test_without_javascript_the_views_log_in_and_change_month(browser: Browser, base_url: str, token: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{base_url}/login")
        page.get_by_label("Token").fill(token)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Executive overview")
        page.goto(f"{base_url}/efficiency")
        page.get_by_label("Month", exact=True).select_option("2026-08")
        page.get_by_role("button", name="Show").click()  # the picker's button submits without the script
        expect(page).to_have_url(f"{base_url}/efficiency?month=2026-08")
        expect(page.get_by_role("heading", level=1)).to_have_text("Operational Efficiency")
        page.get_by_label("Tenant", exact=True).fill("gamma")
        page.get_by_role("button", name="Find").click()
        expect(page.get_by_role("link", name="Gamma Tiny")).to_be_visible()
    finally:
        context.close()
