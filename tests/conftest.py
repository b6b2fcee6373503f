"""Fixtures: one real PostgreSQL per test process and a fresh database per test.

The server is ``TENANTDB_TEST_DSN`` when set, else a cluster started from ``TENANTDB_TEST_PG_BIN`` (e.g. the
system PostgreSQL 15), else the embedded PostgreSQL 18. ``TENANTDB_REQUIRE_PG=1`` turns "no server" into a
failure instead of a skip.

Under pytest-xdist (``pytest -n 4``) every worker is a test process of its own: it starts its own server (or shares
``TENANTDB_TEST_DSN`` with the others) and creates its databases from a template named after the worker and its
process, so no worker drops another's template.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Collection, Iterator
from pathlib import Path

import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from tenantdb.db import Session, connect
from tests import recipes
from tests.database_cache import DatabaseCache
from tests.postgres import PgServer, acquire

# Embedded servers the tests start are remembered in a registry of their own, never in the user's (which
# `tenantdb db stop --all` reads).
os.environ.setdefault("TENANTDB_STATE_DIR", tempfile.mkdtemp(prefix="tenantdb-test-state-"))
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")  # gw0, gw1, ... under pytest-xdist
TEMPLATE = f"tenantdb_test_template_{WORKER}_{os.getpid()}"


def pytest_xdist_auto_num_workers() -> int:
    """``-n auto``: two workers per core (docs/contributing.md): a test often waits on its PostgreSQL, a
    ``tenantdb`` subprocess or a timeout, so a core has room for a second worker. ``PYTEST_XDIST_AUTO_NUM_WORKERS``
    overrides it."""
    if configured := os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return int(configured)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return 2 * cores


SERVER_TESTS_ONLY = "TENANTDB_TEST_SERVER_TESTS_ONLY"  # CI's second PostgreSQL version runs only what uses it


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup`` the tests of a module that share a module-scoped fixture (a seeded world, a
    crashable cluster) run on one worker, which builds it once; every other test goes to whichever worker is free.

    With ``TENANTDB_TEST_SERVER_TESTS_ONLY=1`` only the tests that use the test server (the ``pg_server`` fixture,
    directly or through ``dsn``/``session``) are kept: the others (lint, parsing, the CLI on its own embedded
    server) do not depend on the server's version, and CI's second version need not run them again. Nor do the
    browser tests: Chromium draws what the server sends, and the pages and API answers behind it are tested on
    both versions without a browser. Nor the few long CLI sessions marked ``one_server_version``, whose server work
    (applying modules, seeding, refreshing) other tests run on both versions.
    """
    if os.environ.get(SERVER_TESTS_ONLY) == "1":
        kept = [
            item
            for item in items
            if _uses_the_server_not_a_browser(getattr(item, "fixturenames", ()))
            and item.get_closest_marker("one_server_version") is None
        ]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is not None and any(defs[-1].scope == "module" for defs in info.name2fixturedefs.values() if defs):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


def _uses_the_server_not_a_browser(fixtures: Collection[str]) -> bool:
    return "pg_server" in fixtures and "browser" not in fixtures


@pytest.fixture
def server_home() -> Iterator[Path]:
    """A directory for an embedded server the test starts itself, outside pytest's basetemp: every pytest session
    (CI runs two side by side) resets /tmp/pytest-of-<user> to 0700, which as root cuts the server's own account
    off its data directory ("Permission denied")."""
    path = Path(tempfile.mkdtemp(prefix="tenantdb-test-server-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    base = Path(tempfile.mkdtemp(prefix=f"tenantdb-test-{WORKER}-"))
    server = acquire(base)
    if isinstance(server, str):
        if os.environ.get("TENANTDB_REQUIRE_PG") == "1":
            pytest.fail(f"no PostgreSQL available and TENANTDB_REQUIRE_PG=1: {server}")
        pytest.skip(f"no PostgreSQL available (set TENANTDB_TEST_DSN): {server}")
    with connect(server.dsn) as session:
        session.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(TEMPLATE)))
        session.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(TEMPLATE)))
    yield server
    with connect(server.dsn) as session:
        session.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(TEMPLATE)))
    if callable(server.stop):
        server.stop()
    shutil.rmtree(base, ignore_errors=True)  # the cluster of TENANTDB_TEST_PG_BIN too: each worker leaves nothing


def _fresh_database(server: PgServer) -> Iterator[str]:
    name = f"t_{secrets.token_hex(6)}"
    with connect(server.dsn) as session:
        session.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(TEMPLATE))
        )
    yield make_conninfo(server.dsn, dbname=name)
    with connect(server.dsn) as session:
        session.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def dsn(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty database for this test (dropped afterwards)."""
    yield from _fresh_database(pg_server)


@pytest.fixture
def empty_dsn(pg_server: PgServer) -> Iterator[str]:
    """A fresh, empty database, also in a test module whose ``dsn`` starts from a recipe (tests/recipes.py)."""
    yield from _fresh_database(pg_server)


@pytest.fixture
def other_dsn(pg_server: PgServer) -> Iterator[str]:
    """A second fresh database, to compare two ways of reaching the same state."""
    yield from _fresh_database(pg_server)


@pytest.fixture(scope="session")
def database_cache(pg_server: PgServer) -> Iterator[DatabaseCache]:
    """Databases built once per test process (every module applied, a seeded world) and copied per test."""
    cache = DatabaseCache(pg_server, TEMPLATE)
    yield cache
    cache.close()


@pytest.fixture
def modules_dsn(database_cache: DatabaseCache) -> Iterator[str]:
    """A fresh database with every bundled module applied (a copy: the modules are applied once per process)."""
    yield from database_cache.copy_dsn(recipes.modules_applied())


@pytest.fixture
def other_modules_dsn(database_cache: DatabaseCache) -> Iterator[str]:
    """A second one, to compare two ways of reaching the same state."""
    yield from database_cache.copy_dsn(recipes.modules_applied())


@pytest.fixture
def report_data_dsn(database_cache: DatabaseCache) -> Iterator[str]:
    """A fresh database with every module and the hand-computed report dataset (tests/bi/report_data.py)."""
    yield from database_cache.copy_dsn(recipes.report_dataset())


@pytest.fixture
def session(dsn: str) -> Iterator[Session]:
    with connect(dsn, application_name="tenantdb test") as opened:
        yield opened
