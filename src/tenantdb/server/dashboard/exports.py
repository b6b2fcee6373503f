"""A page's table as a CSV download (``…/export.csv``): the columns and rows the page shows, with plain values
(decimals unrounded, dates ISO, links by their text, statuses by their words) and text cells that a spreadsheet
would run as a formula (``= + - @``, tab, carriage return) prefixed with ``'``."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from fastapi.responses import Response

from tenantdb.server.dashboard.components import Column, Link, Status

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    text = value.text if isinstance(value, Link) else value.label if isinstance(value, Status) else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_text(columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> str:
    """The header (column labels) and one line per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180; and a cell holding \r or \n is quoted
    writer.writerow([_cell(column.label) for column in columns])
    writer.writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue()


def csv_response(name: str, columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> Response:
    """A download named ``name`` (letters, digits, dashes: built by the page, never from input)."""
    return Response(
        csv_text(columns, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
