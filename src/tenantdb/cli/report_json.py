"""Report models as JSON documents: money and ratios as JSON numbers, identical in text to the exact decimals."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from tenantdb.cli.documents import emit_json

_EXACT_DIGITS = 15  # a float prints the same digits as a decimal of at most 15 significant digits


def document(value: Any) -> Any:
    """The model as plain values; decimals become numbers when a float keeps every digit, strings otherwise."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: document(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        if not value.is_finite() or len(value.as_tuple().digits) > _EXACT_DIGITS:
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list | tuple):
        return [document(item) for item in value]
    return value


def emit_report(report: Any) -> None:
    """The whole report model as one JSON document on stdout."""
    emit_json(document(report))
