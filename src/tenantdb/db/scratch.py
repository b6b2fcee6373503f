"""Scratch databases for ``migrate test`` and the test suite, created and dropped on the given server."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tenantdb.db.connect import connect


def dsn_for_database(dsn: str, database: str) -> str:
    """The same server and credentials, another database."""
    return make_conninfo(dsn, dbname=database)


def database_of(dsn: str) -> str | None:
    name = conninfo_to_dict(dsn).get("dbname")
    return str(name) if name else None


@dataclass(frozen=True, slots=True)
class ScratchDatabase:
    name: str
    dsn: str


def create_scratch_database(dsn: str, prefix: str = "tenantdb_scratch", template: str | None = None) -> ScratchDatabase:
    """Create an empty database next to the one ``dsn`` names."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    with connect(dsn, application_name="tenantdb scratch") as session:
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        session.execute(query)
    return ScratchDatabase(name=name, dsn=dsn_for_database(dsn, name))


MAINTENANCE_DATABASE = "postgres"


def recreate_database(dsn: str, name: str) -> str:
    """Drop ``name`` if it exists, create it empty, and return its DSN."""
    drop_database(dsn, name)
    with connect(_elsewhere(dsn, name), application_name="tenantdb scratch") as session:
        session.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return dsn_for_database(dsn, name)


def drop_database(dsn: str, name: str) -> None:
    """Drop ``name`` on the server ``dsn`` points at, disconnecting its sessions."""
    with connect(_elsewhere(dsn, name), application_name="tenantdb scratch") as session:
        session.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _elsewhere(dsn: str, name: str) -> str:
    """``dsn``, or its server's maintenance database when ``dsn`` is ``name`` itself (a database cannot drop
    itself: the demo run again with TENANTDB_DSN pointing at the demo database)."""
    return dsn_for_database(dsn, MAINTENANCE_DATABASE) if conninfo_to_dict(dsn).get("dbname") == name else dsn
