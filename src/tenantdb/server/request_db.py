"""The dependency every data route takes: the request's principal and a :class:`tenantdb.db.Session` inside the
request's one transaction, as the database role of the token's scope.

``scoped(*scopes)`` builds it; a route declares the scopes it allows through it and nothing else grants access
(deny by default: ``tests/server/test_routes.py`` fails for a route under /api without it). In order, per request:

1. the credential (bearer token or session cookie);
2. ``BEGIN``; ``SET LOCAL ROLE tenantdb_api_auth``; ``statement_timeout``; the token (or session) looked up by hash;
   a bad one is ``401`` (rate-limited per client address);
3. the scope checked (``403``), unknown query parameters and NUL characters refused (``422``), the per-token and
   per-tenant buckets (``429``), CSRF + same origin for a cookie session's state-changing request (``403``);
4. ``SET LOCAL ROLE`` to the scope's role and, for a tenant, its context (signed token or plain id);
5. the route runs; ``COMMIT`` before the response is sent (``ROLLBACK`` if the route raised).
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi._compat import field_annotation_is_sequence
from fastapi.dependencies.models import Dependant
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tenantdb.db.api_tokens import authenticate, csrf_for, resolve_api_session
from tenantdb.db.pool import Pool
from tenantdb.db.request_context import commit, queue_begin, queue_enter_role, signed_mode
from tenantdb.db.session import Session
from tenantdb.server.audit import SAFE_METHODS, client_address
from tenantdb.server.auth import (
    CredentialKind,
    credential,
    csrf_matches,
    plausible_token,
    presented_csrf,
    same_origin,
    too_many,
    unauthorized,
)
from tenantdb.server.errors import ContextKeyMissing, LoginRequired
from tenantdb.server.ratelimit import RateLimits
from tenantdb.server.scopes import Principal, Scope
from tenantdb.server.settings import ServerSettings


@dataclass(frozen=True, slots=True)
class RequestDb:
    """What a route gets: who asks, and the session of the request's transaction (already in the scope's role)."""

    principal: Principal
    session: Session
    csrf_token: str | None = None  # a cookie session's CSRF token, for pages that render forms
    prefetched: Any = None  # what the route's PREFETCH read right after the role was entered


def _query_names(dependant: Dependant) -> dict[str, bool]:
    """Every query parameter of the route and its dependencies: whether it takes a list (may be repeated)."""
    names = {param.alias: field_annotation_is_sequence(param.field_info.annotation) for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _refused(problem: str, names: Iterable[str]) -> HTTPException:
    return HTTPException(422, detail=[{"location": f"query.{name}", "message": problem} for name in sorted(names)])


def reject_unknown_query(request: Request) -> None:
    """Unknown parameters, a scalar given more than once (FastAPI would validate its last value only) and NUL
    characters are ``422``."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = _query_names(dependant)
    if unknown := set(request.query_params) - set(known):
        raise _refused("unknown query parameter", unknown)
    given = Counter(name for name, _ in request.query_params.multi_items())
    if twice := {name for name, count in given.items() if count > 1 and not known[name]}:
        raise _refused("given more than once", twice)
    nul = [f"query.{name}" for name, value in request.query_params.multi_items() if "\x00" in value]
    nul += [f"path.{name}" for name, value in request.path_params.items() if "\x00" in str(value)]
    if nul:  # PostgreSQL text cannot hold NUL: refused here rather than by the driver (a 500)
        raise HTTPException(422, detail=[{"location": where, "message": "NUL character"} for where in nul])


def _fail_auth(request: Request, limits: RateLimits, *, page: bool) -> Exception:
    address = client_address(request) or "unknown"
    limits.failed_auth.take(address)
    return LoginRequired() if page else unauthorized()


def _principal(
    request: Request, session: Session, limits: RateLimits, begin: Callable[[], None], *, page: bool
) -> tuple[Principal, str | None]:
    """Who asks; ``begin`` queues the transaction's start, sent with the credential's lookup (one round trip)."""
    found = credential(request)
    if found is None or not found.secret:
        raise _fail_auth(request, limits, page=page)
    if found.kind is CredentialKind.BEARER:
        owner = authenticate(session, found.secret, before=begin) if plausible_token(found.secret) else None
        if owner is None:
            raise _fail_auth(request, limits, page=page)
        return Principal.of(owner, via_session=False), None
    resolved = resolve_api_session(session, found.secret, before=begin)
    if resolved is None:
        raise _fail_auth(request, limits, page=page)
    return Principal.of(resolved[0], via_session=True), csrf_for(found.secret)


