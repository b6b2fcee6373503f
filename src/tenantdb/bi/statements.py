"""The SQL of the refresh engine: package data in ``sql/``, one statement per file, values through placeholders."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import LiteralString


@cache
def statement(name: str) -> LiteralString:
    """The statement in ``sql/<name>.sql`` (its ``%(name)s`` placeholders are bound by the caller)."""
    return resources.files("tenantdb.bi").joinpath("sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")
