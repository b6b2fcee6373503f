"""R30 and R31 of the attack matrix: a tenant context that SQL run as a tenant role cannot forge, and that does not
outlive its request on a pooled connection.

In the plain mode the policies trust ``app.current_tenant_id``, which any role can set: right for deployments whose
tenants never run SQL. Once a signing key is installed the policies trust only ``app.tenant_context``, a token the
application signs (HMAC-SHA-256 of tenant and expiry, with a key the tenant roles cannot read) and
``tenantdb_current_tenant()`` verifies once per statement: a forged, altered or expired token sees nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from psycopg import sql
from psycopg_pool import ConnectionPool

from tenantdb.db import Session
from tenantdb.db.tenant_context import TOKEN_SETTING, reset_tenant_context, tenant_transaction
from tenantdb.errors import DatabaseError
from tenantdb.modules import available_modules, module_migrations
from tenantdb.tenant_token import TenantTokenSigner
from tests.modules.security_world import (
    INSUFFICIENT_PRIVILEGE,
    SETTING,
    TENANT_READ_TABLES,
    TENANT_ROLES,
    TENANT_TABLES,
    Tenant,
    World,
    a_reader,
    key_column,
    leaked,
    privileged,
    readable,
    rows_as_text,
    rows_per_tenant,
)

KEY = secrets.token_bytes(32)
OTHER_KEY = secrets.token_bytes(32)
FIRST, SECOND, UNKNOWN = uuid4(), uuid4(), uuid4()


@pytest.fixture
def signing(world: World, admin: Session) -> Iterator[TenantTokenSigner]:
    """Signed mode for one test: key 1 installed, removed again afterwards (back to the plain setting)."""
    admin.execute("INSERT INTO tenantdb_context_keys (key_id, secret) VALUES (%s, %s)", (FIRST, KEY))
    try:
        yield TenantTokenSigner(key_id=FIRST, secret=KEY)
    finally:
        admin.execute("DELETE FROM tenantdb_context_keys")


def reading(session: Session, role: str, table: str, **settings: str) -> list[str] | None:
    """What ``role`` sees of ``table`` with the given settings made transaction-locally; None if it may not read."""
    if not readable(session, role, table):
        return None
    session.execute("BEGIN")
    try:
        session.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        for name, value in settings.items():
            session.execute("SELECT set_config(%s, %s, true)", (name.replace("__", "."), value))
        return rows_as_text(session, table)
    finally:
        session.rollback()


def token_setting(token: str) -> dict[str, str]:
    return {TOKEN_SETTING.replace(".", "__"): token}


def plain_setting(tenant: Tenant) -> dict[str, str]:
    return {SETTING.replace(".", "__"): tenant.id}


def tampered(token: str, tenant: Tenant) -> str:
    """The token with its tenant replaced and its signature kept."""
    return ".".join([tenant.id, *token.split(".")[1:]])


# --------------------------------------------------------------------------------------- R30 forged context


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_r30_in_signed_mode_the_plain_setting_reads_nothing(
    world: World, admin: Session, signing: TenantTokenSigner, table: str
) -> None:
    for role in TENANT_ROLES:
        assert reading(admin, role, table, **plain_setting(world.t2)) in ([], None), role


@pytest.mark.parametrize("table", TENANT_READ_TABLES)
def test_r30_a_forged_altered_expired_or_foreign_key_token_reads_nothing(
    world: World, admin: Session, signing: TenantTokenSigner, table: str
) -> None:
    valid_for_t1 = signing.sign(UUID(world.t1.id))
    forgeries = {
        "altered tenant": tampered(valid_for_t1, world.t2),
        "expired": signing.sign(UUID(world.t2.id), expires_at=datetime.now(UTC) - timedelta(seconds=1)),
        "other key": TenantTokenSigner(key_id=FIRST, secret=OTHER_KEY).sign(UUID(world.t2.id)),
        "unknown key id": TenantTokenSigner(key_id=UNKNOWN, secret=KEY).sign(UUID(world.t2.id)),
        "no signature": ".".join(signing.sign(UUID(world.t2.id)).split(".")[:-1]),
        "garbage": "not a token",
        "empty": "",
        "sql": "' OR true --",
    }
    role = a_reader(admin, table)
    for name, token in forgeries.items():
        assert reading(admin, role, table, **token_setting(token)) == [], name


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_r30_a_valid_token_reads_exactly_its_tenants_rows(
    world: World, admin: Session, signing: TenantTokenSigner, table: str
) -> None:
    for role in TENANT_ROLES:
        for tenant in world.tenants:
            rows = reading(admin, role, table, **token_setting(signing.sign(UUID(tenant.id))))
            if rows is None:
                continue
            assert len(rows) == rows_per_tenant(table), (role, tenant.number)
            assert all(tenant.id in row for row in rows)
            assert leaked(world, tenant, rows) == []


def test_r30_a_valid_token_does_not_let_a_tenant_write_for_another(
    world: World, admin: Session, signing: TenantTokenSigner
) -> None:
    with tenant_transaction(admin, role="application_service", token=signing.sign(UUID(world.t1.id))):
        with pytest.raises(DatabaseError) as error:
            admin.execute("INSERT INTO teams (tenant_id, name) VALUES (%s, 'planted')", (world.t2.id,))
        assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE


def test_r30_the_keys_are_out_of_every_tenant_and_analyst_roles_reach(world: World, admin: Session) -> None:
    for role in (*TENANT_ROLES, "business_analysts"):
        for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            assert not privileged(admin, role, "tenantdb_context_keys", privilege), (role, privilege)
        assert not admin.fetch_value(
            "SELECT bool_or(has_function_privilege(%s, p.oid, 'EXECUTE')) FROM pg_proc p"
            " WHERE p.proname LIKE 'tenantdb\\_hmac%%'",
            (role,),
        )


def test_r30_keys_rotate_without_a_gap(world: World, admin: Session, signing: TenantTokenSigner) -> None:
    second = TenantTokenSigner(key_id=SECOND, secret=OTHER_KEY)
    admin.execute("INSERT INTO tenantdb_context_keys (key_id, secret) VALUES (%s, %s)", (SECOND, OTHER_KEY))
    old, new = signing.sign(UUID(world.t1.id)), second.sign(UUID(world.t1.id))
    assert len(reading(admin, "tenant_api", "users", **token_setting(old)) or []) == 1
    assert len(reading(admin, "tenant_api", "users", **token_setting(new)) or []) == 1
    admin.execute("DELETE FROM tenantdb_context_keys WHERE key_id = %s", (FIRST,))
    assert reading(admin, "tenant_api", "users", **token_setting(old)) == []
    assert len(reading(admin, "tenant_api", "users", **token_setting(new)) or []) == 1


def test_the_plain_mode_trusts_the_setting(world: World, admin: Session) -> None:
    """Documented, not a defect: without a signing key whoever can run SQL as a tenant role names the tenant."""
    assert len(reading(admin, "tenant_api", "users", **plain_setting(world.t2)) or []) == 1


def test_policies_read_the_tenant_once_per_statement_through_the_verifying_function(admin: Session) -> None:
    expressions = admin.fetch_all(
        "SELECT DISTINCT pg_get_expr(p.polqual, p.polrelid) FROM pg_policy p"
        " WHERE p.polname IN ('tenant_isolation', 'tenant_guard')"
    )
    assert expressions
    for (expression,) in expressions:
        assert "SELECT tenantdb_current_tenant()" in str(expression), expression
        assert "current_setting" not in str(expression), expression


# ----------------------------------------------------------------------- R31 context across pooled requests


@pytest.mark.parametrize(
    "leak",
    [
        "SELECT set_config('app.current_tenant_id', %(tenant)s, false)",
        "SELECT set_config('app.tenant_context', %(token)s, false)",
        "SET ROLE tenant_api",
    ],
)
def test_r31_a_session_level_context_does_not_reach_the_next_request_on_a_pooled_connection(
    world: World, admin: Session, signing: TenantTokenSigner, leak: str
) -> None:
    token = signing.sign(UUID(world.t1.id))
    with ConnectionPool(world.dsn, min_size=1, max_size=1, reset=reset_tenant_context, open=True) as pool:
        with pool.connection() as first:  # a request that leaves its context on the connection
            first.execute("SET ROLE tenant_api")
            first.execute(leak, {"tenant": world.t1.id, "token": token})
            first.commit()
        with pool.connection() as second:  # the next request forgets to set its own
            assert second.execute("SELECT current_user").fetchone() != ("tenant_api",)
            assert second.execute("SELECT current_setting('app.current_tenant_id', true)").fetchone() in [
                ("",),
                (None,),
            ]
            assert second.execute("SELECT current_setting('app.tenant_context', true)").fetchone() in [("",), (None,)]
            second.execute("SET ROLE tenant_api")
            assert second.execute("SELECT count(*) FROM users").fetchone() == (0,)


def test_r31_without_the_reset_a_pool_hands_the_context_on(world: World, admin: Session) -> None:
    """Why the reset is needed: psycopg_pool keeps session state between requests by default."""
    with ConnectionPool(world.dsn, min_size=1, max_size=1, open=True) as pool:
        with pool.connection() as first:
            first.execute("SELECT set_config('app.current_tenant_id', %s, false)", (world.t1.id,))
        with pool.connection() as second:
            assert second.execute("SELECT current_setting('app.current_tenant_id', true)").fetchone() == (world.t1.id,)


def test_tenant_transaction_sets_role_and_context_for_one_transaction_only(
    world: World, admin: Session, signing: TenantTokenSigner
) -> None:
    with tenant_transaction(admin, role="tenant_api", token=signing.sign(UUID(world.t1.id))):
        assert admin.fetch_value("SELECT current_user") == "tenant_api"
        assert admin.fetch_value("SELECT count(*) FROM users") == 1
    assert admin.fetch_value("SELECT current_user") != "tenant_api"
    assert admin.fetch_value("SELECT current_setting(%s, true)", (TOKEN_SETTING,)) in ("", None)


def test_tenant_transaction_in_plain_mode(world: World, admin: Session) -> None:
    with tenant_transaction(admin, role="tenant_api", tenant=UUID(world.t2.id)):
        assert (
            admin.fetch_value(
                sql.SQL("SELECT count(*) FROM users WHERE {} = %s").format(sql.Identifier(key_column("users"))),
                (world.t2.id,),
            )
            == 1
        )


# --------------------------------------------------------------------------------------- the mode follows the keys


def plan_of(session: Session, query: str) -> str:
    session.execute("BEGIN")
    try:
        session.execute("SET LOCAL ROLE tenant_api")
        return "\n".join(str(row[0]) for row in session.fetch_all(f"EXPLAIN (VERBOSE, COSTS OFF) {query}"))
    finally:
        session.rollback()


def test_plain_mode_inlines_the_setting_and_signed_mode_calls_the_verifier(world: World, admin: Session) -> None:
    """Plain mode costs what the bare setting costs (the planner inlines tenantdb_current_tenant()); the first key
    switches every policy to the verifier in the same transaction, the last key removed switches back, and a plan
    prepared before the switch is not reused after it."""
    plain = plan_of(admin, "SELECT * FROM users")
    assert "current_setting('app.current_tenant_id'" in plain and "tenantdb_" not in plain
    admin.execute("PREPARE users_of_tenant AS SELECT count(*) FROM users")
    try:
        admin.execute("BEGIN")
        admin.execute("SET LOCAL ROLE tenant_api")
        admin.execute("SELECT set_config(%s, %s, true)", (SETTING, world.t1.id))
        assert admin.fetch_value("EXECUTE users_of_tenant") == 1
        admin.rollback()
        admin.execute("INSERT INTO tenantdb_context_keys (key_id, secret) VALUES (%s, %s)", (FIRST, KEY))
        assert "tenantdb_signed_tenant()" in plan_of(admin, "SELECT * FROM users")
        admin.execute("BEGIN")
        admin.execute("SET LOCAL ROLE tenant_api")
        admin.execute("SELECT set_config(%s, %s, true)", (SETTING, world.t1.id))
        assert admin.fetch_value("EXECUTE users_of_tenant") == 0  # the plan of plain mode is gone
        admin.rollback()
    finally:
        admin.execute("DELETE FROM tenantdb_context_keys")
        admin.execute("DEALLOCATE users_of_tenant")
    assert "tenantdb_" not in plan_of(admin, "SELECT * FROM users")


def test_verify_reports_a_mode_that_does_not_match_the_keys(world: World, admin: Session) -> None:
    (context,) = [m for m in module_migrations(available_modules()["security"]) if m.name == "tenant_context"]
    assert context.verify is not None
    admin.execute("BEGIN")
    try:
        admin.execute("ALTER TABLE tenantdb_context_keys DISABLE TRIGGER tenantdb_context_mode")
        admin.execute("INSERT INTO tenantdb_context_keys (secret) VALUES (%s)", (KEY,))
        problems = [str(row[0]) for s in context.verify.statements for row in admin.fetch_all(s.text)]
        admin.execute("ALTER TABLE tenantdb_context_keys ENABLE TRIGGER tenantdb_context_mode")
        admin.execute("UPDATE tenantdb_context_keys SET key_id = key_id")  # what the problem says to run
        realigned = [str(row[0]) for s in context.verify.statements for row in admin.fetch_all(s.text)]
    finally:
        admin.rollback()
    assert problems == [
        "tenantdb_context_keys holds 1 key(s) but tenantdb_current_tenant() is in plain mode: run "
        "UPDATE tenantdb_context_keys SET key_id = key_id to realign it"
    ]
    assert realigned == []
