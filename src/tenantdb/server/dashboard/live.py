"""Live refresh: ``GET /api/v1/data-version`` answers a short text that changes when a refresh or a business event
lands (what the caller's role can see); the layout's live.js polls it with the session cookie and offers "new data
— reload" when it differs from the version the page was rendered with.

A minimal route for the dashboard (any scope, its own rows only through the role and row-level security); the
API's own data-version route replaces it when that lands.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter

from tenantdb.db import Session
from tenantdb.server.api.models import StrictModel
from tenantdb.server.dashboard.sql_files import sql_text
from tenantdb.server.request_db import RequestDb, allows
from tenantdb.server.scopes import EVERYONE

LIVE_URL = "/api/v1/data-version"

router = APIRouter(tags=["live"])


class DataVersion(StrictModel):
    version: str


def data_version(session: Session) -> str:
    """The fingerprint of the latest refresh (``bi_refresh_state``, when the role may read it) and the newest
    business event the role may read — computed as wip-api's ``GET /api/v1/data-version`` does, so that a page's
    embedded version and the polled one agree."""
    readable = session.fetch_value(
        "SELECT to_regclass('bi_refresh_state') IS NOT NULL AND has_table_privilege('bi_refresh_state', 'SELECT')"
    )
    refreshed_at = session.fetch_value("SELECT max(refreshed_at) FROM bi_refresh_state") if readable else None
    row = session.fetch_one(sql_text("data_version"))
    assert row is not None
    event_at, event_id = row
    return hashlib.sha256(f"{refreshed_at}|{event_at}|{event_id}".encode()).hexdigest()[:20]


@router.get(LIVE_URL, response_model=DataVersion, summary="Version of the data, for live refresh")
def version(db: Annotated[RequestDb, allows(EVERYONE)]) -> DataVersion:
    return DataVersion(version=data_version(db.session))
