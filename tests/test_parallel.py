"""The suite runs in parallel (``pytest -n auto``): what each worker owns, and what keeps shared fixtures together."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tenantdb.db import connect
from tests.conftest import TEMPLATE, WORKER
from tests.postgres import PgServer


def test_each_worker_creates_its_databases_from_a_template_of_its_own(pg_server: PgServer) -> None:
    assert TEMPLATE.endswith(f"_{WORKER}_{os.getpid()}")
    assert os.environ.get("PYTEST_XDIST_WORKER", "main") == WORKER
    with connect(pg_server.dsn) as session:
        assert session.fetch_value("SELECT count(*) FROM pg_database WHERE datname = %s", (TEMPLATE,)) == 1


def test_a_throwaway_test_server_does_not_fsync(pg_server: PgServer) -> None:
    if pg_server.version == "external":
        pytest.skip("TENANTDB_TEST_DSN: the server's own settings")
    with connect(pg_server.dsn) as session:
        assert session.fetch_value("SHOW fsync") == "off"


@pytest.fixture(scope="module")
def built_once() -> Iterator[list[str]]:
    yield []


def test_tests_sharing_a_module_fixture_stay_on_one_worker(
    request: pytest.FixtureRequest, built_once: list[str]
) -> None:
    groups = [mark.args[0] for mark in request.node.iter_markers("xdist_group")]
    assert groups == ["tests/test_parallel.py"]


def test_other_tests_go_to_any_worker(request: pytest.FixtureRequest) -> None:
    assert list(request.node.iter_markers("xdist_group")) == []
