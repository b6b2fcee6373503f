"""The pieces a view page is made of, rendered in order by ``view.html``: key figures, charts, tables and links.

A view module builds them from a report model (:mod:`tenantdb.bi.reports`); the CSV export of a table is built
from the same :class:`Table` (:mod:`.exports`), so the download has exactly the rows and columns the page shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tenantdb.server.charts import Chart
from tenantdb.server.dashboard.components import Column
from tenantdb.server.dashboard.formats import ValueKind


@dataclass(frozen=True, slots=True, kw_only=True)
class Kpi:
    """A key figure (kpi_card): ``better`` is "up" or "down" (which change is good)."""

    label: str
    value: Decimal | int | None
    kind: ValueKind = ValueKind.NUMBER
    delta: Decimal | int | None = None
    better: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """A sortable table with its CSV download."""

    caption: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[object]]
    csv_url: str | None = None
    note: str | None = None
    empty: str = "No rows."


@dataclass(frozen=True, slots=True, kw_only=True)
class ViewContent:
    """A view's content: an introduction (what the view answers), then its sections."""

    intro: str
    kpis: Sequence[Kpi] = ()
    charts: Sequence[Chart] = ()
    tables: Sequence[Table] = ()
    notes: Sequence[str] = field(default_factory=tuple)


def ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part / whole`` as a Decimal (None when ``whole`` is zero)."""
    return None if not whole else Decimal(part) / Decimal(whole)


def change(now: Decimal | int | None, before: Decimal | int | None) -> Decimal | int | None:
    return None if now is None or before is None else now - before
