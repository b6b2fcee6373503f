"""The versioned HTTP API, one router module per resource, all under ``/api/v1``; who may call what is the table
of :mod:`.access`."""

from __future__ import annotations

from fastapi import APIRouter

from tenantdb.server.api import actions, data_version, decisions, events, executive, months, reports, tenants
from tenantdb.server.api.models import ERROR_RESPONSES

PREFIX = "/api/v1"


def router() -> APIRouter:
    api = APIRouter(prefix=PREFIX, responses=ERROR_RESPONSES)  # documented on every operation (schemathesis)
    for module in (months, executive, data_version, tenants, reports, actions, events, decisions):
        api.include_router(module.router)
    return api
