"""A pool of connections for a long-running service (``tenantdb serve``), over ``psycopg_pool.ConnectionPool``.

Connections are autocommit (transactions are explicit, as in :class:`Session`), checked when borrowed (a restarted
database is noticed and the connection replaced rather than handed out dead), and reset on check-in by
:func:`tenantdb.db.tenant_context.reset_tenant_context`, so no role or tenant setting outlives a request. No
connection in time — the server down, restarting, or every connection busy past ``busy_timeout`` — is
:class:`DatabaseUnavailable`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg
import psycopg_pool

from tenantdb.db.connect import describe_dsn
from tenantdb.db.session import Session
from tenantdb.db.tenant_context import reset_tenant_context
from tenantdb.errors import DatabaseUnavailable

UNAVAILABLE_HINT = "the database is down, restarting or busy; retry shortly"


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolSettings:
    """Sizes and waits of a pool."""

    min_size: int = 1
    max_size: int = 10
    timeout: timedelta = timedelta(seconds=5)  # wait for a free connection before DatabaseUnavailable
    # when every connection is open and in use (a burst on a live database, not one that is down), the wait goes on
    # up to this in all (None: ``timeout``)
    busy_timeout: timedelta | None = None
    connect_timeout: int = 5  # seconds per connection attempt
    application_name: str = "tenantdb serve"


def _configure(connection: psycopg.Connection[Any]) -> None:
    connection.autocommit = True


class Pool:
    """Sessions borrowed from a connection pool; the pool opens lazily and reconnects by itself."""

    def __init__(self, dsn: str, settings: PoolSettings = PoolSettings()) -> None:
        self.settings = settings
        self.target = describe_dsn(dsn)
        self._pool: psycopg_pool.ConnectionPool[psycopg.Connection[Any]] = psycopg_pool.ConnectionPool(
            dsn,
            min_size=settings.min_size,
            max_size=settings.max_size,
            open=False,
            kwargs={
                "autocommit": True,
                "application_name": settings.application_name,
                "connect_timeout": settings.connect_timeout,
                "keepalives": 1,
                "keepalives_idle": 10,
                "keepalives_interval": 5,
                "keepalives_count": 3,
            },
            configure=_configure,
            check=psycopg_pool.ConnectionPool.check_connection,
            reset=reset_tenant_context,
            timeout=settings.timeout.total_seconds(),
            reconnect_timeout=max(settings.timeout.total_seconds() * 6, 30.0),
            name="tenantdb",
        )

    def open(self) -> None:
        """Start the pool without waiting for its connections (a database down at start is not fatal)."""
        self._pool.open(wait=False)

    def close(self) -> None:
        self._pool.close()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session on a checked connection; :class:`DatabaseUnavailable` when none comes in time.

        A connection broken while in use (the server went away) is discarded by the pool, not returned.
        """
        connection = self._borrow()
        session = Session(connection)
        try:
            yield session
        finally:
            session.rollback()
            self._pool.putconn(connection)

    def _busy(self) -> bool:
        """Every connection the pool may open is open and handed out: the database answers, the pool is busy."""
        stats = self._pool.get_stats()
        return stats.get("pool_size", 0) >= self.settings.max_size and stats.get("pool_available", 0) == 0

    def _borrow(self) -> psycopg.Connection[Any]:
        first = self.settings.timeout.total_seconds()
        busy = self.settings.busy_timeout
        try:
            try:
                return self._pool.getconn(first)
            except psycopg_pool.PoolTimeout:
                if busy is None or busy.total_seconds() <= first or not self._busy():
                    raise
            try:
                return self._pool.getconn(busy.total_seconds() - first)
            except psycopg_pool.PoolTimeout:
                raise DatabaseUnavailable(
                    f"every connection to {self.target} stayed busy for {busy.total_seconds():g}s",
                    hint=UNAVAILABLE_HINT,
                ) from None
        except psycopg_pool.PoolTimeout:
            raise DatabaseUnavailable(
                f"no connection to {self.target} within {first:g}s", hint=UNAVAILABLE_HINT
            ) from None
        except psycopg_pool.PoolClosed:
            raise DatabaseUnavailable("the connection pool is closed", hint=UNAVAILABLE_HINT) from None

    def stats(self) -> dict[str, int]:
        return dict(self._pool.get_stats())
