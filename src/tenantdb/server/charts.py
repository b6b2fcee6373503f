"""SVG charts drawn in Python, with no script and nothing fetched: trends, categories, distributions.

Each function takes typed data (labels and Decimal or int values, never float) and returns a :class:`Chart`: the
SVG markup (``role="img"``, a ``<title>`` and a ``<desc>`` summarising the data, axis ticks with formatted numbers,
a legend in text, a ``viewBox`` so it scales with its container) and the same data as a small table, which the
``chart`` component renders visually hidden for screen readers. Every string is escaped; coordinates are computed
in Decimal, so any finite input, however large, gives well-formed XML.

    line_chart(title=..., labels=months, series=(Series(name="Revenue", values=...),), kind=ValueKind.MONEY)
    bar_chart(title=..., labels=plan_names, values=margins, kind=ValueKind.PERCENT)
    histogram(title=..., bins=..., marker=Marker(label="acme", value=...), thresholds=(Threshold(...),))
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from tenantdb.server.dashboard.formats import (
    MISSING,
    Numeric,
    ValueKind,
    compact,
    format_value,
    in_wide_context,
    money,
    number,
    percent,
)

WIDTH = 640
HEIGHT = 320
BAR_ROW = 28  # height of one category of a bar chart
MAX_X_LABELS = 12  # more month labels than this and only every n-th is written
LABEL_GAP = 8  # px between two x labels
CHAR_WIDTH = 7  # px: the widest digit at the charts' 12 px font, so that axis labels are spaced not to overlap
LABEL_CHARS = 22  # category labels longer than this are cut in the drawing (the data table has them whole)
TICKS = 5

# Series colours (at least 3:1 against white, WCAG's minimum for graphics) and dash patterns, so that series
# differ by more than colour.
COLOURS = ("#1f5fa8", "#b3541e", "#2e7d32", "#6a3d9a", "#4d4d4d")
DASHES = ("", "6 4", "2 3", "8 3 2 3", "1 5")

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    """One line of a line chart: a name for the legend and a value per label (``None``: no data that month)."""

    name: str
    values: tuple[Numeric | None, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Bin:
    """One bar of a histogram: how many values fall in ``[lower, upper)``. ``open_lower``: in fact every value below
    ``upper`` (the first bin); ``open_upper``: every value from ``lower`` up (the last); such a bar is drawn from
    the edge it is given, but written "below …" / "… or more"."""

    lower: Decimal
    upper: Decimal
    count: int
    open_lower: bool = False
    open_upper: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Marker:
    """One value marked on a distribution, e.g. this tenant among the others."""

    label: str
    value: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Threshold:
    """A published limit drawn across a distribution, e.g. the 0.3% spam rate limit."""

    label: str
    value: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ChartTable:
    """A chart's data as text, for the visually hidden table beside it."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Chart:
    """A drawn chart: its SVG markup (escaped throughout), its summary and its data as a table."""

    title: str
    summary: str
    svg: str
    table: ChartTable


# -- public charts -------------------------------------------------------------------------------------------


@in_wide_context
def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    kind: ValueKind = ValueKind.NUMBER,
    label_heading: str = "Month",
) -> Chart:
    """One or more series over the same labels (months): a trend."""
    values = [v for s in series for v in s.values[: len(labels)] if v is not None]
    table = ChartTable(
        columns=(label_heading, *(s.name for s in series)),
        rows=tuple(
            (label, *(_cell(kind, s.values[i] if i < len(s.values) else None) for s in series))
            for i, label in enumerate(labels)
        ),
    )
    chart_id = _chart_id("line", title, labels, [s.values for s in series])
    if not values:
        return _empty(title, chart_id, table)
    lo, hi, ticks = _range([*map(Decimal, values), Decimal(0)])
    plot = _Box(left=Decimal(72), right=Decimal(WIDTH - 24), top=Decimal(40), bottom=Decimal(HEIGHT - 40))
    y = _Scale(lo, hi, plot.bottom, plot.top)
    step = (plot.right - plot.left) / (len(labels) - 1) if len(labels) > 1 else Decimal(0)

    def x_at(i: int) -> Decimal:
        return plot.left + step * i if len(labels) > 1 else (plot.left + plot.right) / 2

    parts = [*_y_axis(plot, y, ticks, kind)]
    every = _label_step(labels, plot.right - plot.left)
    for i, label in enumerate(labels):
        if (len(labels) - 1 - i) % every == 0:  # counted back from the last month, which is always written
            parts.append(_text(x_at(i), plot.bottom + 20, label, anchor="middle", css="tick"))
    for n, one in enumerate(series):
        colour, dash = COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)]
        path: list[str] = []
        pen_up = True
        for i, value in enumerate(one.values[: len(labels)]):
            if value is None:
                pen_up = True
                continue
            path.append(f"{'M' if pen_up else 'L'}{_n(x_at(i))} {_n(y(Decimal(value)))}")
            pen_up = False
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<path class="line" d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
        )
        for i, value in enumerate(one.values[: len(labels)]):
            if value is not None:
                parts.append(
                    f'<circle class="point" cx="{_n(x_at(i))}" cy="{_n(y(Decimal(value)))}" r="3.5" fill="{colour}">'
                    f"<title>{_esc(f'{one.name}, {labels[i]}: {_cell(kind, value)}')}</title></circle>"
                )
    parts.extend(_legend([(s.name, COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)]) for n, s in enumerate(series)]))
    summary = "; ".join(_trend_summary(s, labels, kind) for s in series if any(v is not None for v in s.values))
    return _chart(title, summary, chart_id, HEIGHT, parts, table)


