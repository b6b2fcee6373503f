"""Who may call what: the route x scope table of the API, in one place (deny by default).

Operators (executive, analyst, admin) read the portfolio; only admin changes state (actions, decisions). A tenant
token reads its own tenant's months, allocation lines (without the pools' cost and total weight), trend (without
health), business events and the data version: the database grants a tenant role neither the operator's cost model
(allocation unit costs and pool totals, RELIABILITY R27) nor its judgement of the customer (health, metrics,
recommendations, decisions; docs/events.md), which the other tenant routes are made of.
"""

from __future__ import annotations

from typing import Any

from tenantdb.server.request_db import allows
from tenantdb.server.scopes import EVERYONE, OPERATORS, Scope

ADMIN = frozenset({Scope.ADMIN})
TRANSITIONS = ("accept", "done", "dismiss")
VIEWS = ("revenue-health", "cost-center", "efficiency", "decisions", "benchmarks")

# (method, path under /api/v1) -> the scopes allowed; tests/server/test_api_access.py checks it against the router.
ROUTE_SCOPES: dict[tuple[str, str], frozenset[Scope]] = {
    ("GET", "/months"): EVERYONE,
    ("GET", "/executive-summary"): OPERATORS,
    ("GET", "/data-version"): EVERYONE,
    ("GET", "/tenants"): OPERATORS,
    ("GET", "/tenants/{tenant}/summary"): OPERATORS,
    ("GET", "/tenants/{tenant}/allocation"): EVERYONE,  # a tenant: its own lines, without the pools' totals
    ("GET", "/tenants/{tenant}/trend"): EVERYONE,  # a tenant: its own months, without health
    ("GET", "/plans"): OPERATORS,
    ("GET", "/deliverability"): OPERATORS,
    ("GET", "/reconciliation"): OPERATORS,
    **{("GET", f"/views/{view}"): OPERATORS for view in VIEWS},
    ("GET", "/actions"): OPERATORS,
    **{("POST", f"/actions/{{action_id}}/{change}"): ADMIN for change in TRANSITIONS},
    ("GET", "/events"): EVERYONE,
    ("GET", "/decisions"): OPERATORS,
    ("POST", "/decisions"): ADMIN,
    ("POST", "/decisions/{decision_id}/decide"): ADMIN,
}


def access(method: str, path: str) -> Any:
    """The request dependency of the route ``method path`` (``db: Annotated[RequestDb, access("GET", "/plans")]``)."""
    return allows(ROUTE_SCOPES[(method, path)])
