"""Catalog facts for the orphaned-references check, and the one anti-join that counts a reference's orphans.

Which ``*_id`` column refers to which table is decided in ``tenantdb.verify.orphans``; this module only reads
the catalog (tables, column types, unique keys, columns covered by a foreign key) and runs the count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import LiteralString

from psycopg import sql

from tenantdb.db.catalog import EXCLUDED_SCHEMAS
from tenantdb.db.session import Session

_USER_TABLES = (
    "n.nspname <> ALL (%(excluded)s) AND n.nspname NOT LIKE 'tenantdb\\_archive\\_%%'"
    " AND n.nspname NOT LIKE 'pg\\_temp%%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp%%'"
    " AND c.relkind IN ('r', 'p') AND NOT c.relispartition"
)


def _on_user_tables(template: LiteralString) -> sql.Composed:
    return sql.SQL(template).format(tables=sql.SQL(_USER_TABLES))  # both literals of this module


@dataclass(slots=True, kw_only=True)
class TableFacts:
    """What the orphans check needs to know about one table (partitions are represented by their parent)."""

    schema: str
    name: str
    columns: dict[str, int] = field(default_factory=dict)  # column -> type oid
    unique_keys: list[tuple[str, ...]] = field(default_factory=list)  # primary key, unique constraints and indexes
    foreign_key_columns: set[str] = field(default_factory=set)  # columns that are part of any foreign key


def reference_catalog(session: Session) -> dict[tuple[str, str], TableFacts]:
    """Every user table with its columns, full unique keys (no partial or expression indexes) and FK columns."""
    params = {"excluded": list(EXCLUDED_SCHEMAS)}
    tables: dict[tuple[str, str], TableFacts] = {}
    columns = session.fetch_all(
        _on_user_tables(
            "SELECT n.nspname, c.relname, a.attname, a.atttypid::int FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid"
            " WHERE {tables} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2, a.attnum"
        ),
        params,
    )
    for schema, table, column, type_oid in columns:
        facts = tables.setdefault((schema, table), TableFacts(schema=schema, name=table))
        facts.columns[column] = int(type_oid)
    keys = session.fetch_all(
        _on_user_tables(
            "SELECT n.nspname, c.relname, array_agg(a.attname::text ORDER BY k.position) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, position)"
            " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum"
            " WHERE {tables} AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL"
            " AND k.position <= i.indnkeyatts GROUP BY i.indexrelid, n.nspname, c.relname ORDER BY 1, 2, 3"
        ),
        params,
    )
    for schema, table, names in keys:
        if (schema, table) in tables:
            tables[schema, table].unique_keys.append(tuple(names))
    covered = session.fetch_all(
        _on_user_tables(
            "SELECT DISTINCT n.nspname, c.relname, a.attname FROM pg_constraint k"
            " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " CROSS JOIN LATERAL unnest(k.conkey) AS u(attnum)"
            " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.attnum"
            " WHERE {tables} AND k.contype = 'f'"
        ),
        params,
    )
    for schema, table, column in covered:
        if (schema, table) in tables:
            tables[schema, table].foreign_key_columns.add(column)
    return tables


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferenceTarget:
    """Columns of one table whose values must exist in the given columns of another (like a foreign key)."""

    schema: str
    table: str
    columns: tuple[str, ...]
    target_schema: str
    target_table: str
    target_columns: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class OrphanCount:
    rows: int
    samples: tuple[str, ...]


def orphans_query(reference: ReferenceTarget, samples: int = 5) -> sql.Composed:
    """Count and a few values of the rows whose non-NULL reference matches no key: one anti-join."""
    pairs = list(zip(reference.columns, reference.target_columns, strict=True))
    value = (
        sql.SQL("r.{}::text").format(sql.Identifier(reference.columns[0]))
        if len(pairs) == 1
        else sql.SQL("ROW({})::text").format(
            sql.SQL(", ").join(sql.SQL("r.{}").format(sql.Identifier(c)) for c in reference.columns)
        )
    )
    return sql.SQL(
        "WITH orphans AS (SELECT {value} AS v FROM {table} AS r WHERE {present}"
        " AND NOT EXISTS (SELECT FROM {target} AS t WHERE {match}))"
        " SELECT (SELECT count(*) FROM orphans), ARRAY(SELECT DISTINCT v FROM orphans ORDER BY v LIMIT {limit})"
    ).format(
        value=value,
        table=sql.Identifier(reference.schema, reference.table),
        present=sql.SQL(" AND ").join(sql.SQL("r.{} IS NOT NULL").format(sql.Identifier(c)) for c, _ in pairs),
        target=sql.Identifier(reference.target_schema, reference.target_table),
        match=sql.SQL(" AND ").join(
            sql.SQL("t.{} = r.{}").format(sql.Identifier(t), sql.Identifier(c)) for c, t in pairs
        ),
        limit=sql.Literal(samples),
    )


def count_orphans(session: Session, reference: ReferenceTarget, samples: int = 5) -> OrphanCount:
    """Run :func:`orphans_query` read-only, without row-level security.

    ``row_security = off`` makes a role subject to a policy fail loudly instead of seeing no target rows (and
    reporting every reference as an orphan).
    """
    query = orphans_query(reference, samples)
    with session.transaction():
        session.execute("SET TRANSACTION READ ONLY")
        session.execute("SET LOCAL row_security = off")
        row = session.fetch_one(query)
        session.rollback()
    assert row is not None
    return OrphanCount(rows=int(row[0]), samples=tuple(str(v) for v in row[1]))
