"""``GET /api/v1/executive-summary?month=YYYY-MM``: the portfolio's executive report (tenantdb.bi.reports.executive)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from tenantdb.bi.reports import ReportOptions, parse_month
from tenantdb.bi.reports.executive import ExecutiveReport, build
from tenantdb.server.api.models import document, model_of
from tenantdb.server.request_db import RequestDb, allows
from tenantdb.server.scopes import OPERATORS

router = APIRouter(tags=["executive"])

ExecutiveSummary = model_of(ExecutiveReport)
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


@router.get("/executive-summary", response_model=ExecutiveSummary, summary="Executive summary of a month")
def executive_summary(
    db: Annotated[RequestDb, allows(OPERATORS)],
    month: Annotated[
        str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM; default: the latest complete month")
    ] = None,
) -> Any:
    options = ReportOptions(month=parse_month(month) if month else None)
    report = build(db.session, options)
    assert isinstance(report, ExecutiveReport)
    return document(report)
