"""Query parameters the API's routes share, each validated (a bad one is a 422 naming it)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

from tenantdb.bi.reports import parse_month

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]+$"  # one line of text: no NUL (PostgreSQL refuses it) nor control characters
NOTE_PATTERN = r"^[^\x00]*$"  # free text: no NUL
DEFAULT_LIMIT = 50
MAX_LIMIT = 500

MonthParam = Annotated[
    str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM; default: the latest complete month")
]
LimitParam = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"rows per page (1 to {MAX_LIMIT})")]
CursorParam = Annotated[
    str | None, Query(max_length=400, pattern=r"^[A-Za-z0-9_-]+$", description="the `next` link's cursor")
]


def month_of(text: str | None) -> date | None:
    return parse_month(text) if text else None


def month_label(month: date) -> str:
    return f"{month:%Y-%m}"
