"""The portfolio views' routes: ``/`` (overview), ``/revenue``, ``/costs``, ``/efficiency``, ``/decisions``,
``/benchmarks``, each with ``?month=YYYY-MM`` (default: the latest complete month) and, for its main table,
``…/export.csv`` (the same rows, up to the models' maximum list length). Operator scopes only: a tenant login is
sent to its own tenant page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse, Response

from tenantdb.bi.reports import benchmarks, cost_center, decisions, efficiency, executive, portfolio_trend
from tenantdb.bi.reports import revenue_health as revenue_report
from tenantdb.bi.reports.common import MAX_LIMIT
from tenantdb.server.dashboard import views
from tenantdb.server.dashboard.components import View
from tenantdb.server.dashboard.cost_actions import Notice, choices
from tenantdb.server.dashboard.exports import csv_response
from tenantdb.server.dashboard.frame import MONTH_PATTERN, PageFrame, page_frame
from tenantdb.server.dashboard.rendering import render
from tenantdb.server.dashboard.sections import Table, ViewContent
from tenantdb.server.request_db import RequestDb, allows
from tenantdb.server.scopes import EVERYONE, Scope

router = APIRouter(include_in_schema=False)

Month = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM; default: latest complete month")]
Db = Annotated[RequestDb, allows(EVERYONE, page=True)]

TITLES = {
    View.OVERVIEW: "Executive overview",
    View.REVENUE_HEALTH: "Revenue Health Monitor",
    View.COST_OPTIMIZATION: "Cost Optimization Center",
    View.EFFICIENCY: "Operational Efficiency",
    View.DECISIONS: "Strategic Decision Tracker",
    View.BENCHMARKS: "Benchmarks",
}


def own_page(db: RequestDb) -> Response | None:
    """A tenant login's answer to a portfolio page: its own tenant page."""
    if db.principal.scope is Scope.TENANT:
        return RedirectResponse(f"/tenants/{db.principal.tenant_slug}", status_code=303)
    return None


def show(
    frame: PageFrame, view: View, content: ViewContent, report: Any, keep: dict[str, str] | None = None, **extra: Any
) -> Response:
    context = frame.context(title=TITLES[view], as_of=report.scope.refreshed_at, keep=keep)
    template = extra.pop("template", "view.html")
    extra.setdefault("notice", None)
    return Response(render(template, content=content, **context, **extra), media_type="text/html")


def export(name: str, table: Table) -> Response:
    return csv_response(name, table.columns, table.rows)


@router.get("/")
def overview(db: Db, month: Month = None) -> Response:
    if (elsewhere := own_page(db)) is not None:
        return elsewhere
    frame = page_frame(db, View.OVERVIEW, month, action="/")
    report = executive.build(db.session, frame.options)
    assert isinstance(report, executive.ExecutiveReport)  # no tenant in the options: the portfolio's report
    trend = portfolio_trend.build(db.session, frame.options)
    return show(frame, View.OVERVIEW, views.overview(report, trend.months, frame.month_value), report)


@router.get("/export.csv")
def overview_csv(db: Db, month: Month = None) -> Response:
    if (elsewhere := own_page(db)) is not None:
        return elsewhere
    frame = page_frame(db, View.OVERVIEW, month, action="")
    report = executive.build(db.session, frame.options)
    assert isinstance(report, executive.ExecutiveReport)
    return export(f"tenants-needing-attention-{frame.month_value}", views.attention_table(report, frame.month_value))


@router.get("/revenue")
def revenue(db: Db, month: Month = None) -> Response:
    if (elsewhere := own_page(db)) is not None:
        return elsewhere
    frame = page_frame(db, View.REVENUE_HEALTH, month, action="/revenue")
    report = revenue_report.build(db.session, frame.options)
    return show(frame, View.REVENUE_HEALTH, views.revenue(report, frame.month_value), report)


@router.get("/revenue/export.csv")
def revenue_csv(db: Db, month: Month = None) -> Response:
    if (elsewhere := own_page(db)) is not None:
        return elsewhere
    frame = page_frame(db, View.REVENUE_HEALTH, month, action="").with_options(limit=MAX_LIMIT)
    report = revenue_report.build(db.session, frame.options)
    return export(f"revenue-health-{frame.month_value}", views.revenue_table(report, frame.month_value))


