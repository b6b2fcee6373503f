"""Key rings: the keys tenantdb.secrets encrypts and hashes with, read from the environment or a key file.

A key spec is a list of entries separated by newlines or commas; ``#`` starts a comment::

    <purpose>:<id>:<base64 of 32 random bytes>[:current]

``purpose`` is ``enc`` (AES-256-GCM, wraps each value's data key) or ``mac`` (HMAC-SHA256, keyed hashes). Several
keys of a purpose may be listed while a rotation runs; exactly one is marked ``:current`` (a purpose with one key
needs no mark). Keys are never stored in the database, and no message or ``repr`` shows their material.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import NewType

from tenantdb.errors import SecretKeyInvalid, SecretKeyMissing

KeyId = NewType("KeyId", str)

KEYS_VARIABLE = "TENANTDB_SECRET_KEYS"
KEY_FILE_VARIABLE = "TENANTDB_SECRET_KEYS_FILE"
KEY_BYTES = 32
CURRENT_MARK = "current"
_KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_FORMAT = "expected <purpose>:<id>:<base64 key>[:current], purpose enc or mac"
_SETUP_HINT = (
    f"set {KEYS_VARIABLE} (or {KEY_FILE_VARIABLE} to a file only the service can read) to the output of "
    "`tenantdb keys generate --purpose enc` and `tenantdb keys generate --purpose mac` (docs/secrets.md)"
)


class KeyPurpose(StrEnum):
    """What a key is for; an encryption key never hashes and a hash key never encrypts."""

    ENCRYPT = "enc"
    HASH = "mac"


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretKey:
    """One key of a ring; its material never shows in a ``repr``."""

    purpose: KeyPurpose
    key_id: KeyId
    material: bytes = field(repr=False)
    current: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyRing:
    """The configured keys: per purpose, the current one (new values) and older ones (values not yet rotated)."""

    keys: tuple[SecretKey, ...]
    source: str = field(default="", compare=False)

    def current(self, purpose: KeyPurpose) -> SecretKey:
        """The key new values of ``purpose`` are made with."""
        for key in self.keys:
            if key.purpose is purpose and key.current:
                return key
        raise SecretKeyMissing(
            f"no {purpose.value} key in {self.source or 'the key ring'}: "
            + ("values cannot be encrypted" if purpose is KeyPurpose.ENCRYPT else "values cannot be hashed"),
            hint=_SETUP_HINT,
        )

    def find(self, purpose: KeyPurpose, key_id: str) -> SecretKey | None:
        return next((k for k in self.keys if k.purpose is purpose and k.key_id == key_id), None)

    def of(self, purpose: KeyPurpose) -> tuple[SecretKey, ...]:
        return tuple(key for key in self.keys if key.purpose is purpose)


def _invalid(source: str, message: str, hint: str | None = None) -> SecretKeyInvalid:
    return SecretKeyInvalid(f"{source}: {message}", hint=hint or f"see docs/secrets.md; {_FORMAT}")


def _parse_entry(text: str, number: int, source: str) -> SecretKey:
    where = f"entry {number}"
    parts = text.split(":")
    if len(parts) not in (3, 4):
        raise _invalid(source, f"{where}: {_FORMAT}")
    purpose_text, key_id, encoded = parts[:3]
    try:
        purpose = KeyPurpose(purpose_text)
    except ValueError:
        raise _invalid(source, f"{where}: unknown purpose; {_FORMAT}") from None
    if not _KEY_ID.fullmatch(key_id):
        raise _invalid(source, f"{where}: a key id is 1-64 letters, digits, '.', '_' or '-', starting alphanumeric")
    if len(parts) == 4 and parts[3] != CURRENT_MARK:
        raise _invalid(source, f"key {purpose.value}:{key_id}: the fourth field can only be :{CURRENT_MARK}")
    try:
        material = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise _invalid(source, f"key {purpose.value}:{key_id}: the key is not valid base64") from None
    if len(material) != KEY_BYTES:
        raise _invalid(
            source,
            f"key {purpose.value}:{key_id} is {len(material)} bytes; expected {KEY_BYTES} (256 bits)",
            hint=f"make a key with `tenantdb keys generate --purpose {purpose.value}`",
        )
    return SecretKey(purpose=purpose, key_id=KeyId(key_id), material=material, current=len(parts) == 4)


def parse_keys(text: str, *, source: str) -> KeyRing:
    """A key ring from a key spec; ``source`` (a variable or a file name) is named in errors, the text never is."""
    entries = [
        entry.strip() for line in text.splitlines() for entry in line.split("#", 1)[0].split(",") if entry.strip()
    ]
    keys = [_parse_entry(entry, number, source) for number, entry in enumerate(entries, start=1)]
    seen: set[str] = set()
    for key in keys:
        if key.key_id in seen:
            raise _invalid(source, f"key id {key.key_id!r} appears twice; every key needs an id of its own")
        seen.add(key.key_id)
    encrypting = {k.material for k in keys if k.purpose is KeyPurpose.ENCRYPT}
    if any(k.material in encrypting for k in keys if k.purpose is KeyPurpose.HASH):
        raise _invalid(source, "a mac key is also an enc key; hashing needs a key of its own")
    ring: list[SecretKey] = []
    for purpose in KeyPurpose:
        of_purpose = [k for k in keys if k.purpose is purpose]
        marked = [k for k in of_purpose if k.current]
        if len(of_purpose) == 1 and not marked:
            of_purpose = [
                SecretKey(purpose=purpose, key_id=k.key_id, material=k.material, current=True)
                for k in keys
                if k.purpose is purpose
            ]
        elif of_purpose and len(marked) != 1:
            raise _invalid(
                source,
                f"{len(of_purpose)} {purpose.value} keys and {len(marked)} marked :{CURRENT_MARK}; "
                f"mark exactly one :{CURRENT_MARK} (the one new values use)",
            )
        ring.extend(of_purpose)
    return KeyRing(keys=tuple(ring), source=source)


def read_key_file(path: Path) -> KeyRing:
    """A key ring from a file that no other user can read (POSIX modes are checked; o+rwx is refused)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SecretKeyMissing(f"key file {path} does not exist", hint=_SETUP_HINT) from None
    except OSError as error:
        raise SecretKeyInvalid(f"key file {path} cannot be read: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise SecretKeyInvalid(f"key file {path} is not a regular file")
    mode = stat.S_IMODE(info.st_mode)
    if os.name == "posix" and mode & 0o007:
        what = "readable by every user" if mode & 0o004 else "open to every user"
        raise SecretKeyInvalid(
            f"key file {path} is {what} (mode {mode:04o}); refused",
            hint=f"chmod 600 {path} (or 640 with a group only the service is in)",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise SecretKeyInvalid(f"key file {path} cannot be read as UTF-8 text") from None
    return parse_keys(text, source=f"key file {path}")


def load_keyring(environ: Mapping[str, str] | None = None) -> KeyRing:
    """The key ring of ``TENANTDB_SECRET_KEYS`` or of the file ``TENANTDB_SECRET_KEYS_FILE`` names (not both)."""
    env = os.environ if environ is None else environ
    spec, path = env.get(KEYS_VARIABLE, "").strip(), env.get(KEY_FILE_VARIABLE, "").strip()
    if spec and path:
        raise SecretKeyInvalid(
            f"both {KEYS_VARIABLE} and {KEY_FILE_VARIABLE} are set", hint="set one of them: which keys apply is unclear"
        )
    if path:
        return read_key_file(Path(path))
    if spec:
        return parse_keys(spec, source=KEYS_VARIABLE)
    raise SecretKeyMissing(f"no secret keys: neither {KEYS_VARIABLE} nor {KEY_FILE_VARIABLE} is set", hint=_SETUP_HINT)


def generate_key(purpose: KeyPurpose, key_id: str, *, current: bool = False) -> str:
    """A new key entry: 32 bytes from the operating system's CSPRNG, in the key spec format."""
    if not _KEY_ID.fullmatch(key_id):
        raise SecretKeyInvalid(f"key id {key_id!r}: 1-64 letters, digits, '.', '_' or '-', starting alphanumeric")
    encoded = base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")
    return f"{purpose.value}:{key_id}:{encoded}" + (f":{CURRENT_MARK}" if current else "")