@in_wide_context
def bar_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[Numeric],
    kind: ValueKind = ValueKind.NUMBER,
    label_heading: str = "Category",
    value_heading: str = "Value",
) -> Chart:
    """One value per category, as horizontal bars (long names stay readable, negative values go left)."""
    pairs = list(zip(labels, values, strict=False))
    table = ChartTable(
        columns=(label_heading, value_heading), rows=tuple((label, _cell(kind, value)) for label, value in pairs)
    )
    chart_id = _chart_id("bar", title, labels, values)
    if not pairs:
        return _empty(title, chart_id, table)
    height = 16 + BAR_ROW * len(pairs) + 36
    lo, hi, ticks = _range([*(Decimal(v) for _, v in pairs), Decimal(0)])
    gutter = 70 if lo < 0 else 0  # room for the value written left of a negative bar
    plot = _Box(left=Decimal(180 + gutter), right=Decimal(WIDTH - 80), top=Decimal(16), bottom=Decimal(height - 36))
    x = _Scale(lo, hi, plot.left, plot.right)
    zero = _q(x(Decimal(0)))
    parts = []
    for tick in ticks:
        tick_x = _q(x(tick))
        parts.append(_line(tick_x, plot.top, tick_x, plot.bottom, "grid"))
        parts.append(_text(tick_x, plot.bottom + 20, compact(kind, tick), anchor="middle", css="tick"))
    for n, (label, value) in enumerate(pairs):
        top = plot.top + BAR_ROW * n
        end = _q(x(Decimal(value)))
        left, width = min(zero, end), abs(end - zero)
        shown = _cell(kind, value)
        parts.append(_text(plot.left - gutter - 8, top + 18, _cut(label), anchor="end", css="label"))
        parts.append(
            f'<rect class="bar" x="{_n(left)}" y="{_n(top + 5)}" width="{_n(width)}" height="{BAR_ROW - 10}"'
            f' fill="{COLOURS[0]}"><title>{_esc(f"{label}: {shown}")}</title></rect>'
        )
        value_x = end + 6 if Decimal(value) >= 0 else max(end - 6, Decimal(0))
        parts.append(_text(value_x, top + 18, shown, anchor="start" if Decimal(value) >= 0 else "end", css="value"))
    parts.append(_line(zero, plot.top, zero, plot.bottom, "zero"))
    top_pair = max(pairs, key=lambda pair: Decimal(pair[1]))
    low_pair = min(pairs, key=lambda pair: Decimal(pair[1]))
    summary = (
        f"{len(pairs)} categor{'y' if len(pairs) == 1 else 'ies'}; highest {top_pair[0]}: {_cell(kind, top_pair[1])}"
        + ("" if len(pairs) == 1 else f"; lowest {low_pair[0]}: {_cell(kind, low_pair[1])}")
    )
    return _chart(title, summary, chart_id, height, parts, table)


