"""R26 of the attack matrix (RELIABILITY.md §3.3): EXPLAIN ANALYZE row counts on indexes not led by tenant_id.

Row-level security adds the tenant predicate to every query of a tenant role. On an index that leads with
tenant_id that predicate is an index condition, so a scan never touches another tenant's entry. On an index led by
another column (a global slug, a plan, a pool) a tenant's own predicate on that column drives the scan, the tenant
predicate only filters, and ``EXPLAIN ANALYZE`` reports how many rows it removed: other tenants' rows matching the
tenant's predicate, which a binary search turns into their values. The attack forces every index of every tenant
table in turn (a tenant cannot pick the index, but on real data volumes the planner picks the selective one for
it); the catalog test holds the rule for every module, including indexes added later.
"""

from __future__ import annotations

from typing import Any

import pytest
from psycopg import sql

from tenantdb.db import Session
from tenantdb.errors import DatabaseError
from tenantdb.modules import available_modules, module_migrations
from tests.modules.security_world import (
    INSUFFICIENT_PRIVILEGE,
    TENANT_ROLES,
    TENANT_TABLES,
    Tenant,
    World,
    key_column,
    readable,
)

UNDEFINED_COLUMN = "42703"
REMOVED = ("Rows Removed by Filter", "Rows Removed by Index Recheck")


def verify_statements() -> list[str]:
    """The security module's verify blocks on tables (the R26 index shape among them), run over every module."""
    (isolation,) = [m for m in module_migrations(available_modules()["security"]) if m.name == "core_tenant_isolation"]
    assert isolation.verify is not None
    return [statement.text for statement in isolation.verify.statements]


def indexes_of(session: Session, table: str) -> list[tuple[Any, ...]]:
    """Each index of ``table`` and of its partitions: (oid, name, access method, leading key, partial predicate)."""
    return session.fetch_all(
        "SELECT x.oid, x.relname, am.amname, pg_get_indexdef(i.indexrelid, 1, true),"
        " pg_get_expr(i.indpred, i.indrelid, true) FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid"
        " JOIN pg_am am ON am.oid = x.relam WHERE i.indrelid IN (SELECT %s::regclass UNION"
        " SELECT relid FROM pg_partition_tree(%s::regclass))"
        " AND NOT EXISTS (SELECT FROM pg_inherits h WHERE h.inhrelid = i.indexrelid) ORDER BY x.relname",
        (table, table),
    )


def only_index(session: Session, table: str, index: int) -> None:
    """Inside the caller's transaction (rolled back): the planner sees ``index`` (and its partitions' copies) as
    the only index of ``table`` and may not scan the heap sequentially. Marking the other indexes invalid is a
    superuser's catalog edit made before the role switch; it stands for "the planner chose this index"."""
    session.execute(
        "UPDATE pg_index SET indisvalid = false WHERE indrelid IN (SELECT %s::regclass UNION SELECT relid FROM"
        " pg_partition_tree(%s::regclass)) AND indexrelid NOT IN (SELECT %s::oid UNION SELECT relid FROM"
        " pg_partition_tree(%s::oid::regclass))",
        (table, table, index, index),
    )
    session.execute("SET LOCAL enable_seqscan = off")


