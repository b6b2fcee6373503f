"""Tenants: the list (filters, a sort from an allow-list, keyset pagination) and one tenant's summary, allocation
explained line by line and page (trend, health, allocation). ``{tenant}`` is a slug or an id; a tenant that does
not exist — or that a tenant token may not name — is the same ``404``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, LiteralString
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response

from tenantdb.bi.reports import ReportOptions, explain, tenant_page
from tenantdb.bi.reports.common import resolve_scope, scope_params
from tenantdb.bi.reports.executive_tenant import TenantExecutiveReport
from tenantdb.bi.reports.executive_tenant import build as build_summary
from tenantdb.bi.reports.figures import over_figures
from tenantdb.bi.reports.health import HealthStatus
from tenantdb.bi.reports.portfolio_trend import first_month
from tenantdb.bi.reports.table import table_rows
from tenantdb.db import Session
from tenantdb.errors import ConfigError
from tenantdb.server.api import cursor as cursors
from tenantdb.server.api.access import access
from tenantdb.server.api.cached import cached
from tenantdb.server.api.models import StrictModel, document, model_of
from tenantdb.server.api.output import CSV_RESPONSE, Format, next_link, output_format, respond
from tenantdb.server.api.params import (
    DEFAULT_LIMIT,
    TEXT_PATTERN,
    CursorParam,
    LimitParam,
    MonthParam,
    month_label,
    month_of,
)
from tenantdb.server.api.sqlfiles import query
from tenantdb.server.request_db import RequestDb
from tenantdb.server.scopes import Principal, Scope

router = APIRouter(tags=["tenants"])

TenantParam = Annotated[
    str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$", description="the tenant's slug or id")
]


class Health(StrEnum):
    """The ``health`` filter: :class:`HealthStatus` by a URL-friendly name."""

    CRITICAL = "critical"
    MONITOR = "monitor"
    GOOD = "good"
    EXCELLENT = "excellent"
    NOT_APPLICABLE = "not_applicable"

    @property
    def status(self) -> HealthStatus:
        return HealthStatus[self.name]


class Sort(StrEnum):
    """The allow-list of sorts; ``-`` in front (``-revenue``) sorts descending."""

    NAME = "name"
    SLUG = "slug"
    REVENUE = "revenue"
    COST = "cost"
    PROFIT = "profit"
    REVENUE_AT_RISK = "revenue_at_risk"
    EMAILS_SENT = "emails_sent"


# Sort -> (the column of the listed rows, the cast of the cursor's key): fixed SQL text, never built from input.
_KEYS: dict[Sort, tuple[LiteralString, LiteralString]] = {
    Sort.NAME: ("company_name", "text"),
    Sort.SLUG: ("slug", "text"),
    Sort.REVENUE: ("revenue", "numeric"),
    Sort.COST: ("cost", "numeric"),
    Sort.PROFIT: ("profit", "numeric"),
    Sort.REVENUE_AT_RISK: ("revenue_at_risk", "numeric"),
    Sort.EMAILS_SENT: ("emails_sent", "numeric"),
}
_NUMERIC_KEY = re.compile(r"-?\d{1,20}(\.\d{1,12})?")  # a cursor's key: what this API writes, nothing else
_TEXT_KEY = re.compile(r"[^\x00]{0,400}")
SORT_PATTERN = r"^-?(" + "|".join(sort.value for sort in Sort) + r")$"


class TenantRow(StrictModel):
    tenant_id: UUID
    slug: str
    company_name: str
    plan_name: str | None
    revenue: str
    cost: str
    profit: str
    gross_margin_ratio: str | None
    business_health_status: str
    revenue_at_risk: str
    emails_sent: int
    emails_delivered: int


class TenantList(StrictModel):
    month: date
    sort: str
    total: int
    tenants: list[TenantRow]
    next: str | None


@dataclass(frozen=True, slots=True)
class Page:
    total: int
    rows: list[dict[str, Any]]


@cache
def _page_query(sort: Sort, descending: bool) -> LiteralString:
    column, cast = _KEYS[sort]
    key: LiteralString = "%(after_key)s::" + cast
    before_or_after: LiteralString = " < " if descending else " > "
    direction: LiteralString = " DESC" if descending else ""
    keyset: LiteralString = (
        "(%(after_id)s::uuid IS NULL OR t." + column + before_or_after + key
        + " OR (t." + column + " = " + key + " AND t.tenant_id > %(after_id)s::uuid))"
    )  # fmt: skip
    order: LiteralString = column + direction + ", tenant_id"
    # fixed fragments of the allow-list; every value is a placeholder
    inner: LiteralString = (
        "SELECT * FROM (\n"  # noqa: S608  # nosec B608 - LiteralString fragments of the _KEYS allow-list only
        + query("tenants")
        + "\n) AS t\nWHERE "
        + keyset
        + "\nORDER BY "
        + order
        + "\nLIMIT %(limit)s"
    )
    return over_figures(inner) + "\nORDER BY " + order


def _fetch(session: Session, params: dict[str, Any], sort: Sort, descending: bool) -> Page:
    columns, rows = session.fetch_named(_page_query(sort, descending), params)
    found = [dict(zip(columns, row, strict=True)) for row in rows]
    total = found[0].pop("total") if found else 0
    for row in found[1:]:
        row.pop("total")
    if not found and params["after_id"] is not None:
        first = session.fetch_named(_page_query(sort, descending), params | {"after_id": None, "limit": 1})[1]
        total = first[0][-1] if first else 0
    return Page(total=total, rows=found)


def _as_json(row: dict[str, Any]) -> dict[str, Any]:
    return {name: str(value) if isinstance(value, Decimal) else value for name, value in row.items()}


@router.get(
    "/tenants",
    response_model=TenantList,
    summary="Tenants of a month: filter, sort, page",
    description="Every customer with figures in the month. Filters: `plan` (its name), `health`, `search` (a slug "
    "or name prefix), `at_risk` (revenue at risk only). `sort`: one of the allow-list, `-` for descending. Keyset "
    "pagination: `limit` (1-500, default 50) and the opaque `cursor` of the `next` link. `?format=csv` downloads "
    "the page.",
    responses=CSV_RESPONSE,
)
@cached
def list_tenants(
    request: Request,
    db: Annotated[RequestDb, access("GET", "/tenants")],
    fmt: Annotated[Format, Depends(output_format)],
    month: MonthParam = None,
    plan: Annotated[
        str | None, Query(min_length=1, max_length=100, pattern=TEXT_PATTERN, description="a plan's name")
    ] = None,
    health: Annotated[Health | None, Query(description="the health status")] = None,
    search: Annotated[
        str | None,
        Query(min_length=1, max_length=100, pattern=TEXT_PATTERN, description="a prefix of the slug or the name"),
    ] = None,
    at_risk: Annotated[bool, Query(description="only customers with revenue at risk")] = False,
    sort: Annotated[
        str,
        Query(
            pattern=SORT_PATTERN,
            description="name, slug, revenue, cost, profit, revenue_at_risk, emails_sent; `-` in front: descending",
        ),
    ] = "name",
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
) -> Response:
    key = Sort(sort.removeprefix("-"))
    descending = sort.startswith("-")
    after_id, after_key = None, None
    if cursor is not None:
        decoded = cursors.decode("tenants", cursor, "sort", "key", "id")
        if decoded["sort"] != sort:
            raise cursors.bad_cursor()
        after_id, after_key = cursors.as_uuid(decoded["id"]), decoded["key"]
        shape = _NUMERIC_KEY if _KEYS[key][1] == "numeric" else _TEXT_KEY
        if not shape.fullmatch(after_key):
            raise cursors.bad_cursor()
    scope = resolve_scope(db.session, ReportOptions(month=month_of(month)))
    params = scope_params(scope) | {
        "plan": plan,
        "health": None if health is None else health.status.value,
        "search": search,
        "at_risk": at_risk,
        "after_id": after_id,
        "after_key": after_key,
        "limit": limit,
    }
    page = _fetch(db.session, params, key, descending)
    following = None
    if len(page.rows) == limit:
        last = page.rows[-1]
        column = _KEYS[key][0]
        following = cursors.encode("tenants", sort=sort, key=str(last[column]), id=str(last["tenant_id"]))
    url = next_link(request, following)
    body = {
        "month": scope.month,
        "sort": sort,
        "total": page.total,
        "tenants": [_as_json(row) for row in page.rows],
        "next": url,
    }
    header = list(TenantRow.model_fields)
    table = (header, [[row[name] for name in header] for row in page.rows])
    name = f"tenants-{month_label(scope.month)}"
    return respond(request, fmt, TenantList, body, table=table, filename=name, next_url=url)


def not_found() -> HTTPException:
    return HTTPException(404)


def resolve(db: RequestDb, tenant: str) -> tuple[UUID, str]:
    """The tenant ``{tenant}`` names (slug or id) as the caller may see it; anything else is the same 404."""
    principal: Principal = db.principal
    row = db.session.fetch_one(
        "SELECT id, slug FROM companies WHERE slug = %(t)s OR id::text = lower(%(t)s) LIMIT 1", {"t": tenant}
    )
    if row is None:
        raise not_found()
    tenant_id, slug = row
    if principal.scope is Scope.TENANT and tenant_id != principal.tenant_id:
        raise not_found()
    return tenant_id, slug


class OwnLine(StrictModel):
    """An allocation line as its tenant reads it: without the pool's cost and total weight (R27)."""

    line_id: UUID | int
    category: str
    cost_kind: str
    pool_id: UUID | None
    resource_kind: str | None
    resource_id: UUID | None
    rule: str
    driver: str | None
    driver_value: str | None
    amount: str


