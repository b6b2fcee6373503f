"""Module api: tokens stored as hashes, sessions, an append-only audit, and no tenant or analyst reach."""

from __future__ import annotations

import pytest

from tenantdb.db import Session
from tenantdb.errors import DatabaseError
from tests import recipes

dsn = recipes.database_fixture(recipes.modules_applied(["api"]))  # every test starts with api applied


API_TABLES = ("api_tokens", "api_sessions", "api_audit", "api_response_cache")


@pytest.fixture
def api(session: Session) -> Session:
    return session


@pytest.mark.parametrize("role", ["tenant_api", "application_service", "business_analysts", "tenantdb_api_auth"])
@pytest.mark.parametrize("table", API_TABLES)
def test_no_tenant_analyst_or_auth_role_may_touch_the_api_tables(api: Session, role: str, table: str) -> None:
    for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"):
        assert not api.fetch_value("SELECT has_table_privilege(%s, %s, %s)", (role, table, privilege)), privilege


CACHE_FUNCTIONS = (
    "tenantdb_api_cache_get(bytea)",
    "tenantdb_api_cache_put(bytea, text, text, text, text, jsonb, bytea)",
)


@pytest.mark.parametrize("role", ["tenant_api", "application_service", "business_analysts", "db_administrators"])
@pytest.mark.parametrize("function", CACHE_FUNCTIONS)
def test_only_the_auth_role_reaches_the_shared_response_store(api: Session, role: str, function: str) -> None:
    assert not api.fetch_value("SELECT has_function_privilege(%s, %s, 'EXECUTE')", (role, function))
    assert api.fetch_value("SELECT has_function_privilege('tenantdb_api_auth', %s, 'EXECUTE')", (function,))


def test_a_stored_answer_is_kept_once_and_yesterdays_go_on_write(api: Session) -> None:
    with api.transaction():
        api.execute("SET LOCAL ROLE tenantdb_api_auth")
        for body in (b"first", b"second"):
            api.execute(
                "SELECT tenantdb_api_cache_put(sha256('k'), 'business_analysts', '/r', 'v1', 'text/csv', '[]', %s)",
                (body,),
            )
        assert api.fetch_all("SELECT body FROM tenantdb_api_cache_get(sha256('k'))") == [(b"first",)]
        assert api.fetch_all("SELECT body FROM tenantdb_api_cache_get(sha256('other'))") == []
    api.execute("UPDATE api_response_cache SET stored_on = stored_on - 2")
    with api.transaction():
        api.execute("SET LOCAL ROLE tenantdb_api_auth")
        api.execute(
            "SELECT tenantdb_api_cache_put(sha256('new'), 'business_analysts', '/r', 'v2', 'text/csv', '[]', 'x')"
        )
    assert api.fetch_all("SELECT route, data_version FROM api_response_cache") == [("/r", "v2")]


def test_api_tables_force_row_level_security(api: Session) -> None:
    rows = api.fetch_all(
        "SELECT relname, relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relname = ANY (%s)",
        (list(API_TABLES),),
    )
    assert sorted(rows) == sorted((table, True) for table in API_TABLES)


def test_the_audit_refuses_update_delete_and_truncate_even_for_its_owner(api: Session) -> None:
    api.execute(
        "SELECT tenantdb_api_audit_record(NULL, NULL, NULL, 'login_failed', 'POST', '/login', 401, '127.0.0.1', '{}')"
    )
    for statement in ("UPDATE api_audit SET status = 200", "DELETE FROM api_audit", "TRUNCATE api_audit"):
        with pytest.raises(DatabaseError, match="append-only"):
            api.execute(statement)
    assert api.fetch_value("SELECT count(*) FROM api_audit") == 1


def test_the_auth_role_authenticates_only_valid_tokens(api: Session) -> None:
    api.execute(
        "INSERT INTO api_tokens (name, scope, token_hash, prefix, expires_at) VALUES"
        " ('live', 'executive', sha256('a'), 'tdb_aaaaaaaa', now() + interval '1 day'),"
        " ('revoked', 'executive', sha256('b'), 'tdb_bbbbbbbb', now() + interval '1 day'),"
        " ('expired', 'analyst', sha256('c'), 'tdb_cccccccc', now() + interval '1 second')"
    )
    api.execute("UPDATE api_tokens SET revoked_at = now() WHERE name = 'revoked'")
    api.execute("UPDATE api_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day'"
                " WHERE name = 'expired'")  # fmt: skip
    with api.transaction():
        api.execute("SET LOCAL ROLE tenantdb_api_auth")
        found = [api.fetch_all("SELECT scope FROM tenantdb_api_authenticate(sha256(%s))", (s,)) for s in "abcd"]
    assert found == [[("executive",)], [], [], []]
    assert api.fetch_value("SELECT last_used_at IS NOT NULL FROM api_tokens WHERE name = 'live'")


def test_a_token_used_again_within_a_minute_is_not_written_again(api: Session) -> None:
    api.execute(
        "INSERT INTO api_tokens (name, scope, token_hash, prefix, expires_at) VALUES"
        " ('live', 'executive', sha256('a'), 'tdb_aaaaaaaa', now() + interval '1 day')"
    )

    def use() -> tuple[list[tuple[object, ...]], object]:
        with api.transaction():
            api.execute("SET LOCAL ROLE tenantdb_api_auth")
            found = api.fetch_all("SELECT scope FROM tenantdb_api_authenticate(sha256('a'))")
            wrote = api.fetch_value("SELECT pg_current_xact_id_if_assigned()")
        return found, wrote

    assert use() != ([("executive",)], None)  # first use: last_used_at written
    assert use() == ([("executive",)], None)  # again at once: a read-only transaction
    api.execute("UPDATE api_tokens SET last_used_at = now() - interval '61 seconds'")
    found, wrote = use()
    assert found == [("executive",)] and wrote is not None
    assert api.fetch_value("SELECT last_used_at > now() - interval '1 minute' FROM api_tokens")
