"""The layout and every component in a real chromium, served under a strict CSP: no console errors, tables sort
by mouse and keyboard, the month picker submits, live refresh notices new data, a phone gets no sideways page."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tenantdb.server.charts import Bin, Marker, Series, Threshold, bar_chart, histogram, line_chart
from tenantdb.server.dashboard.components import Column, Layout, Level, Link, Status, View, month_options, navigation
from tenantdb.server.dashboard.formats import ValueKind
from tenantdb.server.dashboard.rendering import STATIC_DIR, environment
from tests.server.browser import PHONE, require_chromium, screenshot

CSP = "default-src 'self'"
MONTHS = [(date(2026, month, 1), True) for month in range(1, 12)] + [(date(2026, 12, 1), False)]

SAMPLE = """{% extends "base.html" %}
{% from "components/kpi.html" import kpi_card %}
{% from "components/table.html" import data_table %}
{% from "components/empty.html" import empty_state %}
{% from "components/banner.html" import banner %}
{% from "components/badge.html" import badge %}
{% from "components/chart.html" import chart %}
{% block content %}
{{ banner("The database is unavailable — retrying.", level="error") }}
{{ banner("Figures refreshed 2 minutes ago.", level="notice") }}
<section class="kpis" aria-label="Key figures">
  {{ kpi_card("Revenue (recognized)", revenue, kind="money", delta=revenue_delta, better="up") }}
  {{ kpi_card("Gross margin", margin, kind="percent", delta=margin_delta, better="up") }}
  {{ kpi_card("Cost", cost, kind="money", delta=cost_delta, better="down") }}
  {{ kpi_card("Tenants", 200, note="78 free, trial or churned") }}
