"""``GET /api/v1/executive-summary?month=YYYY-MM``: the portfolio's executive report (tenantdb.bi.reports.executive);
CSV: its tenants."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from tenantdb.bi.reports import ReportOptions
from tenantdb.bi.reports.executive import ExecutiveReport, build
from tenantdb.bi.reports.table import table_rows
from tenantdb.server.api.access import access
from tenantdb.server.api.cached import cached
from tenantdb.server.api.models import document, model_of
from tenantdb.server.api.output import CSV_RESPONSE, Format, output_format, respond
from tenantdb.server.api.params import MONTH_PATTERN, MonthParam, month_label, month_of
from tenantdb.server.request_db import RequestDb

router = APIRouter(tags=["executive"])

ExecutiveSummary = model_of(ExecutiveReport)
__all__ = ["MONTH_PATTERN", "router"]


@router.get(
    "/executive-summary",
    response_model=ExecutiveSummary,
    summary="Executive summary of a month",
    description="The portfolio's month: key metrics, health, alerts, actions and the customers needing attention. "
    "CSV: the customers.",
    responses=CSV_RESPONSE,
)
@cached
def executive_summary(
    request: Request,
    db: Annotated[RequestDb, access("GET", "/executive-summary")],
    fmt: Annotated[Format, Depends(output_format)],
    month: MonthParam = None,
) -> Response:
    report = build(db.session, ReportOptions(month=month_of(month)))
    assert isinstance(report, ExecutiveReport)
    name = f"executive-summary-{month_label(report.scope.month)}"
    return respond(request, fmt, ExecutiveSummary, document(report), table=table_rows(report), filename=name)
