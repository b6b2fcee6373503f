"""``tenantdb warm``: after it, a worker that never ran a report serves the default month's pages from the shared
store, byte for byte what a fresh request builds; the token it used is revoked; the command reports in JSON."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tenantdb.cli.app import app as cli
from tenantdb.db.api_tokens import Scope
from tenantdb.server.app import create_app
from tenantdb.server.cache import ResponseCache
from tenantdb.server.warm import PAGES, warm
from tests.server.conftest import BASE, ServerWorld, bearer


@pytest.fixture
def warmed(server_world: ServerWorld) -> Iterator[ServerWorld]:
    with server_world.admin() as admin:
        admin.execute("DELETE FROM api_response_cache")
    report = warm(server_world.settings(), months=1)
    assert report.ok, report.failed
    assert len(report.pages) == 2 * len(PAGES)  # the default month, and the latest complete one by name
    yield server_world
    with server_world.admin() as admin:
        admin.execute("DELETE FROM api_response_cache")


def test_a_warmed_page_is_served_without_running_and_equals_a_fresh_one(warmed: ServerWorld) -> None:
    executive = bearer(warmed.token(Scope.EXECUTIVE))
    with (
        TestClient(create_app(warmed.settings(cache_entries=100, cache_shared=True)), base_url=BASE) as worker,
        TestClient(create_app(warmed.settings(cache_entries=0)), base_url=BASE) as uncached,
    ):
        for page in PAGES:
            served = worker.get(f"/api/v1{page}", headers=executive)
            fresh = uncached.get(f"/api/v1{page}", headers=executive)
            assert served.status_code == fresh.status_code == 200, page
            assert served.content == fresh.content, page
        cache = worker.app.state.cache  # type: ignore[attr-defined]
        assert isinstance(cache, ResponseCache)
        assert (cache.stats.computed, cache.stats.shared_hits) == (0, len(PAGES))


def test_the_warm_token_is_revoked(warmed: ServerWorld) -> None:
    with warmed.admin() as admin:
        live = admin.fetch_value(
            "SELECT count(*) FROM api_tokens WHERE name = 'tenantdb warm'"
            " AND (revoked_at IS NULL OR revoked_at > now())"
        )
    assert live == 0


def test_warm_reports_in_json(server_world: ServerWorld) -> None:
    result = CliRunner().invoke(cli, ["warm", "--months", "0", "--json", "--dsn", server_world.dsn])
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["ok"] is True and document["months"] == []
    assert [page["url"] for page in document["pages"]] == [f"/api/v1{page}" for page in PAGES]
    refused = CliRunner().invoke(cli, ["warm", "--months", "-1", "--dsn", server_world.dsn])
    assert refused.exit_code != 0 and "--months" in refused.stderr


def test_warm_runs_where_an_event_loop_is_running_already(server_world: ServerWorld) -> None:
    """Seen in CI: after a browser test on the same worker (Playwright's sync API keeps a loop running in the thread)
    warm's asyncio.run refused to start ("cannot be called from a running event loop")."""

    async def from_a_coroutine() -> bool:
        return warm(server_world.settings(), months=0).ok

    # a thread of its own: this worker's thread may itself be Playwright's, with a loop running
    with ThreadPoolExecutor(max_workers=1) as thread:
        assert thread.submit(asyncio.run, from_a_coroutine()).result()
