"""The tenant context of a request: role and tenant for one transaction, and the reset a pool runs on check-in.

Policies read the tenant through ``tenantdb_current_tenant()``: the signed token in ``app.tenant_context`` once a
signing key is installed (``tenantdb context key add``), the plain ``app.current_tenant_id`` before that. Either
is set with ``set_config(..., true)`` inside the request's transaction, so it ends with it. A session-level
setting (``set_config(..., false)``, ``SET``) or ``SET ROLE`` made by a request would outlive it on a pooled
connection; ``reset_tenant_context`` is the pool's ``reset`` callback that forgets them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from tenantdb.db.session import Session
from tenantdb.errors import ConfigError

SETTING = "app.current_tenant_id"
TOKEN_SETTING = "app.tenant_context"  # noqa: S105 - a setting name, not a secret


@contextmanager
def tenant_transaction(
    session: Session, *, role: str, tenant: UUID | None = None, token: str | None = None
) -> Iterator[Session]:
    """One transaction as ``role`` for one tenant: the plain ``tenant`` id or a signed ``token``, never both.

    Committed when the block ends, rolled back when it raises; role and tenant end with the transaction.
    """
    if (tenant is None) == (token is None):
        raise ConfigError("a tenant transaction names the tenant either by id or by signed token, exactly one")
    name, value = (SETTING, str(tenant)) if tenant is not None else (TOKEN_SETTING, str(token))
    with session.transaction():
        with session.pipeline():
            session.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            session.set_local(name, value)
        yield session


def reset_tenant_context(connection: psycopg.Connection[Any]) -> None:
    """``psycopg_pool.ConnectionPool(reset=...)``: back to the login role, every setting back to its default.

    Prepared statements and the connection itself are kept (unlike ``DISCARD ALL``), so the pool stays fast.
    """
    connection.execute("RESET ROLE; RESET ALL")  # one round trip (RESET ALL leaves the role alone)
