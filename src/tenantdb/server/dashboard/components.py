"""What the layout and the components take: typed values a page builds and the templates render.

Layout(title=..., nav=navigation(View.REVENUE_HEALTH, month="2026-11"), months=month_options(...), ...)
Column(label="Revenue", kind=ValueKind.MONEY)      a data_table column
Link(text="Acme", href="/tenants/acme")             a cell that links
Status(level=Level.CRITICAL, text="Critical Action Required")   a cell (or badge) with its status spelled out
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from urllib.parse import urlencode

from tenantdb.server.dashboard.formats import ValueKind, month_text


class View(StrEnum):
    """The dashboard's views, in navigation order; the value is the path segment (the overview is ``/``)."""

    OVERVIEW = "overview"
    REVENUE_HEALTH = "revenue"
    COST_OPTIMIZATION = "costs"
    EFFICIENCY = "efficiency"
    DECISIONS = "decisions"
    BENCHMARKS = "benchmarks"

    @property
    def label(self) -> str:
        return _VIEW_LABELS[self]

    @property
    def path(self) -> str:
        return "/" if self is View.OVERVIEW else f"/{self.value}"


_VIEW_LABELS = {
    View.OVERVIEW: "Overview",
    View.REVENUE_HEALTH: "Revenue Health",
    View.COST_OPTIMIZATION: "Cost Optimization",
    View.EFFICIENCY: "Efficiency",
    View.DECISIONS: "Decisions",
    View.BENCHMARKS: "Benchmarks",
}


class Level(StrEnum):
    """A status badge's level; the badge always writes it in words too."""

    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    NEUTRAL = "neutral"

    @property
    def label(self) -> str:
        return {"ok": "OK", "warning": "Warning", "critical": "Critical", "neutral": "Not applicable"}[self.value]


@dataclass(frozen=True, slots=True, kw_only=True)
class Status:
    """A status in words with its level (the level gives the colour; the text says it)."""

    level: Level
    text: str = ""

    @property
    def label(self) -> str:
        return self.text or self.level.label


@dataclass(frozen=True, slots=True, kw_only=True)
class Column:
    """A data_table column: its heading and the kind of its values (alignment, format, sort order)."""

    label: str
    kind: ValueKind = ValueKind.TEXT
    sortable: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Link:
    """A table cell that links somewhere (e.g. to a tenant's page); it sorts by its text."""

    text: str
    href: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NavLink:
    label: str
    href: str
    current: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthOption:
    """One month of the month picker: ``value`` is ``YYYY-MM``."""

    value: str
    label: str
    complete: bool
    default: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Layout:
    """Everything base.html shows around a page's content; a login page needs only ``title``.

    ``nav`` empty: no navigation; ``months`` empty: no month picker; ``user`` None: no logout form;
    ``live_url`` None: no live refresh (live.js polls it for JSON ``{"version": ...}`` and compares it with
    ``live_version``).
    """

    title: str
    nav: tuple[NavLink, ...] = ()
    months: tuple[MonthOption, ...] = ()
    month: str | None = None
    month_action: str = ""
    month_keep: tuple[tuple[str, str], ...] = ()  # (name, value) the month picker sends back too (a search, a choice)
    data_as_of: datetime | None = None
    live_url: str | None = None
    live_version: str = ""
    live_interval_ms: int = 30_000
    user: str | None = None
    logout_url: str = "/logout"
    tenant_search_url: str = "/tenants"
    static_url: str = "/static"
    product: str = "tenantdb"


def navigation(current: View | None, *, month: str | None = None) -> tuple[NavLink, ...]:
    """The views' links, keeping the chosen month, with ``current`` marked."""
    query = f"?{urlencode({'month': month})}" if month else ""
    return tuple(NavLink(label=view.label, href=f"{view.path}{query}", current=view is current) for view in View)


def month_options(months: Iterable[tuple[date, bool]]) -> tuple[MonthOption, ...]:
    """Picker options from (month, complete?) pairs, newest first; the latest complete month is the default."""
    ordered = sorted(months, reverse=True)
    default = next((month for month, complete in ordered if complete), ordered[0][0] if ordered else None)
    return tuple(
        MonthOption(
            value=month.strftime("%Y-%m"),
            label=month_text(month) + ("" if complete else " (in progress)"),
            complete=complete,
            default=month == default,
        )
        for month, complete in ordered
    )
