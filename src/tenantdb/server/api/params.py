"""Query parameters the API's routes share, each validated (a bad one is a 422 naming it)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import BeforeValidator

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


def _iso_8601(value: Any) -> Any:
    """Only ISO 8601 text is a time: pydantic alone also reads a number (``0.0``) as seconds since 1970."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("an ISO 8601 time with a time zone, e.g. 2026-09-01T00:00:00Z") from None
    return value


Moment = Annotated[datetime, BeforeValidator(_iso_8601)]
"""A query parameter's time: ISO 8601 only (the time zone is checked where the route says why it needs one)."""


def month_of(text: str | None) -> date | None:
    return parse_month(text) if text else None


def month_label(month: date) -> str:
    return f"{month:%Y-%m}"
