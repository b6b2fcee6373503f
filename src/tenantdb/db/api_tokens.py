"""API tokens and dashboard sessions of module api: made, listed and revoked by the operator, checked by the server.

A token is ``tdb_`` + 43 URL-safe characters (256 random bits from :mod:`secrets`), shown once; the database keeps
its SHA-256 only. Checking a presented token means looking its hash up (``tenantdb_api_authenticate``), which is
timing-safe: the secrets are uniformly random, so how long the index lookup takes depends on a hash the caller
cannot steer towards any stored one. The same holds for session cookies; the CSRF secret of a session is compared
with :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from psycopg.types.json import Jsonb

from tenantdb.db.session import Session
from tenantdb.errors import ConfigError, DatabaseStateError

TOKEN_PREFIX = "tdb_"  # noqa: S105 - the public marker of a token, not a secret
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8  # shown in listings: identifies a token, opens nothing
TOKEN_BYTES = 32
AUTH_ROLE = "tenantdb_api_auth"


class Scope(StrEnum):
    """What a token may do; the database role a request runs as follows from it (``tenantdb.server.scopes``)."""

    EXECUTIVE = "executive"
    ANALYST = "analyst"
    ADMIN = "admin"
    TENANT = "tenant"


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenOwner:
    """Whom a valid token or session speaks for: from the token record, never from the request."""

    token_id: UUID
    scope: Scope
    tenant_id: UUID | None
    tenant_slug: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiToken:
    """A stored token, without its secret."""

    token_id: UUID
    name: str
    scope: Scope
    tenant_slug: str | None
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewApiToken:
    """A token just made: the only time its secret exists outside the caller's hands."""

    token: ApiToken
    secret: str


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(secret: str) -> bytes:
    """SHA-256 of a token, session cookie or CSRF secret as sent."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


def same_secret(presented: str, stored_hash: bytes) -> bool:
    return hmac.compare_digest(token_hash(presented), stored_hash)


def csrf_for(cookie: str) -> str:
    """The CSRF secret of a session, derived from its cookie: pages can render it on every request, and whoever
    cannot read the HttpOnly cookie cannot compute it."""
    digest = hashlib.sha256(b"tenantdb-csrf:" + cookie.encode("utf-8", "surrogatepass")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def api_module_applied(session: Session) -> bool:
    return bool(session.fetch_value("SELECT to_regprocedure('tenantdb_api_authenticate(bytea)') IS NOT NULL"))


def _require_module(session: Session) -> None:
    if not api_module_applied(session):
        raise DatabaseStateError(
            f"{session.database} has no api_tokens: module api is not applied",
            hint='run `tenantdb demo` and use the TENANTDB_DSN it prints, or add "api" to modules in tenantdb.toml '
            "and run `tenantdb migrate up`",
        )


_LISTING = (
    "SELECT t.token_id, t.name, t.scope, c.slug, t.prefix, t.created_at, t.expires_at, t.revoked_at, t.last_used_at"
    " FROM api_tokens t LEFT JOIN companies c ON c.id = t.company_id"
)


def _token(row: tuple[Any, ...]) -> ApiToken:
    return ApiToken(
        token_id=row[0],
        name=row[1],
        scope=Scope(row[2]),
        tenant_slug=row[3],
        prefix=row[4],
        created_at=row[5],
        expires_at=row[6],
        revoked_at=row[7],
        last_used_at=row[8],
    )


def create_token(session: Session, *, name: str, scope: Scope, tenant: str | None, lifetime: timedelta) -> NewApiToken:
    """A new random token; ``tenant`` (a company slug) exactly for the tenant scope. Stores only its hash."""
    _require_module(session)
    if (scope is Scope.TENANT) != (tenant is not None):
        raise ConfigError(
            "a tenant token names its tenant ({scope} tenant:<slug>); other scopes name none", refers=("scope",)
        )
    if not 1 <= len(name) <= 100:
        raise ConfigError("must be 1 to 100 characters", option="name")
    with session.transaction():
        company = None
        if tenant is not None:
            company = session.fetch_value("SELECT company_id FROM company_slugs WHERE slug = %s", (tenant,))
            if company is None:
                company = session.fetch_value("SELECT id FROM companies WHERE slug = %s", (tenant,))
            if company is None:
                raise ConfigError(f"no tenant with slug {tenant!r}", hint="`tenantdb report tenants` lists them")
        secret = new_secret()
        token_id = session.fetch_value(
            "INSERT INTO api_tokens (name, scope, company_id, token_hash, prefix, expires_at)"
            " VALUES (%s, %s, %s, %s, %s, now() + %s) RETURNING token_id",
            (name, scope.value, company, token_hash(secret), secret[:PREFIX_LENGTH], lifetime),
        )
        row = session.fetch_one(_LISTING + " WHERE t.token_id = %s", (token_id,))
    assert row is not None
    return NewApiToken(token=_token(row), secret=secret)


def list_tokens(session: Session) -> list[ApiToken]:
    _require_module(session)
    return [_token(row) for row in session.fetch_all(_LISTING + " ORDER BY t.created_at, t.token_id")]


def revoke_token(session: Session, ident: str) -> ApiToken:
    """Revoke one token by its id or its prefix (``tdb_xxxxxxxx``); an unknown or ambiguous one changes nothing."""
    _require_module(session)
    text = ident.strip()
    try:
        by_id: UUID | None = UUID(text)
    except ValueError:
        by_id = None
    with session.transaction():
        rows = session.fetch_all(
            "SELECT token_id FROM api_tokens WHERE token_id = %s OR prefix = %s", (by_id, text[:PREFIX_LENGTH])
        )
        if not rows or (by_id is None and len(text) < PREFIX_LENGTH):
            raise ConfigError(f"no API token {ident!r}", hint="`tenantdb tokens list` shows ids and prefixes")
        if len(rows) > 1:
            raise ConfigError(f"{ident!r} names {len(rows)} tokens", hint="revoke by id (`tenantdb tokens list`)")
        session.execute(
            "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE token_id = %s", (rows[0][0],)
        )
        row = session.fetch_one(_LISTING + " WHERE t.token_id = %s", (rows[0][0],))
    assert row is not None
    return _token(row)


# --------------------------------------------------------------- the server's side: run as tenantdb_api_auth


def _owner(row: tuple[Any, ...] | None) -> TokenOwner | None:
    if row is None:
        return None
    return TokenOwner(token_id=row[0], scope=Scope(row[1]), tenant_id=row[2], tenant_slug=row[3])


def authenticate(session: Session, secret: str, *, before: Callable[[], None] | None = None) -> TokenOwner | None:
    """The owner of a valid token (and it is marked used), or None; inside the request's transaction (``before``
    queues statements that travel with the lookup: the transaction's start)."""
    rows = session.fetch_after(before, "SELECT * FROM tenantdb_api_authenticate(%s)", (token_hash(secret),))
    return _owner(rows[0] if rows else None)


