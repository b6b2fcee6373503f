"""SVG charts written in Python: escaped, labelled for screen readers, well-formed for any finite input."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tenantdb.server.charts import (
    CHAR_WIDTH,
    LABEL_GAP,
    Bin,
    Marker,
    Series,
    Threshold,
    bar_chart,
    histogram,
    line_chart,
)
from tenantdb.server.dashboard.formats import ValueKind

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ("2026-09", "2026-10", "2026-11")


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def test_line_chart_is_an_accessible_svg_that_scales() -> None:
    chart = line_chart(
        title="Revenue",
        labels=MONTHS,
        series=(Series(name="Revenue", values=(Decimal("20000"), Decimal("21500.50"), Decimal("23981.42"))),),
        kind=ValueKind.MONEY,
    )
    root = parse(chart.svg)
    assert root.get("role") == "img"
    assert root.get("viewBox")
    assert root.get("width") is None  # the container decides the size
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.text == "Revenue"
    assert desc is not None and "$20,000.00" in (desc.text or "") and "$23,981.42" in (desc.text or "")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    labels = texts(root)
    assert "2026-09" in labels and "2026-11" in labels
    assert any(label.startswith("$") for label in labels)  # money ticks


def test_line_chart_legend_names_every_series_in_text() -> None:
    chart = line_chart(
        title="Revenue and cost",
        labels=MONTHS,
        series=(Series(name="Revenue", values=(1, 2, 3)), Series(name="Cost", values=(1, 1, 1))),
    )
    labels = texts(parse(chart.svg))
    assert "Revenue" in labels and "Cost" in labels


def test_chart_data_table_fallback_has_every_value_formatted() -> None:
    chart = line_chart(
        title="Margin",
        labels=MONTHS,
        series=(Series(name="Margin", values=(Decimal("0.811"), Decimal("0.8"), None)),),
        kind=ValueKind.PERCENT,
    )
    assert chart.table.columns == ("Month", "Margin")
    assert chart.table.rows == (("2026-09", "81.1%"), ("2026-10", "80.0%"), ("2026-11", "—"))


def test_markup_in_labels_is_escaped() -> None:
    chart = bar_chart(
        title="<script>alert(1)</script>",
        labels=("a&b", '"quoted"', "<b>bold</b>"),
        values=(1, 2, 3),
    )
    assert "<script>" not in chart.svg and "<b>" not in chart.svg
    root = parse(chart.svg)
    assert "a&b" in texts(root) and "<b>bold</b>" in texts(root)


def test_empty_series_says_no_data() -> None:
    for chart in (
        line_chart(title="Nothing", labels=(), series=()),
        bar_chart(title="Nothing", labels=(), values=()),
        histogram(title="Nothing", bins=()),
    ):
        root = parse(chart.svg)
        assert "No data" in texts(root)
        desc = root.find(f"{SVG}desc")
        assert desc is not None and "No data" in (desc.text or "")


def test_one_point_all_zeros_negative_and_huge_values_draw() -> None:
    cases = [
        line_chart(title="one", labels=("2026-11",), series=(Series(name="x", values=(Decimal(5),)),)),
        line_chart(title="zeros", labels=MONTHS, series=(Series(name="x", values=(0, 0, 0)),)),
        bar_chart(title="negative", labels=("a", "b"), values=(Decimal("-1200.5"), Decimal(300))),
        bar_chart(title="huge", labels=("a", "b"), values=(Decimal("1e30"), Decimal("-3e29")), kind=ValueKind.MONEY),
    ]
    for chart in cases:
        root = parse(chart.svg)
        for element in root.iter():
            for name in ("x", "y", "x1", "x2", "y1", "y2", "width", "height"):
                value = element.get(name)
                if value is not None:
                    assert Decimal(value).is_finite() and Decimal(value) >= 0, (chart.title, name, value)


def test_negative_bars_go_left_of_the_zero_line() -> None:
    chart = bar_chart(title="drift", labels=("loss", "gain"), values=(-100, 100))
    root = parse(chart.svg)
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]
    zero = [line for line in root.iter(f"{SVG}line") if line.get("class") == "zero"]
    assert len(bars) == 2 and len(zero) == 1
    zero_x = Decimal(zero[0].get("x1") or "")
    loss, gain = bars
    assert Decimal(loss.get("x") or "") + Decimal(loss.get("width") or "") == zero_x
    assert Decimal(gain.get("x") or "") == zero_x


def test_axis_ticks_are_round_numbers_formatted_compactly() -> None:
    chart = bar_chart(title="big", labels=("a",), values=(Decimal(2_400_000),), kind=ValueKind.MONEY)
    labels = texts(parse(chart.svg))
    assert "$2M" in labels or "$2.0M" in labels or "$2.5M" in labels
    assert "$0" in labels


def test_histogram_marks_this_tenant_and_the_published_limits() -> None:
    chart = histogram(
        title="Spam rate across tenants",
        bins=(
            Bin(lower=Decimal("0"), upper=Decimal("0.001"), count=120),
            Bin(lower=Decimal("0.001"), upper=Decimal("0.002"), count=40),
            Bin(lower=Decimal("0.002"), upper=Decimal("0.004"), count=7),
        ),
        kind=ValueKind.PERCENT,
        marker=Marker(label="acme", value=Decimal("0.0025")),
        thresholds=(
            Threshold(label="warning 0.1%", value=Decimal("0.001")),
            Threshold(label="limit 0.3%", value=Decimal("0.003")),
        ),
    )
    root = parse(chart.svg)
    classes = [element.get("class") for element in root.iter()]
    assert classes.count("marker") == 1 and classes.count("threshold") == 2
    assert classes.count("bar") == 3
    labels = texts(root)
    assert any("acme" in label for label in labels)
    assert any("limit 0.3%" in label for label in labels)
    desc = root.find(f"{SVG}desc")
    assert desc is not None
    assert "167 values" in (desc.text or "") and "acme: 0.3%" in (desc.text or "")
    assert chart.table.rows[0] == ("0.0% to 0.1%", "120")


def test_ids_differ_between_charts_so_a_page_can_hold_several() -> None:
    one = parse(line_chart(title="A", labels=MONTHS, series=(Series(name="a", values=(1, 2, 3)),)).svg)
    two = parse(line_chart(title="B", labels=MONTHS, series=(Series(name="b", values=(1, 2, 3)),)).svg)
    assert one.get("aria-labelledby") != two.get("aria-labelledby")


finite = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.decimals(allow_nan=False, allow_infinity=False),
)
label = st.text(max_size=20)


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(label, max_size=6),
    values=st.lists(st.lists(st.one_of(st.none(), finite), min_size=6, max_size=6), max_size=3),
    names=st.lists(label, min_size=3, max_size=3),
    kind=st.sampled_from(ValueKind),
)
def test_any_finite_line_chart_is_well_formed_xml(
    labels: list[str], values: list[list[Decimal | int | None]], names: list[str], kind: ValueKind
) -> None:
    series = tuple(
        Series(name=name, values=tuple(row[: len(labels)])) for name, row in zip(names, values, strict=False)
    )
    parse(line_chart(title="t", labels=tuple(labels), series=series, kind=kind).svg)


@settings(max_examples=60, deadline=None)
@given(
    pairs=st.lists(st.tuples(label, finite), max_size=8),
    title=label,
    kind=st.sampled_from(ValueKind),
)
def test_any_finite_bar_chart_is_well_formed_xml(
    pairs: list[tuple[str, Decimal | int]], title: str, kind: ValueKind
) -> None:
    parse(bar_chart(title=title, labels=tuple(p[0] for p in pairs), values=tuple(p[1] for p in pairs), kind=kind).svg)


@settings(max_examples=60, deadline=None)
@given(
    edges=st.lists(finite, min_size=0, max_size=6, unique=True),
    counts=st.lists(st.integers(min_value=0, max_value=10**9), min_size=6, max_size=6),
    marker=st.one_of(st.none(), finite),
    thresholds=st.lists(finite, max_size=3),
)
def test_any_finite_histogram_is_well_formed_xml(
    edges: list[Decimal | int], counts: list[int], marker: Decimal | int | None, thresholds: list[Decimal | int]
) -> None:
    ordered = sorted(Decimal(edge) for edge in edges)
    bins = tuple(
        Bin(lower=lower, upper=upper, count=count)
        for lower, upper, count in zip(ordered, ordered[1:], counts, strict=False)
    )
    chart = histogram(
        title="h",
        bins=bins,
        marker=None if marker is None else Marker(label="this tenant", value=Decimal(marker)),
        thresholds=tuple(Threshold(label=f"limit {n}", value=Decimal(value)) for n, value in enumerate(thresholds)),
    )
    parse(chart.svg)


def test_a_years_month_labels_do_not_overlap_and_the_last_month_is_written() -> None:
    """Twelve and more months on the x axis (the demo's year): every written label has room for its characters at
    the chart's font size, spaced evenly back from the last month, which is always written."""
    for count in (12, 13, 24, 25, 36):
        months = [f"{2024 + (m // 12)}-{m % 12 + 1:02d}" for m in range(count)]
        chart = line_chart(title="Revenue", labels=months, series=[Series(name="Revenue", values=(1,) * count)])
        root = parse(chart.svg)
        ticks = [e for e in root.iter(f"{SVG}text") if e.get("class") == "tick" and (e.text or "") in months]
        assert ticks[-1].text == months[-1]
        xs = [Decimal(e.get("x") or "0") for e in ticks]
        gaps = {b - a for a, b in itertools.pairwise(xs)}
        assert min(gaps) >= CHAR_WIDTH * len("2026-11") + LABEL_GAP, (count, [e.text for e in ticks])
        assert max(gaps) - min(gaps) < 1, (count, gaps)  # evenly spaced: no squeezed pair at the end


def test_open_ended_first_and_last_bins_say_so_instead_of_an_invented_edge() -> None:
    """The report's first and last bins are open-ended (below the first edge, at or above the last): drawn one
    step wide, but the data table and the tooltips write "below" and "or more", never the invented edge."""
    bins = [
        Bin(lower=Decimal(-1), upper=Decimal(0), count=2, open_lower=True),
        Bin(lower=Decimal(0), upper=Decimal(1), count=5),
        Bin(lower=Decimal(1), upper=Decimal(2), count=1, open_upper=True),
    ]
    chart = histogram(title="Gross margin", bins=bins, kind=ValueKind.PERCENT)
    ranges = [row[0] for row in chart.table.rows]
    assert ranges == ["below 0.0%", "0.0% to 100.0%", "100.0% or more"]
    tips = [e.text or "" for e in parse(chart.svg).iter(f"{SVG}title") if ":" in (e.text or "")]
    assert "below 0.0%: 2" in tips and "100.0% or more: 1" in tips, tips
    assert all("-100.0%" not in tip and "200.0%" not in tip for tip in tips)


def test_histogram_ranges_show_as_many_digits_as_their_edges_need() -> None:
    """Newcomer walk (the demo's benchmarks view): complaint-rate bins of 0.05 points read "0.1% to 0.1%" twice; the
    ranges of one chart share the fewest digits that keep every edge distinct."""
    edges = [Decimal("0.0005") * n for n in range(5)]
    bins = [Bin(lower=low, upper=high, count=n) for n, (low, high) in enumerate(itertools.pairwise(edges))]
    bins.append(Bin(lower=edges[-1], upper=edges[-1] * 2, count=9, open_upper=True))
    ranges = [row[0] for row in histogram(title="Complaints", bins=bins, kind=ValueKind.PERCENT).table.rows]
    assert ranges == [
        "0.00% to 0.05%",
        "0.05% to 0.10%",
        "0.10% to 0.15%",
        "0.15% to 0.20%",
        "0.20% or more",
    ]
    money = [Bin(lower=Decimal("0.001") * n, upper=Decimal("0.001") * (n + 1), count=1) for n in range(3)]
    cells = [row[0] for row in histogram(title="Cost per e-mail", bins=money, kind=ValueKind.MONEY).table.rows]
    assert cells == ["$0.000 to $0.001", "$0.001 to $0.002", "$0.002 to $0.003"]
    coarse = [Bin(lower=Decimal(n) / 10, upper=Decimal(n + 1) / 10, count=1) for n in range(3)]
    kept = [row[0] for row in histogram(title="Margin", bins=coarse, kind=ValueKind.PERCENT).table.rows]
    assert kept == ["0.0% to 10.0%", "10.0% to 20.0%", "20.0% to 30.0%"]  # one digit is enough: unchanged