class OwnAllocation(StrictModel):
    """A tenant token's own allocation of a month."""

    month: date
    tenant_id: UUID
    slug: str
    lines_total: str
    lines: list[OwnLine]


class OwnMonth(StrictModel):
    month: date
    revenue: str
    cost: str
    emails_sent: int
    emails_delivered: int


class OwnTrend(StrictModel):
    """A tenant token's own months: what it paid, the cost allocated to it, its e-mails."""

    month: date
    tenant_id: UUID
    slug: str
    trend: list[OwnMonth]


_OWN_MONTHS: LiteralString = "SELECT month FROM bi_tenant_monthly WHERE tenant_id = %s ORDER BY month"


def _own_month(db: RequestDb, tenant_id: UUID, month: str | None) -> date:
    """The month a tenant token asked for (default: its latest complete one) among its own rollups, or a 422."""
    months = [row[0] for row in db.session.fetch_all(_OWN_MONTHS, (tenant_id,))]
    current = db.session.fetch_value("SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date")
    wanted: date = month_of(month) or ([m for m in months if m < current] or months or [current])[-1]
    if wanted not in months:
        raise ConfigError(f"no figures of yours for {month_label(wanted)}")
    return wanted


def _own_trend(
    request: Request, db: RequestDb, fmt: Format, tenant: tuple[UUID, str], month: str | None, months: int
) -> Response:
    tenant_id, slug = tenant
    wanted = _own_month(db, tenant_id, month)
    params = {"tenant_id": tenant_id, "month": wanted, "first_month": first_month(wanted, months)}
    columns, rows = db.session.fetch_named(query("tenant_trend"), params)
    body = {
        "month": wanted,
        "tenant_id": tenant_id,
        "slug": slug,
        "trend": [_as_json(dict(zip(columns, row, strict=True))) for row in rows],
    }
    name = f"trend-{slug}-{month_label(wanted)}"
    return respond(request, fmt, OwnTrend, body, table=(columns, [list(row) for row in rows]), filename=name)


