"""One data path, two formats: a route's document as JSON (validated by its strict model) or its table as CSV,
with a strong ETag over the body (``If-None-Match`` -> ``304``) and a ``Link: <…>; rel="next"`` when the list
goes on. Caching headers come from the core (``Cache-Control: private, no-store``: never a shared cache).

CSV is asked with ``?format=csv`` or ``Accept: text/csv``; it is a download (``Content-Disposition: attachment``)
named after the report and its month. Cells that would run as spreadsheet formulas are escaped
(:mod:`tenantdb.bi.reports.table`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Query, Request, Response

from tenantdb.bi.reports.table import csv_text
from tenantdb.server.api.models import StrictModel

CSV_MEDIA = "text/csv; charset=utf-8"
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "JSON, or CSV when asked"}
}
_FILENAME = re.compile(r"[^A-Za-z0-9_.-]+")


class Format(StrEnum):
    JSON = "json"
    CSV = "csv"


async def output_format(  # async: a pure function, not worth a hop to the thread pool on every request
    request: Request,
    format: Annotated[
        Format | None, Query(description="json (default) or csv; `Accept: text/csv` asks for CSV too")
    ] = None,
) -> Format:
    if format is not None:
        return format
    accept = request.headers.get("accept", "")
    return Format.CSV if "text/csv" in accept and "application/json" not in accept else Format.JSON


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


def _matches(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    return any(tag.strip() in (etag, "*") for tag in header.split(","))


def _finish(request: Request, body: bytes, media_type: str, headers: dict[str, str]) -> Response:
    etag = etag_of(body)
    headers = headers | {"ETag": etag}
    if _matches(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def respond(
    request: Request,
    fmt: Format,
    model: type[StrictModel],
    document: Any,
    *,
    table: tuple[Sequence[str], Sequence[Sequence[Any]]] | None = None,
    filename: str = "report",
    next_url: str | None = None,
) -> Response:
    """The response of a route: JSON of ``document`` checked against ``model``, or ``table`` as a CSV download."""
    headers = {"Vary": "Accept"}  # the same URL answers JSON or CSV by the Accept header
    if next_url is not None:
        headers["Link"] = f'<{next_url}>; rel="next"'
    if fmt is Format.CSV and table is not None:
        body = csv_text(*table).encode()
        name = _FILENAME.sub("-", filename).strip("-") or "report"
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return _finish(request, body, CSV_MEDIA, headers)
    body = model.model_validate(document).model_dump_json().encode()
    return _finish(request, body, "application/json", headers)


def next_link(request: Request, cursor: str | None) -> str | None:
    """The URL of the next page: this request's, with ``cursor`` replaced."""
    if cursor is None:
        return None
    url = request.url.include_query_params(cursor=cursor)
    return f"{url.path}?{url.query}"  # relative: never a host taken from the request's Host header
