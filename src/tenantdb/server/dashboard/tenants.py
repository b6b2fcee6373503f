"""Tenant pages: ``/tenants?q=`` (search by name or slug, with the month's figures), ``/tenants/{slug}`` (the
allocation explained line by line, health with its reasons, 12-month trend charts) and their CSV exports.

A tenant login sees only its own page: the list sends it there, and any other slug is the same 404 page as an
unknown one (its role and row-level security could not read another tenant anyway).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import Response

from tenantdb.bi.reports import tenant_page
from tenantdb.bi.reports.explain import resolve_tenant
from tenantdb.bi.reports.tenant_page import TenantPageReport
from tenantdb.errors import ConfigError
from tenantdb.server.charts import Series, line_chart
from tenantdb.server.dashboard.components import Column
from tenantdb.server.dashboard.exports import csv_response
from tenantdb.server.dashboard.formats import ValueKind
from tenantdb.server.dashboard.frame import PageFrame, page_frame
from tenantdb.server.dashboard.own_tenant import own_content, own_lines_table
from tenantdb.server.dashboard.rendering import render
from tenantdb.server.dashboard.sections import Kpi, Table, ViewContent
from tenantdb.server.dashboard.sql_files import sql_text
from tenantdb.server.dashboard.view_routes import Db, Month, own_page
from tenantdb.server.dashboard.views import status, tenant_link
from tenantdb.server.request_db import RequestDb
from tenantdb.server.scopes import Scope

router = APIRouter(include_in_schema=False)

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,99}$"
Slug = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=100)]
SEARCH_LIMIT = 200
MONEY, PERCENT, NUMBER = ValueKind.MONEY, ValueKind.PERCENT, ValueKind.NUMBER


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def tenant_table(db: RequestDb, frame: PageFrame, q: str) -> Table:
    rows = db.session.fetch_all(
        sql_text("tenant_search"), {"month": frame.month, "pattern": _like(q), "limit": SEARCH_LIMIT}
    )
    columns = [
        Column(label="Tenant"),
        Column(label="Slug"),
        Column(label="Plan"),
        Column(label="Revenue", kind=MONEY),
        Column(label="Cost", kind=MONEY),
        Column(label="Delivered", kind=NUMBER),
    ]
    query = "&".join(part for part in (f"month={frame.month_value}" if frame.month else "", "") if part)
    return Table(
        caption="Tenants" + (f" matching “{q}”" if q else ""),
        columns=columns,
        rows=[
            [tenant_link(name, slug), slug, plan, revenue, cost, delivered]
            for name, slug, plan, revenue, cost, delivered in rows
        ],
        csv_url="/tenants/export.csv" + (f"?{query}" if query else ""),
        note=None if len(rows) < SEARCH_LIMIT else f"The first {SEARCH_LIMIT} matches; narrow the search.",
        empty="No tenant matches.",
    )


Search = Annotated[str, Query(max_length=100, description="part of a tenant's name or slug")]


@router.get("/tenants")
def tenant_list(db: Db, month: Month = None, q: Search = "") -> Response:
    if (elsewhere := own_page(db)) is not None:
        return elsewhere
    frame = page_frame(db, None, month, action="/tenants")
    table = tenant_table(db, frame, q.strip())
    content = ViewContent(intro="Find a tenant by its name or slug; each links to its page.", tables=[table])
    context = frame.context(title="Tenants", as_of=None, keep={"q": q.strip()})
    return Response(render("tenants.html", content=content, notice=None, q=q, **context), media_type="text/html")


@router.get("/tenants/export.csv")
def tenant_list_csv(db: Db, month: Month = None, q: Search = "") -> Response:
    if (elsewhere := own_page(db)) is not None:
        return elsewhere
    frame = page_frame(db, None, month, action="")
    table = tenant_table(db, frame, q.strip())
    return csv_response("tenants", table.columns, table.rows)


def _report(db: RequestDb, frame: PageFrame, slug: str) -> TenantPageReport:
    """The tenant's page report; a slug that is not this login's tenant, or no tenant at all, is 404."""
    try:
        _, _, found = resolve_tenant(db.session, slug)
    except ConfigError:
        raise HTTPException(404) from None
    if found != slug:
        raise HTTPException(404)
    return tenant_page.build(db.session, frame.with_options(tenant=slug).options)


def allocation_table(report: TenantPageReport, month: str | None) -> Table:
    lines = report.allocation.lines
    columns = [
        Column(label="Category"),
        Column(label="Cost"),
        Column(label="Pool or resource"),
        Column(label="Rule"),
        Column(label="Driver"),
        Column(label="Driver value", kind=NUMBER),
        Column(label="Driver total", kind=NUMBER),
        Column(label="Share", kind=PERCENT),
        Column(label="Unit cost", kind=MONEY),
        Column(label="Amount", kind=MONEY),
    ]
    rows = [
        [
            line.category.replace("_", " "),
            line.cost_kind.replace("_", " "),
            line.pool_name or line.resource_name or line.resource_kind or "",
            line.rule.replace("_", " "),
            (line.driver or "").replace("_", " "),
            line.driver_value,
            line.driver_total,
            line.share,
            line.unit_cost,
            line.amount,
        ]
        for line in lines
    ]
    slug = report.allocation.slug
    return Table(
        caption="Cost allocation, line by line",
        columns=columns,
        rows=rows,
        csv_url=f"/tenants/{slug}/export.csv" + (f"?month={month}" if month else ""),
        empty="No cost was allocated to this tenant in the month.",
    )


def tenant_content(report: TenantPageReport, month: str | None) -> ViewContent:
    explained, health = report.allocation, report.health
    kpis = [
        Kpi(label="Revenue (recognized)", value=explained.recognized_revenue, kind=MONEY),
        Kpi(label="Cost (allocated)", value=explained.total_cost, kind=MONEY),
    ]
    if health is not None:
        kpis += [
            Kpi(label="Profit", value=health.profit, kind=MONEY),
            Kpi(
                label="Gross margin",
                value=health.gross_margin_ratio,
                kind=PERCENT,
                note=health.margin_not_applicable_reason,
            ),
            Kpi(label="Bounce rate", value=health.bounce_rate, kind=PERCENT),
            Kpi(label="Spam complaint rate", value=health.spam_rate, kind=PERCENT),
        ]
    charts = []
    if report.trend:
        labels = [f"{m.month:%Y-%m}" for m in report.trend]
        charts = [
            line_chart(
                title="Revenue, cost and profit by month",
                labels=labels,
                kind=MONEY,
                series=[
                    Series(name="Revenue", values=tuple(m.revenue for m in report.trend)),
                    Series(name="Cost", values=tuple(m.cost for m in report.trend)),
                    Series(name="Profit", values=tuple(m.profit for m in report.trend)),
                ],
            ),
            line_chart(
                title="E-mails sent and delivered by month",
                labels=labels,
                series=[
                    Series(name="Sent", values=tuple(m.emails_sent for m in report.trend)),
                    Series(name="Delivered", values=tuple(m.emails_delivered for m in report.trend)),
                ],
            ),
        ]
    categories = Table(
        caption="Cost by category",
        columns=[Column(label="Category"), Column(label="Amount", kind=MONEY)],
        rows=[[item.category.replace("_", " "), item.amount] for item in explained.categories],
        empty="No cost categories.",
    )
    balance = (
        "The lines add up to the tenant's cost."
        if explained.balanced
        else ("The lines do not add up to the stored cost: refresh the month (`tenantdb bi refresh`).")
    )
    return ViewContent(
        intro=f"{explained.company_name} ({explained.slug}), plan {explained.plan_name or 'none'}: where its cost "
        "comes from, how healthy it is and why, and its last 12 months.",
        kpis=kpis,
        charts=charts,
        tables=[allocation_table(report, month), categories],
        notes=[balance],
    )


def _own(db: RequestDb, frame: PageFrame, slug: str) -> date:
    """A tenant login on a tenant page: its own slug only (another is the same 404 as an unknown one)."""
    if slug != db.principal.tenant_slug or frame.month is None:
        raise HTTPException(404)
    return frame.month


@router.get("/tenants/{slug}")
def tenant(db: Db, slug: Slug, month: Month = None) -> Response:
    frame = page_frame(db, None, month, action=f"/tenants/{slug}")
    if db.principal.scope is Scope.TENANT:
        title, content = own_content(db.session, slug, _own(db, frame, slug))
        text = render(
            "tenant.html",
            content=content,
            notice=None,
            health=None,
            reasons=(),
            own=True,
            **frame.context(title=title, as_of=None),
        )
        return Response(text, media_type="text/html")
    report = _report(db, frame, slug)
    health = report.health
    context = frame.context(title=report.allocation.company_name, as_of=report.scope.refreshed_at)
    text = render(
        "tenant.html",
        content=tenant_content(report, frame.month_value),
        notice=None,
        own=False,
        health=None if health is None else status(health.business_health_status),
        reasons=() if health is None else health.reasons,
        **context,
    )
    return Response(text, media_type="text/html")


@router.get("/tenants/{slug}/export.csv")
def tenant_csv(db: Db, slug: Slug, month: Month = None) -> Response:
    frame = page_frame(db, None, month, action="")
    if db.principal.scope is Scope.TENANT:
        table = own_lines_table(db.session, slug, _own(db, frame, slug))
    else:
        table = allocation_table(_report(db, frame, slug), frame.month_value)
    return csv_response(f"allocation-{slug}-{frame.month_value}", table.columns, table.rows)