def _own_allocation(
    request: Request, db: RequestDb, fmt: Format, tenant: tuple[UUID, str], month: str | None
) -> Response:
    tenant_id, slug = tenant
    wanted = _own_month(db, tenant_id, month)
    columns, rows = db.session.fetch_named(query("tenant_allocation"), {"tenant_id": tenant_id, "month": wanted})
    lines = [_as_json(dict(zip(columns, row, strict=True))) for row in rows]
    total = sum((row[columns.index("amount")] for row in rows), Decimal(0))
    body = {"month": wanted, "tenant_id": tenant_id, "slug": slug, "lines_total": str(total), "lines": lines}
    header = list(OwnLine.model_fields)
    table = (header, [list(row) for row in rows])
    name = f"allocation-{slug}-{month_label(wanted)}"
    return respond(request, fmt, OwnAllocation, body, table=table, filename=name)


TenantSummary = model_of(TenantExecutiveReport)
Allocation = model_of(explain.ExplainReport)
TenantPage = model_of(tenant_page.TenantPageReport)


@router.get(
    "/tenants/{tenant}/summary",
    response_model=TenantSummary,
    summary="One tenant's executive summary",
    description="Overall health, key metrics with their targets, critical alerts, recommended actions and the change "
    "from the previous month. CSV: the key metrics against their targets.",
    responses=CSV_RESPONSE | {404: {"description": "no such tenant"}},
)
@cached
def tenant_summary(
    request: Request,
    tenant: TenantParam,
    db: Annotated[RequestDb, access("GET", "/tenants/{tenant}/summary")],
    fmt: Annotated[Format, Depends(output_format)],
    month: MonthParam = None,
) -> Response:
    tenant_id, slug = resolve(db, tenant)
    built = build_summary(db.session, ReportOptions(month=month_of(month), tenant=str(tenant_id)))
    name = f"summary-{slug}-{month_label(built.scope.month)}"
    return respond(request, fmt, TenantSummary, document(built), table=table_rows(built), filename=name)


