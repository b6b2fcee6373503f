"""Open sessions: DSN validation, friendly connection errors, and the runner's session settings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from tenantdb.db.session import Session, millis
from tenantdb.errors import ConfigError, ConnectionFailed

SERVER_MIN_VERSION = 140000


def describe_dsn(dsn: str) -> str:
    """The DSN without its password, safe to print."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "<invalid DSN>"
    host = parts.get("host") or "localhost"
    port = parts.get("port") or "5432"
    return f"{parts.get('user') or ''}@{host}:{port}/{parts.get('dbname') or ''}".lstrip("@")


def dsn_database(dsn: str) -> str | None:
    """The database a DSN names; None when it names none or is not a DSN (connecting reports that)."""
    try:
        name = conninfo_to_dict(dsn).get("dbname")
    except psycopg.ProgrammingError:
        return None
    return str(name) if name else None


def connect_failure(text: str) -> str:
    """libpq's cause (``Connection refused``, the server's ``FATAL``) with its advice, on one line."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    cause = lines[0].rpartition(" failed: ")[2]
    advice = lines[1] if len(lines) > 1 and not lines[1].startswith("Multiple connection attempts") else ""
    return f"{cause} ({advice[:1].lower()}{advice[1:]})" if advice else cause


def connect(
    dsn: str,
    *,
    application_name: str = "tenantdb",
    connect_timeout: int = 10,
    check_interval: timedelta | None = None,
    row_security_off: bool = False,
) -> Session:
    """Connect in autocommit mode with TCP keepalives; a dead client's backend is noticed within seconds."""
    try:
        conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as error:
        raise ConfigError(  # bad input (exit 3), not an unreachable server
            f"invalid DSN: {str(error).strip()}",
            hint="use a URL like postgresql://user:password@host:5432/dbname",
        ) from None
    options: dict[str, Any] = {
        "autocommit": True,
        "application_name": application_name,
        "connect_timeout": connect_timeout,
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
    }
    try:
        connection = psycopg.connect(dsn, **options)
    except psycopg.Error as error:
        raise ConnectionFailed(
            f"cannot connect to {describe_dsn(dsn)}: {connect_failure(str(error)) or type(error).__name__}",
            remedy="dsn",
            hint="to name the server, or check TENANTDB_DSN, DATABASE_URL or tenantdb.toml, and that the server is up",
        ) from None
    session = Session(connection)
    if session.server_version < SERVER_MIN_VERSION:
        version = session.server_version
        session.close()
        raise ConnectionFailed(
            f"PostgreSQL {version // 10000} is not supported", hint="tenantdb needs PostgreSQL 14 or newer"
        )
    if check_interval is not None:
        # A killed runner's backend otherwise keeps its locks until it next writes to the socket.
        session.set_session("client_connection_check_interval", millis(check_interval))
    if row_security_off:
        # A migration role that is subject to row-level security would silently see (and archive, backfill,
        # verify) zero rows; with row_security off, PostgreSQL raises an error instead of filtering.
        session.set_session("row_security", "off")
    return session
