"""Live refresh: ``GET /api/v1/data-version`` answers a short text that changes when a refresh lands (the rollups'
and the refresh state's latest ``refreshed_at`` the caller can see); the layout's live.js polls it with the
session cookie and offers "new data — reload" when it differs from the version the page was rendered with.

A minimal route for the dashboard (any scope, its own rows only through the role and row-level security); the
API's own data-version route replaces it when that lands.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter

from tenantdb.db import Session
from tenantdb.server.api.models import StrictModel
from tenantdb.server.request_db import RequestDb, allows
from tenantdb.server.scopes import EVERYONE

LIVE_URL = "/api/v1/data-version"

router = APIRouter(tags=["live"])


class DataVersion(StrictModel):
    version: str


def data_version(session: Session) -> str:
    """A digest of the latest refresh times visible to the session's role."""
    monthly = session.fetch_value("SELECT max(refreshed_at) FROM bi_tenant_monthly")
    state = None
    if session.fetch_value("SELECT has_table_privilege('bi_refresh_state', 'SELECT')"):
        state = session.fetch_value("SELECT max(refreshed_at) FROM bi_refresh_state")
    return hashlib.sha256(f"{monthly}|{state}".encode()).hexdigest()[:16]


@router.get(LIVE_URL, response_model=DataVersion, summary="Version of the data, for live refresh")
def version(db: Annotated[RequestDb, allows(EVERYONE)]) -> DataVersion:
    return DataVersion(version=data_version(db.session))
