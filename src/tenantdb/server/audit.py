"""The API's audit trail: a row in ``api_audit`` for every login (success and failure), logout, request of an
admin-scope token and state-changing request, with its route and final status.

Rows are written after the response is known, in a transaction of their own as ``tenantdb_api_auth`` (so a
request that failed and rolled back is still recorded). A failure to write one is logged, never shown.
"""

from __future__ import annotations

import logging

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.types import Message, Receive, Scope, Send

from tenantdb.db.api_tokens import AuditEntry, record_audit
from tenantdb.db.pool import Pool
from tenantdb.db.request_context import begin_request, commit
from tenantdb.errors import TenantdbError
from tenantdb.server.asgi import HttpMiddleware
from tenantdb.server.inventory import route_inventory
from tenantdb.server.scopes import Principal
from tenantdb.server.scopes import Scope as TokenScope

log = logging.getLogger("tenantdb.server.audit")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def route_of(request: Request) -> str:
    """The route's full template (``/api/v1/tenants/{tenant_id}``), not the path, so no value lands in the trail."""
    route = request.scope.get("route")
    for entry in route_inventory(request.app):
        if entry.route is route:
            return entry.path
    return "(no route)"


def mark(request: Request, action: str, principal: Principal | None = None, **details: object) -> None:
    """Ask for an audit row of this request (login, login_failed, logout)."""
    request.state.audit_action = action
    request.state.audit_details = details
    if principal is not None:
        request.state.principal = principal


def _entry(request: Request, status: int) -> AuditEntry | None:
    principal: Principal | None = getattr(request.state, "principal", None)
    action: str | None = getattr(request.state, "audit_action", None)
    state_change = request.method not in SAFE_METHODS
    if action is None and principal is not None and (principal.scope is TokenScope.ADMIN or state_change):
        action = "request"
    if action is None:
        return None
    return AuditEntry(
        action=action,
        method=request.method,
        route=route_of(request),
        status=status,
        client_address=client_address(request),
        owner=principal.owner if principal else None,
        details=dict(getattr(request.state, "audit_details", {}) or {}),
    )


def write(pool: Pool, entry: AuditEntry, statement_timeout: float) -> None:
    from datetime import timedelta

    try:
        with pool.session() as session:
            begin_request(session, statement_timeout=timedelta(seconds=statement_timeout))
            record_audit(session, entry)
            commit(session)
    except TenantdbError as error:
        log.error("could not write the audit row of %s %s: %s", entry.method, entry.route, error.message)


class AuditTrail(HttpMiddleware):
    """Once a response's status is known, and before the client sees it, the request's audit
    row (if it needs one) is written; the route has set the principal and any action on the request's state."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:

        async def audited(message: Message) -> None:
            if message["type"] == "http.response.start":
                request = Request(scope)
                entry = _entry(request, int(message["status"]))
                if entry is not None:
                    state = request.app.state
                    timeout = state.settings.statement_timeout.total_seconds()
                    await run_in_threadpool(write, state.pool, entry, timeout)
            await send(message)

        await self.app(scope, receive, audited)
