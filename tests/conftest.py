"""Fixtures: one real PostgreSQL per test session and a fresh database per test.

The server is ``TENANTDB_TEST_DSN`` when set, else a cluster started from ``TENANTDB_TEST_PG_BIN`` (e.g. the
system PostgreSQL 15), else the embedded PostgreSQL 18. ``TENANTDB_REQUIRE_PG=1`` turns "no server" into a
failure instead of a skip.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from tenantdb.db import Session, connect
from tests.postgres import PgServer, acquire

TEMPLATE = "tenantdb_test_template"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    base = Path(tempfile.mkdtemp(prefix="tenantdb-test-"))
    server = acquire(base)
    if server is None:
        if os.environ.get("TENANTDB_REQUIRE_PG") == "1":
            pytest.fail("no PostgreSQL available and TENANTDB_REQUIRE_PG=1")
        pytest.skip("no PostgreSQL available (set TENANTDB_TEST_DSN)")
    with connect(server.dsn) as session:
        session.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(TEMPLATE)))
        session.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(TEMPLATE)))
    yield server
    if callable(server.stop):
        server.stop()


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
def other_dsn(pg_server: PgServer) -> Iterator[str]:
    """A second fresh database, to compare two ways of reaching the same state."""
    yield from _fresh_database(pg_server)


@pytest.fixture
def session(dsn: str) -> Iterator[Session]:
    with connect(dsn, application_name="tenantdb test") as opened:
        yield opened
