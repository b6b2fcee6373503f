"""Dashboard pages: ``GET/POST /login`` (a token in, an HttpOnly SameSite=Strict session cookie out), ``POST
/logout`` (CSRF + same origin); the views live in :mod:`.view_routes` and :mod:`.tenants`."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from tenantdb.db.api_tokens import AUTH_ROLE, close_api_session, open_api_session
from tenantdb.db.pool import Pool
from tenantdb.db.request_context import begin_request, commit, enter_role
from tenantdb.server import audit
from tenantdb.server.auth import SESSION_COOKIE, same_origin, too_many
from tenantdb.server.dashboard.components import Layout
from tenantdb.server.dashboard.rendering import render
from tenantdb.server.ratelimit import RateLimits
from tenantdb.server.request_db import RequestDb, allows
from tenantdb.server.scopes import EVERYONE, Principal
from tenantdb.server.settings import ServerSettings

router = APIRouter(include_in_schema=False)


def page(name: str, *, status: int = 200, **context: Any) -> Response:
    """A template of the dashboard as an HTML response."""
    return HTMLResponse(render(name, **context), status_code=status)


def _login_form(*, error: str | None = None, status: int = 200) -> Response:
    # Login CSRF is stopped by the same-origin check of POST /login; there is no session to bind a token to yet.
    return page("login.html", status=status, layout=Layout(title="Log in"), csrf_token="", login_url="/login",
                error=error)  # fmt: skip


@router.get("/login")
def login_page() -> Response:
    return _login_form()


def _open(pool: Pool, settings: ServerSettings, token: str) -> tuple[Principal, str] | None:
    with pool.session() as session:
        begin_request(session, statement_timeout=settings.statement_timeout)
        opened = open_api_session(session, token, lifetime=settings.session_lifetime)
        commit(session)
    if opened is None:
        return None
    owner, cookie, _ = opened
    return Principal.of(owner, via_session=True), cookie


@router.post("/login")
async def login(request: Request, token: Annotated[str, Form(max_length=200)]) -> Response:
    settings: ServerSettings = request.app.state.settings
    limits: RateLimits = request.app.state.limits
    address = audit.client_address(request) or "unknown"
    if not same_origin(request):
        raise HTTPException(403)
    if (wait := limits.failed_auth.blocked(address)) is not None:
        audit.mark(request, "login_failed", reason="rate_limited")
        raise too_many(wait)
    opened = await run_in_threadpool(_open, request.app.state.pool, settings, token.strip())
    if opened is None:
        limits.failed_auth.take(address)
        audit.mark(request, "login_failed")
        return _login_form(error="That token is not valid, or it has expired or been revoked.", status=401)
    principal, cookie = opened
    audit.mark(request, "login", principal)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(settings.session_lifetime / timedelta(seconds=1)),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(request: Request, db: Annotated[RequestDb, allows(EVERYONE, page=True)]) -> Response:
    """CSRF and same origin are checked by the dependency (a cookie session's state-changing request)."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    enter_role(db.session, AUTH_ROLE)  # sessions are closed through the auth role's function
    close_api_session(db.session, cookie)
    audit.mark(request, "logout", db.principal)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
