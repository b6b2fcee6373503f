"""Per-table, per-column digests of the rows, for comparing a database's data across ``migrate test``'s stages.

Every user table (partitions individually, outside tenantdb's own and archive schemas) gets its row count and,
for each column, an order-independent md5 of the column's values. A column is marked *volatile* when its values
are expected to differ between two applies of the same migrations: its default is volatile (``now()``,
``gen_random_uuid()``, ``nextval`` of a sequence that is not dropped and recreated with it, ...), its type holds
time or random identifiers (timestamps, dates, uuids), or it is a foreign key to such a column.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from tenantdb.db.catalog import EXCLUDED_SCHEMAS
from tenantdb.db.session import Session

_VOLATILE_TYPES = (
    "timestamp without time zone",
    "timestamp with time zone",
    "date",
    "time without time zone",
    "time with time zone",
    "uuid",
)

_COLUMNS = """
SELECT n.nspname, c.relname, a.attname,
       format_type(a.atttypid, NULL) = ANY (%(volatile_types)s)
       OR EXISTS (SELECT FROM pg_attrdef d JOIN pg_depend dep ON dep.classid = 'pg_attrdef'::regclass
                  AND dep.objid = d.oid JOIN pg_proc p ON dep.refclassid = 'pg_proc'::regclass AND p.oid = dep.refobjid
                  WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND p.provolatile = 'v')
       OR EXISTS (SELECT FROM pg_attrdef d JOIN pg_depend dep ON dep.classid = 'pg_attrdef'::regclass
                  AND dep.objid = d.oid WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum
                  AND dep.refclassid = 'pg_class'::regclass)
       OR a.attidentity <> ''
       OR EXISTS (SELECT FROM pg_constraint k WHERE k.conrelid = a.attrelid AND k.contype = 'f'
                  AND a.attnum = ANY (k.conkey))
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind = 'r' AND n.nspname <> ALL (%(excluded)s) AND n.nspname NOT LIKE 'tenantdb\\_archive\\_%%'
  AND n.nspname NOT LIKE 'pg\\_temp%%' AND n.nspname NOT LIKE 'pg\\_toast%%'
ORDER BY n.nspname, c.relname, a.attnum
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class TableDigest:
    """The rows of one table: how many, and a digest of each column's values."""

    rows: int
    columns: dict[str, str]
    volatile: frozenset[str]  # columns whose values may differ between two applies


def data_digests(session: Session) -> dict[str, TableDigest]:
    """Every user table's :class:`TableDigest`, keyed by ``schema.table``."""
    columns: dict[tuple[str, str], list[tuple[str, bool]]] = {}
    for schema, table, column, volatile in session.fetch_all(
        _COLUMNS, {"volatile_types": list(_VOLATILE_TYPES), "excluded": list(EXCLUDED_SCHEMAS)}
    ):
        columns.setdefault((str(schema), str(table)), []).append((str(column), bool(volatile)))
    digests = {}
    for (schema, table), table_columns in columns.items():
        names = [name for name, _ in table_columns]
        hashed = sql.SQL(", ").join(
            sql.SQL("coalesce(md5(t.{}::text), 'null') AS {}").format(sql.Identifier(name), sql.Identifier(f"c{i}"))
            for i, name in enumerate(names)
        )
        aggregates = sql.SQL(", ").join(
            sql.SQL("md5(string_agg({0}, ',' ORDER BY {0}))").format(sql.Identifier(f"c{i}")) for i in range(len(names))
        )
        query = sql.SQL("SELECT count(*), {} FROM (SELECT {} FROM {} AS t) AS h").format(
            aggregates, hashed, sql.Identifier(schema, table)
        )
        row = session.fetch_one(query)
        assert row is not None
        digests[f"{schema}.{table}"] = TableDigest(
            rows=int(row[0]),
            columns={name: str(value) for name, value in zip(names, row[1:], strict=True)},
            volatile=frozenset(name for name, volatile in table_columns if volatile),
        )
    return digests
