"""``@cached``: a read-only route whose answer is a function of the data version is served from the worker's
:class:`~tenantdb.server.cache.ResponseCache` when nothing changed.

The route's request dependency has already run (token, scope, rate limits, the role and tenant context of the
transaction; the audit middleware runs around every request), so a hit skips the report only. The key is (the
database role, the tenant, the route template, its path and query parameters, the output format, the data version
as this transaction sees it, the UTC day): a tenant's entry is never another tenant's, an operator's never a
tenant's, and an entry is never found again once a refresh, an event, an action or a decision lands (the version
is read in the request's transaction before the report, so an entry is never older than its version). The day
bounds what the version does not count (the default month, "complete" months, changes to rows outside the counted
tables)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from typing import Any

from fastapi import Request, Response

from tenantdb.server.api.data_version import current_version
from tenantdb.server.cache import CachedResponse, ResponseCache
from tenantdb.server.request_db import RequestDb


def cache_key(request: Request, db: RequestDb, fmt: object) -> Hashable:
    route = request.scope.get("route")
    principal = db.principal
    return (
        principal.role,
        principal.tenant_id,
        getattr(route, "path", request.url.path),
        tuple(sorted((name, str(value)) for name, value in request.path_params.items())),
        tuple(request.query_params.multi_items()),
        str(fmt),
        current_version(db.session).version,
        datetime.now(UTC).date(),
    )


def cached(route: Callable[..., Response]) -> Callable[..., Response]:
    """Serve ``route`` (it takes ``request`` and ``db``, and ``fmt`` when it has formats) through the cache."""

    @functools.wraps(route)
    def serve(*args: Any, **kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        cache: ResponseCache = request.app.state.cache
        if not cache.enabled:
            cache.count_computed()
            return route(*args, **kwargs)
        key = cache_key(request, kwargs["db"], kwargs.get("fmt", "json"))
        found = cache.get(key)
        if found is not None:
            return found.response(request)
        response = route(*args, **kwargs)
        cache.count_computed()
        if response.status_code == 200:
            cache.put(key, CachedResponse.of(response))
        return response

    return serve
