"""``GET /api/v1/months``: the months with data, oldest first; a month is complete once it has ended (UTC). A tenant
token gets the months of its own rollups (row-level security; the portfolio's months read tables it has no grant
on)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, LiteralString

from fastapi import APIRouter, Request, Response

from tenantdb.bi.months import months_with_data
from tenantdb.server.api.access import access
from tenantdb.server.api.cached import cached
from tenantdb.server.api.models import StrictModel
from tenantdb.server.api.output import Format, respond
from tenantdb.server.request_db import RequestDb
from tenantdb.server.scopes import Scope

router = APIRouter(tags=["months"])

_TENANT_MONTHS: LiteralString = "SELECT month FROM bi_tenant_monthly WHERE tenant_id = %s ORDER BY month"


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
    "of every report. A tenant token: the months of its own rollups.",
)
@cached
def months(request: Request, db: Annotated[RequestDb, access("GET", "/months")]) -> Response:
    current = datetime.now(UTC).date().replace(day=1)
    principal = db.principal
    if principal.scope is Scope.TENANT:
        found = [row[0] for row in db.session.fetch_all(_TENANT_MONTHS, (principal.tenant_id,))]
    else:
        found = months_with_data(db.session)
    listed = [Month(month=_label(month), complete=month < current) for month in found]
    complete = [item.month for item in listed if item.complete]
    found_months = Months(months=listed, latest_complete=complete[-1] if complete else None)
    return respond(request, Format.JSON, Months, found_months.model_dump())
