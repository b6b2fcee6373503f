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
    rows = session.fetch_all(
        "SELECT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id'"
        " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
        " ORDER BY 1"
    )
    return [str(row[0]) for row in rows]


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
    # On a tenant table the index may put tenant_id first (RELIABILITY R26: every index of a tenant table leads
    # with it): a foreign key to a shared table (plans, cost_pools) is then checked through tenant_id, first.
    rows = catalog.fetch_all(
        "SELECT t.relname, k.conname FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid"
        " WHERE k.contype = 'f' AND t.relnamespace = 'public'::regnamespace AND NOT t.relispartition"
        " AND NOT EXISTS (SELECT FROM pg_index i CROSS JOIN LATERAL (SELECT CASE WHEN i.indkey[0] = (SELECT attnum"
        "  FROM pg_attribute WHERE attrelid = k.conrelid AND attname = 'tenant_id') AND NOT 'tenant_id' = ANY"
        "  (SELECT attname FROM pg_attribute WHERE attrelid = k.conrelid AND attnum = ANY (k.conkey)) THEN 1"
        "  ELSE 0 END AS skip) s WHERE i.indrelid = k.conrelid"
        "  AND (i.indkey::int2[])[s.skip:s.skip + cardinality(k.conkey) - 1] @> k.conkey"
        "  AND (i.indkey::int2[])[s.skip:s.skip + cardinality(k.conkey) - 1] <@ k.conkey)"
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
