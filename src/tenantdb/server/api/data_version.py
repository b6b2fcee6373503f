"""``GET /api/v1/data-version``: a cheap fingerprint of "new data landed", which the dashboard polls for its live
refresh: the latest refresh of the rollups (``bi_refresh_state``) and the newest business event the caller may
read. ``version`` changes whenever either does; equal versions mean nothing new to show."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, LiteralString
from uuid import UUID

from fastapi import APIRouter, Request, Response

from tenantdb.db import Session
from tenantdb.server.api.access import access
from tenantdb.server.api.models import StrictModel
from tenantdb.server.api.output import Format, respond
from tenantdb.server.api.sqlfiles import query
from tenantdb.server.request_db import RequestDb

router = APIRouter(tags=["data-version"])

_LATEST_REFRESH: LiteralString = "SELECT max(refreshed_at) FROM bi_refresh_state"


class DataVersion(StrictModel):
    version: str
    refreshed_at: datetime | None
    latest_event_at: datetime | None
    latest_event_id: UUID | None


def current_version(session: Session) -> DataVersion:
    """The fingerprint of what ``session``'s role can see now; the dashboard embeds it in each page it renders."""
    readable = bool(
        session.fetch_value(
            "SELECT to_regclass('bi_refresh_state') IS NOT NULL AND has_table_privilege('bi_refresh_state', 'SELECT')"
        )
    )
    refreshed_at = session.fetch_value(_LATEST_REFRESH) if readable else None
    row = session.fetch_one(query("data_version"))
    assert row is not None
    event_at, event_id = row
    fingerprint = hashlib.sha256(f"{refreshed_at}|{event_at}|{event_id}".encode()).hexdigest()[:20]
    return DataVersion(
        version=fingerprint, refreshed_at=refreshed_at, latest_event_at=event_at, latest_event_id=event_id
    )


@router.get(
    "/data-version",
    response_model=DataVersion,
    summary="Fingerprint of the data shown",
    description="Changes when a refresh of the rollups or a new business event (one the caller may read) lands; "
    "poll it (a few index probes per tenant; with `If-None-Match` an unchanged version is a `304`) and reload the "
    "view when `version` differs.",
)
def data_version(request: Request, db: Annotated[RequestDb, access("GET", "/data-version")]) -> Response:
    found = current_version(db.session)
    return respond(request, Format.JSON, DataVersion, found.model_dump())  # with If-None-Match: 304 when unchanged
