"""The response store the server's workers share (module api's ``api_response_cache``): finished answers of the
operator scopes' report routes by the SHA-256 of their cache key.

The request's transaction reaches it as the server's auth role ``tenantdb_api_auth`` (``SET LOCAL ROLE``, the role
the token was checked as), through the table's two SECURITY DEFINER functions, and goes back to the scope's role
before anything else runs: the scope's own role (an analyst's, say) never gets a grant on stored answers, so nobody
who can run SQL as it can forge the figures another principal is served. Tenant roles never come here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from psycopg import sql

from tenantdb.db.api_tokens import AUTH_ROLE
from tenantdb.db.session import Session

_AVAILABLE = (
    "SELECT to_regprocedure('tenantdb_api_cache_get(bytea)') IS NOT NULL"
    " AND to_regprocedure('tenantdb_api_cache_put(bytea, text, text, text, text, jsonb, bytea)') IS NOT NULL"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredAnswer:
    """An answer as stored: media type, headers (name, value) and body."""

    media_type: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def store_available(session: Session) -> bool:
    """True when module api's shared store is migrated (``api`` 0002); an older database has none."""
    return bool(session.fetch_value(_AVAILABLE))


@contextmanager
def _as_auth_role(session: Session, role: str) -> Iterator[None]:
    session.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(AUTH_ROLE)))
    yield  # a failed statement aborts the transaction, which then never runs another: no way back is needed
    session.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))


def fetch_answer(session: Session, key: bytes, *, role: str) -> StoredAnswer | None:
    """The answer stored under ``key``; the transaction is back in ``role`` (an operator scope's) on return."""
    with _as_auth_role(session, role):
        row = session.fetch_one("SELECT media_type, headers, body FROM tenantdb_api_cache_get(%s)", (key,))
    if row is None:
        return None
    media_type, headers, body = row
    return StoredAnswer(media_type=media_type, headers=tuple((str(n), str(v)) for n, v in headers), body=bytes(body))


def store_answer(session: Session, key: bytes, answer: StoredAnswer, *, role: str, route: str, version: str) -> None:
    """Keep ``answer`` under ``key`` (a key already stored keeps its answer); back in ``role`` on return."""
    with _as_auth_role(session, role):
        session.execute(
            "SELECT tenantdb_api_cache_put(%s, %s, %s, %s, %s, %s::jsonb, %s)",
            (key, role, route, version, answer.media_type, json.dumps(answer.headers), answer.body),
        )
