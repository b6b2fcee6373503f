"""The dashboard's own queries, ``sql/<name>.sql`` (package data; values only through their placeholders)."""

from __future__ import annotations

from importlib import resources
from typing import Any, LiteralString, cast


def sql_text(name: str) -> LiteralString:
    """The query ``sql/<name>.sql``."""
    text: Any = resources.files("tenantdb.server.dashboard").joinpath("sql", f"{name}.sql").read_text("utf-8")
    return cast("LiteralString", text)
