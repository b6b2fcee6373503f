"""The API attack matrix A1-A14 of RELIABILITY.md section 4, one test (or several) per row, over every route the
app's router serves (``attack_world.ROUTES``): a route added later is attacked without touching this file.

Public allow-list (A1): ``/healthz``, ``/login`` and ``/api/v1/openapi.json`` (``PUBLIC_ROUTES``; the OpenAPI
document describes the API's shape, which is no secret, and holds no data) plus the ``/static/`` assets. Every
other route answers 401 without a valid token; dashboard pages answer the same request with a 303 to ``/login``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import statistics
import time
import typing
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from httpx import Response
from pydantic import BaseModel

from tenantdb.db import connect
from tenantdb.db.api_tokens import TOKEN_PREFIX, Scope, revoke_token
from tenantdb.server.api.models import StrictModel
from tenantdb.server.app import create_app
from tenantdb.server.dashboard.rendering import STATIC_DIR
from tenantdb.server.request_db import RequestDb, allows
from tenantdb.server.scopes import EVERYONE
from tenantdb.server.security_headers import HEADERS
from tenantdb.server.settings import ServerSettings
from tests import recipes
from tests.bi.report_data import DATASET
from tests.database_cache import DatabaseCache
from tests.server.attack_corpus import FORMULA_NAMES, FORMULA_STARTS, INTERNAL_FIELDS, SQL, TENANT_OVERRIDES
from tests.server.attack_world import (
    BODY_METHODS,
    ROUTES,
    T2_ID,
    T2_SLUG,
    Caller,
    Route,
    caller_scope,
    foreign_values,
    leaks,
    make_tokens,
    missing_value,
    server_log,
    syntax_errors,
)
from tests.server.conftest import BASE, ServerWorld, bearer

UNAUTHORIZED = {"error": "a valid API token is required"}
FOREIGN_ORIGIN = "https://evil.example"
ROOMY = {"token_burst": 100_000, "tenant_burst": 100_000, "failed_auth_burst": 100_000}


def ids(routes: list[Route]) -> list[str]:
    return [route.id for route in routes]


PROTECTED = [route for route in ROUTES if not route.public]
API = [route for route in ROUTES if not route.page]
API_GETS = [route for route in API if route.method == "GET" and not route.public]
WITH_PATH_PARAMS = [route for route in PROTECTED if route.path_params]
TENANT_ROUTES = [route for route in PROTECTED if Scope.TENANT in (route.scopes or ())]
JSON_BODY_ROUTES = [route for route in API if route.method in BODY_METHODS and route.api.body_field is not None]


# ------------------------------------------------------------------------------------------------ the world


@pytest.fixture(scope="module")
def world(database_cache: DatabaseCache) -> Iterator[ServerWorld]:
    """A database of its own: every module, the report dataset, and tenants whose names are spreadsheet formulas
    (A14), so the shared server database of the other tests keeps its hand-computed figures."""
    for built in database_cache.copy(recipes.modules_applied()):
        with connect(built.dsn) as session:
            with session.transaction():  # a tenant with data in every export is named like a formula (=HYPERLINK)
                named = DATASET.replace("'Gamma Tiny'", "'" + FORMULA_NAMES[0] + "'")
                session.run_script(named.replace("'Alpha Mail'", "E'\\r=1+1'"))  # and one starts with a CR
            for number, name in enumerate(FORMULA_NAMES):
                session.execute(
                    "INSERT INTO companies (id, name, slug) VALUES (%s, %s, %s)",
                    (f"00000000-0000-4000-8000-0000000001{number:02d}", name, f"formula-{number}"),
                )
        yield ServerWorld(dsn=built.dsn)


@pytest.fixture(scope="module")
def tokens(world: ServerWorld) -> dict[Caller, str]:
    return make_tokens(world.dsn)


@pytest.fixture(scope="module")
def client(world: ServerWorld) -> Iterator[TestClient]:
    """The app with rate limits out of the way (A8/A9 build their own)."""
    app = create_app(world.settings(**ROOMY))
    with TestClient(app, base_url=BASE, raise_server_exceptions=False, follow_redirects=False) as opened:
        yield opened


def call(
    client: TestClient, route: Route, path: str | None = None, *, headers: dict[str, str] | None = None, **kw: Any
) -> Response:
    if route.method in BODY_METHODS and "json" not in kw and "data" not in kw and "content" not in kw:
        kw["json"] = {}
    return client.request(route.method, path or route.fill(), headers=headers, **kw)


def auth(tokens: dict[Caller, str], caller: Caller) -> dict[str, str]:
    return bearer(tokens[caller]) if caller is not Caller.NOBODY else {}


def refused_login(response: Response, route: Route) -> bool:
    """401 with the fixed body on the API; a 303 to /login on a dashboard page."""
    if route.page:
        return response.status_code == 303 and response.headers["location"] == "/login"
    return response.status_code == 401 and response.json() == UNAUTHORIZED


def test_the_routes_are_enumerated_from_the_router() -> None:
    paths = {route.path for route in ROUTES}
    assert {"/api/v1/months", "/api/v1/executive-summary", "/healthz", "/login", "/"} <= paths
    assert all(route.public == (route.scopes is None) for route in ROUTES)


# ------------------------------------------------------------------------------------------------ A1 / A2


@pytest.mark.parametrize("route", PROTECTED, ids=ids(PROTECTED))
def test_a1_no_or_garbage_token_is_401_on_every_route(client: TestClient, route: Route) -> None:
    for headers in ({}, bearer("garbage"), bearer(TOKEN_PREFIX + "x" * 40), {"Authorization": "Basic Zm9vOmJhcg=="},
                    {"Cookie": "tenantdb_session=forged"}):  # fmt: skip
        response = call(client, route, headers=headers)
        assert refused_login(response, route), (headers, response.status_code, response.text)
        assert not leaks(response.text)


def _jwt_none() -> str:
    import base64
    import json

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part({'sub': 'admin', 'scope': 'admin', 'tenant': T2_ID})}."


def test_a2_expired_revoked_malformed_and_forged_tokens_are_the_same_401(
    client: TestClient, world: ServerWorld
) -> None:
    expired = world.token(Scope.ADMIN, lifetime=timedelta(seconds=1))
    revoked = world.token(Scope.ADMIN)
    valid = world.token(Scope.ADMIN)
    with world.admin() as admin:
        admin.execute("UPDATE api_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval"
                      " '1 day' WHERE prefix = %s", (expired[:12],))  # fmt: skip
        revoke_token(admin, revoked[:12])
    forged = [
        expired,
        revoked,
        valid[:-2],  # truncated
        valid + "A",
        valid.upper(),
        "xyz_" + valid[len(TOKEN_PREFIX) :],  # wrong prefix
        TOKEN_PREFIX,
        valid.replace("_", "-", 1),
        _jwt_none(),
        valid + "\x00",
        " " + valid + " x",
    ]
    for route in [route for route in API if not route.public]:
        responses = [call(client, route, headers=bearer(secret)) for secret in forged]
        answers = {(response.status_code, response.text) for response in responses}
        assert answers == {(401, '{"error":"a valid API token is required"}')}, route.id
    assert client.get("/api/v1/months", headers=bearer(valid)).status_code == 200


def test_a2_valid_format_and_random_tokens_take_the_same_time(client: TestClient) -> None:
    """Interleaved samples; the medians may differ by the database round trip of a well-formed token's lookup
    (one indexed query, which tells nothing about which tokens exist: that lookup is by hash) and no more than
    a generous bound, so scheduling noise on a loaded machine cannot fail it."""
    import secrets

    shaped: list[float] = []
    random_: list[float] = []
    for _ in range(60):
        for bucket, secret in ((shaped, TOKEN_PREFIX + secrets.token_urlsafe(32)), (random_, secrets.token_hex(20))):
            started = time.perf_counter()
            response = client.get("/api/v1/months", headers=bearer(secret))
            bucket.append(time.perf_counter() - started)
            assert response.status_code == 401
    a, b = statistics.median(shaped), statistics.median(random_)
    assert abs(a - b) < max(0.005, 0.5 * min(a, b)), (a, b)


def test_a2_a_revoked_and_an_unknown_token_take_the_same_time(client: TestClient, world: ServerWorld) -> None:
    """Existence of a token does not show in timing either: a revoked real token vs an unknown one."""
    import secrets

    revoked = world.token(Scope.ADMIN)
    with world.admin() as admin:
        revoke_token(admin, revoked[:12])
    known: list[float] = []
    unknown: list[float] = []
    for _ in range(60):
        for bucket, secret in ((known, revoked), (unknown, TOKEN_PREFIX + secrets.token_urlsafe(32))):
            started = time.perf_counter()
            assert client.get("/api/v1/months", headers=bearer(secret)).status_code == 401
            bucket.append(time.perf_counter() - started)
    a, b = statistics.median(known), statistics.median(unknown)
    assert abs(a - b) < max(0.005, 0.5 * min(a, b)), (a, b)


# ------------------------------------------------------------------------------------------------ A3 / A4


@pytest.mark.parametrize("route", WITH_PATH_PARAMS, ids=ids(WITH_PATH_PARAMS))
def test_a3_another_tenants_id_is_the_same_404_as_a_missing_one(
    client: TestClient, tokens: dict[Caller, str], route: Route
) -> None:
    headers = bearer(tokens[Caller.TENANT])
    if route.method == "GET" and Scope.TENANT in (route.scopes or ()) and not route.page:
        own = call(client, route, headers=headers)  # T1's own ids answer: the 404 below is not a blanket refusal
        assert own.status_code == 200, (route.id, own.status_code, own.text[:200])
    for name, annotation in route.path_params:
        missing = call(client, route, route.fill({name: missing_value(name, annotation)}), headers=headers)
        for value in foreign_values(name, annotation):
            swapped = call(client, route, route.fill({name: value}), headers=headers)
            assert swapped.status_code in (403, 404), (name, value, swapped.status_code)
            assert (swapped.status_code, swapped.content) == (missing.status_code, missing.content), (name, value)
            assert not leaks(swapped.text)


@pytest.mark.parametrize("route", TENANT_ROUTES, ids=ids(TENANT_ROUTES))
def test_a3_a_tenant_token_sees_no_other_tenant_anywhere(
    client: TestClient, tokens: dict[Caller, str], route: Route
) -> None:
    response = call(client, route, headers=bearer(tokens[Caller.TENANT]))
    assert response.status_code < 500
    assert not leaks(response.text), route.id


@pytest.mark.parametrize("route", TENANT_ROUTES, ids=ids(TENANT_ROUTES))
def test_a4_tenant_overrides_are_ignored_or_refused(
    client: TestClient, tokens: dict[Caller, str], route: Route
) -> None:
    token = tokens[Caller.TENANT]
    baseline = call(client, route, headers=bearer(token))
    attempts: list[dict[str, Any]] = []
    for name in TENANT_OVERRIDES:
        attempts.append({"params": {name: T2_ID}})
        attempts.append({"headers": {name: T2_ID}})
        attempts.append({"cookies": {name: T2_ID}})
        if route.method in BODY_METHODS:
            attempts.append({"json": {name: T2_ID}})
    attempts.append({"params": {"tenant": T2_SLUG}})
    for attempt in attempts:
        headers = {**bearer(token), **attempt.pop("headers", {})}
        client.cookies.clear()
        cookies = attempt.pop("cookies", None)
        if cookies:
            client.cookies.update(cookies)
        response = call(client, route, headers=headers, **attempt)
        client.cookies.clear()
        # 404 where a route filters by a tenant it names: the same answer as for a tenant that does not exist
        assert response.status_code in (baseline.status_code, 403, 404, 422), (attempt, response.status_code)
        assert not leaks(response.text), attempt
        again = call(client, route, headers=bearer(token))  # a route whose answer moves with the clock (a default
        deterministic = again.content == baseline.content  # window ending now) is checked for leaks only
        if response.status_code == baseline.status_code == 200 and not route.page and deterministic:
            assert response.content == baseline.content, attempt


# ------------------------------------------------------------------------------------------------ A5


@pytest.mark.parametrize("caller", list(Caller), ids=[caller.value for caller in Caller])
@pytest.mark.parametrize("route", PROTECTED, ids=ids(PROTECTED))
def test_a5_scope_by_route_matrix(client: TestClient, tokens: dict[Caller, str], route: Route, caller: Caller) -> None:
    response = call(client, route, headers=auth(tokens, caller))
    scope = caller_scope(caller)
    declared = route.scopes
    assert declared is not None
    if scope is None:
        assert refused_login(response, route), response.status_code
    elif scope in declared:
        assert response.status_code not in (401, 403), (response.status_code, response.text[:300])
    else:
        assert response.status_code == 403, (response.status_code, response.text[:300])


def test_a5_expectations_by_hand() -> None:
    """What the declarations must say, whatever they are: a tenant reaches no portfolio summary, and only an
    admin token changes state through the API (executive and analyst tokens write nothing, docs/server.md); a
    tenant's own routes answer its own ids and 404 for another's (test_a3_... above)."""
    by_id = {route.id: route for route in ROUTES}
    for portfolio in ("GET /api/v1/executive-summary",):
        assert Scope.TENANT not in (by_id[portfolio].scopes or ())
    for route in API:
        if route.method in BODY_METHODS and not route.public:
            assert route.scopes == frozenset({Scope.ADMIN}), route.id


# ------------------------------------------------------------------------------------------------ A6


def _caller_for(route: Route) -> Caller:
    scopes = route.scopes or frozenset()
    return Caller.EXECUTIVE if Scope.EXECUTIVE in scopes else Caller.ADMIN if Scope.ADMIN in scopes else Caller.TENANT


def _is_text(annotation: Any) -> bool:
    return annotation is str or (str in typing.get_args(annotation) and len(typing.get_args(annotation)) <= 2)


def body_model(route: Route) -> type[BaseModel] | None:
    """The pydantic model of a route's JSON body (``Model | None`` unwrapped), if it has one."""
    if route.api.body_field is None:
        return None
    annotation = route.api.body_field.field_info.annotation
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


