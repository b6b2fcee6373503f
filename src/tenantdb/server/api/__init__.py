"""The versioned HTTP API, one router module per resource, all under ``/api/v1``."""

from __future__ import annotations

from fastapi import APIRouter

from tenantdb.server.api import executive, months

PREFIX = "/api/v1"


def router() -> APIRouter:
    api = APIRouter(prefix=PREFIX)
    api.include_router(months.router)
    api.include_router(executive.router)
    return api
