"""schemathesis 4 in-process over the ASGI app (A1, A6, A10): every operation of the OpenAPI document, positive and
negative data, with an executive token and with a tenant token; checks not_a_server_error,
status_code_conformance, response_schema_conformance (every object closed: additionalProperties false),
negative_data_rejection and ignored_auth (the document declares the bearer scheme, so schemathesis also calls each
operation without the token and with a wrong one). Few examples per operation: the whole run stays short."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tenantdb.db.api_tokens import Scope
from tenantdb.server.app import create_app
from tests.server.attack_world import ROUTES_APP, T1_SLUG
from tests.server.conftest import BASE, ServerWorld

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, negative_data_rejection,
          ignored_auth]  # fmt: skip
EXAMPLES = 25  # per operation and mode
ROOMY = {"token_burst": 100_000, "tenant_burst": 100_000, "failed_auth_burst": 100_000}


def test_the_document_declares_bearer_auth_on_every_protected_operation() -> None:
    """Without a declared scheme ignored_auth checks nothing; public operations declare none."""
    document = ROUTES_APP.openapi()
    schemes = document["components"]["securitySchemes"]
    assert [scheme["scheme"].lower() for scheme in schemes.values()] == ["bearer"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            public = path in {"/healthz", "/api/v1/openapi.json"}
            assert bool(operation.get("security")) != public, (method, path)


def test_every_api_operation_documents_the_error_answers() -> None:
    """schemathesis' status_code_conformance holds each answer to the documented codes."""
    for path, item in ROUTES_APP.openapi()["paths"].items():
        if path.startswith("/api/v1/") and path != "/api/v1/openapi.json":
            for operation in item.values():
                assert {"400", "401", "403", "422", "429", "500", "503"} <= set(operation["responses"]), path


@pytest.fixture(scope="module")
def served(server_world: ServerWorld) -> Iterator[Any]:
    app = create_app(server_world.settings(**ROOMY))
    with TestClient(app, base_url=BASE):  # the lifespan opens the pool
        yield app


def without_lifespan(app: Any) -> Any:
    """schemathesis opens a TestClient (the app's lifespan) per call, which would close the pool after the first;
    the module's own TestClient keeps the lifespan, this answers schemathesis' lifespan messages itself."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return

    return wrapped


@pytest.fixture(scope="module")
def api_schema(served: Any) -> Any:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", without_lifespan(served))


@pytest.fixture(scope="module")
def callers(server_world: ServerWorld) -> dict[str, str]:
    return {"executive": server_world.token(Scope.EXECUTIVE), "tenant": server_world.token(Scope.TENANT, T1_SLUG)}


PATHS = ROUTES_APP.openapi()["paths"]
CASES = [  # negative data only where there is something to negate (Hypothesis finds nothing to generate otherwise)
    (path, method, mode)
    for path, item in PATHS.items()
    for method, operation in item.items()
    for mode in GenerationMode
    if mode is GenerationMode.POSITIVE or operation.get("parameters") or operation.get("requestBody")
]


# schemathesis 4's negative-data strategies call the `random` module, which Hypothesis deprecates with a warning
# that our `filterwarnings = error` turns into a flaky failure of the strategy itself (seen in CI on GET
# /api/v1/tenants, not reproducible on a rerun): it is the tool's internals, not a finding about the server
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
@pytest.mark.parametrize(("path", "method", "mode"), CASES, ids=[f"{m.upper()} {p} {g}" for p, m, g in CASES])
def test_schemathesis_as_an_executive_and_as_a_tenant(
    api_schema: Any, callers: dict[str, str], path: str, method: str, mode: GenerationMode
) -> None:
    operation = api_schema[path][method.upper()]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        negative = mode is GenerationMode.NEGATIVE
        if negative and (
            "Authorization" not in (case.headers or {}) or case.meta.is_negative_at(ParameterLocation.HEADER)
        ):
            # the negation schemathesis chose is the bearer token itself (missing, or a header of the wrong form):
            # ours would undo it, and with the query's negation lost on the wire (a value the URL cannot carry) the
            # valid request "accepts negative data" with a 200 (seen in CI on GET /api/v1/views/revenue-health);
            # sent as generated, the answer must be the 401
            case.call_and_validate(checks=CHECKS)
            return
        for token in callers.values():
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    run()