INJECTABLE = [route for route in API if not route.public and (route.query_params or route.path_params)]


@pytest.mark.parametrize("route", INJECTABLE, ids=ids(INJECTABLE))
def test_a6_injection_corpus_on_every_parameter(
    client: TestClient, tokens: dict[Caller, str], world: ServerWorld, route: Route
) -> None:
    log = server_log(world.dsn)
    assert log is not None or os.environ.get("TENANTDB_TEST_DSN"), (
        "the test server's log is where tests/postgres.py puts it"
    )
    offset = log.stat().st_size if log else 0
    headers = bearer(tokens[_caller_for(route)])
    baseline = call(client, route, headers=headers)
    for name, annotation in route.query_params:
        harmless = call(client, route, params={name: "zzzz-no-match"}, headers=headers)
        free_text = _is_text(annotation) and call(client, route, headers=headers).content == baseline.content
        for payload in SQL:
            response = call(client, route, params={name: payload}, headers=headers)
            assert response.status_code < 500, (name, payload, response.status_code)
            assert response.status_code != 200 or not leaks(response.text)
            if response.status_code == 200 and free_text:  # a typed one may parse ("-1" is a timestamp)
                assert response.content in (baseline.content, harmless.content), (name, payload)
    for name, _ in route.path_params:
        for payload in SQL:
            response = call(client, route, route.fill({name: quote(payload, safe="")}), headers=headers)
            assert response.status_code < 500, (name, payload, response.status_code)
            assert response.status_code != 200 or not leaks(response.text)
    if log is not None:
        assert syntax_errors(log, offset) == []


