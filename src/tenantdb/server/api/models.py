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

from pydantic import BaseModel, ConfigDict, create_model

from tenantdb.bi.reports import ReportScope

# Fields of report dataclasses the API never shows (A10: over-exposed): the database's name.
HIDDEN_FIELDS: dict[type, frozenset[str]] = {ReportScope: frozenset({"database"})}


def _shown(cls: type) -> list[dataclasses.Field[Any]]:
    hidden = HIDDEN_FIELDS.get(cls, frozenset())
    return [field for field in dataclasses.fields(cls) if field.name not in hidden]


class StrictModel(BaseModel):
    """Every request and response object: unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