def open_api_session(session: Session, secret: str, *, lifetime: timedelta) -> tuple[TokenOwner, str, str] | None:
    """Log in with a token: the owner, a new session cookie value and its CSRF secret; None for a bad token."""
    cookie = secrets.token_urlsafe(TOKEN_BYTES)
    csrf = csrf_for(cookie)
    row = session.fetch_one(
        "SELECT * FROM tenantdb_api_session_open(%s, %s, %s, %s)",
        (token_hash(secret), token_hash(cookie), token_hash(csrf), lifetime),
    )
    owner = _owner(row)
    return None if owner is None else (owner, cookie, csrf)


def resolve_api_session(
    session: Session, cookie: str, *, before: Callable[[], None] | None = None
) -> tuple[TokenOwner, bytes] | None:
    """The owner of a live session cookie and the hash of its CSRF secret, or None (``before``: as
    :func:`authenticate`'s)."""
    rows = session.fetch_after(before, "SELECT * FROM tenantdb_api_session_resolve(%s)", (token_hash(cookie),))
    row = rows[0] if rows else None
    owner = _owner(row)
    return None if owner is None or row is None else (owner, bytes(row[4]))


def close_api_session(session: Session, cookie: str) -> bool:
    return bool(session.fetch_value("SELECT tenantdb_api_session_close(%s)", (token_hash(cookie),)))


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One row of api_audit."""

    action: str  # login | login_failed | logout | request
    method: str
    route: str
    status: int
    client_address: str | None
    owner: TokenOwner | None = None
    details: dict[str, Any] | None = None


def record_audit(session: Session, entry: AuditEntry) -> None:
    owner = entry.owner
    session.execute(
        "SELECT tenantdb_api_audit_record(%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            owner.token_id if owner else None,
            owner.scope.value if owner else None,
            owner.tenant_id if owner else None,
            entry.action,
            entry.method,
            entry.route,
            entry.status,
            entry.client_address,
            Jsonb(entry.details or {}),
        ),
    )
