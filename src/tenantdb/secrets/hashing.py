"""Keyed hashes (HMAC-SHA256) for values that are only compared, never read back: card fingerprints, API keys.

Stored as ``<name>_hmac bytea`` (32 bytes). The hash key is separate from the encryption keys; a hash cannot be
re-keyed without its value, so :func:`verify` accepts a hash made with any ``mac`` key of the ring and new hashes
use the current one.
"""

from __future__ import annotations

import hashlib
import hmac

from tenantdb.secrets.keys import KeyPurpose, KeyRing

DIGEST_BYTES = 32


def _message(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def keyed_hash(value: str | bytes, keyring: KeyRing) -> bytes:
    """HMAC-SHA256 of ``value`` under the current hash key: equal values give equal hashes (lookups work)."""
    key = keyring.current(KeyPurpose.HASH)
    return hmac.new(key.material, _message(value), hashlib.sha256).digest()


def verify(value: str | bytes, digest: bytes, keyring: KeyRing) -> bool:
    """Whether ``digest`` is the keyed hash of ``value`` under any of the ring's hash keys (constant-time compare)."""
    keyring.current(KeyPurpose.HASH)  # no hash key at all is a configuration error, not a mismatch
    message = _message(value)
    matches = [
        hmac.compare_digest(hmac.new(key.material, message, hashlib.sha256).digest(), digest)
        for key in keyring.of(KeyPurpose.HASH)
    ]
    return any(matches)


def keyed_hashes(value: str | bytes, keyring: KeyRing) -> tuple[bytes, ...]:
    """The keyed hash of ``value`` under every hash key, current first: a lookup by digest while the hash key rotates
    (``WHERE card_fingerprint_hmac = ANY(%s)``)."""
    current = keyring.current(KeyPurpose.HASH)
    ordered = (current, *(key for key in keyring.of(KeyPurpose.HASH) if key.key_id != current.key_id))
    message = _message(value)
    return tuple(hmac.new(key.material, message, hashlib.sha256).digest() for key in ordered)
