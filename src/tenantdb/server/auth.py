"""Credentials of a request: ``Authorization: Bearer <token>`` or the dashboard's session cookie, and the CSRF
and same-origin checks a cookie session needs on every state-changing request.

Every failure — no credential, garbage, unknown, expired, revoked — is the same ``401`` with the same body, so a
response tells nothing about why; bad attempts are rate-limited per client address.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from enum import StrEnum

from fastapi import HTTPException, Request

from tenantdb.db.api_tokens import PREFIX_LENGTH, TOKEN_PREFIX

SESSION_COOKIE = "tenantdb_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
MAX_CREDENTIAL = 200  # longer than any token or cookie this server issues: refused before hashing


class CredentialKind(StrEnum):
    BEARER = "bearer"
    SESSION = "session"


@dataclass(frozen=True, slots=True)
class Credential:
    kind: CredentialKind
    secret: str


def unauthorized() -> HTTPException:
    return HTTPException(401, headers={"WWW-Authenticate": "Bearer"})


def too_many(retry_after: int) -> HTTPException:
    return HTTPException(429, headers={"Retry-After": str(retry_after)})


def credential(request: Request) -> Credential | None:
    """The bearer token if the request has an Authorization header (a cookie is then ignored), else the cookie."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.partition(" ")
        value = value.strip()
        if scheme.lower() != "bearer" or not value or len(value) > MAX_CREDENTIAL:
            return Credential(CredentialKind.BEARER, "")
        return Credential(CredentialKind.BEARER, value)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and len(cookie) <= MAX_CREDENTIAL:
        return Credential(CredentialKind.SESSION, cookie)
    return None


def plausible_token(secret: str) -> bool:
    """Shaped like a token this server issues (saves a database round trip for garbage, same 401 either way)."""
    return secret.startswith(TOKEN_PREFIX) and len(secret) > PREFIX_LENGTH


def same_origin(request: Request) -> bool:
    """The Origin header, else the Referer, names this server's own origin."""
    own = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if origin is not None:
        return origin.rstrip("/") == own
    referer = request.headers.get("referer")
    return referer is not None and (referer == own or referer.startswith(own + "/"))


def csrf_matches(presented: str | None, expected: str) -> bool:
    return presented is not None and hmac.compare_digest(presented.encode(), expected.encode())


async def presented_csrf(request: Request) -> str | None:
    """The CSRF token of a state-changing request: the ``X-CSRF-Token`` header, else the form's ``csrf_token``."""
    header = request.headers.get(CSRF_HEADER)
    if header is not None:
        return header
    if request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None
