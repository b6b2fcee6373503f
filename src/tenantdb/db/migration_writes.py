"""What each migration transaction wrote: its transaction ids and, per user table, what it did to the rows.

``rollback --level data`` finds a phase's rows by their ``xmin``. A row's ``xmin`` is the id of the transaction
(or subtransaction) that wrote that version of it. It identifies the rows a migration *inserted* only when
the migration did nothing else to the table, because an ``UPDATE``, an ``INSERT ... ON CONFLICT DO UPDATE`` and a
table rewrite (``ALTER TABLE ... TYPE``, ``TRUNCATE``; the rewritten rows are inserted again) stamp rows that
existed before with the same id. So, just before each migration transaction commits, the runner records:

* the ids: the top-level one (``pg_current_xact_id_if_assigned()``; none means the transaction wrote nothing)
  and those of its committed subtransactions (``SAVEPOINT``, PL/pgSQL ``EXCEPTION`` blocks). PostgreSQL does not
  list a transaction's subtransaction ids (a subtransaction even releases the lock on its id when it commits),
  but every row of a table the transaction created is its own, so the other ``xmin`` values found there are its
  subtransactions'. Rows a subtransaction wrote into a table that already existed carry an id tenantdb cannot
  know: they are kept (never wrongly removed) and counted as no longer carrying the phase's ids. Ids are stored
  as ``xid8`` (epoch and id), never wrapping;
* per user table, from ``pg_stat_xact_user_tables``: rows inserted, updated and deleted in the transaction, and
  whether the transaction created the table or gave it a new file (a rewrite), compared with
  :func:`table_files` taken when the transaction began;
* the cluster's system identifier: after a dump and restore into another cluster, ids mean other transactions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from tenantdb.db.session import Session
from tenantdb.identity import Version

XID_MASK = 0xFFFFFFFF
WRAP_LIMIT = 2**31
EPOCH = 2**32

USER_SCHEMA = (
    "n.nspname NOT IN ('information_schema', 'tenantdb') AND NOT starts_with(n.nspname, 'pg_')"
    " AND NOT starts_with(n.nspname, 'tenantdb_archive_')"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TableWrite:
    """A row of ``tenantdb.migration_writes``: what one migration transaction did to one table."""

    source: str
    version: str
    xid: int  # top-level transaction id (xid8)
    xids: tuple[int, ...]  # the top-level id and its committed subtransactions' ids (xid8)
    relid: int
    table_schema: str
    table_name: str
    relfilenode: int  # the table's file when the transaction committed
    created: bool  # the transaction created the table
    rewritten: bool  # the transaction gave an existing table a new file (every row restamped)
    inserted: int  # rows it inserted and left in place
    updated: int
    deleted: int
    removed: int  # rows a data rollback removed since
    cluster: str  # system identifier of the cluster that ran it

    @property
    def table(self) -> str:
        return f"{self.table_schema}.{self.table_name}"

    @property
    def inserts_only(self) -> bool:
        """Every row stamped with this transaction's ids was inserted by it (none was updated or rewritten)."""
        return self.created or (not self.rewritten and self.updated == 0)


@dataclass(frozen=True, slots=True)
class TableStart:
    """A user table when a migration transaction begins: its file, and this session's pending row counts."""

    relfilenode: int
    inserted: int
    updated: int
    deleted: int


# User tables with this session's pending row counts: what ``pg_stat_xact_user_tables`` shows, read by its own
# functions, because the view also sums every index's scans (a join with pg_index and a GROUP BY over the catalog)
# and that costs four times the rest of the query.
_USER_TABLE_COUNTS = sql.SQL(
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " CROSS JOIN LATERAL (SELECT pg_stat_get_xact_tuples_inserted(c.oid) AS ins,"
    " pg_stat_get_xact_tuples_updated(c.oid) AS upd, pg_stat_get_xact_tuples_deleted(c.oid) AS del) AS w"
    " WHERE c.relkind = 'r' AND {}"
).format(sql.SQL(USER_SCHEMA))

