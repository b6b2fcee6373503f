"""The PostgreSQL server of a run (embedded or ``--dsn``), and the databases made on it."""

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

_CONNECTION_KEYS = ("user", "password", "host", "port", "dbname")
SETTINGS = (
    "server_version",
    "fsync",
    "synchronous_commit",
    "shared_buffers",
    "maintenance_work_mem",
    "max_parallel_maintenance_workers",
    "max_wal_size",
    "wal_level",
)
"""Server settings that shape the figures; recorded with the results."""


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
        netloc = ""
        if user:
            secret = f":{quote(password, safe='')}" if password else ""
            netloc = f"{quote(user, safe='')}{secret}@"
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

    def connect(self, dbname: str | None = None, application_name: str = "tenantdb-bench") -> psycopg.Connection[Any]:
        """An autocommit connection to ``dbname`` (default: the maintenance database)."""
        params = {**self.params, "dbname": dbname or self.maintenance_db, "application_name": application_name}
        return psycopg.connect(make_conninfo("", **params), autocommit=True)


@contextmanager
def server(dsn: str | None) -> Iterator[Server]:
    """The server at ``dsn``, or a throw-away one of tenantdb's embedded PostgreSQL (what users get) for the block."""
    if dsn:
        yield Server(params=_params(dsn), embedded=False)
        return
    from tenantdb.db.embedded import start_embedded, stop_embedded

    root = Path(tempfile.mkdtemp(prefix="tenantdb-bench-pg-"))
    root.chmod(0o755)  # as root, postgres runs as user 'pgserver', who must traverse it
    try:
        yield Server(params=_params(start_embedded(root)), embedded=True)
    finally:
        stop_embedded(root)
        shutil.rmtree(root, ignore_errors=True)


def _params(dsn: str) -> dict[str, str]:
    return {key: str(value) for key, value in conninfo_to_dict(dsn).items() if value not in (None, "")}


def create_database(target: Server, name: str, template: str | None = None) -> None:
    """Create ``name`` (empty, or a file copy of ``template``), dropping a leftover of an interrupted run first."""
    drop_database(target, name)
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with target.connect() as connection:
        if template is not None and connection.info.server_version >= 150000:
            statement += sql.SQL(" STRATEGY FILE_COPY")  # a checkpoint and a file copy: fast for big tables
        connection.execute(statement)


def drop_database(target: Server, name: str) -> None:
    """Drop ``name`` if it exists, disconnecting any session left on it."""
    with target.connect() as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def checkpoint(target: Server) -> None:
    """Flush dirty buffers, so a run does not pay for the setup's writes (needs superuser or pg_checkpoint)."""
    try:
        with target.connect() as connection:
            connection.execute("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        pass


def server_facts(target: Server) -> dict[str, str]:
    """Version and the settings in :data:`SETTINGS`."""
    with target.connect() as connection:
        return {name: _show(connection, name) for name in SETTINGS}


def _show(connection: psycopg.Connection[Any], setting: str) -> str:
    row = connection.execute(sql.SQL("SHOW {}").format(sql.Identifier(setting))).fetchone()
    return "unknown" if row is None else str(row[0])
