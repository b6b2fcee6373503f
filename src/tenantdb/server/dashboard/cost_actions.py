"""``POST /costs/actions/{id}``: the admin scope marks an open cost-optimization action accepted, done or dismissed
from the Cost Optimization Center (a form with the session's CSRF token, checked with the origin by the
dependency), through the same lifecycle function as ``tenantdb actions`` and the API (the transition and its event
in the request's transaction, after the month's refresh lock; audited as every state change), then back to the
page with a notice. Repeating a transition changes nothing; one the action's status does not allow is refused."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Form, HTTPException
from fastapi.responses import RedirectResponse, Response

from tenantdb.bi.emit import OptimizationStatus, Transition, list_optimizations, transition
from tenantdb.bi.refresh import lock_month
from tenantdb.errors import ConfigError
from tenantdb.server.dashboard.frame import MONTH_PATTERN
from tenantdb.server.request_db import RequestDb, allows
from tenantdb.server.scopes import Scope

router = APIRouter(include_in_schema=False)


class Notice(StrEnum):
    """What the costs page says after a form was posted."""

    ACCEPTED = "accepted"
    DONE = "done"
    DISMISSED = "dismissed"
    UNCHANGED = "unchanged"
    NOT_ALLOWED = "not_allowed"

    @property
    def text(self) -> str:
        if self is Notice.UNCHANGED:
            return "The action already had that status; nothing changed."
        if self is Notice.NOT_ALLOWED:
            return "That action is already done or dismissed; nothing changed."
        return f"The action was marked {self.value}."


def choices(status: str) -> tuple[Transition, ...]:
    """The transitions an action of ``status`` offers."""
    return tuple(change for change in Transition if OptimizationStatus(status) in change.allowed_from)


@router.post("/costs/actions/{action_id}")
def mark_action(
    action_id: UUID,
    db: Annotated[RequestDb, allows(Scope.ADMIN, page=True)],
    change: Annotated[Transition, Form()],
    month: Annotated[str | None, Form(pattern=MONTH_PATTERN)] = None,
) -> Response:
    found = list_optimizations(db.session, optimization_id=action_id)
    if not found:
        raise HTTPException(404)
    current = found[0]
    if current.status is change.target:
        notice = Notice.UNCHANGED
    elif current.status not in change.allowed_from:
        notice = Notice.NOT_ALLOWED
    else:
        lock_month(db.session, current.month)
        try:
            transition(db.session, str(action_id), change)
            notice = Notice(change.target.value)
        except ConfigError:  # changed meanwhile into a status the transition does not start from
            notice = Notice.NOT_ALLOWED
    back = f"month={month}&" if month else ""
    return RedirectResponse(f"/costs?{back}notice={notice.value}", status_code=303)
