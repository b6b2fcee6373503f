"""Catalog queries: index validity, NOT VALID constraints, and snapshots for round-trip comparisons."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from psycopg import sql

from tenantdb.db.session import Session

EXCLUDED_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast", "tenantdb")


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexRef:
    schema: str
    name: str
    table: str
    valid: bool
    definition: str


def invalid_indexes(session: Session) -> list[IndexRef]:
    """Indexes left INVALID, typically by an interrupted concurrent build."""
    return _indexes(session, "NOT i.indisvalid")


def find_index(
    session: Session, schema: str | None, name: str, *, before: Callable[[], None] | None = None
) -> IndexRef | None:
    """The index ``name`` in ``schema`` (or the first schema of the search_path that has it); ``before`` sends
    statements whose results are not read in the same round trip."""
    rows = _indexes(
        session,
        "c.relname = %(name)s AND (n.nspname = %(schema)s OR (%(schema)s::text IS NULL"
        " AND n.nspname = ANY (current_schemas(false))))",
        {"name": name, "schema": schema},
        before,
    )
    return rows[0] if rows else None


def invalid_indexes_on(
    session: Session, schema: str | None, table: str, *, before: Callable[[], None] | None = None
) -> list[IndexRef]:
    return _indexes(
        session,
        "NOT i.indisvalid AND t.relname = %(table)s AND (n.nspname = %(schema)s OR (%(schema)s::text IS NULL"
        " AND n.nspname = ANY (current_schemas(false))))",
        {"table": table, "schema": schema},
        before,
    )


def _indexes(
    session: Session,
    condition: str,
    params: dict[str, Any] | None = None,
    before: Callable[[], None] | None = None,
) -> list[IndexRef]:
    query = sql.SQL(
        "SELECT n.nspname, c.relname, t.relname, i.indisvalid, pg_get_indexdef(c.oid)"
        " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {} ORDER BY 1, 2"
    ).format(sql.SQL(condition))  # condition: a literal of this module
    rows = session.fetch_after(before, query, params)
    return [IndexRef(schema=s, name=n, table=t, valid=v, definition=d) for s, n, t, v, d in rows]


def drop_index_concurrently(session: Session, schema: str, name: str) -> None:
    session.execute(
        sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}.{}").format(sql.Identifier(schema), sql.Identifier(name))
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ConstraintRef:
    schema: str
    table: str
    name: str
    definition: str


def not_valid_constraints(session: Session) -> list[ConstraintRef]:
    rows = session.fetch_all(
        "SELECT n.nspname, t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
        " JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
        " WHERE NOT c.convalidated AND n.nspname <> ALL (%s) ORDER BY 1, 2, 3",
        (list(EXCLUDED_SCHEMAS),),
    )
    return [ConstraintRef(schema=s, table=t, name=n, definition=d) for s, t, n, d in rows]


# Each query returns rows that describe one kind of object, independent of OIDs and physical order.
_SNAPSHOT_QUERIES: dict[str, str] = {
    "schemas": "SELECT nspname FROM pg_namespace n WHERE {schemas} AND nspname NOT LIKE 'pg_temp%%'"
    " AND nspname NOT LIKE 'pg_toast_temp%%'",
    "relations": "SELECT n.nspname, c.relname, c.relkind, c.relpersistence, c.relrowsecurity,"
    " c.relforcerowsecurity, c.reloptions::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE {schemas} AND c.relkind IN ('r','p','v','m','S','f','c')",
    # a column's place among the live ones, not its attnum: a column dropped and added back takes a new attnum
    "columns": "SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
    " pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,"
    " row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) FROM pg_attribute a"
    " JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
    " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
    " WHERE {schemas} AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r','p','v','m','f','c')",
    "constraints": "SELECT n.nspname, c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid),"
    " k.convalidated FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
    " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {schemas}",
    "indexes": "SELECT n.nspname, c.relname, pg_get_indexdef(c.oid), i.indisvalid FROM pg_index i"
    " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {schemas}",
    "views": "SELECT n.nspname, c.relname, pg_get_viewdef(c.oid, true) FROM pg_class c"
    " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {schemas} AND c.relkind IN ('v', 'm')",
    "policies": "SELECT schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check"
    " FROM pg_policies WHERE schemaname <> ALL (%(excluded)s) AND schemaname NOT LIKE 'tenantdb\\_archive\\_%%'",
    "grants": "SELECT table_schema, table_name, grantee, privilege_type FROM information_schema.role_table_grants"
    " WHERE table_schema <> ALL (%(excluded)s) AND table_schema NOT LIKE 'tenantdb\\_archive\\_%%'",
    "functions": "SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),"
    " md5(pg_get_functiondef(p.oid)) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
    " WHERE {schemas} AND p.prokind IN ('f', 'p', 'w')",
    "triggers": "SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled FROM pg_trigger t"
    " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE {schemas} AND NOT t.tgisinternal",
    "types": "SELECT n.nspname, t.typname, t.typtype, coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY"
    " e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '') FROM pg_type t"
    " JOIN pg_namespace n ON n.oid = t.typnamespace WHERE {schemas} AND t.typtype IN ('e', 'd', 'r')",
    "extensions": "SELECT extname, extversion FROM pg_extension",
    "schema_grants": "SELECT n.nspname, a.grantee::regrole::text, a.privilege_type FROM pg_namespace n,"
    " aclexplode(n.nspacl) a WHERE {schemas}",
    "column_grants": "SELECT table_schema, table_name, column_name, grantee, privilege_type"
    " FROM information_schema.column_privileges WHERE table_schema <> ALL (%(excluded)s)"
    " AND table_schema NOT LIKE 'tenantdb\\_archive\\_%%' AND (table_schema, table_name, grantee, privilege_type)"
    " NOT IN (SELECT table_schema, table_name, grantee, privilege_type FROM information_schema.role_table_grants)",
    # a column's comment by the column's name (its attnum changes when it is dropped and added back)
    "comments": "SELECT n.nspname, c.relname, coalesce(a.attname, ''), d.description FROM pg_description d"
    " JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0 WHERE {schemas}",
}

Snapshot = dict[str, list[tuple[Any, ...]]]

SNAPSHOT_FIELDS: dict[str, tuple[int, tuple[str, ...]]] = {
    "relations": (2, ("kind", "persistence", "row security", "forced row security", "options")),
    "columns": (3, ("type", "not null", "default", "identity", "generated", "position")),
    "constraints": (3, ("type", "definition", "validated")),
    "views": (2, ("definition",)),
    "policies": (3, ("permissive", "roles", "command", "using", "with check")),
    "functions": (3, ("definition (md5)",)),
    "triggers": (3, ("definition", "enabled")),
    "types": (2, ("kind", "labels")),
    "extensions": (1, ("version",)),
    "comments": (3, ("text",)),
}
"""For the snapshot sections whose rows are named objects: how many leading fields name the object, and what the
others are, so a difference can say what changed in an object found on both sides."""


def catalog_snapshot(session: Session) -> Snapshot:
    """Everything a migration can change in the schema, sorted, without OIDs: equal snapshots = equal schemas."""
    snapshot: Snapshot = {}
    for kind, template in _SNAPSHOT_QUERIES.items():
        query = template.replace(
            "{schemas}", "n.nspname <> ALL (%(excluded)s) AND n.nspname NOT LIKE 'tenantdb\\_archive\\_%%'"
        )
        rows = session.fetch_all(query, {"excluded": list(EXCLUDED_SCHEMAS)})
        snapshot[kind] = sorted(rows, key=lambda row: tuple("" if v is None else str(v) for v in row))
    return snapshot


PLAIN_TABLE_SIZE = (
    "SELECT CASE WHEN c.relkind = 'r' THEN pg_table_size(c.oid) END"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relname = %s AND n.nspname = ANY (current_schemas(false))"
    " ORDER BY array_position(current_schemas(false), n.nspname) LIMIT 1"
)
"""The query of :func:`plain_table_size` (one parameter: the name), for callers that ask more in the same query."""


def plain_table_size(session: Session, name: str) -> int | None:
    """Bytes of heap and TOAST (``pg_table_size``) of ``name`` (unqualified, the first relation of that name on the
    search path) when it is an ordinary, non-partitioned table; None otherwise."""
    size = session.fetch_value(PLAIN_TABLE_SIZE, (name,))
    return None if size is None else int(size)


@dataclass(frozen=True, slots=True, kw_only=True)
class LockSample:
    """A relation lock held by this session."""

    relation: str
    mode: str
    kind: str  # relkind: r table, p partitioned, i index, v view, m matview, S sequence


def held_relation_locks(session: Session) -> list[LockSample]:
    rows = session.fetch_all(
        "SELECT l.relation::regclass::text, l.mode, c.relkind FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
        " WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted"
        " AND c.relnamespace <> 'pg_catalog'::regnamespace"
    )
    return [LockSample(relation=r, mode=m, kind=k) for r, m, k in rows]


@dataclass(frozen=True, slots=True, kw_only=True)
class RelationState:
    """Storage and activity of a relation at one moment of a transaction."""

    kind: str
    filenode: int | None
    scans: int
    bytes: int
    rows: int | None  # None: no statistics and nothing to estimate from (a partitioned table never analyzed)
    rows_from_pages: bool = False  # never analyzed (or analyzed empty): estimated from its pages and row width


def relation_states(session: Session) -> dict[str, RelationState]:
    """Every user table, matview and index: storage file, scans in this transaction, size, row estimate.

    The row estimate is the planner's: ``reltuples / relpages`` scaled to the pages the relation has now. A table
    never analyzed (``reltuples`` -1 on PostgreSQL 14+, 0 with 0 pages before) is estimated from its pages and
    the width of its columns (32 bytes for each variable-length one), never reported as empty.
    """
    rows = session.fetch_all(
        "SELECT c.oid::regclass::text, c.relkind, pg_relation_filenode(c.oid),"
        " coalesce(pg_stat_get_xact_numscans(c.oid), 0), pg_total_relation_size(c.oid), c.reltuples::float8,"
        " c.relpages, pg_relation_size(c.oid), current_setting('block_size')::int,"
        " (SELECT coalesce(sum(CASE WHEN a.attlen > 0 THEN a.attlen ELSE 32 END), 0) FROM pg_attribute a"
        "   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p', 'm', 'i') AND n.nspname <> ALL (%s) AND n.nspname NOT LIKE 'pg_temp%%'",
        (list(EXCLUDED_SCHEMAS),),
    )
    states = {}
    for name, kind, node, scans, size, tuples, relpages, heap, block, width in rows:
        pages = heap // block
        if tuples >= 0 and relpages > 0:
            estimate, from_pages = round(tuples / relpages * pages), False
        elif tuples >= 0 and pages == 0:
            estimate, from_pages = round(tuples), False  # analyzed, and still empty
        elif kind == "p":
            estimate, from_pages = None, True
        else:
            estimate, from_pages = pages * ((block - 24) // (24 + 4 + int(width))), True
        states[name] = RelationState(
            kind=kind, filenode=node, scans=int(scans), bytes=int(size), rows=estimate, rows_from_pages=from_pages
        )
    return states


def relation_names(session: Session, relations: Sequence[tuple[str | None, str]]) -> list[str | None]:
    """``regclass::text`` of each ``(schema or None, name)`` (None when there is no such relation)."""
    if not relations:
        return []
    rows = session.fetch_all(
        "SELECT to_regclass(CASE WHEN s IS NULL THEN quote_ident(r) ELSE quote_ident(s) || '.' || quote_ident(r)"
        " END)::text FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS w (s, r, i) ORDER BY i",
        ([schema for schema, _ in relations], [name for _, name in relations]),
    )
    return [row[0] for row in rows]


def name_taken(session: Session, table: str, name: str) -> bool:
    """Whether a constraint of ``table`` or a relation in its schema is called ``name`` (search path)."""
    return bool(
        session.fetch_value(
            "SELECT EXISTS (SELECT FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
            "  JOIN pg_namespace n ON n.oid = t.relnamespace"
            "  WHERE t.relname = %(table)s AND c.conname = %(name)s AND n.nspname = ANY (current_schemas(false)))"
            " OR EXISTS (SELECT FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace"
            "  WHERE r.relname = %(name)s AND n.nspname = ANY (current_schemas(false)))",
            {"table": table, "name": name},
        )
    )


def explain_analyze(session: Session, query_text: str) -> dict[str, Any]:
    """``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`` of a probe query, run read-only and rolled back."""
    with session.transaction():
        session.execute("SET TRANSACTION READ ONLY")
        query = sql.SQL("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {}").format(sql.SQL(query_text))
        value = session.fetch_value(query)
        session.rollback()
    document = value[0] if isinstance(value, list) else value
    return dict(document)


def table_columns(session: Session, table: str) -> tuple[str, ...]:
    """Columns of a table on the search path, in order (empty when it does not exist)."""
    rows = session.fetch_all(
        "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = to_regclass(%s) AND a.attnum > 0"
        " AND NOT a.attisdropped ORDER BY a.attnum",
        (table,),
    )
    return tuple(str(row[0]) for row in rows)


def tenant_digests(session: Session, table: str, columns: tuple[str, ...]) -> dict[str, tuple[int, str]]:
    """Per tenant (or ``*`` for a table without tenant_id): row count and a digest of the given columns."""
    projection = sql.SQL(", ").join(map(sql.Identifier, columns))
    tenant = sql.SQL("tenant_id::text") if "tenant_id" in columns else sql.SQL("'*'")
    query = sql.SQL(
        "SELECT t, count(*), md5(string_agg(h, '' ORDER BY h)) FROM"
        " (SELECT {tenant} AS t, md5(ROW({columns})::text) AS h FROM {table}) AS hashed GROUP BY t"
    ).format(tenant=tenant, columns=projection, table=sql.Identifier(table))
    return {str(t): (int(count), str(digest)) for t, count, digest in session.fetch_all(query)}


def table_row_counts(session: Session) -> dict[str, int]:
    """Exact row count of every table in the current schema (a partitioned table counts its partitions' rows)."""
    tables = session.fetch_all(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY c.relname"
    )
    if not tables:
        return {}
    query = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {}, count(*) FROM {}").format(sql.Literal(name), sql.Identifier(schema, name))
        for schema, name in tables
    )
    return {str(name): int(count) for name, count in session.fetch_all(query)}


