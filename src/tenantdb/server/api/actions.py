# Routes made in a loop: their annotations name closure variables, so they are evaluated at definition (no
# `from __future__ import annotations`).
"""Cost-optimization actions: ``GET /api/v1/actions`` (filters) and ``POST /api/v1/actions/{id}/accept|done|dismiss``
(admin only), the same lifecycle functions as ``tenantdb actions`` (:mod:`tenantdb.bi.emit.lifecycle`): each
transition and its event in the request's transaction, after the month's refresh lock; an audit row per call.

Repeating a transition that already happened answers ``200`` with ``changed: false`` (and emits nothing); an unknown
id is ``404``; a transition the status does not allow is ``409``."""

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, Response
from pydantic import Field

from tenantdb.bi.emit import Optimization, OptimizationStatus, Transition, list_optimizations, transition
from tenantdb.bi.refresh import lock_month
from tenantdb.errors import ConfigError
from tenantdb.server.api.access import TRANSITIONS, access
from tenantdb.server.api.models import StrictModel, document, model_of
from tenantdb.server.api.output import CSV_RESPONSE, Format, output_format, respond
from tenantdb.server.api.params import DEFAULT_LIMIT, NOTE_PATTERN, LimitParam, MonthParam, month_of
from tenantdb.server.api.tenants import resolve
from tenantdb.server.request_db import RequestDb

router = APIRouter(tags=["actions"])

ActionModel = model_of(Optimization)


class ActionKind(StrEnum):
    REPRICE_UNPROFITABLE_TENANT = "reprice_unprofitable_tenant"
    RAISE_MARGIN_TO_TARGET = "raise_margin_to_target"
    FIX_DELIVERABILITY = "fix_deliverability"
    DOWNSIZE_IDLE_DEDICATED = "downsize_idle_dedicated"
    CONSOLIDATE_IDLE_POOL = "consolidate_idle_pool"
    REVIEW_INVOICE_DRIFT = "review_invoice_drift"


class Actions(StrictModel):
    total: int
    actions: list[ActionModel]  # type: ignore[valid-type]


class TransitionRequest(StrictModel):
    note: str | None = Field(default=None, max_length=2000, pattern=NOTE_PATTERN)


class TransitionResult(StrictModel):
    action: ActionModel  # type: ignore[valid-type]
    changed: bool
    resolved_impacts: int


@router.get(
    "/actions",
    response_model=Actions,
    summary="Cost-optimization actions",
    description="The actions the refresh recommended and what became of them (newest month, largest expected "
    "savings first), filtered by `status`, `kind`, `tenant` (slug or id) and `month`; the first `limit`. CSV: the "
    "actions.",
    responses=CSV_RESPONSE,
)
def list_actions(
    request: Request,
    db: Annotated[RequestDb, access("GET", "/actions")],
    fmt: Annotated[Format, Depends(output_format)],
    status: Annotated[OptimizationStatus | None, Query(description="recommended, accepted, done, dismissed")] = None,
    kind: Annotated[ActionKind | None, Query(description="the kind of action")] = None,
    tenant: Annotated[
        str | None, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$", description="slug or id")
    ] = None,
    month: MonthParam = None,
    limit: LimitParam = DEFAULT_LIMIT,
) -> Response:
    tenant_id = None if tenant is None else resolve(db, tenant)[0]
    found = list_optimizations(db.session, month=month_of(month), status=status, tenant_id=tenant_id)
    if kind is not None:
        found = tuple(item for item in found if item.kind == kind.value)
    shown = found[:limit]
    header = list(ActionModel.model_fields)
    table = (header, [[getattr(item, name) for name in header] for item in shown])
    body = {"total": len(found), "actions": [document(item) for item in shown]}
    return respond(request, fmt, Actions, body, table=table, filename=f"actions-{month or 'all'}")


def _current(db: RequestDb, action_id: UUID) -> Optimization:
    found = list_optimizations(db.session, optimization_id=action_id)
    if not found:
        raise HTTPException(404)
    return found[0]


def _transition_route(change: Transition) -> Callable[..., Any]:
    dependency = access("POST", f"/actions/{{action_id}}/{change.value}")

    def apply(
        action_id: UUID,
        db: Annotated[RequestDb, dependency],
        body: Annotated[TransitionRequest | None, Body()] = None,
    ) -> TransitionResult:
        current = _current(db, action_id)
        if current.status is change.target:
            return TransitionResult(action=document(current), changed=False, resolved_impacts=0)
        if current.status not in change.allowed_from:
            raise HTTPException(409)
        lock_month(db.session, current.month)
        try:
            done = transition(db.session, str(action_id), change, note=None if body is None else body.note)
        except ConfigError:  # changed meanwhile into a status the transition does not start from
            raise HTTPException(409) from None
        return TransitionResult(
            action=document(done.optimization), changed=True, resolved_impacts=done.resolved_impacts
        )

    return apply


_SUMMARIES = {
    Transition.ACCEPT: "Accept a recommended action",
    Transition.DONE: "Mark an action done",
    Transition.DISMISS: "Dismiss an action",
}
for _change in (Transition(name) for name in TRANSITIONS):
    router.add_api_route(
        f"/actions/{{action_id}}/{_change.value}",
        _transition_route(_change),
        methods=["POST"],
        response_model=TransitionResult,
        summary=_SUMMARIES[_change],
        description=f"Moves the action to {_change.target.value} (from "
        f"{' or '.join(s.value for s in _change.allowed_from)}) and emits its cost_optimization event; body: an "
        "optional `note`. Admin only; audited. Repeated: 200 with `changed: false`. Unknown id: 404. Not allowed "
        "from its status: 409.",
        responses={404: {"description": "no such action"}, 409: {"description": "not allowed from its status"}},
        name=f"action_{_change.value}",
    )
