"""Where commands connect: the DSN or the embedded server, sessions, and the embedded server's controls."""

from __future__ import annotations

from tenantdb.config import EMBEDDED_DATABASE, Settings
from tenantdb.db import (
    EmbeddedStatus,
    Session,
    StoppedServer,
    connect,
    describe_dsn,
    embedded_status,
    runner_identity,
    start_embedded,
    stop_all_embedded,
    stop_embedded,
)
from tenantdb.db.scratch import dsn_for_database


def resolve_dsn(settings: Settings) -> str:
    """The configured DSN, or the project's embedded server (started on first use) and its configured database."""
    if settings.dsn:
        return settings.dsn
    url = start_embedded(settings.project_dir, settings.pg_bin, idle_shutdown=settings.idle_shutdown)
    return url if settings.database_name == EMBEDDED_DATABASE else dsn_for_database(url, settings.database_name)


def open_session(settings: Settings, purpose: str = "runner") -> Session:
    return connect(
        resolve_dsn(settings),
        application_name=f"tenantdb {purpose} {runner_identity()}"[:63],
        check_interval=settings.runner.connection_check_interval,
        row_security_off=True,
    )


def db_status(settings: Settings) -> EmbeddedStatus:
    return embedded_status(settings.project_dir, settings.pg_bin)


def db_stop(settings: Settings) -> bool:
    return stop_embedded(settings.project_dir)


def db_stop_all() -> tuple[StoppedServer, ...]:
    """Stop every embedded server this user started, whichever project it belongs to."""
    return stop_all_embedded()


def db_url(settings: Settings, database: str | None = None) -> str:
    dsn = resolve_dsn(settings)
    return dsn_for_database(dsn, database) if database else dsn


def describe_target(settings: Settings) -> str:
    """Where commands will connect, without secrets."""
    if settings.dsn:
        return describe_dsn(settings.dsn)
    database = "" if settings.database_name == EMBEDDED_DATABASE else f", database {settings.database_name}"
    return f"embedded PostgreSQL in {settings.project_dir}{database}"
