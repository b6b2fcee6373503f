"""JSON documents on stdout: a report, a result or an error as exactly one document (no rich console needed)."""

from __future__ import annotations

import dataclasses
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
        fields = {field.name: jsonable(getattr(value, field.name)) for field in dataclasses.fields(value)}
        extra = {
            name: jsonable(getattr(value, name))
            for name in ("ok", "pending")
            if isinstance(getattr(type(value), name, None), property)
        }
        return fields | extra
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


def emit_json(document: Any) -> None:
    """Write exactly one JSON document to stdout."""
    sys.stdout.write(json.dumps(jsonable(document), indent=2, sort_keys=False) + "\n")
    sys.stdout.flush()
