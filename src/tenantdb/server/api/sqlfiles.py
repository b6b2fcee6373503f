"""The SQL the API's own routes run (``sql/<name>.sql``, package data; values only through placeholders)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import LiteralString


@cache
def query(name: str) -> LiteralString:
    text = resources.files("tenantdb.server.api").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")
    return text  # type: ignore[return-value]  # package data, never input
