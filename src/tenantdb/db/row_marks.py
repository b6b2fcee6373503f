"""Row-level queries of ``rollback --level data``: mark a phase's rows by ``xmin``, keep those still referenced,
archive and delete the rest (all in the caller's transaction).

Marks live in a temporary table of ``(table oid, ctid, writer)``; the caller locks the tables first, so no row
moves and no new reference appears while the rollback runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import sql

from tenantdb.db.migration_writes import XID_MASK
from tenantdb.db.session import Session

MARKS = sql.Identifier("pg_temp", "tenantdb_phase_rows")


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveTable:
    """A table as it is now: where it lives and which file holds it."""

    relid: int
    schema: str
    name: str
    relfilenode: int
    ancestors: tuple[int, ...]  # itself, then the partitioned tables it belongs to

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ForeignKey:
    """A foreign key whose referenced table is a table (or one of its partitioned ancestors)."""

    name: str
    child_relid: int
    child_schema: str
    child_table: str
    child_columns: tuple[str, ...]
    parent_columns: tuple[str, ...]


def cluster_identity(session: Session) -> str:
    return str(session.fetch_value("SELECT system_identifier::text FROM pg_control_system()"))


def current_xid(session: Session) -> int:
    """The current transaction's id as xid8 (assigned now if it had none)."""
    return int(session.fetch_value("SELECT pg_current_xact_id()::text"))


def live_table(session: Session, relid: int) -> LiveTable | None:
    row = session.fetch_one(
        "SELECT n.nspname, c.relname, c.relfilenode,"
        " ARRAY(SELECT relid::bigint FROM pg_partition_ancestors(c.oid) WHERE relid <> c.oid)"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = %s AND c.relkind = 'r'",
        (relid,),
    )
    if row is None:
        return None
    ancestors = (relid, *(int(x) for x in row[3]))
    return LiveTable(relid=relid, schema=row[0], name=row[1], relfilenode=int(row[2]), ancestors=ancestors)


def foreign_keys_to(session: Session, table: LiveTable) -> list[ForeignKey]:
    """Foreign keys referencing the table or a partitioned table it belongs to (declared ones, not clones)."""
    rows = session.fetch_all(
        "SELECT c.conname, c.conrelid, n.nspname, r.relname,"
        " ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, i)"
        "       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.i),"
        " ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, i)"
        "       JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.i)"
        " FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace"
        " WHERE c.contype = 'f' AND c.conparentid = 0 AND c.confrelid = ANY (%s::oid[]) ORDER BY c.conname",
        (list(table.ancestors),),
    )
    return [
        ForeignKey(
            name=name,
            child_relid=int(child),
            child_schema=schema,
            child_table=relname,
            child_columns=tuple(child_columns),
            parent_columns=tuple(parent_columns),
        )
        for name, child, schema, relname, child_columns, parent_columns in rows
    ]


def lock_tables(session: Session, tables: Sequence[tuple[str, str]], mode: str) -> None:
    """``LOCK TABLE`` in ``mode`` (a literal of the caller: SHARE or SHARE ROW EXCLUSIVE)."""
    if not tables:
        return
    assert mode in ("SHARE", "SHARE ROW EXCLUSIVE")
    names = sql.SQL(", ").join(sql.Identifier(schema, table) for schema, table in sorted(set(tables)))
    session.execute(
        sql.SQL(
            "LOCK TABLE {} IN SHARE MODE" if mode == "SHARE" else "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE"
        ).format(names)
    )


def start_marks(session: Session) -> None:
    session.execute(
        sql.SQL(
            "CREATE TEMPORARY TABLE {} (rel oid NOT NULL, tid tid NOT NULL, writer integer NOT NULL,"
            " PRIMARY KEY (rel, tid)) ON COMMIT DROP"
        ).format(MARKS)
    )


def mark_rows(session: Session, table: LiveTable, writers: Sequence[tuple[int, Sequence[int]]]) -> dict[int, int]:
    """Mark the table's rows whose ``xmin`` is one of each writer's ids; returns ``{writer: rows marked}``.

    ``xmin`` is 32 bits: the caller has made sure the ids are recent enough that a value means one transaction.
    """
    ids = [str(xid & XID_MASK) for _, xids in writers for xid in xids]
    owners = [writer for writer, xids in writers for _ in xids]
    session.execute(
        sql.SQL(
            "INSERT INTO {} (rel, tid, writer) SELECT t.tableoid, t.ctid, w.writer FROM ONLY {} AS t"
            " JOIN unnest(%s::text[]::xid[], %s::integer[]) AS w(xid, writer) ON t.xmin = w.xid"
        ).format(MARKS, sql.Identifier(table.schema, table.name)),
        (ids, owners),
    )
    return marked_counts(session, table)


def marked_counts(session: Session, table: LiveTable) -> dict[int, int]:
    rows = session.fetch_all(
        sql.SQL("SELECT writer, count(*) FROM {} WHERE rel = %s GROUP BY writer").format(MARKS), (table.relid,)
    )
    return {int(writer): int(count) for writer, count in rows}


def count_stamped(session: Session, table: LiveTable, xids: Sequence[int]) -> int:
    """Rows of the table whose ``xmin`` is one of ``xids`` (without marking them)."""
    return int(
        session.fetch_value(
            sql.SQL("SELECT count(*) FROM ONLY {} WHERE xmin = ANY (%s::text[]::xid[])").format(
                sql.Identifier(table.schema, table.name)
            ),
            ([str(xid & XID_MASK) for xid in xids],),
        )
    )


def unmark_referenced(session: Session, table: LiveTable, key: ForeignKey) -> int:
    """Unmark the table's marked rows that a row which stays (unmarked) still references through ``key``."""
    matches = sql.SQL(" AND ").join(
        sql.SQL("s.{} = t.{}").format(sql.Identifier(child), sql.Identifier(parent))
        for child, parent in zip(key.child_columns, key.parent_columns, strict=True)
    )
    query = sql.SQL(
        "DELETE FROM {marks} AS m USING ONLY {table} AS t WHERE m.rel = %s AND t.ctid = m.tid"
        " AND EXISTS (SELECT FROM {child} AS s WHERE {matches}"
        " AND NOT EXISTS (SELECT FROM {marks} AS x WHERE x.rel = s.tableoid AND x.tid = s.ctid))"
    ).format(
        marks=MARKS,
        table=sql.Identifier(table.schema, table.name),
        child=sql.Identifier(key.child_schema, key.child_table),
        matches=matches,
    )
    return session.execute_count(query, (table.relid,))


def marked_selection(table: LiveTable) -> str:
    """A SELECT of the table's marked rows (what the archive copies before they are deleted)."""
    return (
        sql.SQL("SELECT t.* FROM ONLY {} AS t WHERE (t.tableoid, t.ctid) IN (SELECT rel, tid FROM {})")
        .format(sql.Identifier(table.schema, table.name), MARKS)
        .as_string()
    )


def delete_marked(session: Session, table: LiveTable) -> int:
    return session.execute_count(
        sql.SQL("DELETE FROM ONLY {} AS t USING {} AS m WHERE m.rel = %s AND t.ctid = m.tid").format(
            sql.Identifier(table.schema, table.name), MARKS
        ),
        (table.relid,),
    )
