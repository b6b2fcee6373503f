"""R28 and R29 of the attack matrix: the machinery every tenant shares — tenantdb's own locks, the tables' locks,
storage without row-level security — is out of reach of the tenant and analyst roles.

A hostile tenant who can run SQL as its role must not be able to stall a migration or a BI refresh (by taking
their advisory locks first), hold a lock every tenant waits behind on a table it cannot write, or park data
where row-level security does not apply (large objects, temporary tables).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from psycopg import sql

from tenantdb.bi.refresh import REFRESH_LOCK
from tenantdb.db import Session, connect
from tenantdb.db.locks import RUNNER_LOCK_KEY
from tenantdb.errors import DatabaseError
from tenantdb.execute import RunRequest, migrate
from tenantdb.migrations import Direction, load_migrations
from tests.helpers import FAST, write_files
from tests.modules.security_world import INSUFFICIENT_PRIVILEGE, TENANT_ROLES, World, acting, privileged

HOSTILE_ROLES = (*TENANT_ROLES, "business_analysts")

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
