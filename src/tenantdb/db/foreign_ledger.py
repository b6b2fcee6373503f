"""Catalog reads (and the few writes) of other migration tools' ledger tables, for adoption.

What the rows mean lives in :mod:`tenantdb.migrations.foreign_ledgers`; this module only finds the tables
and reads or writes their columns.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from tenantdb.db.session import Session
from tenantdb.db.state import STATE_SCHEMA


@dataclass(frozen=True, slots=True, kw_only=True)
class LedgerTable:
    """A table that may be another tool's ledger: where it is and which columns it has."""

    schema: str
    name: str
    columns: tuple[str, ...]

    @property
    def identifier(self) -> sql.Composable:
        return sql.Identifier(self.schema, self.name)


def ledger_tables(
    session: Session, names: Collection[str], qualified: Collection[tuple[str, str]] = ()
) -> list[LedgerTable]:
    """Ordinary tables called one of ``names`` in any user schema, or one of the ``(schema, table)`` pairs.

    The current schema comes first, then the others by name (tools default to the current schema).
    """
    rows = session.fetch_all(
        "SELECT n.nspname, c.relname, array_agg(a.attname::text ORDER BY a.attnum)"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " WHERE c.relkind IN ('r', 'p')"
        "   AND n.nspname <> %(state)s AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%%'"
        "   AND (c.relname = ANY(%(names)s) OR (n.nspname, c.relname) IN"
        "        (SELECT * FROM unnest(%(schemas)s::text[], %(tables)s::text[])))"
        " GROUP BY n.nspname, c.relname"
        " ORDER BY n.nspname <> current_schema(), n.nspname, c.relname",
        {
            "state": STATE_SCHEMA,
            "names": list(names),
            "schemas": [schema for schema, _ in qualified],
            "tables": [table for _, table in qualified],
        },
    )
    return [LedgerTable(schema=schema, name=name, columns=tuple(columns)) for schema, name, columns in rows]


def ledger_rows(
    session: Session, table: LedgerTable, columns: Sequence[str], order_by: Sequence[str]
) -> list[tuple[Any, ...]]:
    """``columns`` of every row of ``table``, in ``order_by``."""
    query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        table.identifier,
        sql.SQL(", ").join(map(sql.Identifier, order_by)) if order_by else sql.SQL("1"),
    )
    return session.fetch_all(query)


def replace_single_version(session: Session, table: LedgerTable, version: int | None, *, dirty: bool) -> None:
    """golang-migrate's ledger holds one row: the current version (none when everything is rolled back)."""
    session.execute(sql.SQL("DELETE FROM {}").format(table.identifier))
    if version is not None:
        session.execute(
            sql.SQL("INSERT INTO {} (version, dirty) VALUES (%s, %s)").format(table.identifier), (version, dirty)
        )


def insert_version(session: Session, table: LedgerTable, values: Mapping[str, Any]) -> None:
    """Add a row to a ledger with rows per migration (nothing when its primary key already has the version)."""
    names = list(values)
    query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT DO NOTHING").format(
        table.identifier,
        sql.SQL(", ").join(map(sql.Identifier, names)),
        sql.SQL(", ").join(map(sql.Placeholder, names)),
    )
    session.execute(query, dict(values))


def delete_version(session: Session, table: LedgerTable, column: str, version: str | int) -> None:
    """Remove ``version`` from a ledger with one row per applied migration."""
    session.execute(
        sql.SQL("DELETE FROM {} WHERE {} = %s").format(table.identifier, sql.Identifier(column)), (version,)
    )
