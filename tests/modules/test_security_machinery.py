"""R28 and R29 of the attack matrix: the machinery every tenant shares — tenantdb's own locks, the tables' locks,
storage without row-level security — is out of reach of the tenant and analyst roles.

A hostile tenant who can run SQL as its role must not be able to stall a migration or a BI refresh (by taking
their advisory locks first), hold a lock every tenant waits behind on a table it cannot write, or park data
where row-level security does not apply (large objects, temporary tables).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from tenantdb.bi.refresh import REFRESH_LOCK
from tenantdb.db import Session, connect
from tenantdb.db.locks import RUNNER_LOCK_KEY
from tenantdb.db.service_logins import ServiceTimeouts, create_service_login
from tenantdb.errors import DatabaseError
from tenantdb.execute import RunRequest, migrate
from tenantdb.migrations import Direction, load_migrations
from tenantdb.modules import available_modules, module_migrations
from tests.helpers import FAST, write_files
from tests.modules.security_world import INSUFFICIENT_PRIVILEGE, TENANT_ROLES, World, acting, privileged

HOSTILE_ROLES = (*TENANT_ROLES, "business_analysts")
QUERY_CANCELED = "57014"
LOCK_NOT_AVAILABLE = "55P03"

ADVISORY_CALLS = (
    f"SELECT pg_advisory_lock({RUNNER_LOCK_KEY})",
    f"SELECT pg_try_advisory_lock({RUNNER_LOCK_KEY})",
    f"SELECT pg_advisory_lock_shared({RUNNER_LOCK_KEY})",
    f"SELECT pg_advisory_xact_lock({REFRESH_LOCK}, 2026 * 12 + 1)",
    f"SELECT pg_try_advisory_xact_lock({REFRESH_LOCK}, 2026 * 12 + 1)",
    f"SELECT pg_advisory_xact_lock_shared({REFRESH_LOCK}, 2026 * 12 + 1)",
)

LARGE_OBJECT_CALLS = (
    "SELECT lo_create(0)",
    "SELECT lo_creat(-1)",
    "SELECT lo_from_bytea(0, 'parked outside row-level security'::bytea)",
)


def refused(session: Session, role: str, statement: str) -> str:
    with acting(session, role, None), pytest.raises(DatabaseError) as error:
        session.execute(statement)
    return str(error.value.sqlstate)


# ------------------------------------------------------------------------------- R28 tenantdb's own locks


@pytest.mark.parametrize("role", HOSTILE_ROLES)
@pytest.mark.parametrize("statement", ADVISORY_CALLS)
def test_r28_tenant_and_analyst_roles_cannot_take_advisory_locks(
    world: World, admin: Session, role: str, statement: str
) -> None:
    assert refused(admin, role, statement) == INSUFFICIENT_PRIVILEGE


@pytest.mark.parametrize("role", HOSTILE_ROLES)
def test_r28_no_advisory_lock_function_is_executable_by_tenant_or_analyst_roles(admin: Session, role: str) -> None:
    open_to_role = admin.fetch_all(
        "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'pg_catalog'::regnamespace"
        " AND p.proname ~ '^pg_(try_)?advisory_' AND p.proname !~ 'unlock'"
        " AND has_function_privilege(%s, p.oid, 'EXECUTE') ORDER BY 1",
        (role,),
    )
    assert open_to_role == []


@contextmanager
def hostile_session(world: World, role: str) -> Iterator[Session]:
    """A tenant session that tries everything it can to hold tenantdb's runner and refresh back."""
    with connect(world.dsn, application_name="hostile tenant") as hostile:
        hostile.execute("BEGIN")
        hostile.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        for statement in ADVISORY_CALLS:
            hostile.execute("SAVEPOINT attempt")
            try:
                hostile.execute(statement)
            except DatabaseError:
                hostile.execute("ROLLBACK TO SAVEPOINT attempt")
        try:
            yield hostile
        finally:
            hostile.rollback()


