"""``@cached``: a read-only route whose answer is a function of the data version is served from a cache when
nothing changed: the worker's :class:`~tenantdb.server.cache.ResponseCache`, then, for the operator scopes, the
store the workers share in PostgreSQL (:mod:`tenantdb.db.response_store`), so a report one worker built is not
built again by the others (nor after a restart).

The route's request dependency has already run (token, scope, rate limits, the role and tenant context of the
transaction; the audit middleware runs around every request), so a hit skips the report only. The key is (the
database role, the tenant, the route template, its path and query parameters, the output format, the data version
as this transaction sees it, the UTC day): a tenant's entry is never another tenant's, an operator's never a
tenant's, and an entry is never found again once a refresh, an event, an action or a decision lands (the version
is read in the request's transaction before the report, so an entry is never older than its version). The day
bounds what the version does not count (the default month, "complete" months, changes to rows outside the counted
tables). Tenant scopes never reach the shared store: their answers stay in the worker's memory."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from tenantdb.db import Session
from tenantdb.db.response_store import StoredAnswer, fetch_answer, store_answer, store_available
from tenantdb.server.api.data_version import current_version
from tenantdb.server.cache import CachedResponse, ResponseCache
from tenantdb.server.request_db import PREFETCH, RequestDb
from tenantdb.server.scopes import OPERATORS
from tenantdb.server.settings import ServerSettings


@dataclass(frozen=True, slots=True)
class CacheKey:
    """A request's key (``parts``, hashable for the worker's LRU), its route template and data version."""

    parts: tuple[Any, ...]
    route: str
    version: str

    @property
    def digest(self) -> bytes:
        """The shared store's key: SHA-256 of the parts (stable across processes, unlike ``hash``)."""
        return hashlib.sha256(json.dumps(self.parts, default=str).encode()).digest()


def cache_key(request: Request, db: RequestDb, fmt: object) -> CacheKey:
    route = request.scope.get("route")
    template = str(getattr(route, "path", request.url.path))
    principal = db.principal
    version = db.prefetched if isinstance(db.prefetched, str) else current_version(db.session).version
    parts = (
        principal.role,
        None if principal.tenant_id is None else str(principal.tenant_id),
        template,
        tuple(sorted((name, str(value)) for name, value in request.path_params.items())),
        tuple(request.query_params.multi_items()),
        str(fmt),
        version,
        datetime.now(UTC).date().isoformat(),
    )
    return CacheKey(parts=parts, route=template, version=version)


def _read_version(session: Session, before: Callable[[], None]) -> str:
    """The route's prefetch (:data:`~tenantdb.server.request_db.PREFETCH`): the data version, read with the switch
    to the request's role in one round trip."""
    return current_version(session, before=before).version


def _shared(request: Request, db: RequestDb) -> bool:
    """Whether this request's answers go through the shared store: an operator scope, the store on and migrated."""
    settings: ServerSettings = request.app.state.settings
    if not settings.cache_shared or db.principal.scope not in OPERATORS:
        return False
    state: Any = request.app.state
    available: bool | None = getattr(state, "shared_store", None)
    if available is None:  # looked up once per worker: a database migrated later is seen after a restart
        available = state.shared_store = store_available(db.session)
    return available


def _stored(entry: CachedResponse) -> StoredAnswer:
    return StoredAnswer(media_type=entry.media_type, headers=entry.headers, body=entry.body)


def _miss(route: Callable[..., Response], key: CacheKey, *args: Any, **kwargs: Any) -> Response:
    """Not in this worker's cache: the shared store, else the route; in the thread pool (database work)."""
    request: Request = kwargs["request"]
    db: RequestDb = kwargs["db"]
    cache: ResponseCache = request.app.state.cache
    shared = _shared(request, db)
    if shared:
        stored = fetch_answer(db.session, key.digest, role=db.principal.role)
        if stored is not None:
            entry = CachedResponse(body=stored.body, media_type=stored.media_type, headers=stored.headers)
            cache.put(key.parts, entry)
            cache.count_shared_hit()
            return entry.response(request)
    response = route(*args, **kwargs)
    cache.count_computed()
    if response.status_code == 200:
        entry = CachedResponse.of(response)
        cache.put(key.parts, entry)
        if shared:
            store_answer(
                db.session, key.digest, _stored(entry), role=db.principal.role, route=key.route, version=key.version
            )
    return response


def cached(route: Callable[..., Response]) -> Callable[..., Awaitable[Response]]:
    """Serve ``route`` (it takes ``request`` and ``db``, and ``fmt`` when it has formats) through the cache.

    The served endpoint is a coroutine: the data version comes with the request's dependency (its prefetch), so a
    hit in this worker's cache is answered on the event loop, without a hop to the thread pool; a miss runs the
    shared store and the route there."""

    @functools.wraps(route)
    async def serve(*args: Any, **kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        db: RequestDb = kwargs["db"]
        cache: ResponseCache = request.app.state.cache
        if not cache.enabled:
            cache.count_computed()
            return await run_in_threadpool(route, *args, **kwargs)
        key = cache_key(request, db, kwargs.get("fmt", "json"))
        found = cache.get(key.parts)
        if found is not None:
            return found.response(request)
        return await run_in_threadpool(_miss, route, key, *args, **kwargs)

    setattr(serve, PREFETCH, _read_version)
    return serve