@router.get("/costs")
def costs(db: Db, month: Month = None, notice: Annotated[Notice | None, Query()] = None) -> Response:
    if (elsewhere := own_page(db)) is not None:
        return elsewhere
    frame = page_frame(db, View.COST_OPTIMIZATION, month, action="/costs")
    report = cost_center.build(db.session, frame.options)
    forms = []
    if db.principal.scope is Scope.ADMIN:
        forms = [(action, choices(action.status)) for action in report.open_actions if choices(action.status)]
    content = views.costs(report, frame.month_value)
    return show(
        frame,
        View.COST_OPTIMIZATION,
        content,
        report,
        template="costs.html",
        forms=forms,
        notice=None if notice is None else notice.text,
    )


@router.get("/costs/export.csv")
def costs_csv(db: Db, month: Month = None) -> Response:
    if (elsewhere := own_page(db)) is not None:
        return elsewhere
    frame = page_frame(db, View.COST_OPTIMIZATION, month, action="").with_options(limit=MAX_LIMIT)
    report = cost_center.build(db.session, frame.options)
    return export(f"open-actions-{frame.month_value}", views.actions_table(report, frame.month_value))


@router.get("/efficiency")
def efficiency_page(db: Db, month: Month = None) -> Response:
    if (elsewhere := own_page(db)) is not None:
        return elsewhere
    frame = page_frame(db, View.EFFICIENCY, month, action="/efficiency")
    report = efficiency.build(db.session, frame.options)
    return show(frame, View.EFFICIENCY, views.efficiency(report, frame.month_value), report)


@router.get("/efficiency/export.csv")
def efficiency_csv(db: Db, month: Month = None) -> Response:
    if (elsewhere := own_page(db)) is not None:
        return elsewhere
    frame = page_frame(db, View.EFFICIENCY, month, action="").with_options(limit=MAX_LIMIT)
    report = efficiency.build(db.session, frame.options)
    return export(f"efficiency-{frame.month_value}", views.efficiency_table(report, frame.month_value))


@router.get("/decisions")
def decisions_page(db: Db, month: Month = None) -> Response:
    if (elsewhere := own_page(db)) is not None:
        return elsewhere
    frame = page_frame(db, View.DECISIONS, month, action="/decisions")
    report = decisions.build(db.session, frame.options)
    return show(frame, View.DECISIONS, views.decisions(report, frame.month_value), report)


@router.get("/decisions/export.csv")
def decisions_csv(db: Db, month: Month = None) -> Response:
    if (elsewhere := own_page(db)) is not None:
        return elsewhere
    frame = page_frame(db, View.DECISIONS, month, action="").with_options(limit=MAX_LIMIT)
    report = decisions.build(db.session, frame.options)
    return export(f"decisions-{frame.month_value}", views.decisions_table(report, frame.month_value))


@router.get("/benchmarks")
def benchmarks_page(
    db: Db,
    month: Month = None,
    tenant: Annotated[str | None, Query(max_length=200, description="a tenant's slug to mark")] = None,
) -> Response:
    if (elsewhere := own_page(db)) is not None:
        return elsewhere
    frame = page_frame(db, View.BENCHMARKS, month, action="/benchmarks")
    report = benchmarks.build(db.session, frame.options)
    chosen = next((row for row in report.tenants if row.slug == tenant), None)
    content = views.benchmarks(report, frame.month_value, chosen)
    choices = [(row.slug, row.company_name) for row in report.tenants]
    keep = {"tenant": tenant or ""}
    return show(
        frame, View.BENCHMARKS, content, report, keep, template="benchmarks.html", choices=choices, chosen=tenant or ""
    )


@router.get("/benchmarks/export.csv")
def benchmarks_csv(db: Db, month: Month = None) -> Response:
    if (elsewhere := own_page(db)) is not None:
        return elsewhere
    frame = page_frame(db, View.BENCHMARKS, month, action="").with_options(limit=MAX_LIMIT)
    report = benchmarks.build(db.session, frame.options)
    return export(f"benchmarks-{frame.month_value}", views.benchmarks_table(report, frame.month_value))
