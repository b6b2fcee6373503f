"""Response models of the API: pydantic models derived from the report dataclasses, closed to extra properties.

``model_of(SomeReport)`` mirrors a frozen dataclass field by field (tuples become lists, nested dataclasses
models of their own, Decimal a string so no digit is lost, enums their values); ``document(value)`` turns the
dataclass instance into the plain values the model validates. Fields in ``HIDDEN_FIELDS`` are left out of both.
OpenAPI shows every object with
``additionalProperties: false``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, Union
from uuid import UUID

from pydantic import BaseModel, ConfigDict, create_model, field_validator

from tenantdb.bi.reports import ReportScope

# Fields of report dataclasses the API never shows (A10: over-exposed): the database's name.
HIDDEN_FIELDS: dict[type, frozenset[str]] = {ReportScope: frozenset({"database"})}


def _shown(cls: type) -> list[dataclasses.Field[Any]]:
    hidden = HIDDEN_FIELDS.get(cls, frozenset())
    return [field for field in dataclasses.fields(cls) if field.name not in hidden]


class StrictModel(BaseModel):
    """Every request and response object: unknown fields are an error, not silently ignored; a string with a NUL
    character (which PostgreSQL text cannot hold) is an error too."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("NUL character")
        return value


def _annotation(hint: Any) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Decimal:
        return str
    if isinstance(hint, type) and issubclass(hint, Enum):
        return str
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return model_of(hint)
    if origin is tuple:
        return list[_annotation(args[0])]  # type: ignore[misc]
    if origin is list:
        return list[_annotation(args[0])]  # type: ignore[misc]
    if origin is dict:
        return dict[_annotation(args[0]), _annotation(args[1])]  # type: ignore[misc]
    if origin in (Union, types.UnionType):
        return Union[tuple(_annotation(arg) for arg in args)]  # noqa: UP007
    return hint


@cache
def model_of(cls: type) -> type[StrictModel]:
    """The strict pydantic model of a report dataclass (cached: one model per class)."""
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {field.name: (_annotation(hints[field.name]), ...) for field in _shown(cls)}
    return create_model(cls.__name__, __base__=StrictModel, **fields)


def document(value: Any) -> Any:
    """Plain values for a model: dataclasses as dicts, Decimal as str, enums as values, dates/UUIDs as themselves."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: document(getattr(value, field.name)) for field in _shown(type(value))}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [document(item) for item in value]
    if isinstance(value, dict):
        return {key: document(item) for key, item in value.items()}
    if isinstance(value, date | datetime | UUID | str | int | float | bool) or value is None:
        return value
    raise TypeError(f"no JSON form for {type(value).__name__}")


class ErrorBody(StrictModel):
    """Every error answer of the API (tenantdb.server.errors): a fixed message per status."""

    error: str


class Problem(StrictModel):
    location: str  # e.g. query.month, body.text
    message: str


class InvalidRequest(StrictModel):
    """422: which parameter is wrong and why (the input is not echoed)."""

    error: str
    problems: list[Problem]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "a request body that cannot be parsed (not JSON, not UTF-8)"},
    401: {"model": ErrorBody, "description": "no valid API token"},
    403: {"model": ErrorBody, "description": "the token's scope does not allow this request"},
    404: {"model": ErrorBody, "description": "not found (or another tenant's)"},
    413: {"model": ErrorBody, "description": "request body over 1 MiB"},
    422: {"model": InvalidRequest, "description": "invalid or unknown parameter"},
    429: {"model": ErrorBody, "description": "rate limited; see Retry-After"},
    500: {"model": ErrorBody, "description": "internal error (generic)"},
    503: {"model": ErrorBody, "description": "the database is unavailable or the query timed out; see Retry-After"},
}
