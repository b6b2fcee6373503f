"""Every module, applied together, obeys the key rules that let the schema distribute by tenant_id (Citus)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tenantdb.db import Session, connect
from tenantdb.execute import RunRequest, migrate, round_trip
from tenantdb.migrations import Direction, MigrationSet
from tenantdb.modules import available_modules, module_migrations, resolve_modules
from tests.helpers import FAST


def all_module_sets() -> list[MigrationSet]:
    return [module_migrations(spec) for spec in resolve_modules(available_modules())]


@pytest.fixture(scope="module")
def catalog(pg_server: object) -> Iterator[Session]:
    """One database with every bundled module applied (read-only for these tests)."""
    from tests.conftest import _fresh_database  # the module-scoped twin of the `dsn` fixture

    databases = _fresh_database(pg_server)  # type: ignore[arg-type]
    dsn = next(databases)
    with connect(dsn) as session:
        migrate(session, all_module_sets(), FAST, RunRequest(direction=Direction.UP))
        yield session
    next(databases, None)


def tenant_tables(session: Session) -> list[str]:
    """Tables owned by a tenant: a tenant_id that is never NULL (operator tables name a tenant only sometimes)."""
    rows = session.fetch_all(
        "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'"
        " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
        " AND a.attnotnull ORDER BY 1"
    )
    return [str(row[0]) for row in rows]


# The operator's tables that name the customer concerned, or none for a platform-wide row (a shared pool, a
# provider invoice, a company-wide decision): not distributed by tenant_id (Citus: local to the coordinator).
OPERATOR_TABLES_NAMING_A_TENANT = {
    "business_events",
    "cost_optimization_results",
    "cost_optimizations",
    "strategic_decisions",
}


def test_operator_tables_naming_a_tenant_are_known_and_guarded(catalog: Session) -> None:
    """A nullable tenant_id is a deliberate exception, and such a table still has forced row-level security and
    gives tenant roles no write except emitting their own tenant's events (a policy WITH CHECK)."""
    rows = catalog.fetch_all(
        "SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity FROM pg_class c"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'"
        " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
        " AND NOT a.attnotnull ORDER BY 1"
    )
    assert {str(table) for table, _ in rows} == OPERATOR_TABLES_NAMING_A_TENANT
    assert all(forced for _, forced in rows)
    writes = catalog.fetch_all(
        "SELECT t.table_name, r.role, p.privilege FROM unnest(%s::text[]) AS t (table_name)"
        " CROSS JOIN unnest(ARRAY['application_service', 'tenant_api']) AS r (role)"
        " CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p (privilege)"
        " WHERE has_table_privilege(r.role, t.table_name, p.privilege) ORDER BY 1, 2, 3",
        (sorted(OPERATOR_TABLES_NAMING_A_TENANT),),
    )
    assert [tuple(row) for row in writes] == [("business_events", "application_service", "INSERT")]


def test_every_tenant_table_keys_lead_with_tenant_id(catalog: Session) -> None:
    rows = catalog.fetch_all(
        "SELECT t.relname, k.conname, k.contype, (SELECT a.attname FROM pg_attribute a"
        "  WHERE a.attrelid = k.conrelid AND a.attnum = k.conkey[1])"
        " FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid"
        " WHERE t.relname = ANY (%s) AND k.contype IN ('p', 'u')",
        (tenant_tables(catalog),),
    )
    offenders = [f"{table}.{name}" for table, name, _, first in rows if first != "tenant_id"]
    assert offenders == []
    with_pk = {table for table, _, kind, _ in rows if kind == "p"}
    assert set(tenant_tables(catalog)) <= with_pk


def test_foreign_keys_between_tenant_tables_carry_tenant_id(catalog: Session) -> None:
    tenant = set(tenant_tables(catalog))
    rows = catalog.fetch_all(
        "SELECT t.relname, k.conname, r.relname, ARRAY(SELECT a.attname FROM unnest(k.conkey) AS c(n)"
        "  JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = c.n)"
        " FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_class r ON r.oid = k.confrelid"
        " WHERE k.contype = 'f' AND t.relnamespace = 'public'::regnamespace"
    )
    offenders = [
        f"{table}.{name} -> {target}"
        for table, name, target, columns in rows
        if table in tenant and target in tenant and "tenant_id" not in columns
    ]
    assert offenders == []


def test_every_foreign_key_has_an_index_leading_with_its_columns(catalog: Session) -> None:
    """Except a tenant table's key to a shared row (a plan, an affiliate): an index leading with its columns would
    not lead with tenant_id, and a tenant could count other tenants' rows through it (RELIABILITY R26). The check
    it would serve runs only when the platform deletes or re-keys the shared row."""
    rows = catalog.fetch_all(
        "SELECT t.relname, k.conname FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid"
        " WHERE k.contype = 'f' AND t.relnamespace = 'public'::regnamespace AND NOT t.relispartition"
        " AND NOT (EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attname = 'tenant_id')"
        "  AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = k.confrelid AND a.attname = 'tenant_id')"
        "  AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)"
        "   AND a.attname = 'tenant_id'))"
        " AND NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = k.conrelid"
        "  AND (i.indkey::int2[])[0:cardinality(k.conkey) - 1] @> k.conkey"
        "  AND (i.indkey::int2[])[0:cardinality(k.conkey) - 1] <@ k.conkey)"
        " ORDER BY 1, 2"
    )
    assert [f"{table}.{name}" for table, name in rows] == []


def test_keys_are_uuids_not_text(catalog: Session) -> None:
    rows = catalog.fetch_all(
        "SELECT t.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_constraint k"
        " JOIN pg_class t ON t.oid = k.conrelid JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY (k.conkey)"
        " WHERE k.contype = 'p' AND t.relnamespace = 'public'::regnamespace AND a.attname LIKE '%%id'"
        " AND format_type(a.atttypid, a.atttypmod) NOT IN ('uuid')"
    )
    assert rows == []


def test_all_modules_together_round_trip(dsn: str) -> None:
    report = round_trip(dsn, all_module_sets(), FAST)
    assert report.ok, report.difference.describe() if report.difference else ""
    assert report.migrations == sum(len(s) for s in all_module_sets())
