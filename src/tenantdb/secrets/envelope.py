"""Envelope encryption with AES-256-GCM: each value gets a fresh data key, wrapped by a key of the ring.

The stored ciphertext (``<name>_ciphertext bytea``) is, version 1::

    0x01 | wrap nonce (12) | data key wrapped with the ring key (32 + 16 tag) | data nonce (12) | data + tag (16)

and the ring key's id is stored beside it (``<name>_key_id text``). The key id is authenticated with the wrapped
data key, so a value relabelled with another id is refused like a changed byte. Rotating to a new key re-wraps the
data key only (:func:`rewrap`); the value is decrypted once on the way, so a tampered row stops the rotation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Literal, overload

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tenantdb.errors import SecretTampered, UnknownSecretKey
from tenantdb.secrets.keys import KEY_BYTES, KEYS_VARIABLE, KeyPurpose, KeyRing, SecretKey

VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
_WRAPPED = KEY_BYTES + TAG_BYTES
_DATA_START = 1 + NONCE_BYTES + _WRAPPED
MIN_CIPHERTEXT = _DATA_START + NONCE_BYTES + TAG_BYTES
_DATA_AAD = b"tenantdb-secrets:v1:data"


@dataclass(frozen=True, slots=True, kw_only=True)
class Sealed:
    """An encrypted value as stored: the ciphertext and the id of the ring key that wraps its data key."""

    ciphertext: bytes = field(repr=False)
    key_id: str


def _wrap_aad(key_id: str) -> bytes:
    return b"tenantdb-secrets:v1:wrap:" + key_id.encode("utf-8")


def _tampered(key_id: str) -> SecretTampered:
    return SecretTampered(
        f"a value encrypted under key {key_id!r} failed authentication: its ciphertext or key id was changed, "
        "or the key with that id is not the one it was encrypted with",
        hint="restore the row from a backup or write the value again; check that the key spec has the right key "
        "under that id",
    )


def _ring_key(sealed: Sealed, keyring: KeyRing) -> SecretKey:
    key = keyring.find(KeyPurpose.ENCRYPT, sealed.key_id)
    if key is None:
        raise UnknownSecretKey(
            f"a value is encrypted under key {sealed.key_id!r}, which {keyring.source or 'the key ring'} does not hold",
            key_id=sealed.key_id,
            hint=f"add the key with that id back to {KEYS_VARIABLE} (or the key file) until `tenantdb keys rotate` "
            "has moved every value to the current key",
        )
    return key


def _seal(data_key: bytes, data_part: bytes, key: SecretKey) -> Sealed:
    wrap_nonce = secrets.token_bytes(NONCE_BYTES)
    wrapped = AESGCM(key.material).encrypt(wrap_nonce, data_key, _wrap_aad(key.key_id))
    return Sealed(ciphertext=bytes([VERSION]) + wrap_nonce + wrapped + data_part, key_id=key.key_id)


def _open(sealed: Sealed, keyring: KeyRing) -> tuple[bytes, bytes]:
    """The data key and the plaintext of a sealed value; any failed check is :class:`SecretTampered`."""
    key = _ring_key(sealed, keyring)
    blob = sealed.ciphertext
    if len(blob) < MIN_CIPHERTEXT or blob[0] != VERSION:
        raise _tampered(sealed.key_id)
    wrap_nonce, wrapped = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES : _DATA_START]
    data_nonce, data = blob[_DATA_START : _DATA_START + NONCE_BYTES], blob[_DATA_START + NONCE_BYTES :]
    try:
        data_key = AESGCM(key.material).decrypt(wrap_nonce, wrapped, _wrap_aad(sealed.key_id))
        plaintext = AESGCM(data_key).decrypt(data_nonce, data, _DATA_AAD)
    except InvalidTag:
        raise _tampered(sealed.key_id) from None
    return data_key, plaintext


def encrypt(value: str | bytes, keyring: KeyRing) -> Sealed:
    """Encrypt ``value`` (text is UTF-8 encoded) under the ring's current encryption key."""
    key = keyring.current(KeyPurpose.ENCRYPT)
    data_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    data_nonce = secrets.token_bytes(NONCE_BYTES)
    plaintext = value.encode("utf-8") if isinstance(value, str) else value
    return _seal(data_key, data_nonce + AESGCM(data_key).encrypt(data_nonce, plaintext, _DATA_AAD), key)


@overload
def decrypt(sealed: Sealed, keyring: KeyRing, *, binary: Literal[False] = False) -> str: ...
@overload
def decrypt(sealed: Sealed, keyring: KeyRing, *, binary: Literal[True]) -> bytes: ...
def decrypt(sealed: Sealed, keyring: KeyRing, *, binary: bool = False) -> str | bytes:
    """The plaintext of a sealed value, as text (or bytes with ``binary=True``).

    Raises :class:`UnknownSecretKey` when the ring lacks its key id and :class:`SecretTampered` when the value does
    not authenticate; neither message contains the value.
    """
    _, plaintext = _open(sealed, keyring)
    if binary:
        return plaintext
    try:
        return plaintext.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretTampered(
            f"a value encrypted under key {sealed.key_id!r} is binary, not UTF-8 text",
            hint="decrypt it with binary=True",
        ) from None


def rewrap(sealed: Sealed, keyring: KeyRing) -> Sealed:
    """The same value under the ring's current encryption key (unchanged when it already is)."""
    current = keyring.current(KeyPurpose.ENCRYPT)
    data_key, _ = _open(sealed, keyring)
    if sealed.key_id == current.key_id:
        return sealed
    return _seal(data_key, sealed.ciphertext[_DATA_START:], current)