@pytest.mark.parametrize("route", JSON_BODY_ROUTES, ids=ids(JSON_BODY_ROUTES))
def test_a6_injection_corpus_in_json_bodies(
    client: TestClient, tokens: dict[Caller, str], world: ServerWorld, route: Route
) -> None:
    log = server_log(world.dsn)
    offset = log.stat().st_size if log else 0
    model = body_model(route)
    schema = model.model_json_schema() if model else {}
    strings = [name for name, spec in schema.get("properties", {}).items() if spec.get("type") == "string"]
    for name in strings:
        for payload in SQL:
            response = call(client, route, json={name: payload}, headers=bearer(tokens[Caller.ADMIN]))
            assert response.status_code < 500, (name, payload)
    if log is not None:
        assert syntax_errors(log, offset) == []


# ------------------------------------------------------------------------------------------------ A7

HUGE = ("0", "-1", "1000000", str(2**31), str(2**63), "1" + "0" * 30, "1e309", "9999-12", "0001-01", "x" * 10_000)


@pytest.mark.parametrize("route", INJECTABLE, ids=ids(INJECTABLE))
def test_a7_huge_values_are_422_or_clamped_and_fast(
    client: TestClient, tokens: dict[Caller, str], route: Route
) -> None:
    headers = bearer(tokens[_caller_for(route)])
    for name, _ in route.query_params:
        for value in (*HUGE, str(uuid.uuid4())):
            started = time.perf_counter()
            response = call(client, route, params={name: value}, headers=headers)
            elapsed = time.perf_counter() - started
            assert response.status_code in (200, 404, 422), (name, value[:20], response.status_code)
            assert elapsed < 2.0, (name, value[:20], elapsed)
            if response.status_code == 200:
                assert all(len(items) <= 1000 for items in _lists(response.json())), (name, value[:20])


