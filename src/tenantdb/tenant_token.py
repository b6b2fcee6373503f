"""Signed tenant context: the token an application signs and ``tenantdb_signed_tenant()`` verifies in the database.

A token is ``<tenant uuid>.<expiry, unix seconds>.<key id (uuid)>.<hex HMAC-SHA-256 of the first three parts>``. The key
is shared by the application and the database (``tenantdb_context_keys``, which no tenant or analyst role can
read), so SQL run as a tenant role can present a token but cannot make one: a forged, altered or expired token
makes every tenant table look empty. Tokens are short-lived (``ttl``) because a token is a bearer credential for
its tenant until it expires.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from tenantdb.errors import ConfigError

MIN_SECRET_BYTES = 32
MAX_SECRET_BYTES = 64  # one SHA-256 block: the database pads the key, it never hashes a longer one


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantTokenSigner:
    """Signs tenant tokens with one key of ``tenantdb_context_keys``."""

    key_id: UUID
    secret: bytes
    ttl: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        if not MIN_SECRET_BYTES <= len(self.secret) <= MAX_SECRET_BYTES:
            raise ConfigError(
                f"a tenant context key has {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes, not {len(self.secret)}",
                hint="make one with `tenantdb context key add`",
            )
        if self.ttl <= timedelta(0):
            raise ConfigError("a tenant token's lifetime must be positive")

    def __repr__(self) -> str:  # never print the secret
        return f"TenantTokenSigner(key_id={self.key_id}, ttl={self.ttl})"

    def sign(self, tenant: UUID, *, expires_at: datetime | None = None) -> str:
        """A token for ``tenant``, valid until ``expires_at`` (default: now + ttl)."""
        expires = expires_at if expires_at is not None else datetime.now(UTC) + self.ttl
        message = f"{tenant}.{int(expires.timestamp())}.{self.key_id}"
        return f"{message}.{hmac.new(self.secret, message.encode(), hashlib.sha256).hexdigest()}"
