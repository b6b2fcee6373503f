"""The pool of tenantdb.db: exhausted or unreachable is DatabaseUnavailable; nothing a request set survives it."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from psycopg import sql

from tenantdb.db.pool import Pool, PoolSettings
from tenantdb.errors import DatabaseUnavailable, ExitCode


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
