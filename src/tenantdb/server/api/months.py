"""``GET /api/v1/months``: the months with data, oldest first; a month is complete once it has ended (UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response

from tenantdb.bi.months import months_with_data
from tenantdb.server.api.access import access
from tenantdb.server.api.models import StrictModel
from tenantdb.server.api.output import Format, respond
from tenantdb.server.request_db import RequestDb

router = APIRouter(tags=["months"])


class Month(StrictModel):
    month: str  # YYYY-MM
    complete: bool


class Months(StrictModel):
    months: list[Month]
    latest_complete: str | None


def _label(month: date) -> str:
    return f"{month:%Y-%m}"


@router.get(
    "/months",
    response_model=Months,
    summary="Months with data",
    description="Oldest first; a month is complete once it has ended (UTC). `latest_complete` is the default month "
    "of every report.",
)
def months(request: Request, db: Annotated[RequestDb, access("GET", "/months")]) -> Response:
    current = datetime.now(UTC).date().replace(day=1)
    found = months_with_data(db.session)
    listed = [Month(month=_label(month), complete=month < current) for month in found]
    complete = [item.month for item in listed if item.complete]
    found_months = Months(months=listed, latest_complete=complete[-1] if complete else None)
    return respond(request, Format.JSON, Months, found_months.model_dump())
