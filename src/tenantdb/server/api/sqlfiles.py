"""The SQL the API's own routes run (``sql/<name>.sql``, package data; values only through placeholders)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import LiteralString


@cache
def query(name: str) -> LiteralString:
    # package data, never input
    return resources.files("tenantdb.server.api").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")
