"""Secrets of the application and of tenantdb's server: encrypted values, keyed hashes, and the keys.

    keys = load_keyring()                       # TENANTDB_SECRET_KEYS or TENANTDB_SECRET_KEYS_FILE
    sealed = encrypt("pm_1Q...", keys)          # store sealed.ciphertext and sealed.key_id
    token = decrypt(Sealed(ciphertext=..., key_id=...), keys)
    fingerprint = keyed_hash(card_fingerprint, keys)   # store; compare later with verify(value, stored, keys)

Columns follow one convention (docs/secrets.md): ``<name>_ciphertext bytea`` with ``<name>_key_id text`` for an
encrypted value, ``<name>_hmac bytea`` for a keyed hash. Errors derive from :class:`tenantdb.errors.SecretsError`
and never contain a value or key material. This package imports neither the database driver nor the SQL parser.
"""

from __future__ import annotations

from tenantdb.errors import SecretKeyInvalid, SecretKeyMissing, SecretsError, SecretTampered, UnknownSecretKey
from tenantdb.secrets.envelope import Sealed, decrypt, encrypt, rewrap
from tenantdb.secrets.hashing import keyed_hash, keyed_hashes, verify
from tenantdb.secrets.keys import (
    KEY_FILE_VARIABLE,
    KEYS_VARIABLE,
    KeyId,
    KeyPurpose,
    KeyRing,
    SecretKey,
    generate_key,
    load_keyring,
    parse_keys,
    read_key_file,
)

__all__ = [
    "KEYS_VARIABLE",
    "KEY_FILE_VARIABLE",
    "KeyId",
    "KeyPurpose",
    "KeyRing",
    "Sealed",
    "SecretKey",
    "SecretKeyInvalid",
    "SecretKeyMissing",
    "SecretTampered",
    "SecretsError",
    "UnknownSecretKey",
    "decrypt",
    "encrypt",
    "generate_key",
    "keyed_hash",
    "keyed_hashes",
    "load_keyring",
    "parse_keys",
    "read_key_file",
    "rewrap",
    "verify",
]