def _csrf_ok(request: Request, presented: str | None, expected: str | None) -> bool:
    return expected is not None and csrf_matches(presented, expected) and same_origin(request)


def _enter_scope(session: Session, principal: Principal, settings: ServerSettings) -> Callable[[], None]:
    """The statements that switch the transaction to the scope's role and tenant context, to queue before the
    route's first query (a tenant scope first asks whether the database is in signed mode)."""
    if principal.scope is not Scope.TENANT:
        return lambda: queue_enter_role(session, principal.role)
    if signed_mode(session):
        if settings.context_signer is None:
            raise ContextKeyMissing(
                "the database trusts only signed tenant context and this server has no signing key: "
                "set TENANTDB_CONTEXT_KEY=<key id>:<hex secret> (`tenantdb context key add`)"
            )
        assert principal.tenant_id is not None
        token = settings.context_signer.sign(principal.tenant_id)
        return lambda: queue_enter_role(session, principal.role, tenant=principal.tenant_id, tenant_token=token)
    return lambda: queue_enter_role(session, principal.role, tenant=principal.tenant_id)


PREFETCH = "request_prefetch"
"""An endpoint attribute: ``(session, before) -> value``, read in the request's transaction right after the role
is entered (``before`` queues that switch: one round trip) and handed to the route as ``RequestDb.prefetched``.
``@cached`` reads the data version this way, so a cached answer needs no database work in the route itself."""


def _prefetch(request: Request) -> Callable[[Session, Callable[[], None]], Any] | None:
    route = request.scope.get("route")
    return getattr(getattr(route, "endpoint", None), PREFETCH, None)


BEARER = HTTPBearer(auto_error=False, description="an API token: `tenantdb tokens create`")  # OpenAPI only


def scoped(*scopes: Scope | frozenset[Scope], page: bool = False) -> Callable[..., Iterator[RequestDb]]:
    """The dependency of a route allowed to ``scopes``; ``page`` routes send a missing login to /login."""
    allowed = frozenset(s for item in scopes for s in (item if isinstance(item, frozenset) else (item,)))
    if not allowed:
        raise ValueError("a route allows at least one scope")

    def request_db(
        request: Request,
        csrf: Annotated[str | None, Depends(presented_csrf)],
        _: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],  # declares the scheme; read below
    ) -> Iterator[RequestDb]:
        state: Any = request.app.state
        settings: ServerSettings = state.settings
        limits: RateLimits = state.limits
        pool: Pool = state.pool
        waiting = limits.failed_auth.blocked(client_address(request) or "unknown")
        if waiting is not None:
            raise too_many(waiting)
        with pool.session() as session:
            begin = functools.partial(queue_begin, session, statement_timeout=settings.statement_timeout)
            principal, csrf_token = _principal(request, session, limits, begin, page=page)
            request.state.principal = principal
            if principal.scope not in allowed:
                raise HTTPException(403)
            reject_unknown_query(request)
            for buckets, key in ((limits.per_token, principal.token_id), (limits.per_tenant, principal.tenant_id)):
                if key is not None and (wait := buckets.take(str(key))) is not None:
                    raise too_many(wait)
            if principal.via_session and request.method not in SAFE_METHODS and not _csrf_ok(request, csrf, csrf_token):
                raise HTTPException(403)
            enter = _enter_scope(session, principal, settings)
            prefetch = _prefetch(request)
            if prefetch is None:
                with session.pipeline():
                    enter()
                prefetched = None
            else:
                prefetched = prefetch(session, enter)
            yield RequestDb(principal=principal, session=session, csrf_token=csrf_token, prefetched=prefetched)
            commit(session)

    request_db.scopes = allowed  # type: ignore[attr-defined]  # read by the route enumeration test
    return request_db


def allows(*scopes: Scope | frozenset[Scope], page: bool = False) -> Any:
    """``db: Annotated[RequestDb, allows(Scope.EXECUTIVE)]`` — the request's transaction, committed before the
    response is sent."""
    return Depends(scoped(*scopes, page=page), scope="function")
