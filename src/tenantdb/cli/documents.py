"""JSON documents on stdout: a report, a result or an error as exactly one document (no rich console needed)."""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
from datetime import date, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any


def jsonable(value: Any) -> Any:
    """Dataclasses, enums, paths, dates and tuples as plain JSON values; a model's own ``json_document()`` first."""
    document = getattr(value, "json_document", None)
    if callable(document):
        return jsonable(document())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: jsonable(getattr(value, name)) for name in _keys(type(value))}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


@functools.cache
def _keys(cls: type) -> tuple[str, ...]:
    """A dataclass's fields, then its ``ok`` and ``pending`` properties (looked up once per class: a lint report has
    thousands of findings)."""
    properties = tuple(name for name in ("ok", "pending") if isinstance(getattr(cls, name, None), property))
    return tuple(field.name for field in dataclasses.fields(cls)) + properties


def emit_json(document: Any) -> None:
    """Write exactly one JSON document to stdout."""
    sys.stdout.write(json.dumps(jsonable(document), indent=2, sort_keys=False) + "\n")
    sys.stdout.flush()
