"""The transaction of one HTTP request: authenticate as ``tenantdb_api_auth``, then act as the scope's role.

Both steps are ``SET LOCAL ROLE`` inside one transaction on a pooled connection, so the role, the statement
timeout and the tenant context end with it (and the pool's reset forgets anything a request set at session level).
A request never runs a query as the login role the pool connects with.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from psycopg import sql

from tenantdb.db.api_tokens import AUTH_ROLE
from tenantdb.db.session import Session, millis
from tenantdb.db.tenant_context import SETTING, TOKEN_SETTING
from tenantdb.errors import ConfigError

_SIGNED_MODE = (
    "SELECT coalesce((SELECT prosrc LIKE '%%tenantdb_signed_tenant%%' FROM pg_proc"
    " WHERE oid = to_regprocedure('tenantdb_current_tenant()')), false)"
)


def begin_request(session: Session, *, statement_timeout: timedelta) -> None:
    """BEGIN as the auth role with the request's statement timeout (the token lookup is bounded too)."""
    with session.pipeline():
        queue_begin(session, statement_timeout=statement_timeout)


def queue_begin(session: Session, *, statement_timeout: timedelta) -> None:
    """:func:`begin_request`'s statements without a round trip of their own: for ``Session.fetch_after``, so the
    request's first query travels with them."""
    session.execute("BEGIN")
    session.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(AUTH_ROLE)))
    session.execute("SELECT set_config('statement_timeout', %s, true)", (millis(statement_timeout),))


def enter_role(session: Session, role: str, *, tenant: UUID | None = None, tenant_token: str | None = None) -> None:
    """Switch the open transaction to ``role``; for a tenant, its context: a signed ``tenant_token`` when the
    database is in signed mode, else the plain ``tenant`` id (a signed database given no token sees nothing)."""
    with session.pipeline():
        queue_enter_role(session, role, tenant=tenant, tenant_token=tenant_token)


def queue_enter_role(
    session: Session, role: str, *, tenant: UUID | None = None, tenant_token: str | None = None
) -> None:
    """:func:`enter_role`'s statements without a round trip of their own (see :func:`queue_begin`)."""
    if tenant_token is not None and tenant is None:
        raise ConfigError("a tenant token needs its tenant")
    session.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
    if tenant_token is not None:
        session.set_local(TOKEN_SETTING, tenant_token)
    elif tenant is not None:
        session.set_local(SETTING, str(tenant))


def signed_mode(session: Session) -> bool:
    """True when the policies trust only signed tenant tokens (a key in tenantdb_context_keys)."""
    return bool(session.fetch_value(_SIGNED_MODE))


def commit(session: Session) -> None:
    session.execute("COMMIT")
