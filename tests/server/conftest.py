"""Fixtures of the server's tests: the browser ones come from tests/server/browser.py; one database for the
server's tests (every module applied and the report tests' hand-computed dataset), TestClients of the app on it
and tokens of each scope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tenantdb.db import Session, connect
from tenantdb.db.api_tokens import Scope, create_token
from tenantdb.server.app import create_app
from tenantdb.server.settings import ServerSettings
from tests import recipes
from tests.bi.report_data import MONTH
from tests.database_cache import DatabaseCache
from tests.server.browser import browser, page, page_errors, playwright_driver

BASE = "http://testserver"


@dataclass(frozen=True, slots=True)
class ServerWorld:
    dsn: str

    def token(self, scope: Scope, tenant: str | None = None, *, lifetime: timedelta = timedelta(days=1)) -> str:
        with connect(self.dsn) as session:
            return create_token(session, name=f"test {scope}", scope=scope, tenant=tenant, lifetime=lifetime).secret

    def settings(self, **changes: object) -> ServerSettings:
        # a generous pool timeout: on a loaded CI machine (two suites side by side) a new connection can take
        # seconds; the tests that want a 503 from a missing database set their own short timeout
        # the workers' shared response store is off: it lives in the session's one database, where an answer one
        # test stored would serve another test's fresh app; tests/server/test_response_store.py turns it on
        base = ServerSettings(dsn=self.dsn, pool_timeout=timedelta(seconds=15), pool_max=4, cache_shared=False)
        return base.with_options(**changes)

    def admin(self) -> Session:
        return connect(self.dsn)


@pytest.fixture(scope="session")
def server_world(database_cache: DatabaseCache) -> Iterator[ServerWorld]:
    for built in database_cache.copy(recipes.report_dataset()):
        with connect(built.dsn) as session:
            session.execute(
                "INSERT INTO deliverability_daily (tenant_id, day, sent, delivered, bounced_hard, bounced_soft,"
                " spam_complaints, blocked) VALUES ('00000000-0000-4000-8000-00000000000a', %s, 10, 9, 1, 0, 0, 0)",
                (MONTH,),
            )
        yield ServerWorld(dsn=built.dsn)


@pytest.fixture(scope="session")
def client(server_world: ServerWorld) -> Iterator[TestClient]:
    with TestClient(create_app(server_world.settings()), base_url=BASE) as opened:
        yield opened


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


__all__ = ["browser", "page", "page_errors", "playwright_driver"]
