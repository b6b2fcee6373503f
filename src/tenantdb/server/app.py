"""``create_app(settings)``: the FastAPI application of ``tenantdb serve``."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from tenantdb.db.pool import Pool, PoolSettings
from tenantdb.server import errors
from tenantdb.server.api import PREFIX, router
from tenantdb.server.api.models import StrictModel
from tenantdb.server.audit import AuditTrail
from tenantdb.server.body_limit import BodyLimit
from tenantdb.server.cache import ResponseCache
from tenantdb.server.dashboard import cost_actions, tenants, view_routes
from tenantdb.server.dashboard.pages import router as pages
from tenantdb.server.dashboard.rendering import STATIC_DIR
from tenantdb.server.inventory import RouteEntry, route_inventory
from tenantdb.server.ratelimit import RateLimits, TokenBuckets
from tenantdb.server.security_headers import SecurityHeaders
from tenantdb.server.settings import ServerSettings

MAX_BODY = 1024 * 1024  # bytes of a request body; more is 413 before anything parses it
PUBLIC_ROUTES = frozenset({"/healthz", "/login", f"{PREFIX}/openapi.json"})  # reachable without a token


class Health(StrictModel):
    status: str


def create_app(settings: ServerSettings) -> FastAPI:
    """The application; its pool opens with the app's lifespan (without waiting for the database)."""
    pool = Pool(
        settings.dsn,
        PoolSettings(
            min_size=settings.pool_min,
            max_size=settings.pool_max,
            timeout=settings.pool_timeout,
            busy_timeout=settings.pool_busy_timeout,
        ),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        pool.open()
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(
        title="tenantdb",
        version="1",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.pool = pool
    app.state.cache = ResponseCache(max_entries=settings.cache_entries, max_bytes=settings.cache_bytes)
    app.state.limits = RateLimits(
        per_token=TokenBuckets(settings.token_rate, settings.token_burst),
        per_tenant=TokenBuckets(settings.tenant_rate, settings.tenant_burst),
        failed_auth=TokenBuckets(settings.failed_auth_rate, settings.failed_auth_burst),
    )

    @app.get("/healthz", response_model=Health, tags=["health"])
    def healthz() -> Health:
        """Liveness: the process answers (no data, no database)."""
        return Health(status="ok")

    app.include_router(router())
    app.include_router(pages)
    app.include_router(view_routes.router)
    app.include_router(tenants.router)
    app.include_router(cost_actions.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(BodyLimit, max_body=MAX_BODY)  # innermost: its 413 gets the audit and the headers
    errors.install(app)  # its handlers, and the last resort for what they do not answer
    app.add_middleware(AuditTrail)
    app.add_middleware(SecurityHeaders)  # outermost: every response, errors included, gets the headers
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-CSRF-Token"],
            allow_credentials=False,
        )
    return app


SETTINGS_VARIABLE = "TENANTDB_SERVE_SETTINGS"  # how `tenantdb serve` hands its settings to uvicorn's workers


def app_from_environment() -> FastAPI:
    """uvicorn's factory in each worker: the settings `tenantdb serve` resolved, from the environment."""
    return create_app(ServerSettings.from_json(os.environ[SETTINGS_VARIABLE]))


__all__ = ["PUBLIC_ROUTES", "SETTINGS_VARIABLE", "RouteEntry", "app_from_environment", "create_app", "route_inventory"]
