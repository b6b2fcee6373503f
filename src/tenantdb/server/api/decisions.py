"""Strategic decisions: ``GET /api/v1/decisions``, ``POST /api/v1/decisions`` (open one) and
``POST /api/v1/decisions/{id}/decide`` (admin only), the same recording functions as ``tenantdb decisions``
(:mod:`tenantdb.events.records`): each change and its strategic_decision event in the request's transaction.

Deciding again with the same outcome answers ``200`` with ``changed: false``; with another outcome ``409``; an
unknown id ``404``."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import Field

from tenantdb.errors import DatabaseError
from tenantdb.events.records import Decision, DecisionCategory, DecisionOutcome, decide, list_decisions, open_decision
from tenantdb.server.api.access import access
from tenantdb.server.api.models import StrictModel, document, model_of
from tenantdb.server.api.output import CSV_RESPONSE, Format, output_format, respond
from tenantdb.server.api.params import DEFAULT_LIMIT, NOTE_PATTERN, TEXT_PATTERN, LimitParam
from tenantdb.server.api.tenants import resolve
from tenantdb.server.request_db import RequestDb

router = APIRouter(tags=["decisions"])

DecisionModel = model_of(Decision)
BAD_VALUE, NOT_FOUND, ALREADY = "22023", "P0002", "55000"


class Decisions(StrictModel):
    total: int
    decisions: list[DecisionModel]  # type: ignore[valid-type]


class OpenRequest(StrictModel):
    title: str = Field(min_length=1, max_length=200, pattern=TEXT_PATTERN)
    category: DecisionCategory
    tenant: str | None = Field(default=None, min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")
    expected_value: Decimal | None = Field(default=None, allow_inf_nan=False, max_digits=14, decimal_places=2)


class DecideRequest(StrictModel):
    outcome: DecisionOutcome
    note: str | None = Field(default=None, max_length=2000, pattern=NOTE_PATTERN)


class DecideResult(StrictModel):
    decision: DecisionModel  # type: ignore[valid-type]
    changed: bool


@router.get(
    "/decisions",
    response_model=Decisions,
    summary="Strategic decisions",
    description="Newest first, with how long each took to decide; `open=true`: only the undecided ones; the first "
    "`limit`. CSV: the decisions.",
    responses=CSV_RESPONSE,
)
def decisions(
    request: Request,
    db: Annotated[RequestDb, access("GET", "/decisions")],
    fmt: Annotated[Format, Depends(output_format)],
    open: Annotated[bool, Query(description="only the decisions not decided yet")] = False,
    limit: LimitParam = DEFAULT_LIMIT,
) -> Response:
    found = list_decisions(db.session, open_only=open)
    shown = found[:limit]
    header = list(DecisionModel.model_fields)
    table = (header, [[getattr(item, name) for name in header] for item in shown])
    body = {"total": len(found), "decisions": [document(item) for item in shown]}
    return respond(request, fmt, Decisions, body, table=table, filename="decisions")


def _refused(error: DatabaseError) -> HTTPException:
    if error.sqlstate == NOT_FOUND:
        return HTTPException(404)
    if error.sqlstate == ALREADY:
        return HTTPException(409)
    if error.sqlstate == BAD_VALUE:
        return HTTPException(422, detail=[{"location": "body", "message": error.message}])
    raise error


@router.post(
    "/decisions",
    response_model=DecisionModel,
    status_code=201,
    summary="Open a strategic decision",
    description="Opens it now (about a `tenant`, slug or id, or company-wide) and emits its strategic_decision event "
    "(stage opened). Admin only; audited.",
)
def open_one(db: Annotated[RequestDb, access("POST", "/decisions")], body: OpenRequest) -> Decision:
    tenant_id = None if body.tenant is None else resolve(db, body.tenant)[0]
    try:
        decision_id = open_decision(
            db.session,
            title=body.title,
            category=body.category,
            tenant_id=tenant_id,
            expected_value=body.expected_value,
        )
    except DatabaseError as error:
        raise _refused(error) from None
    return document(next(d for d in list_decisions(db.session) if d.decision_id == decision_id))  # type: ignore[no-any-return]


@router.post(
    "/decisions/{decision_id}/decide",
    response_model=DecideResult,
    summary="Decide a strategic decision",
    description="Decides an open decision now (approved, rejected or deferred; an optional note) and emits its "
    "strategic_decision event (stage decided). Admin only; audited. The same outcome again: 200 with `changed: "
    "false`; another outcome: 409; unknown id: 404.",
    responses={404: {"description": "no such decision"}, 409: {"description": "decided otherwise before"}},
)
def decide_one(
    decision_id: UUID, db: Annotated[RequestDb, access("POST", "/decisions/{decision_id}/decide")], body: DecideRequest
) -> DecideResult:
    before = [d for d in list_decisions(db.session) if d.decision_id == decision_id]
    if not before:
        raise HTTPException(404)
    if before[0].outcome is not None:
        if before[0].outcome is body.outcome:
            return DecideResult(decision=document(before[0]), changed=False)
        raise HTTPException(409)
    try:
        decided = decide(db.session, decision_id=decision_id, outcome=body.outcome, note=body.note)
    except DatabaseError as error:
        raise _refused(error) from None
    return DecideResult(decision=document(decided), changed=True)