def explained(session: Session, query: sql.Composable, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Every node of the plan EXPLAIN (ANALYZE, FORMAT JSON) reports for ``query``."""
    plan = session.fetch_value(sql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) ") + query, params)
    nodes: list[dict[str, Any]] = []
    pending = [plan[0]["Plan"]]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending += node.get("Plans", [])
    return nodes


def removed_rows(nodes: list[dict[str, Any]]) -> dict[str, int]:
    return {
        f"{node['Node Type']} {node.get('Index Name', '')}: {key}": int(node[key])
        for node in nodes
        for key in REMOVED
        if node.get(key)
    }


# --------------------------------------------------------------------------------------------------- the attack


@pytest.mark.parametrize("table", TENANT_TABLES)
@pytest.mark.parametrize("role", TENANT_ROLES)
def test_r26_a_forced_scan_of_any_index_counts_only_the_callers_rows(
    world: World, admin: Session, role: str, table: str
) -> None:
    if not readable(admin, role, table):
        pytest.skip(f"{role} may not read {table}")
    indexes = indexes_of(admin, table)
    assert indexes, f"{table} has no index"
    for oid, name, method, leading, predicate in indexes:
        key = sql.SQL(leading)  # catalog text, not input
        lowest, type_name = admin.fetch_one(
            sql.SQL("SELECT ({key})::text, pg_typeof({key})::text FROM {table} ORDER BY {key} LIMIT 1").format(
                key=key, table=sql.Identifier(table)
            )
        ) or (None, None)
        # Every tenant's rows match (and PostgreSQL 17 drops IS NOT NULL on a NOT NULL column before planning).
        condition = (
            sql.SQL("({}) IS NULL").format(key)  # a column every tenant leaves empty (in the world's rows)
            if lowest is None
            else sql.SQL("({}) >= {}::{}").format(key, sql.Literal(lowest), sql.SQL(str(type_name)))
        )
        if predicate:
            condition = sql.SQL("{} AND ({})").format(condition, sql.SQL(predicate))
        query = sql.SQL("SELECT 1 FROM {} WHERE {}").format(sql.Identifier(table), condition)
        mine = int(
            admin.fetch_value(
                sql.SQL("SELECT count(*) FROM {} WHERE {} AND {} = %s").format(
                    sql.Identifier(table), condition, sql.Identifier(key_column(table))
                ),
                (world.t1.id,),
            )
        )
        admin.execute("BEGIN")
        try:
            only_index(admin, table, oid)
            admin.execute(f"SET LOCAL {'enable_indexscan' if method == 'brin' else 'enable_bitmapscan'} = off")
            admin.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            admin.execute("SELECT set_config('app.current_tenant_id', %s, true)", (world.t1.id,))
            try:
                nodes = explained(admin, query)
            except DatabaseError as error:  # the role may not name the index's leading column
                assert error.sqlstate == INSUFFICIENT_PRIVILEGE, error
                continue
        finally:
            admin.rollback()
        assert not [n for n in nodes if n["Node Type"] == "Seq Scan"], f"{name} was not scanned"
        assert removed_rows(nodes) == {}, f"{role} on {table} via {name}: counts of other tenants' rows"
        scanned = [n for n in nodes if n["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan")]
        assert sum(int(n["Actual Rows"]) for n in scanned) == mine, name


def enumerate_slugs(admin: Session, tenant: Tenant) -> list[str]:
    """The red-team attack of issue 11 (finding 3): as tenant_api, recover every other tenant's slug from the
    "Rows Removed by Filter" of range scans over the slug index, descending the slugs' prefix tree by halving the
    alphabet. Returns the slugs recovered; none when a tenant role cannot name a slug column at all."""
    alphabet = sorted("abcdefghijklmnopqrstuvwxyz0123456789-")
    holders = admin.fetch_all(
        "SELECT c.relname, (SELECT i.indexrelid FROM pg_index i WHERE i.indrelid = c.oid AND i.indkey[0] = a.attnum"
        " LIMIT 1) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE a.attname = 'slug'"
        " AND c.relkind IN ('r', 'p') AND c.relnamespace = current_schema()::regnamespace AND NOT a.attisdropped"
    )
    assert holders, "no table holds the companies' slugs"
    recovered: list[str] = []
    for table, index in holders:

        def others(low: str, high: str, table: str = table, index: int = index) -> int:
            query = sql.SQL("SELECT 1 FROM {} WHERE slug >= %s AND slug < %s").format(sql.Identifier(table))
            admin.execute("BEGIN")
            try:
                if index is not None:  # the slug's own index, where it has one; the planner's choice otherwise
                    only_index(admin, table, index)
                admin.execute("SET LOCAL enable_bitmapscan = off")
                admin.execute("SET LOCAL ROLE tenant_api")
                admin.execute("SELECT set_config('app.current_tenant_id', %s, true)", (tenant.id,))
                return sum(removed_rows(explained(admin, query, (low, high))).values())
            finally:
                admin.rollback()

        def within(low: str, high: str) -> int:
            """Other tenants' slugs in [low, high): the count less what an empty range removes (a scan the range
            does not drive removes every other tenant's row whatever its slug, which spells nothing)."""
            return others(low, high) - others("~", "~")

        def descend(prefix: str, chars: list[str]) -> None:
            if not chars or within(prefix + chars[0], prefix + chars[-1] + "\x7f") <= 0:
                return
            if len(chars) > 1:
                half = len(chars) // 2
                descend(prefix, chars[:half])
                descend(prefix, chars[half:])
                return
            slug = prefix + chars[0]
            if within(slug, slug + "\x01") > 0:
                recovered.append(slug)
            descend(slug, alphabet)

        try:
            descend("", alphabet)
        except DatabaseError as error:
            assert error.sqlstate in (INSUFFICIENT_PRIVILEGE, UNDEFINED_COLUMN), error
    return recovered


def test_r26_explain_analyze_does_not_enumerate_other_tenants_slugs(world: World, admin: Session) -> None:
    assert enumerate_slugs(admin, world.t1) == []


# ------------------------------------------------------------------------------------- the catalog, every module


def test_r26_every_index_of_every_tenant_table_leads_with_the_tenant(world: World, admin: Session) -> None:
    problems = [str(row[0]) for statement in verify_statements() for row in admin.fetch_all(statement)]
    assert problems == []


def test_r26_the_catalog_check_catches_every_kind_of_index(world: World, admin: Session) -> None:
    """Primary key, unique and exclusion constraints, partial and expression indexes, BRIN, and an index built on
    one partition only: each not led by tenant_id, each reported."""
    offenders = {
        "notes_pkey": "CREATE TABLE notes (note_id uuid PRIMARY KEY, tenant_id uuid NOT NULL, title text,"
        " during tstzrange, at timestamptz)",
        "notes_title_key": "ALTER TABLE notes ADD CONSTRAINT notes_title_key UNIQUE (title, tenant_id)",
        "notes_during_excl": "ALTER TABLE notes ADD CONSTRAINT notes_during_excl EXCLUDE USING gist (during WITH &&)",
        "notes_partial_idx": "CREATE INDEX notes_partial_idx ON notes (title) WHERE tenant_id IS NOT NULL",
        "notes_lower_idx": "CREATE INDEX notes_lower_idx ON notes (lower(title), tenant_id)",
        "notes_at_brin": "CREATE INDEX notes_at_brin ON notes USING brin (at)",
        "notes_tenant_brin": "CREATE INDEX notes_tenant_brin ON notes USING brin (tenant_id, at)",
        "usage_events_default_type_idx": "CREATE INDEX usage_events_default_type_idx ON usage_events_default"
        " (event_type)",
        "companies_name_idx": "CREATE INDEX companies_name_idx ON companies (name, id)",
    }
    admin.execute("BEGIN")
    try:
        for statement in offenders.values():
            admin.execute(statement)
        admin.execute("CREATE TABLE company_notes (company_id uuid REFERENCES companies (id), body text)")
        admin.execute("GRANT SELECT (body) ON company_notes TO tenant_api")
        admin.execute("CREATE INDEX notes_tenant_idx ON notes (tenant_id, title)")  # led by tenant_id: fine
        problems = [str(row[0]) for statement in verify_statements() for row in admin.fetch_all(statement)]
    finally:
        admin.rollback()
    for name in offenders:
        assert any(f".{name} on " in p.replace('"', "") for p in problems), name
    assert not any("notes_tenant_idx" in p for p in problems)
    assert any("role tenant_api may read" in p and "company_notes" in p for p in problems)
