"""How failures answer: JSON under /api, an HTML page elsewhere; never SQL, constraint names, SQLSTATE or a stack.

RequestValidationError            422  which parameter is wrong and why (the input is not echoed)
ConfigError of a use case         422  its message (e.g. a month without data)
HTTPException (401/403/404/429)   its status, a fixed body per status, its headers (WWW-Authenticate, Retry-After)
AI session limit (SQLSTATE P0L01,
P0L02: ai_saas 0004)              429  Retry-After: the next UTC month (P0L01), retry_after seconds (P0L02); "limit"
DatabaseUnavailable, lost server,
statement timeout                 503  Retry-After; "the database is unavailable"
ContextKeyMissing                 503  the same (signed tenant context and no key: the reason is logged)
anything else                     500  a generic body; the exception is logged server-side
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Receive, Scope, Send

from tenantdb.errors import ConfigError, ConnectionFailed, DatabaseError, DatabaseUnavailable
from tenantdb.server.asgi import HttpMiddleware
from tenantdb.server.dashboard.components import Layout
from tenantdb.server.dashboard.rendering import render

log = logging.getLogger("tenantdb.server")

QUERY_CANCELED = "57014"
# The SQLSTATEs of the AI session limits (module ai_saas, docs/security.md "AI analysis rate limits") and the limit
# each one names: a refusal is the tenant's quota, answered 429, never a 500.
AI_LIMITS = {"P0L01": "ai_sessions_per_month", "P0L02": "ai_concurrent_sessions"}
MONTHLY_LIMIT = "P0L01"

MESSAGES = {
    400: "bad request",
    401: "a valid API token is required",
    403: "this token's scope does not allow this request",
    404: "not found",
    405: "method not allowed",
    413: "request too large",
    422: "invalid request",
    429: "too many requests; retry after the number of seconds in Retry-After",
    500: "internal error",
    503: "the database is unavailable; retry after the number of seconds in Retry-After",
}


PAGE_TITLES = {
    401: "Please log in",
    403: "Not allowed",
    404: "Not found",
    422: "Invalid request",
    429: "Too many requests",
    503: "The database is unavailable",
}
PAGE_SENTENCES = {
    403: "Your login does not give access to this page.",
    404: "There is no such page, or no tenant by that name that your login may see.",
    429: "Wait a few seconds, then reload the page.",
    503: "The figures cannot be read right now. This page will work again once the database is back: reload it in a "
    "few seconds.",
}
# what a dashboard reader should write instead, per query parameter (the API answers the validator's own words)
PARAMETER_HINTS = {
    "month": "a month written as YYYY-MM, for example 2026-11",
    "limit": "a whole number of rows, 1 to 1,000",
    "months": "a whole number of months, 1 to 60",
    "q": "a few letters of a tenant's name or slug",
}


class ContextKeyMissing(Exception):
    """A tenant request on a database in signed tenant-context mode, and this server has no signing key."""


class LoginRequired(Exception):
    """A dashboard page without a live session: go to the login page."""


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def error_response(request: Request, status: int, *, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    message = MESSAGES.get(status, "error")
    if wants_json(request):
        return JSONResponse({"error": message, **extra}, status_code=status, headers=headers)
    title = PAGE_TITLES.get(status, "Something went wrong")
    text = render(
        "error.html",
        layout=Layout(title=title),
        csrf_token="",
        status=status,
        title=title,
        sentence=PAGE_SENTENCES.get(status, ""),
        problems=[_page_problem(problem) for problem in extra.get("problems", ())],
    )
    return HTMLResponse(text, status_code=status, headers=headers)


def _page_problem(problem: dict[str, str]) -> str:
    """One problem of a 422 in a reader's words: the parameter, and what it should be or what is wrong."""
    name = problem.get("location", "").rpartition(".")[2]
    hint = PARAMETER_HINTS.get(name)
    if hint is not None and problem.get("location", "").startswith("query."):
        return f"{name}: {hint}"
    return f"{name}: {problem.get('message', '')}" if name and name != "query" else problem.get("message", "")


def _validation(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"location": ".".join(str(part) for part in problem.get("loc", ())), "message": str(problem.get("msg", ""))}
        for problem in error.errors()
    ]
    return error_response(request, 422, problems=problems)


def _http(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    extra: dict[str, Any] = {}
    if error.status_code == 422 and isinstance(error.detail, list):
        extra["problems"] = error.detail
    return error_response(request, error.status_code, headers=dict(error.headers or {}), **extra)


def seconds_to_next_month(now: datetime) -> int:
    """Seconds from ``now`` to the start of the next UTC month, when a monthly quota starts again (at least 1)."""
    now = now.astimezone(UTC)
    start = datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)
    return max(1, math.ceil((start - now).total_seconds()))


def _database(request: Request, error: Exception) -> Response:
    if isinstance(error, DatabaseError) and error.sqlstate in AI_LIMITS:
        if error.sqlstate == MONTHLY_LIMIT:
            wait = seconds_to_next_month(datetime.now(UTC))
        else:
            wait = int(request.app.state.settings.retry_after)
        return error_response(request, 429, headers={"Retry-After": str(wait)}, limit=AI_LIMITS[str(error.sqlstate)])
    unavailable = isinstance(error, DatabaseUnavailable | ConnectionFailed) or (
        isinstance(error, DatabaseError) and error.sqlstate == QUERY_CANCELED
    )
    if unavailable:
        log.warning("database unavailable for %s %s: %s", request.method, request.url.path, error)
        retry = str(request.app.state.settings.retry_after)
        return error_response(request, 503, headers={"Retry-After": retry})
    return _unexpected(request, error)


def _no_context_key(request: Request, error: Exception) -> Response:
    log.error("tenant request %s %s refused: %s", request.method, request.url.path, error)
    return error_response(request, 503, headers={"Retry-After": str(request.app.state.settings.retry_after)})


def _bad_input(request: Request, error: Exception) -> Response:
    """A tenantdb ConfigError raised by a use case: the request named something that does not exist or fit."""
    assert isinstance(error, ConfigError)
    message, _ = error.described()  # the request parameter it is about leads the message, by its name
    return error_response(request, 422, problems=[{"location": "query", "message": message}])


def _unexpected(request: Request, error: Exception) -> Response:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return error_response(request, 500)


def _login(request: Request, _: Exception) -> Response:
    return RedirectResponse("/login", status_code=303)


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(DatabaseError, _database)
    app.add_exception_handler(ConfigError, _bad_input)
    app.add_exception_handler(LoginRequired, _login)
    app.add_exception_handler(ContextKeyMissing, _no_context_key)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(LastResort)


class LastResort(HttpMiddleware):
    """Starlette answers an unhandled exception outside every middleware; answering it here instead keeps the audit
    row and the security headers of the middlewares around this one. An exception after the response started cannot
    change it: it goes on to the server, which closes the connection."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:  # the generic 500 is the point
            if started:
                raise
            await _unexpected(Request(scope, receive), error)(scope, receive, send)


__all__ = [
    "AI_LIMITS",
    "ContextKeyMissing",
    "HTMLResponse",
    "LastResort",
    "LoginRequired",
    "error_response",
    "install",
    "wants_json",
]
