"""The router is the inventory (A1, A5, A10, A13): every route declares its scopes, OpenAPI lists exactly the
routes, and every object in it forbids extra properties."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute

from tenantdb.server.app import PUBLIC_ROUTES, create_app, route_inventory
from tenantdb.server.settings import ServerSettings

APP = create_app(ServerSettings(dsn="postgresql://127.0.0.1:1/none"))


def declared_scopes(route: APIRoute) -> frozenset[Any] | None:
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        scopes = getattr(dependant.call, "scopes", None)
        if scopes is not None:
            return frozenset(scopes)
        pending.extend(dependant.dependencies)
    return None


def test_every_route_but_the_public_ones_declares_its_scopes() -> None:
    routes = route_inventory(APP)
    assert {"/api/v1/months", "/api/v1/executive-summary", "/", "/logout"} <= {entry.path for entry in routes}
    public = {entry.path for entry in routes if declared_scopes(entry.route) is None}
    assert public <= PUBLIC_ROUTES


def test_a_route_without_a_declaration_is_caught() -> None:
    app = create_app(ServerSettings(dsn="postgresql://127.0.0.1:1/none"))

    @app.get("/api/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    entry = next(entry for entry in route_inventory(app) if entry.path == "/api/v1/forgotten")
    assert declared_scopes(entry.route) is None
    assert entry.path not in PUBLIC_ROUTES  # so the test above would fail for it


def test_openapi_lists_exactly_the_api_routes() -> None:
    schema = APP.openapi()
    documented = {(path, method.upper()) for path, item in schema["paths"].items() for method in item}
    served = [entry for entry in route_inventory(APP) if entry.route.include_in_schema]
    routed = {(entry.path, method) for entry in served for method in entry.methods}
    assert documented == routed
    assert {"/api/v1/months", "/api/v1/executive-summary", "/healthz"} <= {path for path, _ in documented}


def test_every_object_of_the_openapi_schema_forbids_extra_properties() -> None:
    schemas = APP.openapi()["components"]["schemas"]
    open_objects = [
        name
        for name, schema in schemas.items()
        if schema.get("type") == "object"
        and schema.get("additionalProperties") is not False
        and name not in {"HTTPValidationError", "ValidationError"}
    ]
    assert open_objects == []
