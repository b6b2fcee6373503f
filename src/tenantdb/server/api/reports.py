# Routes made in a loop: their annotations name closure variables, so they are evaluated at definition (no
# `from __future__ import annotations`).
"""The month's reports as JSON or CSV: plans, deliverability, reconciliation and the dashboard's five views
(``/views/revenue-health``, ``/cost-center``, ``/efficiency``, ``/decisions``, ``/benchmarks``), each the report
model of :mod:`tenantdb.bi.reports` (docs/business-metrics.md) with the database name left out.

The views' lists are keyset-paginated (``limit``, ``cursor``; the next page in ``Link: <…>; rel="next"``): the cursor
is the last row's id, as the report models take it (``ReportOptions.after``)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from tenantdb.bi.reports import REPORTS, ReportOptions
from tenantdb.bi.reports.benchmarks import BenchmarksReport
from tenantdb.bi.reports.cost_center import CostCenterReport
from tenantdb.bi.reports.decisions import DecisionsReport
from tenantdb.bi.reports.deliverability import DeliverabilityReport
from tenantdb.bi.reports.efficiency import EfficiencyReport
from tenantdb.bi.reports.plans import PlansReport
from tenantdb.bi.reports.reconciliation import ReconciliationReport
from tenantdb.bi.reports.revenue_health import RevenueHealthReport
from tenantdb.bi.reports.table import table_rows
from tenantdb.server.api import cursor as cursors
from tenantdb.server.api.access import access
from tenantdb.server.api.cached import cached
from tenantdb.server.api.models import document, model_of
from tenantdb.server.api.output import CSV_RESPONSE, Format, next_link, output_format, respond
from tenantdb.server.api.params import DEFAULT_LIMIT, CursorParam, LimitParam, MonthParam, month_label, month_of
from tenantdb.server.request_db import RequestDb

router = APIRouter()


@dataclass(frozen=True, slots=True)
class Report:
    """A report route: its path, report name (:data:`REPORTS`), model, and for a paged view its list and key."""

    path: str
    name: str
    model: type
    summary: str
    description: str
    tag: str
    paged: tuple[str, str] | None = None  # (the list's attribute, its rows' id attribute)


ROUTES = (
    Report("/plans", "plans", PlansReport, "Plan profitability", "Revenue, cost and margin per plan.", "plans"),
    Report(
        "/deliverability", "deliverability", DeliverabilityReport, "Deliverability and revenue at risk",
        "Each customer's bounce and complaint rates against the providers' limits.", "deliverability",
    ),
    Report(
        "/reconciliation", "reconciliation", ReconciliationReport, "Modeled cost against invoices",
        "Per provider: invoiced minus modeled = rate drift + quantity drift + unmatched.", "reconciliation",
    ),
    Report(
        "/views/revenue-health", "revenue-health", RevenueHealthReport, "Revenue Health Monitor",
        "Deliverability and revenue at risk, per customer (keyset: revenue at risk, largest first).", "views",
        ("tenants", "tenant_id"),
    ),
    Report(
        "/views/cost-center", "cost-center", CostCenterReport, "Cost Optimization Center",
        "Savings identified, taken and realized; the open actions (largest expected savings first).", "views",
        ("open_actions", "optimization_id"),
    ),
    Report(
        "/views/efficiency", "efficiency", EfficiencyReport, "Operational Efficiency",
        "Utilization, idle capacity and cost per 1,000 e-mails (most expensive customers first).", "views",
        ("tenants", "tenant_id"),
    ),
    Report(
        "/views/decisions", "decisions", DecisionsReport, "Strategic Decision Tracker",
        "Decisions opened and decided, velocity and outcomes; the month's decisions (newest first).", "views",
        ("decisions", "decision_id"),
    ),
    Report(
        "/views/benchmarks", "benchmarks", BenchmarksReport, "Benchmarks",
        "Each customer against the providers' limits and the other customers' distribution.", "views",
        ("tenants", "tenant_id"),
    ),
)  # fmt: skip


def _page_cursor(report: Report, built: Any, limit: int) -> str | None:
    assert report.paged is not None
    rows = getattr(built, report.paged[0])
    if len(rows) < limit:
        return None
    return cursors.encode(report.name, after=str(getattr(rows[-1], report.paged[1])))


def _route(report: Report) -> Callable[..., Awaitable[Response]]:
    model = model_of(report.model)
    db_dependency = access("GET", report.path)

    if report.paged is None:

        def plain(
            request: Request,
            db: Annotated[RequestDb, db_dependency],
            fmt: Annotated[Format, Depends(output_format)],
            month: MonthParam = None,
        ) -> Response:
            built = REPORTS[report.name](db.session, ReportOptions(month=month_of(month)))
            name = f"{report.name}-{month_label(built.scope.month)}"
            return respond(request, fmt, model, document(built), table=table_rows(built), filename=name)

        return cached(plain)

    def paged(
        request: Request,
        db: Annotated[RequestDb, db_dependency],
        fmt: Annotated[Format, Depends(output_format)],
        month: MonthParam = None,
        limit: LimitParam = DEFAULT_LIMIT,
        cursor: CursorParam = None,
    ) -> Response:
        after = None if cursor is None else cursors.as_uuid(cursors.decode(report.name, cursor, "after")["after"])
        options = ReportOptions(month=month_of(month), limit=limit, after=after)
        built = REPORTS[report.name](db.session, options)
        name = f"{report.name}-{month_label(built.scope.month)}"
        following = next_link(request, _page_cursor(report, built, limit))
        return respond(request, fmt, model, document(built), table=table_rows(built), filename=name, next_url=following)

    return cached(paged)


for _report in ROUTES:
    router.add_api_route(
        _report.path,
        _route(_report),
        methods=["GET"],
        response_model=model_of(_report.model),
        summary=_report.summary,
        description=_report.description + " `?format=csv` (or `Accept: text/csv`) downloads the main table.",
        tags=[_report.tag],
        responses=CSV_RESPONSE,
        name=_report.name,
    )
