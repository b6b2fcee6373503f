"""One page of a keyset-paginated list whose query also counts the whole list (a ``total`` column on every row)."""

from __future__ import annotations

from typing import Any, TypeVar

from tenantdb.bi.reports.common import query
from tenantdb.bi.reports.figures import rows_as
from tenantdb.db import Session

M = TypeVar("M")


def fetch_page(session: Session, model: type[M], name: str, params: dict[str, Any]) -> tuple[int, tuple[M, ...]]:
    """The rows of ``sql/<name>.sql`` after ``params["after"]`` as ``model``, and the whole list's length (counted
    again from the start when the page after the cursor is empty)."""
    columns, rows = session.fetch_named(query(name), params)
    if not rows and params.get("after") is not None:
        _, first = session.fetch_named(query(name), params | {"after": None, "limit": 1})
        total = first[0][columns.index("total")] if first else 0
    else:
        total = rows[0][columns.index("total")] if rows else 0
    keep = [i for i, column in enumerate(columns) if column != "total"]
    return total, rows_as(model, [columns[i] for i in keep], [tuple(row[i] for i in keep) for row in rows])
