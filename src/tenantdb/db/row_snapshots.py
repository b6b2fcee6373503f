"""Rows a phase's ``feature_off`` changes: captured before it runs, stored, and put back by the restore.

Rows are compared by primary key, as JSON (``to_jsonb`` of the whole row), inside the transaction that runs the
switch; ``tenantdb.feature_rows`` keeps each changed row before (NULL: the switch inserted it) and after (NULL:
it deleted it). Values go back through ``jsonb_populate_record``, i.e. each column's own text input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg import sql

from tenantdb.db.migration_writes import TableStart, table_files
from tenantdb.db.session import Session


@dataclass(frozen=True, slots=True, kw_only=True)
class FeatureTable:
    """A table a feature switch writes to, with what it takes to compare and restore its rows."""

    schema: str
    name: str
    keys: tuple[str, ...]
    insertable: tuple[str, ...]  # every column but generated ones
    updatable: tuple[str, ...]  # not keys, not generated, not GENERATED ALWAYS identities

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    id: int
    taken_at: datetime


def feature_table(session: Session, schema: str, name: str, keys: tuple[str, ...]) -> FeatureTable:
    rows = session.fetch_all(
        "SELECT attname, attgenerated <> '', attidentity = 'a' FROM pg_attribute"
        " WHERE attrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass AND attnum > 0"
        " AND NOT attisdropped ORDER BY attnum",
        (schema, name),
    )
    insertable = tuple(str(column) for column, generated, _ in rows if not generated)
    updatable = tuple(
        str(column) for column, generated, always in rows if not generated and not always and column not in keys
    )
    return FeatureTable(schema=schema, name=name, keys=keys, insertable=insertable, updatable=updatable)


def _key(table: FeatureTable, alias: str = "t") -> sql.Composable:
    return sql.SQL("jsonb_build_object({})").format(
        sql.SQL(", ").join(sql.SQL("{}, {}").format(sql.Literal(key), sql.Identifier(alias, key)) for key in table.keys)
    )


def _before(number: int) -> sql.Identifier:
    return sql.Identifier("pg_temp", f"tenantdb_feature_before_{number}")


def capture(session: Session, number: int, table: FeatureTable) -> None:
    """Copy the table's rows (key and whole row as JSON) into a temporary table (caller's transaction)."""
    session.execute(
        sql.SQL("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} AS key, to_jsonb(t) AS row FROM {} AS t").format(
            _before(number), _key(table), sql.Identifier(table.schema, table.name)
        )
    )


def new_snapshot(session: Session, phase: str, statements: Sequence[str]) -> int:
    row = session.fetch_one(
        "INSERT INTO tenantdb.feature_snapshots (phase, statements) VALUES (%s, %s) RETURNING id",
        (phase, list(statements)),
    )
    assert row is not None
    return int(row[0])


def store_changes(session: Session, snapshot_id: int, number: int, table: FeatureTable) -> int:
    """Store the rows that differ from the capture (by key); returns how many."""
    return session.execute_count(
        sql.SQL(
            "INSERT INTO tenantdb.feature_rows (snapshot_id, table_schema, table_name, key, before, after)"
            " SELECT %s, %s, %s, coalesce(b.key, a.key), b.row, a.row FROM {before} AS b"
            " FULL JOIN (SELECT {key} AS key, to_jsonb(t) AS row FROM {table} AS t) AS a ON a.key = b.key"
            " WHERE b.row IS DISTINCT FROM a.row"
        ).format(before=_before(number), key=_key(table), table=sql.Identifier(table.schema, table.name)),
        (snapshot_id, table.schema, table.name),
    )


def tables_written(session: Session, before: Mapping[int, TableStart]) -> set[tuple[str, str]]:
    """User tables (partition roots for partitions) whose row counts moved since ``before`` (this transaction)."""
    moved = [
        oid
        for oid, now in table_files(session).items()
        if (now.inserted, now.updated, now.deleted) != _counts(before.get(oid))
    ]
    rows = session.fetch_all(
        "SELECT DISTINCT n.nspname, c.relname FROM unnest(%s::oid[]) AS w(oid)"
        " JOIN pg_class c ON c.oid = coalesce(pg_partition_root(w.oid), w.oid)"
        " JOIN pg_namespace n ON n.oid = c.relnamespace",
        (moved,),
    )
    return {(str(schema), str(name)) for schema, name in rows}


def _counts(start: TableStart | None) -> tuple[int, int, int]:
    return (start.inserted, start.updated, start.deleted) if start else (0, 0, 0)


def latest_snapshot(session: Session, phase: str) -> Snapshot | None:
    """The newest snapshot of the phase not restored yet."""
    row = session.fetch_one(
        "SELECT id, taken_at FROM tenantdb.feature_snapshots WHERE phase = %s AND restored_at IS NULL"
        " ORDER BY id DESC LIMIT 1",
        (phase,),
    )
    return Snapshot(id=int(row[0]), taken_at=row[1]) if row else None


def snapshot_tables(session: Session, snapshot_id: int) -> list[tuple[str, str, int]]:
    """``(schema, table, rows)`` stored in a snapshot."""
    rows = session.fetch_all(
        "SELECT table_schema, table_name, count(*) FROM tenantdb.feature_rows WHERE snapshot_id = %s"
        " GROUP BY 1, 2 ORDER BY 1, 2",
        (snapshot_id,),
    )
    return [(str(schema), str(name), int(count)) for schema, name, count in rows]


def _stored(table: FeatureTable) -> sql.Composable:
    return sql.SQL("f.snapshot_id = %(snapshot)s AND f.table_schema = {} AND f.table_name = {}").format(
        sql.Literal(table.schema), sql.Literal(table.name)
    )


def changed_since(session: Session, snapshot_id: int, table: FeatureTable) -> list[str]:
    """Keys (as JSON text) of stored rows that no longer look as the switch left them."""
    rows = session.fetch_all(
        sql.SQL(
            "SELECT f.key::text FROM tenantdb.feature_rows AS f LEFT JOIN {table} AS t ON {key} = f.key"
            " WHERE {stored} AND CASE WHEN t.ctid IS NULL THEN NULL ELSE to_jsonb(t) END IS DISTINCT FROM f.after"
            " ORDER BY 1"
        ).format(table=sql.Identifier(table.schema, table.name), key=_key(table), stored=_stored(table)),
        {"snapshot": snapshot_id},
    )
    return [str(row[0]) for row in rows]


def restore_rows(session: Session, snapshot_id: int, table: FeatureTable) -> int:
    """Put every stored row back as it was before the switch (caller's transaction); returns rows written."""
    live = sql.Identifier(table.schema, table.name)
    record = sql.SQL("jsonb_populate_record(NULL::{}, f.before)").format(live)
    params = {"snapshot": snapshot_id}
    written = session.execute_count(
        sql.SQL(
            "DELETE FROM {live} AS t USING tenantdb.feature_rows AS f"
            " WHERE {stored} AND f.before IS NULL AND {key} = f.key"
        ).format(live=live, stored=_stored(table), key=_key(table)),
        params,
    )
    if table.updatable:
        columns = sql.SQL(", ").join(map(sql.Identifier, table.updatable))
        values = sql.SQL(", ").join(sql.Identifier("r", column) for column in table.updatable)
        written += session.execute_count(
            sql.SQL(
                "UPDATE {live} AS t SET ({columns}) = (SELECT {values} FROM {record} AS r)"
                " FROM tenantdb.feature_rows AS f WHERE {stored} AND f.before IS NOT NULL AND {key} = f.key"
                " AND to_jsonb(t) IS DISTINCT FROM f.before"
            ).format(live=live, columns=columns, values=values, record=record, stored=_stored(table), key=_key(table)),
            params,
        )
    columns = sql.SQL(", ").join(map(sql.Identifier, table.insertable))
    values = sql.SQL(", ").join(sql.Identifier("r", column) for column in table.insertable)
    written += session.execute_count(
        sql.SQL(
            "INSERT INTO {live} ({columns}) OVERRIDING SYSTEM VALUE SELECT {values}"
            " FROM tenantdb.feature_rows AS f, {record} AS r WHERE {stored} AND f.before IS NOT NULL"
            " AND NOT EXISTS (SELECT FROM {live} AS t WHERE {key} = f.key)"
        ).format(live=live, columns=columns, values=values, record=record, stored=_stored(table), key=_key(table)),
        params,
    )
    return written


def mark_restored(session: Session, snapshot_id: int) -> None:
    session.execute(
        "UPDATE tenantdb.feature_snapshots SET restored_at = clock_timestamp() WHERE id = %s", (snapshot_id,)
    )
