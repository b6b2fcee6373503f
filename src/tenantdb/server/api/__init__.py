"""The versioned HTTP API, one router module per resource, all under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from tenantdb.server.api import executive, months
from tenantdb.server.api.models import ERROR_RESPONSES

PREFIX = "/api/v1"


def router() -> APIRouter:
    api = APIRouter(prefix=PREFIX, responses=ERROR_RESPONSES)  # documented on every operation (schemathesis)
    api.include_router(months.router)
    api.include_router(executive.router)
    return api
