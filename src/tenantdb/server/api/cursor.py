"""Opaque keyset cursors: the last row's key, base64url-encoded JSON naming the list it belongs to.

A cursor is validated strictly — base64, a JSON object, the right list, exactly the expected keys, each value of
its type — and anything else is a ``422`` (never a 500). It carries no authority: every page is read as the
caller's role, so a forged cursor only starts another page of what the caller may read anyway.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import HTTPException

MAX_CURSOR = 400  # characters; every cursor this API issues is far shorter


def bad_cursor(name: str = "cursor") -> HTTPException:
    message = "not a cursor of this list: pass the `next` link of the previous page unchanged"
    return HTTPException(422, detail=[{"location": f"query.{name}", "message": message}])


def encode(kind: str, **key: str) -> str:
    text = json.dumps({"list": kind, **key}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(kind: str, text: str, *keys: str) -> dict[str, str]:
    """The key of a cursor of list ``kind`` (its values as strings), or a 422."""
    if len(text) > MAX_CURSOR:
        raise bad_cursor()
    try:
        document: Any = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode())
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad_cursor() from None
    if not isinstance(document, dict) or document.get("list") != kind or set(document) != {"list", *keys}:
        raise bad_cursor()
    if not all(isinstance(document[key], str) for key in keys):
        raise bad_cursor()
    return {key: document[key] for key in keys}


def as_uuid(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise bad_cursor() from None


def as_moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise bad_cursor() from None
    if moment.utcoffset() is None:
        raise bad_cursor()
    return moment