TABLE_FILES = sql.SQL("SELECT c.oid, c.relfilenode, w.ins, w.upd, w.del") + _USER_TABLE_COUNTS
"""The rows of :func:`table_files`, for a caller that sends the query together with others."""


def table_files(session: Session) -> dict[int, TableStart]:
    """``{table oid: TableStart}`` of the user tables, taken when a migration transaction begins.

    ``pg_stat_xact_user_tables`` also counts earlier transactions of the session whose statistics were not
    flushed yet (they are flushed at most once a second), so what a transaction did is the difference from here.
    """
    return table_starts(session.fetch_all(TABLE_FILES))


def table_starts(rows: list[tuple[Any, ...]]) -> dict[int, TableStart]:
    """:func:`table_files` from the rows of :data:`TABLE_FILES`."""
    return {int(oid): TableStart(int(node), int(ins), int(upd), int(dele)) for oid, node, ins, upd, dele in rows}


def _transaction_ids(session: Session, top: int, created: list[tuple[str, str]]) -> tuple[int, ...]:
    """The top-level id and the subtransaction ids found in the tables the transaction created (as xid8)."""
    subs: set[int] = set()
    if created and not _may_have_subtransactions(session):
        return (top,)
    for schema, table in created:
        rows = session.fetch_all(
            sql.SQL("SELECT DISTINCT xmin::text FROM ONLY {} WHERE xmin <> %s::text::xid").format(
                sql.Identifier(schema, table)
            ),
            (str(top & XID_MASK),),
        )
        # Subtransaction ids are assigned after their parent's, so each is less than 2^31 ahead of it.
        subs |= {top + ((int(row[0]) - top) & XID_MASK) for row in rows}
    return (top, *sorted(subs))


def _may_have_subtransactions(session: Session) -> bool:
    """False when PostgreSQL (16+) says this transaction has no committed subtransaction with an id."""
    if session.server_version < 160000:
        return True
    _, rows = session.fetch_together(
        "SELECT pg_stat_clear_snapshot()",  # the backend status below is read afresh
        "SELECT x.subxact_count, x.subxact_overflowed FROM pg_stat_get_backend_idset() AS b(id),"
        " LATERAL pg_stat_get_backend_subxact(b.id) AS x WHERE pg_stat_get_backend_pid(b.id) = pg_backend_pid()",
    )
    return not rows or bool(rows[0][0]) or bool(rows[0][1])


def record_writes(session: Session, source: str, version: Version, before: Mapping[int, TableStart]) -> None:
    """Record what the current transaction wrote to user tables (call it just before COMMIT)."""
    insert_writes(session, transaction_writes(session, source, version, before))


