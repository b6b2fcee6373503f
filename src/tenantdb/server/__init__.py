"""``tenantdb serve``: the HTTP API (``/api/v1``) and the executive dashboard, over a connection pool.

Every request runs in one transaction (:mod:`tenantdb.server.request_db`): the token is looked up as
``tenantdb_api_auth``, then ``SET LOCAL ROLE`` switches to the role of the token's scope (:mod:`.scopes`:
executive/analyst -> business_analysts, admin -> db_administrators, tenant -> tenant_api with the tenant context)
with a ``statement_timeout``, and the transaction commits before the response is sent.

Adding a route — a module in ``api/`` (one resource), included in ``api/__init__.py``::

    router = APIRouter(tags=["plans"])

    class Plans(StrictModel):                      # response objects forbid extra properties
        plans: list[model_of(PlanProfitability)]   # or a model derived from a report dataclass

    @router.get("/plans", response_model=Plans)
    def plans(
        db: Annotated[RequestDb, access("GET", "/plans")],  # who may call it: its row of api/access.py's table
        month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
    ) -> Any:
        return document(build_plans(db.session, ReportOptions(...)))  # db.session: the request's transaction

That is all: authentication, scope check, rate limits, CSRF for cookie sessions, unknown query parameters
(422), the audit row of a state change, error bodies (422/401/403/429/503/500) and security headers come from the
dependency and the app's handlers. Dashboard pages do the same with ``allows(..., page=True)`` (a missing login
redirects to ``/login``). A route without ``allows`` fails ``tests/server/test_routes.py``.

Modules: ``app`` (create_app), ``settings``, ``scopes``, ``auth`` (credentials, CSRF, origin), ``request_db``,
``errors``, ``security_headers``, ``ratelimit``, ``audit``, ``api/`` (routers and models), ``dashboard/``.
"""
