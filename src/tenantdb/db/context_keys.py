"""The keys tenant tokens are signed with (``tenantdb_context_keys`` of module security).

No key: plain mode, the policies trust ``app.current_tenant_id``. One or more: signed mode, they trust only a valid
``app.tenant_context`` token (``tenantdb.tenant_token``). Secrets are written here and read by
``tenantdb_signed_tenant()``; they are never read back out through this module.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from tenantdb.db.session import Session
from tenantdb.errors import ConfigError, DatabaseStateError

SECRET_BYTES = 32


@dataclass(frozen=True, slots=True, kw_only=True)
class ContextKey:
    """A stored key, without its secret."""

    key_id: UUID
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class NewContextKey:
    """A key just made: the only time its secret is shown (the application's signer needs it)."""

    key_id: UUID
    secret: bytes
    created_at: datetime


def _require_table(session: Session) -> None:
    if not session.fetch_value("SELECT to_regclass('tenantdb_context_keys') IS NOT NULL"):
        raise DatabaseStateError(
            f"{session.database} has no tenantdb_context_keys: module security is not applied",
            hint='enable it in tenantdb.toml (modules = ["security", ...]) and run `tenantdb migrate up`',
        )


def list_context_keys(session: Session) -> list[ContextKey]:
    _require_table(session)
    rows = session.fetch_all("SELECT key_id, created_at FROM tenantdb_context_keys ORDER BY created_at, key_id")
    return [ContextKey(key_id=row[0], created_at=row[1]) for row in rows]


def add_context_key(session: Session) -> NewContextKey:
    """A fresh random key; the database switches to signed mode with the first one."""
    _require_table(session)
    secret = secrets.token_bytes(SECRET_BYTES)
    row = session.fetch_one(
        "INSERT INTO tenantdb_context_keys (secret) VALUES (%s) RETURNING key_id, created_at", (secret,)
    )
    assert row is not None
    return NewContextKey(key_id=row[0], secret=secret, created_at=row[1])


def remove_context_key(session: Session, key_id: UUID) -> int:
    """Remove one key (its tokens stop working at once); returns how many keys are left."""
    _require_table(session)
    with session.transaction():
        if not session.execute_count("DELETE FROM tenantdb_context_keys WHERE key_id = %s", (key_id,)):
            raise ConfigError(f"no tenant context key {key_id}", hint="`tenantdb context key list` shows them")
        return int(session.fetch_value("SELECT count(*) FROM tenantdb_context_keys"))
