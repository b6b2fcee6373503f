"""The pool of tenantdb.db: exhausted or unreachable is DatabaseUnavailable; nothing a request set survives it."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from psycopg import sql

from tenantdb.config import load_settings
from tenantdb.db.pool import Pool, PoolSettings
from tenantdb.errors import DatabaseUnavailable, ExitCode
from tenantdb.server.app import create_app
from tenantdb.server.settings import server_settings


def test_an_exhausted_pool_is_database_unavailable(dsn: str) -> None:
    pool = Pool(dsn, PoolSettings(min_size=1, max_size=1, timeout=timedelta(milliseconds=300)))
    pool.open()
    try:
        with pool.session() as held:
            assert held.fetch_value("SELECT 1") == 1
            with pytest.raises(DatabaseUnavailable, match=r"within 0\.3s") as error, pool.session():
                pass
        assert error.value.exit_code == ExitCode.CONNECTION
        with pool.session() as again:
            assert again.fetch_value("SELECT 1") == 1
    finally:
        pool.close()


def test_a_busy_pool_of_a_live_database_waits_longer_than_for_a_connection(dsn: str) -> None:
    """Every connection busy (a burst) is not the database down: the wait goes on up to ``busy_timeout``."""
    busy = timedelta(seconds=10)
    pool = Pool(dsn, PoolSettings(min_size=1, max_size=1, timeout=timedelta(milliseconds=300), busy_timeout=busy))
    pool.open()
    released = threading.Event()

    def hold() -> None:
        with pool.session() as held:
            held.fetch_value("SELECT 1")
            released.wait(5)
            time.sleep(1.0)  # past the 0.3 s wait for a connection

    holder = threading.Thread(target=hold)
    try:
        holder.start()
        time.sleep(0.3)
        released.set()
        began = time.monotonic()
        with pool.session() as waited:
            assert waited.fetch_value("SELECT 1") == 1
        assert time.monotonic() - began >= 0.5
    finally:
        holder.join()
        pool.close()


def test_a_busy_pool_past_its_busy_timeout_is_database_unavailable(dsn: str) -> None:
    pool = Pool(
        dsn,
        PoolSettings(
            min_size=1, max_size=1, timeout=timedelta(milliseconds=200), busy_timeout=timedelta(milliseconds=600)
        ),
    )
    pool.open()
    try:
        with pool.session():
            began = time.monotonic()
            with pytest.raises(DatabaseUnavailable, match=r"busy for 0\.6s"), pool.session():
                pass
            assert time.monotonic() - began >= 0.5
    finally:
        pool.close()


def test_role_and_settings_made_by_a_request_do_not_survive_check_in(dsn: str) -> None:
    pool = Pool(dsn, PoolSettings(min_size=1, max_size=1))
    pool.open()
    try:
        role = f"pool_probe_{secrets.token_hex(4)}"
        with pool.session() as first:
            first.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
            first.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
            first.set_session("app.current_tenant_id", "00000000-0000-4000-8000-00000000000a")
            pid = first.pid
        with pool.session() as second:
            assert second.pid == pid  # the same connection, reset
            assert second.fetch_value("SELECT current_user") != role
            assert second.fetch_value("SELECT current_setting('app.current_tenant_id', true)") in ("", None)
            second.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
    finally:
        pool.close()


def test_the_server_pool_takes_its_busy_timeout_from_the_settings(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, environ={})
    assert server_settings(settings, "postgresql:///x", environ={}).pool_busy_timeout == timedelta(seconds=20)
    found = server_settings(settings, "postgresql:///x", {"TENANTDB_SERVER_POOL_BUSY_TIMEOUT": "45s"})
    assert create_app(found).state.pool.settings.busy_timeout == timedelta(seconds=45)
