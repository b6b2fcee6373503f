"""The SQL of the refresh engine: package data in ``sql/``, one statement per file, values through placeholders."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import LiteralString


@cache
def statement(name: str) -> LiteralString:
    """The statement in ``sql/<name>.sql`` (its ``%(name)s`` placeholders are bound by the caller)."""
    return resources.files("tenantdb.bi").joinpath("sql").joinpath(f"{name}.sql").read_text(encoding="utf-8")


@cache
def month_resources_query() -> LiteralString:
    """The body of ``pg_temp.bi_month_resources`` as a query of its own, the month bound as ``%(month)s``.

    For a read-only transaction (a report), which cannot create the session's function: same SQL, same costs.
    """
    function = statement("month_resources_function")
    body = function.split("$$")[1]
    return body.replace("for_month", "%(month)s::date")