@in_wide_context
def histogram(
    *,
    title: str,
    bins: Sequence[Bin],
    kind: ValueKind = ValueKind.NUMBER,
    marker: Marker | None = None,
    thresholds: Sequence[Threshold] = (),
) -> Chart:
    """A distribution as counts per bin, with one value marked and published limits drawn as lines."""
    ranges = _bin_ranges(kind, bins)
    table = ChartTable(
        columns=("Range", "Count"), rows=tuple((r, f"{b.count:,}") for r, b in zip(ranges, bins, strict=True))
    )
    chart_id = _chart_id("histogram", title, bins, marker, thresholds)
    if not bins:
        return _empty(title, chart_id, table)
    edges = [b.lower for b in bins] + [b.upper for b in bins] + [t.value for t in thresholds]
    edges += [marker.value] if marker else []
    x_lo, x_hi, x_ticks = _range(edges)
    y_lo, y_hi, y_ticks = _range([Decimal(0), *(Decimal(b.count) for b in bins)])
    plot = _Box(left=Decimal(72), right=Decimal(WIDTH - 24), top=Decimal(40), bottom=Decimal(HEIGHT - 40))
    x = _Scale(x_lo, x_hi, plot.left, plot.right)
    y = _Scale(y_lo, y_hi, plot.bottom, plot.top)
    parts = [*_y_axis(plot, y, y_ticks, ValueKind.NUMBER)]
    for tick in x_ticks:
        parts.append(_text(_q(x(tick)), plot.bottom + 20, compact(kind, tick), anchor="middle", css="tick"))
    for one, shown_range in zip(bins, ranges, strict=True):
        left, right = sorted((_q(x(one.lower)), _q(x(one.upper))))
        top = _q(y(Decimal(one.count)))
        parts.append(
            f'<rect class="bar" x="{_n(left)}" y="{_n(top)}" width="{_n(right - left)}"'
            f' height="{_n(_q(plot.bottom) - top)}" fill="{COLOURS[0]}" stroke="#ffffff">'
            f"<title>{_esc(f'{shown_range}: {one.count:,}')}</title></rect>"
        )
    for n, limit in enumerate(thresholds):
        at = _q(x(limit.value))
        parts.append(
            f'<line class="threshold" x1="{_n(at)}" y1="{_n(plot.top)}" x2="{_n(at)}" y2="{_n(plot.bottom)}"'
            ' stroke="#b00020" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        parts.append(_text(at, plot.top - 6 - 12 * (n % 2), limit.label, anchor="middle", css="threshold-label"))
    if marker:
        at = _q(x(marker.value))
        parts.append(
            f'<line class="marker" x1="{_n(at)}" y1="{_n(plot.top)}" x2="{_n(at)}" y2="{_n(plot.bottom)}"'
            ' stroke="#111111" stroke-width="3"/>'
        )
        parts.append(
            _text(
                at, plot.top + 14, f"{marker.label}: {_cell(kind, marker.value)}", anchor="middle", css="marker-label"
            )
        )
    total = sum(b.count for b in bins)
    summary = (
        f"{total:,} values in {len(bins)} bin{'s' if len(bins) != 1 else ''}"
        f" from {_cell(kind, min(b.lower for b in bins))} to {_cell(kind, max(b.upper for b in bins))}"
    )
    if marker:
        summary += f"; {marker.label}: {_cell(kind, marker.value)}"
    if thresholds:
        summary += "; limits: " + ", ".join(f"{t.label} at {_cell(kind, t.value)}" for t in thresholds)
    return _chart(title, summary, chart_id, HEIGHT, parts, table)


# -- drawing -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Box:
    left: Decimal
    right: Decimal
    top: Decimal
    bottom: Decimal


class _Scale:
    """Maps ``[lo, hi]`` onto ``[start, end]`` (pixels), in Decimal."""

    def __init__(self, lo: Decimal, hi: Decimal, start: Decimal, end: Decimal) -> None:
        self.lo, self.span, self.start, self.length = lo, hi - lo, start, end - start

    def __call__(self, value: Decimal) -> Decimal:
        return self.start + (value - self.lo) / self.span * self.length


def _range(values: Iterable[Decimal]) -> tuple[Decimal, Decimal, tuple[Decimal, ...]]:
    """Round bounds covering ``values`` and the ticks between them (1, 2 or 5 times a power of ten apart)."""
    numbers = list(values)
    lo, hi = min(numbers), max(numbers)
    if lo == hi:
        pad = max(abs(lo) / 10, Decimal(1))
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / TICKS
    base = Decimal(1).scaleb(raw.adjusted())
    step = next(base * m for m in (1, 2, 5, 10) if base * m >= raw)
    start = (lo / step).to_integral_value(rounding=ROUND_FLOOR) * step
    end = (hi / step).to_integral_value(rounding=ROUND_CEILING) * step
    count = int((end - start) / step)
    return start, end, tuple(start + step * i for i in range(count + 1))


def _y_axis(plot: _Box, y: _Scale, ticks: Sequence[Decimal], kind: ValueKind) -> list[str]:
    parts = []
    for tick in ticks:
        at = _q(y(tick))
        parts.append(_line(plot.left, at, plot.right, at, "zero" if tick == 0 else "grid"))
        parts.append(_text(plot.left - 8, at + 4, compact(kind, tick), anchor="end", css="tick"))
    return parts


def _legend(entries: Sequence[tuple[str, str, str]]) -> list[str]:
    parts = ['<g class="legend">']
    x = Decimal(72)
    for name, colour, dash in entries:
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{_n(x)}" y1="14" x2="{_n(x + 24)}" y2="14" stroke="{colour}" stroke-width="3"{dash_attr}/>'
        )
        parts.append(_text(x + 30, 18, name, anchor="start", css="legend-label"))
        x += 30 + 8 * min(len(name), 40) + 20
    parts.append("</g>")
    return parts


