"""``GET /api/v1/data-version``: a cheap fingerprint of "new data landed", which the dashboard polls for its live
refresh and the response cache (:mod:`tenantdb.server.cache`) keys its entries with: for an operator, module bi's
change counters (``bi_data_version``: refreshes, business events, actions, decisions); for a tenant token, the
refresh counter and its own newest event. Equal versions mean nothing new to show."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
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

_READABLE: LiteralString = (
    "SELECT to_regclass('bi_data_version') IS NOT NULL AND has_table_privilege('bi_data_version', 'SELECT'),"
    " to_regprocedure('tenantdb_refresh_version()') IS NOT NULL"
    " AND has_function_privilege('tenantdb_refresh_version()', 'EXECUTE')"
)


class DataVersion(StrictModel):
    version: str
    refreshed_at: datetime | None
    latest_event_at: datetime | None
    latest_event_id: UUID | None


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()[:20]


def current_version(session: Session, *, before: Callable[[], None] | None = None) -> DataVersion:
    """The fingerprint of what ``session``'s role can see now; the dashboard embeds it in each page it renders and
    the response cache keys its entries with it.

    An operator role reads module bi's counters (``bi_data_version``: constant work, however many tenants). A
    tenant role cannot — they count every tenant's events — and reads the refresh counter and its own newest event
    instead (row-level security leaves one company to probe), so its version never moves for another tenant.
    ``before`` queues statements sent with the first query (the request's switch to its role)."""
    rows = session.fetch_after(before, _READABLE)
    counters, refreshes = rows[0]
    if counters:
        found = session.fetch_one(query("data_version_global"))
        assert found is not None
        bumps, refreshed_at = found
        return DataVersion(
            version=_fingerprint("operator", bumps, refreshed_at),
            refreshed_at=refreshed_at,
            latest_event_at=None,
            latest_event_id=None,
        )
    refresh = session.fetch_value("SELECT tenantdb_refresh_version()") if refreshes else None
    latest = session.fetch_one(query("data_version"))
    assert latest is not None
    event_at, event_id = latest
    return DataVersion(
        version=_fingerprint("own", refresh, event_at, event_id),
        refreshed_at=None,
        latest_event_at=event_at,
        latest_event_id=event_id,
    )


@router.get(
    "/data-version",
    response_model=DataVersion,
    summary="Fingerprint of the data shown",
    description="Changes when a refresh of the rollups, a new business event, an action or a decision lands (a "
    "tenant token: a refresh or its own new event); poll it (constant work for an operator, one index probe for a "
    "tenant token; with `If-None-Match` an unchanged version is a `304`) and reload the view when `version` differs.",
)
def data_version(request: Request, db: Annotated[RequestDb, access("GET", "/data-version")]) -> Response:
    found = current_version(db.session)
    return respond(request, Format.JSON, DataVersion, found.model_dump())  # with If-None-Match: 304 when unchanged
