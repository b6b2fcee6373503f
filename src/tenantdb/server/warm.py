"""Warm the shared response store: build the operator scopes' report answers of the dashboard's API after a
refresh, so the first executives get them at once instead of waiting seconds for each report (docs/server.md,
"Caching"). ``tenantdb warm`` runs it; a deployment runs it after each ``tenantdb bi refresh``.

The answers are made by the application itself, in process, through the same path a request takes (a short-lived
executive token checked as any other, the scope's role, the cache key with the data version): what is stored is
byte for byte what a request would have built and stored. The token is revoked at the end.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from tenantdb.db import connect
from tenantdb.db.api_tokens import Scope, create_token, revoke_token
from tenantdb.db.response_store import store_available
from tenantdb.errors import ConfigError
from tenantdb.server.api import PREFIX
from tenantdb.server.api.reports import ROUTES
from tenantdb.server.settings import ServerSettings

PAGES = ("/executive-summary", *(report.path for report in ROUTES), "/tenants")  # each month's report routes
TOKEN_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class WarmedPage:
    """One answer built: its URL, status and seconds."""

    url: str
    status: int
    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class WarmReport:
    """What ``tenantdb warm`` did: the months and pages built."""

    months: tuple[str, ...]  # YYYY-MM asked for explicitly (the default month is always built too)
    pages: tuple[WarmedPage, ...]

    @property
    def failed(self) -> tuple[WarmedPage, ...]:
        """Pages the server could not answer; a 4xx of the data (a month without invoices: 422) is an answer."""
        return tuple(page for page in self.pages if page.status >= 500 or page.status in (0, 401, 403, 429))

    @property
    def ok(self) -> bool:
        return not self.failed


async def _get(app: Any, path: str, query: dict[str, str], token: str) -> tuple[int, bytes]:
    """One GET through the ASGI application, as a client on this machine would send it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": urlencode(query).encode(),
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"accept", b"application/json"),
        ],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
    }
    status = 0
    body = bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    return status, bytes(body)


async def _months(app: Any, token: str, count: int | None) -> tuple[str, ...]:
    status, body = await _get(app, f"{PREFIX}/months", {}, token)
    if status != 200:
        raise ConfigError(f"GET {PREFIX}/months answered {status}: is the database refreshed (tenantdb bi refresh)?")
    listed = [str(month["month"])[:7] for month in json.loads(body)["months"] if month.get("complete")]
    return tuple(listed if count is None else listed[-count:] if count else ())


async def _build(
    app: Any, token: str, months: int | None, pages: Sequence[str]
) -> tuple[tuple[str, ...], list[WarmedPage]]:
    """Every page, for the default month and the ``months`` wanted, one request after another."""
    wanted = await _months(app, token, months)
    built: list[WarmedPage] = []
    for month in (None, *wanted):
        query = {} if month is None else {"month": month}
        for page in pages:
            began = time.perf_counter()
            status, _ = await _get(app, f"{PREFIX}{page}", query, token)
            url = f"{PREFIX}{page}" + (f"?{urlencode(query)}" if query else "")
            built.append(WarmedPage(url=url, status=status, seconds=round(time.perf_counter() - began, 3)))
    return wanted, built


def warm(settings: ServerSettings, *, months: int | None = 1, pages: Sequence[str] = PAGES) -> WarmReport:
    """Build ``pages`` for the default month and for the latest ``months`` complete months (None: every one)."""
    from tenantdb.server.app import create_app

    unlimited = settings.with_options(token_rate=1e9, token_burst=10**9, cache_shared=True)
    with connect(settings.dsn) as session:
        if not store_available(session):
            raise ConfigError("module api has no shared response store here: run `tenantdb migrate up` first")
        made = create_token(session, name="tenantdb warm", scope=Scope.EXECUTIVE, tenant=None, lifetime=TOKEN_LIFETIME)
    app = create_app(unlimited)
    app.state.pool.open()
    try:
        # on an event loop of its own thread: warm may be called where a loop already runs in this thread (an async
        # caller, a notebook, a test after Playwright's sync API), and asyncio.run refuses that
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tenantdb-warm") as thread:
            wanted, built = thread.submit(asyncio.run, _build(app, made.secret, months, pages)).result()
    finally:
        app.state.pool.close()
        with connect(settings.dsn) as session:
            revoke_token(session, str(made.token.token_id))
    return WarmReport(months=wanted, pages=tuple(built))