MAX_EXTRA_DIGITS = 4
"""At most this many digits beyond a kind's usual ones to tell a histogram's edges apart."""


def _bin_ranges(kind: ValueKind, bins: Sequence[Bin]) -> list[str]:
    """Each bin's range ("0.05% to 0.10%", "below …", "… or more"), all edges of the chart written with the fewest
    digits (from the kind's usual) that keep them apart: bins 0.05 points wide read "0.1% to 0.1%" at one digit."""
    edges = {b.upper for b in bins if not b.open_upper} | {b.lower for b in bins if not b.open_lower}
    extra = next(
        (n for n in range(MAX_EXTRA_DIGITS + 1) if len({_edge(kind, e, n) for e in edges}) == len(edges)),
        MAX_EXTRA_DIGITS,
    )
    ranges = []
    for one in bins:
        lower, upper = _edge(kind, one.lower, extra), _edge(kind, one.upper, extra)
        ranges.append(
            f"below {upper}" if one.open_lower else f"{lower} or more" if one.open_upper else f"{lower} to {upper}"
        )
    return ranges


def _edge(kind: ValueKind, value: Decimal, extra: int) -> str:
    if extra == 0:
        return _cell(kind, value)
    match kind:
        case ValueKind.PERCENT:
            return percent(value, digits=1 + extra)
        case ValueKind.MONEY:
            return money(value, places=2 + extra)
        case _:
            return number(value, digits=2 + extra)


def _label_step(labels: Sequence[str], width: Decimal) -> int:
    """Write every n-th x label: at most MAX_X_LABELS, and each with room for its characters plus a gap."""
    if len(labels) < 2:
        return 1
    room = CHAR_WIDTH * max(len(label) for label in labels) + LABEL_GAP
    step = width / (len(labels) - 1)
    return max(int((room / step).to_integral_value(ROUND_CEILING)), -(-len(labels) // MAX_X_LABELS), 1)


def _trend_summary(series: Series, labels: Sequence[str], kind: ValueKind) -> str:
    points = [(labels[i], v) for i, v in enumerate(series.values[: len(labels)]) if v is not None]
    (first_label, first), (last_label, last) = points[0], points[-1]
    if len(points) == 1:
        return f"{series.name}: {_cell(kind, first)} in {first_label}"
    high = max(points, key=lambda p: Decimal(p[1]))
    low = min(points, key=lambda p: Decimal(p[1]))
    return (
        f"{series.name} from {_cell(kind, first)} in {first_label} to {_cell(kind, last)} in {last_label}"
        f" (highest {_cell(kind, high[1])} in {high[0]}, lowest {_cell(kind, low[1])} in {low[0]})"
    )


def _chart(title: str, summary: str, chart_id: str, height: int, parts: Sequence[str], table: ChartTable) -> Chart:
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {WIDTH} {height}"'
        f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="system-ui, sans-serif"'
        ' font-size="12">'
        f'<title id="{chart_id}-title">{_esc(title)}</title>'
        f'<desc id="{chart_id}-desc">{_esc(summary)}</desc>'
        f"{''.join(parts)}</svg>"
    )
    return Chart(title=title, summary=summary, svg=svg, table=table)


def _empty(title: str, chart_id: str, table: ChartTable) -> Chart:
    parts = [_text(Decimal(WIDTH) / 2, Decimal(HEIGHT) / 2, "No data", anchor="middle", css="empty")]
    return _chart(title, "No data.", chart_id, HEIGHT, parts, table)


def _line(x1: Decimal | int, y1: Decimal | int, x2: Decimal | int, y2: Decimal | int, css: str) -> str:
    colour = "#595959" if css == "zero" else "#d9d9d9"
    return f'<line class="{css}" x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{colour}"/>'


def _text(x: Decimal | int, y: Decimal | int, content: str, *, anchor: str, css: str) -> str:
    return (
        f'<text class="{css}" x="{_n(max(Decimal(x), Decimal(0)))}" y="{_n(y)}" text-anchor="{anchor}" fill="#1a1a1a">'
        f"{_esc(content)}</text>"
    )


def _esc(text: str) -> str:
    """Text safe inside an SVG element (characters XML cannot hold are dropped)."""
    return escape(_NOT_XML.sub("", text))


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _cell(kind: ValueKind, value: object) -> str:
    return MISSING if value is None else format_value(kind, value)


def _q(value: Decimal | int) -> Decimal:
    """A coordinate rounded to a tenth of a pixel."""
    return Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _n(value: Decimal | int) -> str:
    return f"{_q(value):f}"


def _chart_id(*parts: object) -> str:
    """An id for the chart's title and description, stable for the same data and distinct between charts."""
    return "chart-" + hashlib.sha256(repr(parts).encode()).hexdigest()[:10]
