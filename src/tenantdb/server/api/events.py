"""``GET /api/v1/events``: business events, newest first, over a bounded time range, keyset-paginated by
``(occurred_at, event_id)``. Row-level security decides what a role reads: a tenant token its own delivery
outcomes and revenue impacts only (docs/events.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from tenantdb.server.api import cursor as cursors
from tenantdb.server.api.access import access
from tenantdb.server.api.models import StrictModel
from tenantdb.server.api.output import CSV_RESPONSE, Format, next_link, output_format, respond
from tenantdb.server.api.params import DEFAULT_LIMIT, CursorParam, LimitParam, Moment
from tenantdb.server.api.sqlfiles import query
from tenantdb.server.api.tenants import resolve
from tenantdb.server.request_db import RequestDb

router = APIRouter(tags=["events"])

MAX_RANGE = timedelta(days=366)
DEFAULT_RANGE = timedelta(days=30)


class EventKind(StrEnum):
    EMAIL_DELIVERY_OUTCOME = "email_delivery_outcome"
    REVENUE_IMPACT = "revenue_impact"
    COST_OPTIMIZATION = "cost_optimization"
    EFFICIENCY_METRICS = "efficiency_metrics"
    STRATEGIC_DECISION = "strategic_decision"
    GROUP_IDENTIFY = "$groupidentify"


class Event(StrictModel):
    event_id: UUID
    occurred_at: datetime
    kind: str
    tenant_id: UUID | None
    tenant: str | None
    properties: dict[str, Any]


class Events(StrictModel):
    since: datetime
    until: datetime
    events: list[Event]
    next: str | None


def _problem(name: str, message: str) -> HTTPException:
    return HTTPException(422, detail=[{"location": f"query.{name}", "message": message}])


def _aware(name: str, value: datetime | None) -> datetime | None:
    if value is not None and value.utcoffset() is None:
        raise _problem(name, "give a time zone, e.g. 2026-09-01T00:00:00Z")
    return value


@router.get(
    "/events",
    response_model=Events,
    summary="Business events",
    description="Newest first, in [`since`, `until`) (default: the last 30 days; at most 366 days), of one `kind` "
    "and one `tenant` (slug or id) if given. Keyset pagination: `limit` and the `cursor` of the `next` link. A "
    "tenant token reads its own delivery outcomes and revenue impacts only. `?format=csv` downloads the page.",
    responses=CSV_RESPONSE,
)
def list_events(
    request: Request,
    db: Annotated[RequestDb, access("GET", "/events")],
    fmt: Annotated[Format, Depends(output_format)],
    kind: Annotated[EventKind | None, Query(description="the event's kind")] = None,
    tenant: Annotated[
        str | None, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$", description="slug or id")
    ] = None,
    since: Annotated[Moment | None, Query(description="ISO 8601 with a time zone; inclusive")] = None,
    until: Annotated[Moment | None, Query(description="ISO 8601 with a time zone; exclusive; default now")] = None,
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Response:
    end = _aware("until", until) or datetime.now(UTC)
    try:
        start = _aware("since", since) or end - DEFAULT_RANGE
        in_range = start.astimezone(UTC).year >= 1900 and end.astimezone(UTC).year <= 9000
    except OverflowError:  # at the ends of the calendar
        in_range = False
    if not in_range:
        raise _problem("since", "times between the years 1900 and 9000, with a time zone")
    if start >= end:
        raise _problem("since", "since must be before until")
    if end - start > MAX_RANGE:
        raise _problem("since", f"at most {MAX_RANGE.days} days between since and until")
    after_at, after_id = None, None
    if cursor is not None:
        key = cursors.decode("events", cursor, "at", "id")
        after_at, after_id = cursors.as_moment(key["at"]), cursors.as_uuid(key["id"])
    tenant_id = None if tenant is None else resolve(db, tenant)[0]
    params = {
        "since": start,
        "until": end,
        "kind": None if kind is None else kind.value,
        "tenant_id": tenant_id,
        "after_at": after_at,
        "after_id": after_id,
        "limit": limit,
    }
    columns, rows = db.session.fetch_named(query("events"), params)
    events = [dict(zip(columns, row, strict=True)) for row in rows]
    following = None
    if len(events) == limit:
        last = events[-1]
        following = cursors.encode("events", at=last["occurred_at"].isoformat(), id=str(last["event_id"]))
    url = next_link(request, following)
    body = {"since": start, "until": end, "events": events, "next": url}
    header = ["event_id", "occurred_at", "kind", "tenant_id", "tenant", "properties"]
    table = (
        header,
        [[*(e[name] for name in header[:-1]), json.dumps(e["properties"], sort_keys=True)] for e in events],
    )
    return respond(request, fmt, Events, body, table=table, filename=f"events-{start:%Y-%m-%d}", next_url=url)