@router.get(
    "/tenants/{tenant}/allocation",
    response_model=Allocation | OwnAllocation,
    summary="One tenant's cost allocation, line by line",
    description="Every allocation line of the tenant's month, from rule to amount (the explain report); the lines "
    "add up to its total cost. A tenant token reads its own lines only, without the pools' cost and total weight "
    "(they derive from other tenants' volume): `OwnAllocation`. CSV: the lines.",
    responses=CSV_RESPONSE | {404: {"description": "no such tenant"}},
)
@cached
def tenant_allocation(
    request: Request,
    tenant: TenantParam,
    db: Annotated[RequestDb, access("GET", "/tenants/{tenant}/allocation")],
    fmt: Annotated[Format, Depends(output_format)],
    month: MonthParam = None,
) -> Response:
    tenant_id, slug = resolve(db, tenant)
    if db.principal.scope is Scope.TENANT:
        return _own_allocation(request, db, fmt, (tenant_id, slug), month)
    built = explain.build(db.session, ReportOptions(month=month_of(month), tenant=str(tenant_id)))
    name = f"allocation-{slug}-{month_label(built.scope.month)}"
    return respond(request, fmt, Allocation, document(built), table=table_rows(built), filename=name)


@router.get(
    "/tenants/{tenant}/trend",
    response_model=TenantPage | OwnTrend,
    summary="One tenant's trend, health and allocation",
    description="The tenant page of the dashboard: its last `months` months (revenue, cost, margin, e-mails, cost "
    "per 1,000 delivered), its health with the reason codes and its allocation. A tenant token reads its own "
    "months only (what it paid, the cost allocated to it, its e-mails): `OwnTrend`. CSV: the trend.",
    responses=CSV_RESPONSE | {404: {"description": "no such tenant"}},
)
@cached
def tenant_trend(
    request: Request,
    tenant: TenantParam,
    db: Annotated[RequestDb, access("GET", "/tenants/{tenant}/trend")],
    fmt: Annotated[Format, Depends(output_format)],
    month: MonthParam = None,
    months: Annotated[int, Query(ge=1, le=60, description="months of the trend (1-60)")] = 12,
) -> Response:
    tenant_id, slug = resolve(db, tenant)
    if db.principal.scope is Scope.TENANT:
        return _own_trend(request, db, fmt, (tenant_id, slug), month, months)
    built = tenant_page.build(db.session, ReportOptions(month=month_of(month), tenant=str(tenant_id), months=months))
    name = f"trend-{slug}-{month_label(built.scope.month)}"
    return respond(request, fmt, TenantPage, document(built), table=table_rows(built), filename=name)
