"""The tenant-isolation attack matrix (RELIABILITY.md §3.3, R1-R23) against every bundled module.

Three tenants hold rows of the same shapes in every tenant table of every module — the same secondary keys,
e-mail addresses and names — each row marked with its tenant's canary (and its tenant id). Every attack runs as
the roles services use (``SET LOCAL ROLE tenant_api`` etc.) with the tenant set the way the application sets it
(``set_config('app.current_tenant_id', id, true)`` in the transaction), and passes only when no byte of another
tenant's canary or id comes back. The rows about the HTTP API (R3, R6, R7, R16, R20) run its app over the same
world with a tenant token, on every route its router serves; side channels are tested as far as the database layer
reaches.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from psycopg.types.json import Json

from tenantdb.db import Session, connect, find_binaries
from tenantdb.errors import DatabaseError, TenantdbError
from tenantdb.execute import RunRequest, migrate
from tenantdb.lint import lint_migration_sets
from tenantdb.migrations import Direction, MigrationSet, load_migrations
from tenantdb.modules import module_migrations, resolve_modules
from tenantdb.verify import verify
from tests.helpers import FAST, write_files
from tests.modules.security_world import (
    ALL_ROLES,
    INSUFFICIENT_PRIVILEGE,
    KEYS,
    OPERATOR_ONLY_TABLES,
    SETTING,
    TENANT_READ_TABLES,
    TENANT_ROLES,
    TENANT_SEEDS,
    TENANT_TABLES,
    TRIGGER_FILLED,
    Tenant,
    World,
    a_reader,
    acting,
    assert_denied,
    count_of,
    digest,
    every_module_set,
    exists,
    key_column,
    leaked,
    privileged,
    readable,
    readable_columns,
    readable_rows,
    rows_as_text,
    rows_in_all,
    rows_per_tenant,
    switch_tenant,
    visible_rows,
    writable_columns,
)
from tests.server.attack_corpus import SQL, TENANT_OVERRIDES
from tests.server.attack_world import BODY_METHODS, ROUTES, Route

# ------------------------------------------------------------------------------------------------ the module


def test_every_module_lints_clean_together() -> None:
    report = lint_migration_sets(every_module_set())
    assert [f"{f.path}:{f.line} {f.rule} {f.message}" for f in report.findings] == []


def test_rolling_security_back_keeps_the_cluster_wide_roles(session: Session) -> None:
    sets = [module_migrations(spec) for spec in resolve_modules(["security"])]
    migrate(session, sets, FAST, RunRequest(direction=Direction.UP))
    migrate(session, sets, FAST, RunRequest(direction=Direction.DOWN, everything=True))
    present = session.fetch_all("SELECT rolname FROM pg_roles WHERE rolname = ANY (%s) ORDER BY 1", (list(ALL_ROLES),))
    assert [row[0] for row in present] == sorted(ALL_ROLES)
    assert not session.fetch_value("SELECT has_schema_privilege('tenant_api', 'public', 'CREATE')")


def test_an_existing_bypassing_role_is_refused_not_trusted(session: Session) -> None:
    sets = [module_migrations(spec) for spec in resolve_modules(["security"])]
    migrate(session, sets, FAST, RunRequest(direction=Direction.UP))  # the roles exist from here on
    create_roles = sets[-1].migrations[0].up.statements[0].text
    session.execute("BEGIN")  # ALTER ROLE is cluster-wide: only inside a transaction that is rolled back
    try:
        session.execute("ALTER ROLE business_analysts BYPASSRLS")
        with pytest.raises(DatabaseError, match="BYPASSRLS"):
            session.execute(create_roles)
    finally:
        session.rollback()


def test_the_world_holds_every_tenant_table_with_rows_of_every_tenant(world: World, admin: Session) -> None:
    in_database = admin.fetch_all(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace"
        " AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND (c.relname = 'companies' OR EXISTS"
        " (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')) ORDER BY 1"
    )
    assert tuple(row[0] for row in in_database) == TENANT_TABLES
    unseeded = [table for table in TENANT_TABLES if table not in TENANT_SEEDS and table not in TRIGGER_FILLED]
    assert unseeded == [], "add canary rows for these tables to TENANT_SEEDS"
    for table in TENANT_TABLES:
        assert [count_of(admin, table, tenant) for tenant in world.tenants] == [rows_per_tenant(table)] * 3, table


def test_verify_passes_on_every_module(world: World, admin: Session) -> None:
    report = verify(admin, every_module_set())
    assert [v.message for v in report.violations] == []


# ------------------------------------------------------------------- R1 owner / superuser / BYPASSRLS connections


def test_r1_tenant_roles_are_neither_superuser_nor_bypassrls_nor_owners(admin: Session) -> None:
    assert (
        admin.fetch_all(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY (%s) AND (rolsuper OR rolbypassrls OR rolcanlogin)",
            (list(ALL_ROLES),),
        )
        == []
    )
    owned = admin.fetch_all(
        "SELECT r.rolname, c.relname FROM pg_class c JOIN pg_roles r ON r.rolname = ANY (%s)"
        " WHERE pg_has_role(r.oid, c.relowner, 'MEMBER') AND c.relnamespace = current_schema()::regnamespace",
        (list(ALL_ROLES),),
    )
    assert owned == []


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_r1_every_tenant_table_forces_row_level_security(admin: Session, table: str) -> None:
    assert admin.fetch_one(
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = %s::regclass", (table,)
    ) == (True, True)


@pytest.mark.parametrize("table", ["users", "subscriptions", "vps_instances", "ai_analysis_sessions"])
def test_r1_forced_row_level_security_binds_a_non_superuser_owner(world: World, admin: Session, table: str) -> None:
    if not exists(admin, table):
        pytest.skip(f"{table} is not in the bundled modules")
    owner = f"tenantdb_owner_{secrets.token_hex(4)}"
    admin.execute("BEGIN")  # CREATE ROLE and ALTER OWNER roll back with the transaction
    try:
        admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(owner)))
        admin.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(sql.Identifier(table), sql.Identifier(owner)))
        admin.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(owner)))
        switch_tenant(admin, world.t1)
        assert rows_as_text(admin, table) == []  # no policy names the owner: it sees nothing, fail closed
    finally:
        admin.rollback()


# --------------------------------------------------------------------------- R2 / R19 tenant tables without RLS


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_r2_every_tenant_table_has_the_policy_set(admin: Session, table: str) -> None:
    policies = {
        (row[0], row[1], row[2], row[3])
        for row in admin.fetch_all(
            "SELECT policyname, permissive, roles::text, cmd FROM pg_policies"
            " WHERE schemaname = current_schema() AND tablename = %s",
            (table,),
        )
    }
    assert ("tenant_guard", "RESTRICTIVE", "{application_service,tenant_api}", "ALL") in policies
    assert ("analysts_read", "PERMISSIVE", "{business_analysts}", "SELECT") in policies
    if table == "billing_audit_log":  # no role may change the billing audit trail: administrators read it
        assert ("administrators_read", "PERMISSIVE", "{db_administrators}", "SELECT") in policies
    else:
        assert ("administrators_manage", "PERMISSIVE", "{db_administrators}", "ALL") in policies
    tenant_permissive = [p for p in policies if p[1] == "PERMISSIVE" and "tenant_api" in p[2]]
    assert tenant_permissive, f"{table}: no permissive policy lets a tenant role reach its own rows"


def isolation_project(directory: Path, extra_sql: str) -> list[MigrationSet]:
    write_files(directory, {"0001_notes.sql": f"-- migrate:up\n{extra_sql}\n"})
    return [*[module_migrations(spec) for spec in resolve_modules(["security"])], load_migrations(directory)]


def test_r2_lint_and_verify_report_a_later_tenant_table_without_rls(session: Session, tmp_path: Path) -> None:
    sets = isolation_project(
        tmp_path, "CREATE TABLE notes (tenant_id uuid NOT NULL, id bigint, body text, PRIMARY KEY (tenant_id, id));"
    )
    findings = lint_migration_sets(sets).findings
    assert [f.rule for f in findings] == ["require-rls-on-tenant-table"]
    migrate(session, sets, FAST, RunRequest(direction=Direction.UP))
    messages = [v.message for v in verify(session, sets).violations]
    assert any("notes holds tenants' rows but row-level security is not enabled and forced" in m for m in messages)
    assert any("notes has no RESTRICTIVE policy" in m for m in messages)


def test_r2_verify_reports_a_rollup_with_rls_but_no_guard(session: Session, tmp_path: Path) -> None:
    sets = isolation_project(
        tmp_path,
        "CREATE TABLE notes_daily (tenant_id uuid NOT NULL, day date NOT NULL, notes bigint NOT NULL);\n"
        "ALTER TABLE notes_daily ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;\n"
        "CREATE POLICY tenant_isolation ON notes_daily TO tenant_api\n"
        "    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);\n"
        "ALTER TABLE notes_daily OWNER TO tenantdb_owner;",
    )
    migrate(session, sets, FAST, RunRequest(direction=Direction.UP))
    messages = [v.message for v in verify(session, sets).violations]
    assert messages == [
        "public.notes_daily has no RESTRICTIVE policy for application_service and tenant_api with USING and WITH "
        "CHECK (tenant_id = (SELECT tenantdb_current_tenant()))"
    ]


ROLLUPS = [t for t in ("deliverability_daily", "billing_analytics", "usage_metrics", "usage_aggregates_daily",
                       "usage_aggregates_monthly", "feature_usage", "api_usage") if t in TENANT_TABLES]  # fmt: skip


@pytest.mark.parametrize("table", ROLLUPS)
@pytest.mark.parametrize("role", TENANT_ROLES)
def test_r19_rollups_aggregate_only_the_callers_rows(world: World, admin: Session, role: str, table: str) -> None:
    columns = admin.fetch_all(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped"
        " AND atttypid IN ('bigint'::regtype, 'integer'::regtype, 'numeric'::regtype)",
        (table,),
    )
    sums = sql.SQL(", ").join(sql.SQL("sum({})").format(sql.Identifier(str(c[0]))) for c in columns)
    mine = admin.fetch_one(
        sql.SQL("SELECT count(*), {} FROM {} WHERE tenant_id = %s").format(sums, sql.Identifier(table)), (world.t1.id,)
    )
    if visible_rows(admin, role, world.t1, table) is None:
        return  # the role may not read the roll-up at all
    with acting(admin, role, world.t1):
        seen = admin.fetch_one(sql.SQL("SELECT count(*), {} FROM {}").format(sums, sql.Identifier(table)))
    assert seen == mine


# ------------------------------------------------------------------------------------------ R3 missing context


@pytest.mark.parametrize("table", TENANT_TABLES)
@pytest.mark.parametrize("role", TENANT_ROLES)
def test_r3_without_tenant_context_nothing_is_visible_and_nothing_is_written(
    world: World, admin: Session, role: str, table: str
) -> None:
    row = one_row_of(admin, table, world.t1)
    assert visible_rows(admin, role, None, table) in ([], None)
    with acting(admin, role, None), pytest.raises(DatabaseError) as error:
        insert_json(admin, table, row)
    assert_denied(error, world, world.t1)


# The API rows (R3, R6, R7, R16, R20) run the HTTP app over this world with a token of T1 (scope tenant:tenant-1),
# on every route the router serves (tests/server/attack_world.py enumerates them): whatever the route, no byte of
# another tenant's canary or id comes back.


@pytest.fixture(scope="module")
def api(world: World) -> Iterator[tuple[TestClient, str]]:
    from tenantdb.db.api_tokens import Scope, create_token
    from tenantdb.server.app import create_app
    from tenantdb.server.settings import ServerSettings

    with connect(world.dsn) as session:
        token = create_token(session, name="R rows", scope=Scope.TENANT, tenant="tenant-1",
                             lifetime=timedelta(hours=1)).secret  # fmt: skip
    settings = ServerSettings(dsn=world.dsn, token_burst=100_000, tenant_burst=100_000, failed_auth_burst=100_000)
    with TestClient(create_app(settings), base_url="http://testserver", raise_server_exceptions=False,
                    follow_redirects=False) as client:  # fmt: skip
        yield client, token


def t1_path(world: World, route: Route) -> str:
    return route.fill({name: world.t1.id if name.endswith("id") else "tenant-1" for name, _ in route.path_params
                       if "month" not in name})  # fmt: skip


def api_get(api: tuple[TestClient, str], world: World, route: Route, **kw: Any) -> Any:
    client, token = api
    headers = {"Authorization": f"Bearer {token}", **kw.pop("headers", {})}
    body: dict[str, Any] = {"json": {}} if route.method in BODY_METHODS and "json" not in kw else {}
    return client.request(route.method, t1_path(world, route), headers=headers, **body, **kw)


API_ROUTES = [route for route in ROUTES if not route.public]


def test_r3_every_api_request_passes_the_tenant_context_dependency(world: World, api: tuple[TestClient, str]) -> None:
    """No route skips the dependency that sets the role and the tenant (only the public allow-list lacks it, and
    it answers no tenant data); through it, T1's token reaches only T1's rows."""
    assert all(route.scopes is not None for route in API_ROUTES)
    for route in ROUTES:
        response = api_get(api, world, route)
        assert response.status_code < 500, route.id
        assert leaked(world, world.t1, [response.text]) == [], route.id


def test_r6_tenant_override_in_the_request_is_ignored(world: World, api: tuple[TestClient, str]) -> None:
    client, _ = api
    for route in API_ROUTES:
        for name in TENANT_OVERRIDES:
            for other in (world.t2.id, "tenant-2"):
                client.cookies.clear()
                client.cookies.set(name, other)
                answers = [
                    api_get(api, world, route, params={name: other}),
                    api_get(api, world, route, headers={name: other}),
                ]
                client.cookies.clear()
                if route.method in BODY_METHODS:
                    answers.append(api_get(api, world, route, json={name: other}))
                for response in answers:
                    assert response.status_code < 500, (route.id, name)
                    assert leaked(world, world.t1, [response.text]) == [], (route.id, name)


def test_r7_injected_set_config_has_no_effect(world: World, api: tuple[TestClient, str]) -> None:
    payloads = [p for p in SQL if "set_config" in p] + [
        f"'; SELECT set_config('{SETTING}', '{world.t2.id}', false); --",
        f"x') OR set_config('{SETTING}', '{world.t2.id}', true) IS NOT NULL --",
    ]
    for route in API_ROUTES:
        names = [name for name, _ in route.query_params]
        for payload in payloads:
            for name in names:
                response = api_get(api, world, route, params={name: payload})
                assert response.status_code < 500, (route.id, name)
                assert leaked(world, world.t1, [response.text]) == [], (route.id, name)
            after = api_get(api, world, route)  # the pooled connection kept nothing of the attempt
            assert leaked(world, world.t1, [after.text]) == [], route.id


def one_row_of(session: Session, table: str, tenant: Tenant) -> dict[str, Any]:
    query = sql.SQL("SELECT row_to_json(t) FROM {} AS t WHERE {} = %s LIMIT 1").format(
        sql.Identifier(table), sql.Identifier(key_column(table))
    )
    value = session.fetch_value(query, (tenant.id,))
    assert isinstance(value, dict)
    return value


def insert_json(session: Session, table: str, row: dict[str, Any]) -> None:
    """INSERT the row given as JSON (every column the table lets one write)."""
    columns = [column for column in writable_columns(session, table) if column in row]
    names = sql.SQL(", ").join(map(sql.Identifier, columns))
    session.execute(
        sql.SQL(
            "INSERT INTO {table} ({names}) SELECT {names} FROM json_populate_record(NULL::{table}, %s::json)"
        ).format(table=sql.Identifier(table), names=names),
        (Json(row),),
    )


# ------------------------------------------------------------------------ R4 / R5 context outliving a request


def test_every_tenant_table_has_a_tenant_reader_except_the_operators_judgement_of_a_customer(admin: Session) -> None:
    unreadable = sorted(table for table in TENANT_TABLES if not any(readable(admin, r, table) for r in TENANT_ROLES))
    assert unreadable == sorted(OPERATOR_ONLY_TABLES)


def test_r4_tenant_context_does_not_survive_the_transaction_on_a_pooled_connection(
    world: World, admin: Session
) -> None:
    admin.execute("BEGIN")
    admin.execute("SET LOCAL ROLE tenant_api")
    switch_tenant(admin, world.t1)
    assert count_of(admin, "users", world.t1) == 1
    admin.execute("COMMIT")
    assert admin.fetch_value("SELECT current_setting(%s, true)", (SETTING,)) == ""
    for table in TENANT_READ_TABLES:  # the next "request" on the same connection forgot to set the tenant
        assert visible_rows(admin, a_reader(admin, table), None, table) == [], table


def test_r4_discard_all_resets_a_session_level_setting(world: World, admin: Session) -> None:
    admin.execute("SELECT set_config(%s, %s, false)", (SETTING, world.t1.id))  # the mistake: session level
    admin.execute("DISCARD ALL")  # what a pool runs on check-in
    with acting(admin, "tenant_api", None):
        assert rows_as_text(admin, "users") == []


def test_r5_a_transaction_local_setting_made_in_autocommit_is_gone_for_the_next_statement(
    world: World, admin: Session
) -> None:
    readers = {table: a_reader(admin, table) for table in TENANT_READ_TABLES}
    for table, role in readers.items():
        admin.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        try:
            admin.execute("SELECT set_config(%s, %s, true)", (SETTING, world.t1.id))  # its own implicit transaction
            assert rows_as_text(admin, table) == [], table
        finally:
            admin.execute("RESET ROLE")


# ---------------------------------------------------------------------------------------- R6 / R7: the API


# R6 / R7 over the API: test_r6_tenant_override_in_the_request_is_ignored and test_r7_injected_set_config_has_no_effect
# above, beside R3 (they share its app fixture).


# ----------------------------------------------------------------------------------- R8 / R9 views, matviews


def relations_readable_by_tenant_roles(session: Session, kinds: str) -> list[tuple[Any, ...]]:
    return session.fetch_all(
        "SELECT DISTINCT c.oid::regclass::text, c.relkind, coalesce(c.reloptions::text, '') FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN unnest(%s::text[]) AS r (role)"
        " WHERE c.relkind::text = ANY (%s::text[]) AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        " AND has_table_privilege(r.role, c.oid, 'SELECT')",
        (list(TENANT_ROLES), list(kinds)),
    )


def test_r8_every_view_a_tenant_role_reads_is_security_invoker_and_filtered(world: World, admin: Session) -> None:
    for view, _, options in relations_readable_by_tenant_roles(admin, "v"):
        assert "security_invoker=true" in options or "security_invoker=on" in options, view
        for role in TENANT_ROLES:
            assert leaked(world, world.t1, visible_rows(admin, role, world.t1, view) or []) == [], view


def test_r8_r9_verify_reports_a_definer_view_and_a_matview_readable_by_tenant_roles(
    session: Session, tmp_path: Path
) -> None:
    sets = isolation_project(
        tmp_path,
        "CREATE VIEW all_users AS SELECT tenant_id, email FROM users;\n"
        "CREATE MATERIALIZED VIEW user_counts AS SELECT tenant_id, count(*) AS users FROM users GROUP BY tenant_id;\n"
        "GRANT SELECT ON all_users, user_counts TO tenant_api;",
    )
    migrate(session, sets, FAST, RunRequest(direction=Direction.UP))
    messages = [v.message for v in verify(session, sets).violations]
    assert (
        "role tenant_api may read view public.all_users, which is not security_invoker: "
        "it reads with its owner's rights" in messages
    )
    assert (
        "role tenant_api may read materialized view public.user_counts: materialized views have no row-level security"
        in messages
    )


def test_r9_no_materialized_view_is_readable_by_tenant_roles(admin: Session) -> None:
    assert relations_readable_by_tenant_roles(admin, "m") == []


# ------------------------------------------------------------------------------ R10 / R11 functions and creation


def test_r10_security_definer_functions_pin_search_path_and_are_not_public(admin: Session) -> None:
    rows = admin.fetch_all(
        "SELECT p.oid::regprocedure::text, p.proconfig::text, p.proacl::text FROM pg_proc p"
        " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog',"
        " 'information_schema')"
    )
    for name, config, acl in rows:
        assert config is not None and "search_path=" in config, name
        assert acl is not None and not re.search(r"(^|[{,])=X", acl), f"{name}: EXECUTE for PUBLIC ({acl})"


def test_r10_verify_reports_a_security_definer_function_open_to_public(session: Session, tmp_path: Path) -> None:
    sets = isolation_project(
        tmp_path,
        "CREATE FUNCTION user_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER\n"
        "AS $$ SELECT count(*) FROM users $$;",
    )
    migrate(session, sets, FAST, RunRequest(direction=Direction.UP))
    messages = [v.message for v in verify(session, sets).violations]
    assert "SECURITY DEFINER function public.user_count() does not pin search_path" in messages


def test_r11_tenant_roles_cannot_create_objects_anywhere(world: World, admin: Session) -> None:
    creatable = admin.fetch_all(
        "SELECT r.role, n.nspname FROM pg_namespace n CROSS JOIN unnest(%s::text[]) AS r (role)"
        " WHERE has_schema_privilege(r.role, n.oid, 'CREATE') AND n.nspname NOT LIKE 'pg\\_temp\\_%%'"
        " AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%%'",
        ([*TENANT_ROLES, "business_analysts"],),
    )
    assert creatable == []
    for schema in ("public", "tenantdb"):
        with acting(admin, "tenant_api", world.t1), pytest.raises(DatabaseError) as error:
            admin.execute(
                sql.SQL("CREATE FUNCTION {}.leak(text) RETURNS boolean LANGUAGE sql AS 'SELECT true'").format(
                    sql.Identifier(schema)
                )
            )
        assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
    assert (
        admin.fetch_all(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE p.proleakproof AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        )
        == []
    )


@pytest.mark.parametrize("table", TENANT_READ_TABLES)
def test_r11_a_leaky_temporary_function_sees_only_the_callers_rows(world: World, admin: Session, table: str) -> None:
    # Tenant roles may not create temporary objects (R29); the leaky function is planted for them in the session's
    # temporary schema, as if they could. It is harmless because row-level security filters rows before any
    # function that is not LEAKPROOF sees them.
    admin.execute("BEGIN")
    admin.execute("CREATE TEMP TABLE seen (value text) ON COMMIT DROP")
    admin.execute("GRANT INSERT, SELECT ON pg_temp.seen TO PUBLIC")
    admin.execute(
        "CREATE FUNCTION pg_temp.leak(value text) RETURNS boolean LANGUAGE plpgsql COST 0.0001"
        " AS $$ BEGIN INSERT INTO pg_temp.seen VALUES (value); RETURN false; END $$"
    )
    with acting(admin, a_reader(admin, table), world.t1, begin=False):
        admin.execute(
            sql.SQL("SELECT count(*) FROM {} AS t WHERE pg_temp.leak(row_to_json(t)::text)").format(
                readable_rows(admin, table)
            )
        )
        seen = [str(row[0]) for row in admin.fetch_all("SELECT value FROM pg_temp.seen")]
    assert leaked(world, world.t1, seen) == []


# --------------------------------------------------------------------------- R12 / R13 cross-tenant writes


@pytest.mark.parametrize("table", TENANT_TABLES)
@pytest.mark.parametrize("role", TENANT_ROLES)
def test_r12_inserting_a_row_for_another_tenant_is_rejected(
    world: World, admin: Session, role: str, table: str
) -> None:
    row = one_row_of(admin, table, world.t1)
    row[key_column(table)] = world.t2.id
    with acting(admin, role, world.t1), pytest.raises(DatabaseError) as error:
        insert_json(admin, table, row)
    assert_denied(error, world, world.t1)


@pytest.mark.parametrize("table", TENANT_TABLES)
@pytest.mark.parametrize("role", TENANT_ROLES)
def test_r12_moving_an_own_row_to_another_tenant_is_rejected(
    world: World, admin: Session, role: str, table: str
) -> None:
    key = sql.Identifier(key_column(table))
    with acting(admin, role, world.t1), pytest.raises(DatabaseError) as error:
        admin.execute(sql.SQL("UPDATE {} SET {} = %s").format(sql.Identifier(table), key), (world.t2.id,))
    assert_denied(error, world, world.t1)


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_r12_a_careless_permissive_policy_added_later_cannot_widen_a_tenant(
    world: World, admin: Session, table: str
) -> None:
    admin.execute("BEGIN")
    try:
        admin.execute(
            sql.SQL("CREATE POLICY careless ON {} USING (true) WITH CHECK (true)").format(sql.Identifier(table))
        )
        admin.execute(sql.SQL("GRANT SELECT, INSERT ON {} TO tenant_api").format(sql.Identifier(table)))
        admin.execute("SET LOCAL ROLE tenant_api")
        switch_tenant(admin, world.t1)
        rows = rows_as_text(admin, table)
        assert len(rows) == rows_per_tenant(table)
        assert leaked(world, world.t1, rows) == []
        admin.execute("RESET ROLE")
        row = one_row_of(admin, table, world.t1)
        row[key_column(table)] = world.t2.id
        admin.execute("SET LOCAL ROLE tenant_api")
        with pytest.raises(DatabaseError) as error:
            insert_json(admin, table, row)
        assert_denied(error, world, world.t1)
    finally:
        admin.rollback()


@pytest.mark.parametrize("table", TENANT_TABLES)
@pytest.mark.parametrize("role", TENANT_ROLES)
def test_r13_updating_or_deleting_other_tenants_rows_touches_nothing(
    world: World, admin: Session, role: str, table: str
) -> None:
    key = sql.Identifier(key_column(table))
    name = sql.Identifier(table)
    attempts = [
        sql.SQL("UPDATE {} SET {} = {} WHERE {} <> %s").format(name, key, key, key),
        sql.SQL("UPDATE {} SET {} = {} WHERE {} = %s").format(name, key, key, key),
        sql.SQL("DELETE FROM {} WHERE {} <> %s").format(name, key),
        sql.SQL("DELETE FROM {} WHERE {} = %s").format(name, key),
    ]
    readable = privileged(admin, role, table, "SELECT")
    for number, attempt in enumerate(attempts):
        target = world.t1.id if number % 2 == 0 else world.t2.id  # "everything but mine", "that tenant's"
        with acting(admin, role, world.t2):
            before = digest(admin, table) if readable else ""
            switch_tenant(admin, world.t1)
            try:
                assert admin.execute_count(attempt, (target,)) == 0
            except DatabaseError as error:  # the role lacks the privilege altogether (audit_logs, read-only tables)
                assert error.sqlstate == INSUFFICIENT_PRIVILEGE
                continue
            assert readable, "a role that cannot read the table changed nothing, but was let through"
            switch_tenant(admin, world.t2)
            assert digest(admin, table) == before


# -------------------------------------------------------------------------------- R14 / R15 privileges, oracles


@pytest.mark.parametrize("role", [*TENANT_ROLES, "business_analysts"])
def test_r14_no_truncate_references_or_trigger_on_any_table(world: World, admin: Session, role: str) -> None:
    granted = admin.fetch_all(
        "SELECT c.oid::regclass::text, p FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " CROSS JOIN unnest(ARRAY['TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p"
        " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        " AND has_table_privilege(%s, c.oid, p)",
        (role,),
    )
    assert granted == []
    with acting(admin, role, world.t1), pytest.raises(DatabaseError) as error:
        admin.execute("TRUNCATE users")
    assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE


@pytest.mark.parametrize("table", [t for t in TENANT_TABLES if t != "companies"])
def test_r15_every_key_and_unique_constraint_leads_with_tenant_id(admin: Session, table: str) -> None:
    rows = admin.fetch_all(
        "SELECT conname, (SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = conkey[1])"
        " FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'x')",
        (table,),
    )
    assert rows and all(first == "tenant_id" for _, first in rows), rows


def test_r15_companies_unique_columns_are_out_of_tenant_reach(admin: Session) -> None:
    for role in TENANT_ROLES:
        assert not privileged(admin, role, "companies", "INSERT")
        for column in ("id", "slug", "status"):
            assert not admin.fetch_value("SELECT has_column_privilege(%s, 'companies', %s, 'UPDATE')", (role, column))


def test_r15_another_tenants_keys_are_no_oracle(world: World, admin: Session) -> None:
    insert = "INSERT INTO users (tenant_id, user_id, email) VALUES (%s, %s, 'owner@example.com')"
    # T2 has this user_id and this e-mail too. Only T1's own copy can collide, so a collision tells T1 nothing.
    with acting(admin, "application_service", world.t1), pytest.raises(DatabaseError) as error:
        admin.execute(insert, (world.t1.id, KEYS["user"]))
    assert error.value.sqlstate == "23505"
    assert leaked(world, world.t1, [str(error.value)]) == []
    with acting(admin, "application_service", world.t1):
        admin.execute("DELETE FROM users")
        admin.execute(insert, (world.t1.id, KEYS["user"]))  # T2's key and e-mail, free in T1


# ------------------------------------------------------------------------------------ R16 / R17 side channels


SERVER_WITH_STATS_FIX = {14: 19, 15: 14, 16: 10, 17: 6}  # CVE-2025-8713; 18.0 and later include it


def test_r16_planner_statistics_of_tenant_tables_are_hidden_from_tenant_roles(world: World, admin: Session) -> None:
    assert admin.fetch_value("SELECT count(*) FROM pg_stats WHERE tablename = 'users'") > 0  # analysed
    for role in TENANT_ROLES:
        with acting(admin, role, world.t1):
            assert (
                admin.fetch_all("SELECT tablename FROM pg_stats WHERE tablename = ANY (%s)", (list(TENANT_TABLES),))
                == []
            )
    version = admin.server_version
    major, minor = version // 10000, version % 10000
    if major < 18:
        assert minor >= SERVER_WITH_STATS_FIX.get(major, 10**6), f"server {version} lacks the CVE-2025-8713 fix"


ESTIMATE_WORDS = ("reltuples", "n_live_tup", "n_dead_tup", "Seq Scan", "Index Scan", "rows=", "pg_class",
                  "pg_stat")  # fmt: skip
RAW_SQL_PARAMETERS = ("sql", "query", "statement", "explain", "raw", "where", "expression")


def test_r16_api_exposes_no_row_estimates(world: World, api: tuple[TestClient, str]) -> None:
    """Row-count estimates stay readable to any role that runs SQL; the API runs none of the caller's: no route
    takes raw SQL or EXPLAIN, and no answer carries planner estimates or catalog statistics."""
    for route in ROUTES:
        assert not {name for name, _ in route.query_params} & set(RAW_SQL_PARAMETERS), route.id
        response = api_get(api, world, route)
        assert [word for word in ESTIMATE_WORDS if word in response.text] == [], route.id


def test_r17_tenant_roles_cannot_read_other_sessions_or_statements(admin: Session) -> None:
    for role in TENANT_ROLES:
        for monitor in ("pg_read_all_stats", "pg_monitor", "pg_read_all_data"):
            assert not admin.fetch_value("SELECT pg_has_role(%s, %s, 'MEMBER')", (role, monitor))
    assert not admin.fetch_value("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_stat_statements')")


def test_r17_values_travel_as_bind_parameters_not_in_the_query_text(world: World, admin: Session) -> None:
    with connect(world.dsn, application_name="tenantdb r17 victim") as victim:
        victim.execute("BEGIN")
        victim.execute("SET LOCAL ROLE tenant_api")
        switch_tenant(victim, world.t2)
        victim.fetch_all("SELECT user_id FROM users WHERE full_name = %s", (world.t2.canary,))
        text = admin.fetch_value("SELECT query FROM pg_stat_activity WHERE pid = %s", (victim.pid,))
        victim.rollback()
    assert "$1" in str(text)
    assert world.t2.canary not in str(text)


# ------------------------------------------------------------------------------------- R18 cached plans


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_r18_a_cached_plan_serves_each_role_and_tenant_its_own_rows(world: World, admin: Session, table: str) -> None:
    admin.execute("SET plan_cache_mode = force_generic_plan")
    admin.execute(
        sql.SQL("PREPARE rows_of_table AS SELECT row_to_json(t)::text FROM {} AS t").format(sql.Identifier(table))
    )
    admin.execute(
        sql.SQL(
            "CREATE FUNCTION pg_temp.rows_of_table() RETURNS SETOF text LANGUAGE sql STABLE"
            " AS $$ SELECT row_to_json(t)::text FROM {} AS t $$"
        ).format(sql.Identifier(table))
    )
    try:
        for _ in range(2):  # twice round: the second pass reuses every plan the first one cached
            for role in (*TENANT_ROLES, "business_analysts"):
                if not privileged(admin, role, table, "SELECT"):
                    continue
                for tenant in world.tenants:
                    with acting(admin, role, tenant):
                        prepared = [str(r[0]) for r in admin.fetch_all("EXECUTE rows_of_table")]
                        through_function = [str(r[0]) for r in admin.fetch_all("SELECT pg_temp.rows_of_table()")]
                    for rows in (prepared, through_function):
                        if role == "business_analysts":
                            assert len(rows) == rows_in_all(table)  # analysts read every tenant by design
                        else:
                            assert len(rows) == rows_per_tenant(table), (role, tenant.number)
                            assert leaked(world, tenant, rows) == [], (role, tenant.number)
    finally:
        admin.execute("DEALLOCATE rows_of_table")
        admin.execute("DROP FUNCTION pg_temp.rows_of_table()")
        admin.execute("RESET plan_cache_mode")


# ------------------------------------------------------------------------------ R20 / R21 exports and backups


@pytest.mark.parametrize("table", TENANT_READ_TABLES)
def test_r20_copy_out_as_a_tenant_exports_only_its_rows(world: World, table: str) -> None:
    with connect(world.dsn) as admin:
        role = a_reader(admin, table)
        partitioned = admin.fetch_value("SELECT relkind = 'p' FROM pg_class WHERE oid = %s::regclass", (table,))
        rows = readable_rows(admin, table, role)
        names = sql.SQL(", ").join(map(sql.Identifier, readable_columns(admin, table, role)[0]))
    exported: list[str] = []
    with psycopg.connect(world.dsn) as connection:
        connection.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        connection.execute("SELECT set_config(%s, %s, true)", (SETTING, world.t1.id))
        for statement, expected in (
            (sql.SQL("COPY (SELECT * FROM {} AS t) TO STDOUT").format(rows), rows_per_tenant(table)),
            # Under row-level security COPY table TO reads the table ONLY: a partitioned parent exports nothing.
            (
                sql.SQL("COPY {} ({}) TO STDOUT").format(sql.Identifier(table), names),
                0 if partitioned else rows_per_tenant(table),
            ),
        ):
            with connection.cursor().copy(statement) as copy:
                lines = b"".join(bytes(chunk) for chunk in copy).decode().splitlines()
            assert len(lines) == expected, statement.as_string(connection)
            exported += lines
        connection.rollback()
    assert leaked(world, world.t1, exported) == []


def test_r20_api_export_contains_only_the_callers_rows(world: World, api: tuple[TestClient, str]) -> None:
    exports = []
    for route in ROUTES:
        if route.method != "GET" or route.public:
            continue
        variants: list[dict[str, Any]] = [{"headers": {"Accept": "text/csv"}}]
        if any(name == "format" for name, _ in route.query_params):
            variants.append({"params": {"format": "csv"}})
        for variant in variants:
            response = api_get(api, world, route, **variant)
            if response.status_code == 200 and response.headers["content-type"].startswith("text/csv"):
                exports.append(response.text)
    if not exports:
        pytest.skip("no API route answers text/csv to a tenant token yet")
    assert leaked(world, world.t1, exports) == []


def pg_dump_for(session: Session) -> Path | None:
    """A pg_dump at least as new as the server, from the test cluster, the embedded server or the system."""
    major = session.server_version // 10000
    candidates = (
        [Path(os.environ["TENANTDB_TEST_PG_BIN"]) / "pg_dump"] if os.environ.get("TENANTDB_TEST_PG_BIN") else []
    )
    with contextlib.suppress(TenantdbError):
        candidates.append(find_binaries().bin_dir / "pg_dump")
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"), reverse=True)
    if found := shutil.which("pg_dump"):
        candidates.append(Path(found))
    for candidate in candidates:
        if not candidate.is_file():
            continue
        output = subprocess.run([str(candidate), "--version"], capture_output=True, text=True, check=False).stdout
        version = re.search(r"(\d+)(?:\.\d+)?", output)
        if version and int(version.group(1)) >= major:
            return candidate
    return None


def test_r21_a_backup_as_a_tenant_role_fails_instead_of_silently_shrinking(world: World, admin: Session) -> None:
    pg_dump = pg_dump_for(admin)
    if pg_dump is None:
        pytest.skip("no pg_dump as new as the server on this machine")
    common = [str(pg_dump), "--data-only", "--table=users", "--dbname", world.dsn]
    as_tenant = subprocess.run([*common, "--role=application_service"], capture_output=True, text=True, check=False)
    assert as_tenant.returncode != 0
    assert "row-level security" in as_tenant.stderr
    as_migrator = subprocess.run(common, capture_output=True, text=True, check=False)
    assert as_migrator.returncode == 0, as_migrator.stderr
    for tenant in world.tenants:
        assert tenant.canary in as_migrator.stdout  # every tenant's rows are in the backup


# ------------------------------------------------------------------------------ R22 / R23 roles and predicates


def test_r22_tenant_roles_are_separate_from_each_other_and_from_the_migration_role(admin: Session) -> None:
    migrator = str(admin.fetch_value("SELECT session_user"))
    assert migrator not in ALL_ROLES
    memberships = admin.fetch_all(
        "SELECT m.rolname, g.rolname FROM pg_roles m JOIN pg_roles g ON g.oid <> m.oid"
        " AND pg_has_role(m.oid, g.oid, 'MEMBER') WHERE m.rolname = ANY (%s)",
        (list(ALL_ROLES),),
    )
    assert memberships == []
    for role in (*TENANT_ROLES, "business_analysts"):
        for schema in admin.fetch_all(
            "SELECT nspname FROM pg_namespace WHERE nspname = 'tenantdb' OR nspname LIKE 'tenantdb\\_archive\\_%'"
        ):
            assert not admin.fetch_value("SELECT has_schema_privilege(%s, %s, 'USAGE')", (role, schema[0]))


def test_r23_every_policy_reads_the_tenant_with_nullif_and_missing_ok(admin: Session) -> None:
    """The policies read the tenant through tenantdb_current_tenant(), which reads the setting the safe way."""
    expressions = admin.fetch_all(
        "SELECT tablename, policyname, e FROM pg_policies CROSS JOIN LATERAL (VALUES (qual), (with_check)) AS x (e)"
        " WHERE e LIKE '%current_setting(%'"
    )
    assert expressions == []
    sources = dict(
        admin.fetch_all(
            "SELECT proname, prosrc FROM pg_proc WHERE proname IN ('tenantdb_current_tenant', 'tenantdb_signed_tenant')"
        )
    )
    plain = "NULLIF(pg_catalog.current_setting('app.current_tenant_id', true), '')::pg_catalog.uuid"
    assert plain in sources["tenantdb_current_tenant"]  # plain mode: the world has no signing key
    assert "current_setting('app.tenant_context', true)" in sources["tenantdb_signed_tenant"]


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_r23_a_cleared_tenant_context_fails_closed_without_an_error(world: World, admin: Session, table: str) -> None:
    for role in TENANT_ROLES:  # '' is what current_setting returns after a committed SET LOCAL
        assert visible_rows(admin, role, "", table) in ([], None)


# ----------------------------------------------------------------------- the roles' intended reach, in full


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_each_tenant_reads_exactly_its_own_rows_through_every_tenant_role(
    world: World, admin: Session, table: str
) -> None:
    for role in TENANT_ROLES:
        for tenant in world.tenants:
            rows = visible_rows(admin, role, tenant, table)
            if rows is None:
                continue  # this role may not read the table at all
            assert len(rows) == rows_per_tenant(table), (role, tenant.number)
            assert all(tenant.id in row for row in rows)
            assert leaked(world, tenant, rows) == [], (role, tenant.number)


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_analysts_read_every_tenant_and_write_nothing(world: World, admin: Session, table: str) -> None:
    rows = visible_rows(admin, "business_analysts", None, table)
    assert rows is not None
    assert all(any(tenant.canary in row or tenant.id in row for row in rows) for tenant in world.tenants)
    for privilege in ("INSERT", "UPDATE", "DELETE", "TRUNCATE"):
        assert not privileged(admin, "business_analysts", table, privilege)


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_administrators_manage_every_tenants_rows(world: World, admin: Session, table: str) -> None:
    key = sql.Identifier(key_column(table))
    with acting(admin, "db_administrators", None):
        assert len(rows_as_text(admin, table)) == rows_in_all(table)
        if table == "audit_logs":
            assert admin.execute_count(sql.SQL("DELETE FROM audit_logs WHERE tenant_id = %s"), (world.t2.id,)) == 1
        elif table == "billing_audit_log":  # append-only for every role (tests/modules/test_billing_audit.py)
            with pytest.raises(DatabaseError) as error:
                admin.execute(sql.SQL("UPDATE {} SET {} = {}").format(sql.Identifier(table), key, key))
            assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
        else:
            updated = admin.execute_count(sql.SQL("UPDATE {} SET {} = {}").format(sql.Identifier(table), key, key))
            assert updated == 3


def test_audit_logs_are_append_only_for_tenant_roles(world: World, admin: Session) -> None:
    for role in TENANT_ROLES:
        with acting(admin, role, world.t1):
            admin.execute(
                "INSERT INTO audit_logs (tenant_id, action, object_type) VALUES (%s, 'export', 'report')",
                (world.t1.id,),
            )
            assert len(rows_as_text(admin, "audit_logs")) == 2
        for statement in ("UPDATE audit_logs SET action = 'nothing'", "DELETE FROM audit_logs"):
            with acting(admin, role, world.t1), pytest.raises(DatabaseError) as error:
                admin.execute(statement)
            assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
    assert not privileged(admin, "db_administrators", "audit_logs", "UPDATE")


def test_a_tenant_sees_and_renames_only_its_own_company(world: World, admin: Session) -> None:
    with acting(admin, "application_service", world.t1):
        assert admin.execute_count("UPDATE companies SET name = 'Renamed'") == 1
        assert admin.execute_count("UPDATE companies SET name = 'Renamed' WHERE id = %s", (world.t2.id,)) == 0
    with acting(admin, "application_service", world.t1), pytest.raises(DatabaseError) as error:
        admin.execute("UPDATE companies SET status = 'active'")
    assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
    with acting(admin, "tenant_api", world.t1), pytest.raises(DatabaseError) as error:
        admin.execute("UPDATE companies SET name = 'Renamed'")
    assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE


def test_verify_reports_roles_that_gained_dangerous_reach(world: World, admin: Session) -> None:
    admin.execute("BEGIN")  # role changes are cluster-wide: made and checked in one transaction, rolled back
    try:
        admin.execute("GRANT business_analysts TO tenant_api")
        admin.execute("GRANT pg_read_all_stats TO application_service")
        admin.execute("GRANT CREATE ON SCHEMA public TO tenant_api")
        admin.execute("GRANT TRUNCATE ON users TO application_service")
        admin.execute("GRANT UPDATE ON audit_logs TO tenant_api")
        admin.execute("GRANT INSERT ON plans TO tenant_api")
        admin.execute("CREATE FUNCTION always(text) RETURNS boolean LANGUAGE sql LEAKPROOF AS 'SELECT true'")
        problems = set()
        for migration_set in every_module_set():
            if migration_set.source != "security":
                continue
            for migration in migration_set:
                assert migration.verify is not None
                for statement in migration.verify.statements:
                    problems |= {str(row[0]) for row in admin.fetch_all(statement.text)}
    finally:
        admin.rollback()
    expected = {
        "role tenant_api is a member of business_analysts",
        "role application_service is a member of pg_read_all_stats",
        "role tenant_api may create objects in schema public",
        "role application_service holds TRUNCATE on public.users",
        "role tenant_api may UPDATE audit_logs, which is append-only",
        "role tenant_api may write public.plans, which has no tenant_id: one tenant would change every tenant's rows",
        "function public.always(text) is LEAKPROOF: the planner may run it before row-level security filters rows",
    }
    assert expected <= problems, expected - problems
