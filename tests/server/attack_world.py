"""What the attack tests share: the routes of the app enumerated from its router, path parameters filled with
valid-looking values, tokens of every scope, the second tenant's canaries, and the PostgreSQL server log."""

from __future__ import annotations

import typing
import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute

from tenantdb.db import connect
from tenantdb.db.api_tokens import Scope, create_token
from tenantdb.server.app import PUBLIC_ROUTES, RouteEntry, create_app, route_inventory
from tenantdb.server.settings import ServerSettings
from tests.bi.report_data import MONTH

T1_SLUG, T1_ID = "alpha-mail", "00000000-0000-4000-8000-00000000000a"
T2_SLUG, T2_ID = "beta-corp", "00000000-0000-4000-8000-00000000000b"
T2_OBJECT_IDS = (T2_ID, "00000000-0000-4000-8000-0000000000b1", "00000000-0000-4000-8000-0000000000b2")
T2_CANARIES = ("Beta Corp", T2_SLUG, T2_ID, "mta1.beta.example", "0000000000b1", "0000000000b2", "192.0.2.10")
MISSING_ID = "00000000-0000-4000-8000-0000000000ff"
MISSING_SLUG = "no-such-tenant"
MONTH_TEXT = f"{MONTH:%Y-%m}"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

ROUTES_APP = create_app(ServerSettings(dsn="postgresql://127.0.0.1:1/none"))


class Caller(StrEnum):
    """Who calls in the scope x route matrix."""

    EXECUTIVE = "executive"
    ANALYST = "analyst"
    ADMIN = "admin"
    TENANT = "tenant"
    NOBODY = "no token"


@dataclass(frozen=True, slots=True)
class Route:
    """One method of one route as the router serves it."""

    path: str
    method: str
    entry: RouteEntry

    @property
    def api(self) -> APIRoute:
        return self.entry.route

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def public(self) -> bool:
        return self.path in PUBLIC_ROUTES

    @property
    def page(self) -> bool:
        return not self.path.startswith("/api/") and self.path != "/healthz"

    @property
    def scopes(self) -> frozenset[Scope] | None:
        """The scopes the route's dependency declares (None: a public route)."""
        pending = list(self.api.dependant.dependencies)
        while pending:
            dependant = pending.pop()
            scopes = getattr(dependant.call, "scopes", None)
            if scopes is not None:
                return frozenset(scopes)
            pending.extend(dependant.dependencies)
        return None

    @property
    def path_params(self) -> list[tuple[str, Any]]:
        return [(field.alias, _annotation(field)) for field in self.api.dependant.path_params]

    @property
    def query_params(self) -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = []
        pending = [self.api.dependant]
        while pending:
            dependant = pending.pop()
            found += [(field.alias, _annotation(field)) for field in dependant.query_params]
            pending.extend(dependant.dependencies)
        return found

    def fill(self, values: dict[str, str] | None = None) -> str:
        """The path with each parameter filled: ``values`` by name, else a valid-looking value of T1's."""
        path = self.path
        for name, annotation in self.path_params:
            value = (values or {}).get(name) or own_value(name, annotation)
            path = path.replace("{" + name + "}", value).replace("{" + name + ":path}", value)
        return path


def _annotation(field: Any) -> Any:
    return getattr(field, "type_", None) or field.field_info.annotation


def _is(annotation: Any, kind: type) -> bool:
    return annotation is kind or kind in typing.get_args(annotation)


def own_value(name: str, annotation: Any) -> str:
    """A valid value of T1's (or of the dataset) for a path parameter, by its type and name."""
    if "month" in name:
        return MONTH_TEXT
    if _is(annotation, uuid.UUID) or name.endswith("id"):
        return T1_ID
    if _is(annotation, int):
        return "1"
    return T1_SLUG


def foreign_values(name: str, annotation: Any) -> tuple[str, ...]:
    """T2's identifiers a T1 caller might swap in, by the parameter's type."""
    if "month" in name or _is(annotation, int):
        return ()
    if _is(annotation, uuid.UUID) or name.endswith("id"):
        return T2_OBJECT_IDS
    return (T2_SLUG, T2_ID)


def missing_value(name: str, annotation: Any) -> str:
    if _is(annotation, uuid.UUID) or name.endswith("id"):
        return MISSING_ID
    return MISSING_SLUG


def all_routes() -> list[Route]:
    """Every method of every API route of the app (dashboard pages included), from its router."""
    return [
        Route(entry.path, method, entry)
        for entry in route_inventory(ROUTES_APP)
        for method in sorted(entry.methods - {"HEAD", "OPTIONS"})
    ]


ROUTES = all_routes()


def caller_scope(caller: Caller) -> Scope | None:
    return None if caller is Caller.NOBODY else Scope(caller.value)


def make_tokens(dsn: str) -> dict[Caller, str]:
    """A token of every scope (the tenant one is T1's)."""
    tokens = {}
    with connect(dsn) as session:
        for caller in Caller:
            scope = caller_scope(caller)
            if scope is not None:
                tenant = T1_SLUG if scope is Scope.TENANT else None
                made = create_token(session, name=f"attack {caller}", scope=scope, tenant=tenant,
                                    lifetime=timedelta(days=1))  # fmt: skip
                tokens[caller] = made.secret
    return tokens


def server_log(dsn: str) -> Path | None:
    """The log file of the test server (``<data_directory>/log``, where tests/postgres.py and the embedded server
    write it), or None when the server is not local (``TENANTDB_TEST_DSN``)."""
    with connect(dsn) as session:
        directory = session.fetch_value("SELECT current_setting('data_directory')")
    log = Path(str(directory)) / "log"
    return log if log.is_file() else None


def syntax_errors(log: Path, offset: int) -> list[str]:
    with log.open("rb") as handle:
        handle.seek(offset)
        text = handle.read().decode(errors="replace")
    return [line for line in text.splitlines() if "syntax error" in line]


def leaks(text: str) -> list[str]:
    return [canary for canary in T2_CANARIES if canary.lower() in text.lower()]
