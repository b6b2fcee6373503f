"""A PostgreSQL cluster that a test module owns and may crash (``pg_ctl stop -m immediate``) and restart.

It runs the binaries of the server under test (``TENANTDB_TEST_PG_BIN``, else the embedded PostgreSQL's), so the
crash tests cover the same major version as the rest of the suite. With ``TENANTDB_TEST_DSN`` (an external
server) or without ``pg_ctl`` they skip, saying why.
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

from tenantdb.db import connect, find_binaries
from tenantdb.errors import TenantdbError
from tests.postgres import PgServer, start_cluster


def crashable_bin_dir() -> Path | str:
    """The directory holding ``pg_ctl`` for the server under test, or why there is none."""
    if os.environ.get("TENANTDB_TEST_DSN"):
        return "TENANTDB_TEST_DSN points at an external server; crash tests need one they can pg_ctl stop"
    if configured := os.environ.get("TENANTDB_TEST_PG_BIN"):
        bin_dir = Path(configured)
    else:
        try:
            bin_dir = find_binaries().bin_dir
        except TenantdbError:
            return "no TENANTDB_TEST_PG_BIN and no embedded PostgreSQL"
    if not (bin_dir / "pg_ctl").is_file():
        return f"no pg_ctl in {bin_dir}"
    return bin_dir


class CrashableCluster:
    """``initdb`` + ``pg_ctl start`` in a directory of its own; ``crash()`` is ``pg_ctl stop -m immediate``."""

    def __init__(self, bin_dir: Path, data_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.data_dir = data_dir
        self.server: PgServer = start_cluster(bin_dir, data_dir)
        self.running = True

    @property
    def dsn(self) -> str:
        return self.server.dsn

    def crash(self) -> None:
        """Stop the postmaster without a shutdown checkpoint: every backend dies, the next start recovers."""
        assert callable(self.server.stop)
        self.server.stop()
        self.running = False

    def restart(self) -> None:
        """Start again after a crash (crash recovery replays the WAL before ``pg_ctl start -w`` returns)."""
        self.server = start_cluster(self.bin_dir, self.data_dir)
        self.running = True

    def ensure_running(self) -> None:
        if not self.running:
            self.restart()

    def create_database(self) -> str:
        name = f"c_{secrets.token_hex(6)}"
        with connect(self.dsn) as session:
            session.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        return make_conninfo(self.dsn, dbname=name)


def crashable_cluster() -> Iterator[CrashableCluster]:
    """Body of a module-scoped fixture: one cluster per test module, stopped at the end."""
    found = crashable_bin_dir()
    if isinstance(found, str):
        pytest.skip(found)
    cluster = CrashableCluster(found, Path(tempfile.mkdtemp(prefix="tenantdb-crash-")) / "cluster")
    try:
        yield cluster
    finally:
        if cluster.running:
            cluster.crash()