</section>
<p>{{ badge(ok) }} {{ badge(warning) }} {{ badge(critical) }}</p>
{{ data_table("Tenants needing attention", columns, rows, csv_url="/tenants.csv") }}
{{ chart(trend) }}
{{ chart(plans) }}
{{ chart(spam) }}
{{ empty_state("No decisions in " ~ month_label, "Record one with tenantdb decisions open.") }}
{% endblock %}
"""

COLUMNS = [
    Column(label="Tenant"),
    Column(label="Revenue", kind=ValueKind.MONEY),
    Column(label="Margin", kind=ValueKind.PERCENT),
    Column(label="E-mails", kind=ValueKind.NUMBER),
    Column(label="Since", kind=ValueKind.DATE),
    Column(label="Health"),
    Column(label="Reason"),
]
ROWS = [
    [
        Link(text="Acme Mail", href="/tenants/acme"),
        Decimal("1200.50"),
        Decimal("-0.05"),
        120000,
        date(2025, 3, 1),
        Status(level=Level.CRITICAL, text="Critical Action Required"),
        "spam rate above the 0.3% limit",
    ],
    [
        Link(text="beta sends", href="/tenants/beta"),
        Decimal("99"),
        Decimal("0.81"),
        5400,
        date(2024, 11, 1),
        Status(level=Level.OK, text="Excellent"),
        "none",
    ],
    [
        Link(text="Cobalt", href="/tenants/cobalt"),
        Decimal("15000.10"),
        Decimal("0.32"),
        2_400_000,
        None,
        Status(level=Level.WARNING, text="Monitor"),
        "bounce rate above 5%",
    ],
    [
        Link(text="delta.io", href="/tenants/delta"),
        Decimal("-20"),
        None,
        0,
        date(2026, 1, 1),
        Status(level=Level.NEUTRAL, text="Not Applicable"),
        "free plan",
    ],
]


class Site:
    """The sample page and the package's static files on 127.0.0.1, every response under a strict CSP."""

    def __init__(self) -> None:
        self.version = "v1"
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def page(self, month: str | None) -> str:
        labels = [f"2026-{m:02d}" for m in range(1, 12)]
        return (
            environment()
            .from_string(SAMPLE)
            .render(
                layout=Layout(
                    title="Components",
                    nav=navigation(View.REVENUE_HEALTH, month=month),
                    months=month_options(MONTHS),
                    month=month,
                    month_action="/",
                    data_as_of=datetime(2026, 12, 6, 16, 50, tzinfo=UTC),
                    live_url="/live-version",
                    live_version="v1",
                    live_interval_ms=200,
                    user="executive token 3f9a…",
                ),
                csrf_token="csrf-sample",
                revenue=Decimal("23981.42"),
                revenue_delta=Decimal("-929.82"),
                margin=Decimal("0.811"),
                margin_delta=Decimal("-0.016"),
                cost=Decimal("4527.29"),
                cost_delta=Decimal("217.40"),
                ok=Status(level=Level.OK),
                warning=Status(level=Level.WARNING),
                critical=Status(level=Level.CRITICAL),
                columns=COLUMNS,
                rows=ROWS,
                month_label=month or "November 2026",
                trend=line_chart(
                    title="Revenue and cost, last 11 months",
                    labels=labels,
                    series=(
                        Series(name="Revenue", values=tuple(Decimal(20000 + 400 * i) for i in range(11))),
                        Series(name="Cost", values=tuple(Decimal(4000 + 50 * i) for i in range(11))),
                    ),
                    kind=ValueKind.MONEY,
                ),
                plans=bar_chart(
                    title="Margin by plan",
                    labels=("Free", "Starter", "Growth", "Enterprise"),
                    values=(Decimal("-0.4"), Decimal("0.55"), Decimal("0.78"), Decimal("0.86")),
                    kind=ValueKind.PERCENT,
                ),
                spam=histogram(
                    title="Spam rate across tenants",
                    bins=tuple(
                        Bin(lower=Decimal(i) / 1000, upper=Decimal(i + 1) / 1000, count=c)
                        for i, c in enumerate((120, 40, 12, 5, 2))
                    ),
                    kind=ValueKind.PERCENT,
                    marker=Marker(label="Acme Mail", value=Decimal("0.0034")),
                    thresholds=(
                        Threshold(label="0.1% warning", value=Decimal("0.001")),
                        Threshold(label="0.3% limit", value=Decimal("0.003")),
                    ),
                ),
            )
        )

    def login(self) -> str:
        return (
            environment()
            .get_template("login.html")
            .render(
                layout=Layout(title="Log in"),
                csrf_token="csrf-sample",
                login_url="/login",
                error="That token is not valid.",
                password_login=True,
            )
        )

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/":
                    month = parse_qs(url.query).get("month", [None])[0]
                    self._send(200, "text/html; charset=utf-8", site.page(month).encode())
                elif url.path == "/login":
                    self._send(200, "text/html; charset=utf-8", site.login().encode())
                elif url.path == "/live-version":
                    self._send(200, "application/json", json.dumps({"version": site.version}).encode())
                elif url.path.startswith("/static/") and (STATIC_DIR / url.path.removeprefix("/static/")).is_file():
                    name = url.path.removeprefix("/static/")
                    kinds = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
                    kind = kinds[name[name.rindex(".") :]]
                    self._send(200, kind, (STATIC_DIR / name).read_bytes())
                else:
                    self._send(404, "text/plain", b"not found")

            def _send(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Security-Policy", CSP)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """One server for the module: it outlives every page, whose live.js polls it until the page closes."""
    with Site() as running:
        yield running


@pytest.fixture
def page_without_js(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def tenant_order(page: Page) -> list[str]:
    return page.locator("table[data-sortable] tbody tr td:first-child").all_inner_texts()


def test_every_component_renders_without_console_errors_under_a_strict_csp(page: Page, site: Site) -> None:
    page.goto(site.url + "/?month=2026-11")
    expect(page.get_by_role("heading", name="Components", level=1)).to_be_visible()
    expect(page.locator("svg[role=img]")).to_have_count(3)
    expect(page.get_by_role("alert")).to_contain_text("database is unavailable")
    expect(page.locator(".kpi").first).to_contain_text("down $929.82 vs previous month (worse)")
    expect(page.locator("link[rel=stylesheet]")).to_have_count(1)
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") != (
        "rgba(0, 0, 0, 0)"
    ), "the stylesheet did not load"
    screenshot(page, "components-laptop")


def test_sorting_a_table_by_clicking_a_header(page: Page, site: Site) -> None:
    page.goto(site.url)
    assert tenant_order(page) == ["Acme Mail", "beta sends", "Cobalt", "delta.io"]
    revenue = page.get_by_role("button", name="Revenue", exact=True)
    header = page.locator("th", has=revenue)
    revenue.click()
    assert tenant_order(page) == ["delta.io", "beta sends", "Acme Mail", "Cobalt"]
    expect(header).to_have_attribute("aria-sort", "ascending")
    revenue.click()
    assert tenant_order(page) == ["Cobalt", "Acme Mail", "beta sends", "delta.io"]
    expect(header).to_have_attribute("aria-sort", "descending")
    page.get_by_role("button", name="Margin").click()  # empty margins go last
    assert tenant_order(page) == ["Acme Mail", "Cobalt", "beta sends", "delta.io"]
    expect(header).not_to_have_attribute("aria-sort", "descending")
    expect(page.locator(".sort-status")).to_have_text("Sorted by Margin, ascending.")


def test_sorting_a_table_with_the_keyboard(page: Page, site: Site) -> None:
    page.goto(site.url)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    tenant = page.get_by_role("button", name="Tenant", exact=True)
    for _ in range(60):  # every control is reachable with Tab
        page.keyboard.press("Tab")
        if tenant.evaluate("button => button === document.activeElement"):
            break
    expect(tenant).to_be_focused()
    outline = tenant.evaluate("button => getComputedStyle(button).outlineStyle")
    assert outline != "none", "no visible focus outline"
    page.keyboard.press("Enter")
    assert tenant_order(page) == ["Acme Mail", "beta sends", "Cobalt", "delta.io"]
    expect(page.locator("th", has=tenant)).to_have_attribute("aria-sort", "ascending")
    page.keyboard.press("Enter")
    assert tenant_order(page) == ["delta.io", "Cobalt", "beta sends", "Acme Mail"]
    expect(page.locator("th", has=tenant)).to_have_attribute("aria-sort", "descending")


def test_month_picker_submits_on_change(page: Page, site: Site) -> None:
    page.goto(site.url)
    expect(page.get_by_label("Month", exact=True)).to_have_value("2026-11")  # the latest complete month by default
    with page.expect_navigation():
        page.get_by_label("Month", exact=True).select_option("2026-10")
    assert "month=2026-10" in page.url
    expect(page.get_by_label("Month", exact=True)).to_have_value("2026-10")
    expect(page.get_by_role("link", name="Revenue Health")).to_have_attribute("href", "/revenue?month=2026-10")


def test_month_picker_submits_without_javascript(page_without_js: Page, site: Site) -> None:
    page_without_js.goto(site.url)
    page_without_js.get_by_label("Month", exact=True).select_option("2026-09")
    page_without_js.get_by_role("button", name="Show").click()
    page_without_js.wait_for_url("**month=2026-09")
    expect(page_without_js.get_by_label("Month", exact=True)).to_have_value("2026-09")


def test_live_refresh_shows_a_notice_when_the_data_changes(page: Page, site: Site) -> None:
    page.goto(site.url)
    notice = page.locator(".live-notice")
    page.wait_for_timeout(600)  # a few polls of the same version
    expect(notice).to_be_hidden()
    site.version = "v2"
    try:
        expect(notice).to_be_visible(timeout=5000)
        expect(notice).to_contain_text("New data is available")
    finally:
        site.version = "v1"


def test_phone_layout_has_no_sideways_scrolling_page(page: Page, site: Site) -> None:
    page.set_viewport_size(PHONE)
    page.goto(site.url)
    widths = page.evaluate(
        "() => ({page: document.documentElement.scrollWidth, body: document.body.scrollWidth,"
        " viewport: window.innerWidth})"
    )
    assert widths["page"] <= widths["viewport"] and widths["body"] <= widths["viewport"], widths
    table = page.locator(".table-scroll")
    assert table.evaluate("element => element.scrollWidth > element.clientWidth"), "the table should scroll itself"
    tick_height = page.locator(".chart-svg text.tick").first.evaluate("text => text.getBoundingClientRect().height")
    assert tick_height >= 10, f"chart labels {tick_height:.1f}px high on a phone: unreadable"
    links = page.locator("nav.views a")
    tops = {round(box["y"]) for box in (links.nth(i).bounding_box() for i in range(links.count())) if box}
    assert len(tops) > 1, "the navigation should wrap on a phone"
    screenshot(page, "components-phone")


def test_login_page_renders_cleanly_and_is_keyboard_operable(page: Page, site: Site) -> None:
    page.goto(site.url + "/login")
    expect(page.get_by_role("alert")).to_contain_text("That token is not valid.")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")
    expect(page.get_by_label("API token")).to_be_focused()
    page.keyboard.type("tdb_secret")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    expect(page.locator("nav")).to_have_count(0)
    screenshot(page, "login")


def test_without_chromium_the_browser_tests_skip_unless_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("TENANTDB_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        require_chromium()
    monkeypatch.setenv("TENANTDB_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="TENANTDB_REQUIRE_BROWSER=1"):
        require_chromium()