@pytest.mark.parametrize("role", HOSTILE_ROLES)
def test_r28_a_migration_proceeds_while_a_hostile_tenant_session_is_open(
    world: World, admin: Session, role: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("hostile")
    write_files(
        folder,
        {
            "0001_note.sql": "-- migrate:up\nCREATE TABLE hostile_probe (id int);\n"
            "-- migrate:down\nDROP TABLE hostile_probe;\n"
        },
    )
    project = load_migrations(folder)
    with hostile_session(world, role):
        finished = threading.Event()

        def run() -> None:
            with connect(world.dsn) as runner:
                migrate(runner, [project], FAST, RunRequest(direction=Direction.UP))
                migrate(runner, [project], FAST, RunRequest(direction=Direction.DOWN, steps=1))
            finished.set()

        worker = threading.Thread(target=run)
        worker.start()
        worker.join(timeout=60)
        assert finished.is_set(), "the runner waited behind a tenant session"


# --------------------------------------------------------------------------------- R28 table locks


def shared_tables(session: Session) -> list[str]:
    """Tables and views every tenant reads that carry no tenant_id (plans, pools, the ledger of rules ...)."""
    rows = session.fetch_all(
        "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname = current_schema()"
        " AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id'"
        " AND NOT a.attisdropped) AND c.relname <> 'companies' ORDER BY 1"
    )
    return [str(row[0]) for row in rows]


@pytest.mark.parametrize("role", HOSTILE_ROLES)
def test_r28_no_tenant_or_analyst_role_can_lock_a_table_without_tenant_id_beyond_access_share(
    world: World, admin: Session, role: str
) -> None:
    tables = shared_tables(admin)
    assert "plans" in tables
    for table in tables:
        # LOCK TABLE ... ROW EXCLUSIVE needs INSERT, UPDATE, DELETE or TRUNCATE on the table; any stronger mode
        # UPDATE, DELETE or TRUNCATE (or MAINTAIN on PostgreSQL 17+).
        for privilege in ("INSERT", "UPDATE", "DELETE", "TRUNCATE"):
            assert not privileged(admin, role, table, privilege), (role, table, privilege)
        assert refused(admin, role, f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE") == INSUFFICIENT_PRIVILEGE


# ------------------------------------------------------------------------------ R29 storage without RLS


@pytest.mark.parametrize("role", HOSTILE_ROLES)
@pytest.mark.parametrize("statement", LARGE_OBJECT_CALLS)
def test_r29_tenant_and_analyst_roles_cannot_create_large_objects(
    world: World, admin: Session, role: str, statement: str
) -> None:
    assert refused(admin, role, statement) == INSUFFICIENT_PRIVILEGE


@pytest.mark.parametrize("role", HOSTILE_ROLES)
def test_r29_tenant_and_analyst_roles_cannot_create_temporary_tables(world: World, admin: Session, role: str) -> None:
    assert refused(admin, role, "CREATE TEMP TABLE parked (note text)") == INSUFFICIENT_PRIVILEGE
    assert not admin.fetch_value("SELECT has_database_privilege(%s, current_database(), 'TEMP')", (role,))


# ------------------------------------------------------------------ R28 / R33 service logins and their bounds


@contextmanager
def service_login(world: World, admin: Session, group: str, timeouts: ServiceTimeouts | None) -> Iterator[str]:
    """A login role for a service (as ``tenantdb roles login`` makes it, or bare); yields its DSN."""
    name = f"svc_{secrets.token_hex(4)}"
    if timeouts is None:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE {}").format(sql.Identifier(name), sql.Identifier(group)))
    else:
        create_service_login(admin, name, group, timeouts)
    try:
        yield make_conninfo(world.dsn, user=name)
    finally:
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def security_problems(session: Session) -> list[str]:
    problems = []
    for migration in module_migrations(available_modules()["security"]):
        assert migration.verify is not None
        for statement in migration.verify.statements:
            problems += [str(row[0]) for row in session.fetch_all(statement.text)]
    return problems


def test_r28_a_service_login_cannot_hold_a_statement_or_wait_for_a_lock_unbounded(world: World, admin: Session) -> None:
    timeouts = ServiceTimeouts(statement=timedelta(milliseconds=300), lock=timedelta(milliseconds=200))
    with service_login(world, admin, "tenant_api", timeouts) as dsn, connect(dsn) as service:
        with pytest.raises(DatabaseError) as cancelled:
            service.execute("SELECT pg_sleep(5)")
        assert cancelled.value.sqlstate == QUERY_CANCELED
        admin.execute("BEGIN")
        admin.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")  # a migration, say
        try:
            with pytest.raises(DatabaseError) as waited, service.transaction():
                service.execute("SELECT set_config('app.current_tenant_id', %s, true)", (world.t1.id,))
                service.execute("SELECT count(*) FROM users")
            assert waited.value.sqlstate == LOCK_NOT_AVAILABLE
        finally:
            admin.rollback()
    assert security_problems(admin) == []


def test_r28_verify_reports_a_tenant_login_without_timeouts(world: World, admin: Session) -> None:
    with service_login(world, admin, "application_service", None) as dsn:
        name = dsn.split("user=")[1].split()[0]
        problems = [p for p in security_problems(admin) if p.startswith(f"login role {name} ")]
    assert sorted(p.split(" without a ")[1].split(" default")[0] for p in problems) == [
        "idle_in_transaction_session_timeout", "lock_timeout", "statement_timeout"
    ]  # fmt: skip


def test_r33_one_login_per_service_hides_query_text_and_refuses_cancelling(world: World, admin: Session) -> None:
    """Sessions of one login role see each other's query text and may cancel each other (PostgreSQL's rule);
    sessions of different login roles may not. Hence one login role per service (docs/security.md)."""
    marker = f"/* {secrets.token_hex(6)} */"
    with (
        service_login(world, admin, "tenant_api", ServiceTimeouts()) as first_dsn,
        service_login(world, admin, "tenant_api", ServiceTimeouts()) as second_dsn,
        connect(first_dsn) as first,
        connect(first_dsn) as same_login,
        connect(second_dsn) as other_login,
    ):
        first.execute(f"SELECT 1 {marker}")
        seen = "SELECT query FROM pg_stat_activity WHERE pid = %s"
        assert marker in str(same_login.fetch_value(seen, (first.pid,)))
        assert marker not in str(other_login.fetch_value(seen, (first.pid,)))
        with pytest.raises(DatabaseError) as refused:
            other_login.execute("SELECT pg_cancel_backend(%s)", (first.pid,))
        assert refused.value.sqlstate == INSUFFICIENT_PRIVILEGE
