"""The dashboard's layout and components: escaped, labelled, keyboard- and CSP-friendly, formatted from Decimal."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import jinja2
import pytest
from markupsafe import Markup

from tenantdb.server.charts import COLOURS, Series, line_chart
from tenantdb.server.dashboard.components import (
    Column,
    Layout,
    Level,
    Link,
    Status,
    View,
    month_options,
    navigation,
)
from tenantdb.server.dashboard.formats import ValueKind, sort_value
from tenantdb.server.dashboard.rendering import STATIC_DIR, environment, render

NOVEMBER = date(2026, 11, 1)


class Page(HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def macro(template: str, name: str, *args: Any, **kwargs: Any) -> str:
    result = getattr(environment().get_template(f"components/{template}.html").module, name)(*args, **kwargs)
    assert isinstance(result, Markup)
    return str(result)


def layout(**overrides: Any) -> Layout:
    values: dict[str, Any] = {
        "title": "Revenue Health",
        "nav": navigation(View.REVENUE_HEALTH, month="2026-11"),
        "months": month_options([(date(2026, 10, 1), True), (NOVEMBER, True), (date(2026, 12, 1), False)]),
        "month": "2026-11",
        "month_action": "/revenue",
        "data_as_of": datetime(2026, 12, 6, 16, 50, tzinfo=UTC),
        "live_url": "/api/v1/data-version",
        "live_version": "v1",
        "user": "executive token abc123",
    }
    values.update(overrides)
    return Layout(**values)


def base_page(**overrides: Any) -> Page:
    html = (
        environment()
        .from_string('{% extends "base.html" %}{% block content %}<p>body</p>{% endblock %}')
        .render(layout=layout(**overrides), csrf_token="csrf-<secret>")
    )
    return Page(html)


# -- environment and filters ---------------------------------------------------------------------------------


def test_environment_escapes_and_refuses_undefined_variables() -> None:
    assert environment().from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    with pytest.raises(jinja2.UndefinedError):
        environment().from_string("{{ missing }}").render()


def test_filters_write_decimal_money_percent_number_and_date() -> None:
    template = environment().from_string(
        "{{ m|money }} {{ p|percent }} {{ n|number }} {{ d|date }} {{ t|date }} {{ none|money }}"
    )
    text = template.render(
        m=Decimal("-1234.565"),
        p=Decimal("0.811"),
        n=53791,
        d=NOVEMBER,
        t=datetime(2026, 12, 6, 9, 5, tzinfo=UTC),
        none=None,
    )
    assert text == "-$1,234.57 81.1% 53,791 2026-11-01 2026-12-06 09:05 UTC —"


def test_money_filter_refuses_float() -> None:
    with pytest.raises(TypeError, match="float"):
        environment().from_string("{{ m|money }}").render(m=12.5)


# -- base layout ---------------------------------------------------------------------------------------------


def test_base_layout_has_landmarks_skip_link_language_and_navigation() -> None:
    page = base_page()
    assert page.find("html", lang="en")
    skip = page.tags[[t for t, _ in page.tags].index("a")]
    assert skip[1].get("href") == "#content" and "skip-link" in (skip[1].get("class") or "")
    for landmark in ("header", "nav", "main", "footer"):
        assert page.find(landmark), landmark
    assert page.find("main", id="content")
    labels = [view.label for view in View]
    assert labels == ["Overview", "Revenue Health", "Cost Optimization", "Efficiency", "Decisions", "Benchmarks"]
    for label in labels:
        assert label in page.words
    current = page.find("a", **{"aria-current": "page"})
    assert len(current) == 1 and current[0]["href"] == "/revenue?month=2026-11"


def test_month_picker_is_a_get_form_with_complete_months_and_the_month_selected() -> None:
    page = base_page()
    (form,) = [a for a in page.find("form") if a.get("method") == "get" and a.get("action") == "/revenue"]
    assert form is not None
    options = page.find("option")
    assert [o["value"] for o in options] == ["2026-12", "2026-11", "2026-10"]
    assert "selected" in page.find("option", value="2026-11")[0]
    assert "selected" not in page.find("option", value="2026-12")[0]
    assert "December 2026 (in progress)" in page.words
    assert page.find("select", name="month", id="month")
    assert page.find("label", for_="month")


def test_default_month_is_the_latest_complete_one() -> None:
    options = month_options([(date(2026, 10, 1), True), (NOVEMBER, True), (date(2026, 12, 1), False)])
    assert [o.value for o in options if o.default] == ["2026-11"]


def test_logout_is_a_post_form_carrying_the_csrf_token() -> None:
    page = base_page()
    (logout,) = [a for a in page.find("form") if a.get("method") == "post"]
    assert logout["action"] == "/logout"
    assert page.find("input", type="hidden", name="csrf_token", value="csrf-<secret>")


def test_data_as_of_and_the_live_refresh_hook() -> None:
    page = base_page()
    assert page.find("time", datetime="2026-12-06T16:50:00+00:00")
    assert "Data as of 2026-12-06 16:50 UTC" in page.words
    assert page.find("div", **{"data-live-url": "/api/v1/data-version", "data-live-version": "v1"})
    assert not base_page(live_url=None).find("div", **{"data-live-url": "/api/v1/data-version"})


def test_tenant_search_is_a_labelled_search_form() -> None:
    page = base_page()
    assert page.find("form", role="search", action="/tenants")
    assert page.find("input", type="search", name="q", id="tenant-search")
    assert page.find("label", for_="tenant-search")


def test_scripts_are_deferred_files_and_nothing_inline_breaks_a_strict_csp() -> None:
    page = base_page()
    scripts = page.find("script")
    assert {s["src"] for s in scripts} == {"/static/sort.js", "/static/live.js", "/static/month.js"}
    assert all("defer" in s for s in scripts)
    assert page.find("link", rel="stylesheet", href="/static/dashboard.css")
    for tag, attrs in page.tags:
        assert "style" not in attrs, tag
        assert not [name for name in attrs if name.startswith("on")], tag
    assert tag != "style"


def test_layout_without_user_or_months_shows_neither_logout_nor_picker() -> None:
    page = base_page(user=None, months=(), nav=())
    assert not page.find("form", method="post")
    assert not page.find("select")
    assert not page.find("nav", **{"aria-label": "Views"})


def test_static_files_are_packaged() -> None:
    for name in ("dashboard.css", "sort.js", "live.js", "month.js", "favicon.svg"):
        assert (STATIC_DIR / name).is_file(), name


# -- components ----------------------------------------------------------------------------------------------


def test_kpi_card_spells_out_the_direction_of_the_change() -> None:
    html = macro("kpi", "kpi_card", "Revenue", Decimal("23981.42"), kind="money", delta=Decimal("-929.82"), better="up")
    page = Page(html)
    assert "Revenue" in page.words and "$23,981.42" in page.words
    assert "down $929.82 vs previous month (worse)" in page.words
    flat = Page(macro("kpi", "kpi_card", "Margin", Decimal("0.811"), kind="percent", delta=Decimal("0.00001")))
    assert "81.1%" in flat.words and "no change vs previous month" in flat.words
    assert "vs previous month" not in Page(macro("kpi", "kpi_card", "Tenants", 200)).words


def test_data_table_aligns_formats_sorts_and_links() -> None:
    html = macro(
        "table",
        "data_table",
        "Tenants needing attention",
        [
            Column(label="Tenant", kind=ValueKind.TEXT),
            Column(label="Revenue", kind=ValueKind.MONEY),
            Column(label="Margin", kind=ValueKind.PERCENT),
            Column(label="Since", kind=ValueKind.DATE),
            Column(label="Health", kind=ValueKind.TEXT),
        ],
        [
            [
                Link(text="Acme <Corp>", href="/tenants/acme"),
                Decimal("1200.5"),
                Decimal("-0.05"),
                NOVEMBER,
                Status(level=Level.CRITICAL, text="Critical Action Required"),
            ],
            ["beta", Decimal("99"), None, None, Status(level=Level.OK, text="Excellent")],
        ],
        csv_url="/api/v1/tenants.csv?month=2026-11",
    )
    assert "Acme &lt;Corp&gt;" in html
    page = Page(html)
    assert page.find("caption") and "Tenants needing attention" in page.words
    assert "data-sortable" in page.find("table")[0]
    buttons = page.find("button", type="button")
    assert len(buttons) == 5
    assert page.find("th", **{"data-type": "number"}) and page.find("th", **{"data-type": "text"})
    assert page.find("td", **{"data-sort-value": "1200.5", "class": "num"})
    assert page.find("td", **{"data-sort-value": "-0.05", "class": "num"})
    assert page.find("td", **{"data-sort-value": "2026-11-01"})
    assert page.find("td", **{"data-sort-value": "acme <corp>"})
    assert page.find("a", href="/tenants/acme")
    assert "$1,200.50" in page.words and "-5.0%" in page.words and "Critical Action Required" in page.words
    assert page.find("a", href="/api/v1/tenants.csv?month=2026-11")
    assert "Download CSV" in page.words
    region = page.find("div", role="region")
    assert region and region[0].get("tabindex") == "0"


def test_empty_table_shows_its_message() -> None:
    page = Page(macro("table", "data_table", "Open actions", [Column(label="Action")], [], empty="No open actions."))
    assert "No open actions." in page.words
    assert not page.find("tbody") or not page.find("td", **{"data-sort-value": ""})


def test_empty_state_banner_and_badge() -> None:
    empty = Page(macro("empty", "empty_state", "No data for this month", "Run tenantdb refresh to fill it."))
    assert "No data for this month" in empty.words and "Run tenantdb refresh" in empty.words
    error = Page(macro("banner", "banner", "The database is unavailable — retrying.", level="error"))
    assert error.find("div", role="alert") and "database is unavailable" in error.words
    notice = Page(macro("banner", "banner", "Refreshed.", level="notice"))
    assert notice.find("div", role="status")
    for level, word in ((Level.OK, "OK"), (Level.WARNING, "Warning"), (Level.CRITICAL, "Critical")):
        badge = Page(macro("badge", "badge", Status(level=level)))
        assert word in badge.words
        assert badge.find("span", **{"class": f"badge badge-{level.value}"})


def test_chart_component_embeds_the_svg_and_a_hidden_data_table() -> None:
    chart = line_chart(
        title="Revenue <trend>", labels=("2026-10", "2026-11"), series=(Series(name="Revenue", values=(1, 2)),)
    )
    html = macro("chart", "chart", chart)
    assert html.count("<svg") == 1
    page = Page(html)
    assert page.find("figure", **{"class": "chart"})
    hidden = page.find("table", **{"class": "visually-hidden"})
    assert hidden
    assert "Revenue &lt;trend&gt;" in html


def test_login_page_has_token_password_csrf_and_error_area() -> None:
    html = render(
        "login.html",
        layout=Layout(title="Log in"),
        csrf_token="tok",
        error="That token is not valid.",
        password_login=True,
        login_url="/login",
    )
    page = Page(html)
    (form,) = page.find("form", method="post", action="/login")
    assert form is not None
    assert page.find("input", name="token", type="password", id="token", autocomplete="off")
    assert page.find("input", name="password", type="password", id="password")
    assert page.find("input", type="hidden", name="csrf_token", value="tok")
    assert page.find("div", role="alert") and "That token is not valid." in page.words
    plain = Page(render("login.html", layout=Layout(title="Log in"), csrf_token="tok", login_url="/login"))
    assert not plain.find("input", name="password")
    assert not plain.find("div", role="alert")


def test_sort_values_are_plain_decimals_that_sort_js_compares_exactly() -> None:
    assert sort_value(ValueKind.MONEY, Decimal("1E+3")) == "1000"
    assert sort_value(ValueKind.NUMBER, Decimal("-2.50")) == "-2.50"
    assert sort_value(ValueKind.PERCENT, Decimal("5E-7")) == "0.0000005"


def test_two_tables_with_the_same_caption_get_distinct_ids() -> None:
    columns = [Column(label="Tenant")]
    one = Page(macro("table", "data_table", "Tenants", columns, [["a"]], table_id="tenants-critical"))
    two = Page(macro("table", "data_table", "Tenants", columns, [["a"]], table_id="tenants-monitor"))
    assert one.find("caption", id="tenants-critical-caption") and two.find("caption", id="tenants-monitor-caption")


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, two: str) -> float:
    high, low = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_meet_wcag_aa_contrast() -> None:
    css = (STATIC_DIR / "dashboard.css").read_text()
    colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    pairs = [
        ("ink", "paper"), ("muted", "paper"), ("muted", "panel"), ("link", "paper"), ("paper", "brand"),
        ("brand", "paper"), ("paper", "brand-dark"), ("ok-ink", "ok-bg"), ("warn-ink", "warn-bg"),
        ("crit-ink", "crit-bg"), ("ok-ink", "panel"), ("crit-ink", "panel"), ("brand", "panel"),
    ]  # fmt: skip
    for text, background in pairs:
        ratio = contrast(colours[text], colours[background])
        assert ratio >= 4.5, f"{text} on {background}: {ratio:.2f}"
    for colour in COLOURS:  # chart series against the white page: 3:1 for graphics
        assert contrast(colour, "#ffffff") >= 3, colour


def test_every_component_documents_each_of_its_parameters() -> None:
    folder = STATIC_DIR.parent / "templates" / "components"
    macros = 0
    for path in sorted(folder.glob("*.html")):
        text = path.read_text()
        assert text.startswith("{#-"), f"{path.name}: no doc comment at its top"
        doc = text[: text.index("#}")]
        for name, params in re.findall(r"{%\s*macro\s+(\w+)\((.*?)\)\s*%}", text):
            macros += 1
            assert f"{name}(" in doc, f"{path.name}: {name} not documented"
            for param in (p.split("=")[0].strip() for p in params.split(",") if p.strip()):
                assert re.search(rf"^\s+{param}\s", doc, re.MULTILINE), f"{path.name}: {name}({param}) undocumented"
    assert macros >= 6


def test_a_small_rate_is_not_written_as_zero() -> None:
    """A spam rate of 0.04% against Gmail's 0.1% limit must not read "0.0%": a non-zero ratio that rounds to zero
    at one decimal gets two, and below that is written "<0.01%"; zero stays "0.0%"."""
    from tenantdb.server.dashboard.formats import percent

    assert percent(Decimal("0.0004")) == "0.04%"
    assert percent(Decimal("-0.0004")) == "-0.04%"
    assert percent(Decimal("0.00004")) == "<0.01%"
    assert percent(Decimal("0.003")) == "0.3%"
    assert percent(Decimal(0)) == "0.0%"
    assert percent(Decimal("0.811")) == "81.1%"