_WRITTEN = (
    sql.SQL("SELECT c.oid, n.nspname, c.relname, c.relfilenode, w.ins, w.upd, w.del")
    + _USER_TABLE_COUNTS
    + sql.SQL(" AND w.ins + w.upd + w.del > 0")
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingWrite:
    """A row of ``tenantdb.migration_writes`` read in a migration transaction, not inserted yet."""

    source: str
    version: Version
    xids: tuple[int, ...]
    relid: int
    table_schema: str
    table_name: str
    relfilenode: int
    created: bool
    rewritten: bool
    inserted: int
    updated: int
    deleted: int


def transaction_writes(
    session: Session, source: str, version: Version, before: Mapping[int, TableStart]
) -> list[PendingWrite]:
    """What the current transaction wrote to user tables so far (its id and statistics read in one round trip)."""
    (top_row,), rows = session.fetch_together("SELECT pg_current_xact_id_if_assigned()::text", _WRITTEN)
    top = top_row[0]
    if top is None:
        return []
    created = [(str(row[1]), str(row[2])) for row in rows if int(row[0]) not in before]
    xids = _transaction_ids(session, int(top), created)
    pending = []
    for relid, schema, table, relfilenode, total_inserted, total_updated, total_deleted in rows:
        start = before.get(int(relid))
        created_here = start is None
        rewritten = start is not None and start.relfilenode != int(relfilenode)
        inserted = max(0, int(total_inserted) - (start.inserted if start else 0))
        updated = max(0, int(total_updated) - (start.updated if start else 0))
        deleted = max(0, int(total_deleted) - (start.deleted if start else 0))
        if not (inserted or updated or deleted or rewritten):
            continue  # written by an earlier transaction of the session
        left = inserted
        if deleted and not updated:  # it may have deleted some of its own rows: count those left
            left = int(
                session.fetch_value(
                    sql.SQL("SELECT count(*) FROM ONLY {} WHERE xmin = ANY (%s::text[]::xid[])").format(
                        sql.Identifier(schema, table)
                    ),
                    ([str(x & XID_MASK) for x in xids],),
                )
            )
        pending.append(
            PendingWrite(
                source=source,
                version=version,
                xids=xids,
                relid=int(relid),
                table_schema=schema,
                table_name=table,
                relfilenode=int(relfilenode),
                created=created_here,
                rewritten=rewritten,
                inserted=left,
                updated=updated,
                deleted=deleted,
            )
        )
    return pending


def insert_writes(session: Session, pending: list[PendingWrite]) -> None:
    """Insert what :func:`transaction_writes` read (in that transaction; no result is read, so it may be pipelined)."""
    for write in pending:
        session.execute(
            "INSERT INTO tenantdb.migration_writes (source, version, xid, xids, relid, table_schema, table_name,"
            " relfilenode, created, rewritten, inserted, updated, deleted, cluster)"
            " VALUES (%s, %s, %s::text::xid8, %s::text[]::xid8[], %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " (SELECT system_identifier::text FROM pg_control_system()))"
            " ON CONFLICT (source, version, xid, relid) DO UPDATE SET xids = excluded.xids,"
            " relfilenode = excluded.relfilenode, created = excluded.created, rewritten = excluded.rewritten,"
            " inserted = excluded.inserted, updated = excluded.updated, deleted = excluded.deleted",
            (
                write.source,
                write.version.text,
                str(write.xids[0]),
                [str(x) for x in write.xids],
                write.relid,
                write.table_schema,
                write.table_name,
                write.relfilenode,
                write.created,
                write.rewritten,
                write.inserted,
                write.updated,
                write.deleted,
            ),
        )


def id_problem(*, now: int, oldest: int, newest: int) -> str | None:
    """Why 32-bit ``xmin`` values may not name the recorded transactions (ids as xid8), or None."""
    if newest >= now:
        return f"its transaction ids ({newest}) are not older than the server's ({now})"
    if now - oldest >= WRAP_LIMIT:
        return f"it ran {now - oldest:,} transactions ago, and 32-bit row transaction ids that old may name newer ones"
    return None


def migration_writes(session: Session, source: str, versions: list[str]) -> list[TableWrite]:
    """What the given migrations' current applications wrote, oldest first (rolled-back ones are kept only to
    tell, in an archive, the rows a migration recreates when it is applied again)."""
    rows = session.fetch_all(
        "SELECT source, version, xid::text, xids::text[], relid, table_schema, table_name, relfilenode, created,"
        " rewritten, inserted, updated, deleted, removed, cluster FROM tenantdb.migration_writes"
        " WHERE source = %s AND version = ANY (%s) AND rolled_back_at IS NULL ORDER BY at, relid",
        (source, versions),
    )
    return [
        TableWrite(
            source=row[0],
            version=row[1],
            xid=int(row[2]),
            xids=tuple(int(x) for x in row[3]),
            relid=int(row[4]),
            table_schema=row[5],
            table_name=row[6],
            relfilenode=int(row[7]),
            created=bool(row[8]),
            rewritten=bool(row[9]),
            inserted=int(row[10]),
            updated=int(row[11]),
            deleted=int(row[12]),
            removed=int(row[13]),
            cluster=str(row[14]),
        )
        for row in rows
    ]


def count_removed(session: Session, write: TableWrite, removed: int) -> None:
    """Remember that a data rollback removed ``removed`` of the rows ``write`` inserted (caller's transaction)."""
    session.execute(
        "UPDATE tenantdb.migration_writes SET removed = removed + %s"
        " WHERE source = %s AND version = %s AND xid = %s::text::xid8 AND relid = %s",
        (removed, write.source, write.version, str(write.xid), write.relid),
    )