def bypasses_row_security(session: Session) -> bool:
    """Whether the session's role is a superuser or has BYPASSRLS (row-level security never filters its rows)."""
    return bool(session.fetch_value("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"))


def analyze_tables(session: Session, tables: list[str]) -> None:
    """``ANALYZE`` the given tables of the current schema, so the planner knows what was just loaded into them."""
    if tables:
        schema = str(session.fetch_value("SELECT current_schema()"))
        session.execute(
            sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(sql.Identifier(schema, table) for table in tables))
        )


RelationName = tuple[str | None, str]
"""``(schema or None for the search path, name)``."""


class PartitionState(StrEnum):
    """Where a ``DETACH PARTITION ... CONCURRENTLY`` of a partition stands."""

    ATTACHED = "attached"
    PENDING = "pending"  # interrupted after its first transaction: only FINALIZE completes it
    DETACHED = "detached"
    MISSING = "missing"  # no such table


def partition_state(session: Session, table: RelationName, partition: RelationName) -> PartitionState:
    """Whether ``partition`` is still a partition of ``table``."""
    rows = session.fetch_all(  # each name quoted by the server; without a schema, found on the search path
        "SELECT c.oid IS NOT NULL, i.inhdetachpending"
        " FROM (SELECT to_regclass(concat_ws('.', quote_ident(%s), quote_ident(%s))) AS oid) AS c"
        " LEFT JOIN pg_inherits i ON i.inhrelid = c.oid"
        " AND i.inhparent = to_regclass(concat_ws('.', quote_ident(%s), quote_ident(%s)))",
        (*partition, *table),
    )
    exists, pending = rows[0]
    if not exists:
        return PartitionState.MISSING
    if pending is None:
        return PartitionState.DETACHED
    return PartitionState.PENDING if pending else PartitionState.ATTACHED


def finalize_detach(session: Session, table: RelationName, partition: RelationName) -> None:
    """Complete a detach that an interruption left pending."""
    session.execute(
        sql.SQL("ALTER TABLE {} DETACH PARTITION {} FINALIZE").format(_identifier(table), _identifier(partition))
    )


def _identifier(name: RelationName) -> sql.Identifier:
    schema, relation = name
    return sql.Identifier(schema, relation) if schema else sql.Identifier(relation)