def _lists(value: Any) -> Iterator[list[Any]]:
    if isinstance(value, list):
        yield value
        for item in value:
            yield from _lists(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _lists(item)


def test_a7_a_statement_timeout_is_a_generic_503(world: ServerWorld, tokens: dict[Caller, str]) -> None:
    app = create_app(world.settings(statement_timeout=timedelta(milliseconds=1), **ROOMY))
    statuses = []
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as slow:
        for route in API_GETS:
            response = call(slow, route, headers=bearer(tokens[_caller_for(route)]))
            statuses.append(response.status_code)
            assert response.status_code in (200, 503), (route.id, response.status_code)
            if response.status_code == 503:
                assert response.json() == {
                    "error": "the database is unavailable; retry after the number of seconds in Retry-After"
                }
                assert response.headers["retry-after"]
    assert 503 in statuses


# ------------------------------------------------------------------------------------------------ A8 / A9


def _tenant_route() -> Route:
    return next(r for r in sorted(TENANT_ROUTES, key=lambda r: r.page) if r.method == "GET" and not r.path_params)


def test_a8_a_flooding_token_and_tenant_get_429_and_others_do_not(world: ServerWorld) -> None:
    route = _tenant_route()
    noisy, other_tenant = world.token(Scope.TENANT, "alpha-mail"), world.token(Scope.TENANT, "gamma-tiny")
    executive = world.token(Scope.EXECUTIVE)
    app = create_app(world.settings(token_burst=5, token_rate=0.01, tenant_burst=8, tenant_rate=0.01))
    with TestClient(app, base_url=BASE, follow_redirects=False) as limited:
        statuses = [call(limited, route, headers=bearer(noisy)).status_code for _ in range(6)]
        flooded = call(limited, route, headers=bearer(noisy))
        assert call(limited, route, headers=bearer(other_tenant)).status_code == 200
        assert limited.get("/api/v1/months", headers=bearer(executive)).status_code == 200
        second = world.token(Scope.TENANT, "alpha-mail")  # the tenant's own bucket: a new token does not escape it
        tenant_statuses = [call(limited, route, headers=bearer(second)).status_code for _ in range(4)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    assert flooded.status_code == 429 and int(flooded.headers["retry-after"]) >= 1
    assert 429 in tenant_statuses


def test_a9_random_tokens_and_bad_logins_are_rate_limited_with_identical_bodies(world: ServerWorld) -> None:
    import secrets

    app = create_app(world.settings(failed_auth_burst=6, failed_auth_rate=0.01))
    with TestClient(app, base_url=BASE, follow_redirects=False) as limited:
        answers = [limited.get("/api/v1/months", headers=bearer(TOKEN_PREFIX + secrets.token_urlsafe(32)))
                   for _ in range(10)]  # fmt: skip
        refused = [a for a in answers if a.status_code == 401]
        throttled = [a for a in answers if a.status_code == 429]
        assert len(refused) == 6 and len(throttled) == 4
        assert len({a.content for a in refused}) == 1 and len({a.content for a in throttled}) == 1
        assert all(int(a.headers["retry-after"]) >= 1 for a in throttled)
    app = create_app(world.settings(failed_auth_burst=4, failed_auth_rate=0.01))
    with TestClient(app, base_url=BASE, follow_redirects=False) as login:
        origin = {"Origin": BASE}
        tries = [login.post("/login", data={"token": TOKEN_PREFIX + secrets.token_urlsafe(32)}, headers=origin)
                 for _ in range(7)]  # fmt: skip
        assert [t.status_code for t in tries] == [401] * 4 + [429] * 3
        assert len({t.content for t in tries[:4]}) == 1 and len({t.content for t in tries[4:]}) == 1
        assert all("set-cookie" not in t.headers for t in tries)


def test_login_csrf_a_cross_origin_login_post_is_refused(client: TestClient, tokens: dict[Caller, str]) -> None:
    """Login CSRF (logging a victim into the attacker's account): there is no session to bind a CSRF token to
    before the login, so POST /login needs its Origin (or Referer) to be this server. Browsers send Origin on every
    cross-origin POST, so a foreign form is refused; a request with neither header is refused too."""
    token = tokens[Caller.EXECUTIVE]
    for headers in ({"Origin": FOREIGN_ORIGIN}, {"Referer": FOREIGN_ORIGIN + "/login"}, {}, {"Origin": "null"},
                    {"Origin": BASE + ".evil.example"}):  # fmt: skip
        response = client.post("/login", data={"token": token}, headers=headers)
        assert response.status_code == 403, headers
        assert "set-cookie" not in response.headers
    assert client.post("/login", data={"token": token}, headers={"Origin": BASE}).status_code == 303
    client.cookies.clear()


# ------------------------------------------------------------------------------------------------ A10


@pytest.mark.parametrize("route", JSON_BODY_ROUTES, ids=ids(JSON_BODY_ROUTES))
def test_a10_mass_assignment_is_422(client: TestClient, tokens: dict[Caller, str], route: Route) -> None:
    for field in ("tenant_id", "scope", "status", "company_id", "token_hash", "id"):
        response = call(client, route, json={field: T2_ID}, headers=bearer(tokens[Caller.ADMIN]))
        assert response.status_code == 422, (field, response.status_code)
        locations = [problem["location"] for problem in response.json()["problems"]]
        model = body_model(route)
        if model is not None and field not in model.model_fields:
            assert f"body.{field}" in locations, (field, locations)


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


@pytest.mark.parametrize(
    "route", [r for r in API_GETS if not r.path_params], ids=ids([r for r in API_GETS if not r.path_params])
)
def test_a10_responses_carry_no_internal_columns(client: TestClient, tokens: dict[Caller, str], route: Route) -> None:
    for caller in (Caller.ADMIN, Caller.EXECUTIVE, Caller.TENANT):
        response = call(client, route, headers=bearer(tokens[caller]))
        if response.status_code != 200 or not response.headers["content-type"].startswith("application/json"):
            continue
        found = set(_keys(response.json()))
        assert not {key for key in found if key in INTERNAL_FIELDS or key.endswith("_hash")}, (caller, found)


# ------------------------------------------------------------------------------------------------ A11

probes = APIRouter(prefix="/api/v1/attack-probe")

FAILURES = {
    "cast": "SELECT 'not-a-number'::int",
    "division": "SELECT 1 / 0",
    "grant": "SELECT token_hash FROM api_tokens",
    "constraint": "DO $$ BEGIN RAISE unique_violation USING MESSAGE = 'duplicate key value violates unique "
    "constraint \"companies_slug_key\"', CONSTRAINT = 'companies_slug_key'; END $$",
    "syntax": "SELEC 1",
    "timeout": "SELECT pg_sleep(3)",
}


class Note(StrictModel):
    text: str


@probes.get("/echo/{word}")
def echo(db: Annotated[RequestDb, allows(EVERYONE)], word: str, search: str = "") -> Any:
    return {"found": db.session.fetch_value("SELECT %s::text || %s::text", (word, search))}


@probes.get("/{kind}")
def fail(db: Annotated[RequestDb, allows(EVERYONE)], kind: str) -> Any:
    db.session.execute(FAILURES[kind])
    return {}


@probes.post("/notes")
def note(db: Annotated[RequestDb, allows(EVERYONE)], body: Note) -> Any:
    return {"text": body.text}


@pytest.fixture(scope="module")
def probing(world: ServerWorld) -> Iterator[TestClient]:
    app = create_app(world.settings(statement_timeout=timedelta(milliseconds=300), **ROOMY))
    app.include_router(probes)
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as opened:
        yield opened


LEAKS = ("psycopg", "SQLSTATE", "22P02", "22012", "42501", "23505", "42601", "57014", "companies_slug_key",
         "api_tokens", "token_hash", "SELECT", "pg_sleep", "permission", "syntax", "Traceback", "line ")  # fmt: skip


@pytest.mark.parametrize("kind", sorted(FAILURES))
def test_a11_database_errors_have_a_generic_body(
    probing: TestClient, tokens: dict[Caller, str], world: ServerWorld, kind: str
) -> None:
    log = server_log(world.dsn)
    offset = log.stat().st_size if log else 0
    for caller in (Caller.EXECUTIVE, Caller.TENANT):
        response = probing.get(f"/api/v1/attack-probe/{kind}", headers=bearer(tokens[caller]))
        assert response.status_code == (503 if kind == "timeout" else 500), (caller, response.status_code)
        assert set(response.json()) == {"error"}
        assert [leak for leak in LEAKS if leak.lower() in response.text.lower()] == []
    if kind == "syntax" and log is not None:
        assert syntax_errors(log, offset) != []  # the oracle of A6 sees a syntax error when there is one


def test_a11_a_body_over_one_mebibyte_is_413_in_the_apis_error_shape(
    probing: TestClient, tokens: dict[Caller, str]
) -> None:
    huge = probing.post(
        "/api/v1/attack-probe/notes", content=b'{"text": "' + b"x" * (2 * 1024 * 1024) + b'"}',
        headers={**bearer(tokens[Caller.ADMIN]), "Content-Type": "application/json"},
    )  # fmt: skip
    assert huge.status_code == 413
    assert huge.json() == {"error": "request too large"}
    for name, value in HEADERS.items():
        assert huge.headers[name] == value

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts the streamed bytes
        yield b'{"text": "'
        for _ in range(40):
            yield b"x" * 65536
        yield b'"}'

    streamed = probing.post("/api/v1/attack-probe/notes", content=chunks(),
                            headers={**bearer(tokens[Caller.ADMIN]), "Content-Type": "application/json"})  # fmt: skip
    assert streamed.status_code == 413
    assert streamed.json() == {"error": "request too large"}
    assert streamed.headers["cache-control"] == "private, no-store"
    page = probing.post("/login", data={"token": "x" * (2 * 1024 * 1024)}, headers={"Origin": BASE})
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert page.headers["x-frame-options"] == "DENY"


def test_a6_a_nul_character_in_any_input_is_422_not_a_database_error(
    probing: TestClient, tokens: dict[Caller, str]
) -> None:
    """PostgreSQL text cannot hold NUL: the driver refuses it, which would surface as a 500."""
    headers = bearer(tokens[Caller.ADMIN])
    assert probing.get("/api/v1/attack-probe/echo/a?search=b", headers=headers).json() == {"found": "ab"}
    for url in ("/api/v1/attack-probe/echo/a?search=x%00y", "/api/v1/attack-probe/echo/x%00y"):
        response = probing.get(url, headers=headers)
        assert response.status_code == 422, (url, response.status_code)
        assert response.json()["error"] == "invalid request"
    body = probing.post("/api/v1/attack-probe/notes", json={"text": "x\x00y"}, headers=headers)
    assert body.status_code == 422
    assert body.json()["problems"][0]["location"] == "body.text"


# ------------------------------------------------------------------------------------------------ A12


@pytest.mark.parametrize("route", ROUTES, ids=ids(ROUTES))
def test_a12_a_foreign_preflight_is_refused(client: TestClient, route: Route) -> None:
    response = client.options(route.fill(), headers={
        "Origin": FOREIGN_ORIGIN, "Access-Control-Request-Method": route.method,
        "Access-Control-Request-Headers": "authorization"})  # fmt: skip
    assert "access-control-allow-origin" not in response.headers
    assert "access-control-allow-credentials" not in response.headers


def test_a12_a_configured_origin_does_not_open_the_api_to_others(world: ServerWorld) -> None:
    app = create_app(world.settings(cors_origins=("https://bi.example.com",)))
    with TestClient(app, base_url=BASE) as cors:
        for route in API:
            foreign = cors.options(route.fill(), headers={"Origin": FOREIGN_ORIGIN,
                                                          "Access-Control-Request-Method": route.method})  # fmt: skip
            assert foreign.headers.get("access-control-allow-origin") != FOREIGN_ORIGIN
            assert foreign.headers.get("access-control-allow-origin") != "*"
            assert "access-control-allow-credentials" not in foreign.headers


def _assert_headers(response: Response, *, static: bool = False) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (name, response.status_code)
    expected = "public, max-age=3600" if static and response.status_code == 200 else "private, no-store"
    assert response.headers["cache-control"] == expected


@pytest.mark.parametrize("caller", list(Caller), ids=[caller.value for caller in Caller])
def test_a12_security_headers_and_no_store_on_every_response(
    client: TestClient, tokens: dict[Caller, str], caller: Caller
) -> None:
    for route in ROUTES:
        _assert_headers(call(client, route, headers=auth(tokens, caller)))
    client.cookies.clear()
    for path in ("/api/v1/nowhere", "/nowhere", "/static/nowhere.js"):
        _assert_headers(client.get(path, headers=auth(tokens, caller)), static=path.startswith("/static/"))
    _assert_headers(client.delete("/api/v1/months", headers=auth(tokens, caller)))  # 405
    _assert_headers(client.get("/api/v1/months?bogus=1", headers=auth(tokens, caller)))


def test_a12_static_assets_carry_the_headers() -> None:
    app = create_app(ServerSettings(dsn="postgresql://127.0.0.1:1/none"))
    with TestClient(app, base_url=BASE) as bare:
        files = [path for path in STATIC_DIR.rglob("*") if path.is_file()]
        assert files
        for path in files:
            response = bare.get("/static/" + path.relative_to(STATIC_DIR).as_posix())
            assert response.status_code == 200
            _assert_headers(response, static=True)


# ------------------------------------------------------------------------------------------------ A13


def test_a13_the_served_openapi_document_lists_exactly_the_routes(client: TestClient) -> None:
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    schema = served.json()
    documented = {(path, method.upper()) for path, item in schema["paths"].items() for method in item}
    api = {(route.path, route.method) for route in ROUTES if not route.page}
    assert documented == api
    assert all(route.api.include_in_schema for route in ROUTES if not route.page)
    assert all(not route.api.include_in_schema for route in ROUTES if route.page)


# ------------------------------------------------------------------------------------------------ A14

NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _csv_answers(client: TestClient, tokens: dict[Caller, str]) -> list[tuple[str, str]]:
    found = []
    for route in ROUTES:
        if route.method != "GET" or route.public:
            continue
        for caller in (Caller.EXECUTIVE, Caller.ADMIN, Caller.TENANT):
            variants: list[dict[str, Any]] = [{"headers": {"Accept": "text/csv"}}]
            if any(name == "format" for name, _ in route.query_params):
                variants.append({"params": {"format": "csv"}})
            for variant in variants:
                headers = {**auth(tokens, caller), **variant.get("headers", {})}
                response = call(client, route, headers=headers, params=variant.get("params"))
                if response.status_code == 200 and response.headers["content-type"].startswith("text/csv"):
                    found.append((f"{route.id} as {caller}", response.text))
    return found


def test_a14_csv_downloads_escape_formulas(client: TestClient, tokens: dict[Caller, str]) -> None:
    answers = _csv_answers(client, tokens)
    if not answers:
        pytest.skip("no route answers text/csv yet (the CSV downloads come with the rest of the API routes)")
    for label, text in answers:
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as error:  # e.g. a carriage return left unquoted in a cell: it would start a new row
            pytest.fail(f"{label}: not well-formed CSV ({error})")
        for row in rows:
            for cell in row:
                assert not (cell.startswith(FORMULA_STARTS) and not NUMBER.match(cell)), (label, cell)
    everything = "\n".join(text for _, text in answers)
    assert "HYPERLINK" in everything  # the formula tenants are in the exports, escaped (every cell checked above)
