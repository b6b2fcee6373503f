"""What ``tenantdb db maintain`` reads and runs: table statistics, an index bloat estimate, sizes, statements.

Only the connected database is read (``pg_stat_user_tables`` and ``pg_class`` are per database), and every
statement names one schema-qualified table or index: nothing here can reach another database.

The index bloat estimate (B-tree only) is computed from the catalog, without reading the index: an index tuple
is an 8-byte header plus its key columns' average widths (``pg_stats``, else the type's fixed length), rounded
up to 8 bytes, plus a 4-byte line pointer; a leaf page holds ``(block_size - 40) x fillfactor`` bytes of them;
internal pages add about 1 % and the metapage one page. The expected size is those pages for the entries a
rebuild would hold (:func:`index_stats`); the bloat is what the index has beyond it. A single-column, non-unique
B-tree whose type deduplicates (PostgreSQL 13+) stores each distinct key (``pg_stats.n_distinct``) once per
posting list and 6 bytes per row: a ``tenant_id`` index with thousands of rows per tenant is estimated that way.
Deduplication of multi-column or unique indexes is not estimated, which only hides bloat: the estimate errs
toward not rebuilding.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from psycopg import sql

from tenantdb.db.session import Session

_PAGE_OVERHEAD = 24 + 16  # page header and B-tree special space
_TUPLE_HEADER = 8
_LINE_POINTER = 4
_HEAP_POINTER = 6  # one row's item pointer in a posting list
_ALIGN = 8
_BTREE_FILLFACTOR = 90


class MaintainKind(StrEnum):
    """What maintenance a table or index gets."""

    ANALYZE = "analyze"
    VACUUM = "vacuum"
    VACUUM_ANALYZE = "vacuum analyze"
    VACUUM_FULL = "vacuum full"
    REINDEX = "reindex"


@dataclass(frozen=True, slots=True, kw_only=True)
class TableStats:
    """A table's activity statistics (``pg_stat_user_tables``) and size."""

    schema: str
    name: str
    live_rows: int
    dead_rows: int
    changed_since_analyze: int
    last_analyze: datetime | None  # manual or automatic, the later
    last_vacuum: datetime | None
    bytes: int  # pg_table_size: heap, TOAST, free space and visibility maps


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexStats:
    """An index of a table in :class:`TableStats`, with what its bloat estimate needs."""

    schema: str
    table: str
    name: str
    method: str
    valid: bool
    exclusion: bool  # backs an exclusion constraint: REINDEX CONCURRENTLY cannot rebuild it
    bytes: int
    entries: float  # rows a rebuild would hold (see index_stats); negative when unknown
    fillfactor: int
    key_width: int | None  # bytes of the key and INCLUDE columns; None when a width is unknown
    distinct: float | None  # pg_stats.n_distinct of a single key column (negative: a share of the rows)
    deduplicated: bool  # a B-tree whose equal keys share one entry (PostgreSQL 13+ deduplication)
    block_size: int

    def expected_bytes(self) -> int | None:
        """The size of a freshly built B-tree with these entries (see the module docstring); None: not estimated."""
        if self.method != "btree" or self.key_width is None or self.entries < 0:
            return None
        entry = _aligned(_TUPLE_HEADER + self.key_width) + _LINE_POINTER
        usable = (self.block_size - _PAGE_OVERHEAD) * self.fillfactor / 100
        leaves = max(1, math.ceil(self._leaf_bytes(entry) / usable))
        return (leaves + math.ceil(leaves / 100) + 1) * self.block_size

    def _leaf_bytes(self, entry: int) -> float:
        """One entry per row; with deduplication, one entry per key (per full posting list) plus 6 bytes per row."""
        plain = self.entries * entry
        if not self.deduplicated or self.distinct is None or self.entries <= 0:
            return plain
        keys = self.distinct if self.distinct > 0 else -self.distinct * self.entries
        keys = min(max(keys, 1.0), self.entries)
        per_key = self.entries / keys
        if per_key < 2:
            return plain
        posting_capacity = max(1, (self.block_size // 3 - entry) // _HEAP_POINTER)  # TIDs in one posting list
        return min(plain, keys * math.ceil(per_key / posting_capacity) * entry + self.entries * _HEAP_POINTER)

    def bloat_bytes(self) -> int | None:
        expected = self.expected_bytes()
        return None if expected is None else max(0, self.bytes - expected)

    def bloat_ratio(self) -> float | None:
        bloat = self.bloat_bytes()
        return None if bloat is None or self.bytes == 0 else bloat / self.bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredSize:
    """A size ``tenantdb.maintenance_sizes`` kept from the last run."""

    bytes: int
    measured_at: datetime


def _aligned(size: int) -> int:
    return -(-size // _ALIGN) * _ALIGN


def _may_maintain(session: Session) -> sql.SQL:
    """Tables this role may VACUUM and ANALYZE (any other is skipped by the server with only a warning)."""
    if session.server_version >= 170000:
        return sql.SQL("has_table_privilege(c.oid, 'MAINTAIN')")
    return sql.SQL("pg_has_role(c.relowner, 'USAGE')")


def table_stats(session: Session) -> list[TableStats]:
    """The connected database's tables and materialized views this role may maintain, by schema and name."""
    query = sql.SQL(
        "SELECT s.schemaname, s.relname, s.n_live_tup, s.n_dead_tup, s.n_mod_since_analyze,"
        " greatest(s.last_analyze, s.last_autoanalyze), greatest(s.last_vacuum, s.last_autovacuum),"
        " pg_table_size(c.oid)"
        " FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
        " WHERE c.relkind IN ('r', 'm') AND c.relpersistence <> 't' AND {}"
        " ORDER BY s.schemaname, s.relname"
    ).format(_may_maintain(session))
    return [
        TableStats(
            schema=schema,
            name=name,
            live_rows=live,
            dead_rows=dead,
            changed_since_analyze=changed,
            last_analyze=analyzed,
            last_vacuum=vacuumed,
            bytes=size,
        )
        for schema, name, live, dead, changed, analyzed, vacuumed, size in session.fetch_all(query)
    ]


_INDEXES = """
SELECT n.nspname, t.relname, i.relname, am.amname, x.indisvalid,
       EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = i.oid AND k.contype = 'x'),
       pg_relation_size(i.oid), i.reltuples, x.indpred IS NULL,
       coalesce((SELECT o.option_value::int FROM pg_options_to_table(i.reloptions) o
                 WHERE o.option_name = 'fillfactor'), %(fillfactor)s),
       keys.width, keys.n_distinct,
       am.amname = 'btree' AND NOT x.indisunique AND x.indnatts = 1
         AND coalesce((SELECT lower(o.option_value) FROM pg_options_to_table(i.reloptions) o
                        WHERE o.option_name = 'deduplicate_items'), 'on') NOT IN ('off', 'false', 'no', '0')
         AND EXISTS (SELECT FROM pg_opclass c JOIN pg_amproc p ON p.amprocfamily = c.opcfamily
                      WHERE c.oid = x.indclass[0] AND p.amprocnum = 4
                        AND p.amproclefttype = c.opcintype AND p.amprocrighttype = c.opcintype)
         AND (x.indcollation[0] = 0
              OR (SELECT l.collisdeterministic FROM pg_collation l WHERE l.oid = x.indcollation[0])),
       current_setting('block_size')::int
  FROM pg_index x
  JOIN pg_class i ON i.oid = x.indexrelid
  JOIN pg_class t ON t.oid = x.indrelid
  JOIN pg_namespace n ON n.oid = t.relnamespace
  JOIN pg_am am ON am.oid = i.relam
 CROSS JOIN LATERAL (
       SELECT CASE WHEN bool_and(w.width IS NOT NULL) THEN sum(w.width)::int END AS width,
              CASE WHEN count(*) = 1 THEN max(w.n_distinct) END AS n_distinct
         FROM pg_attribute a
        CROSS JOIN LATERAL (
              SELECT coalesce(s.avg_width, CASE WHEN a.attlen > 0 THEN a.attlen::int END) AS width, s.n_distinct
                FROM (SELECT) AS one
                LEFT JOIN LATERAL (
                      SELECT s.avg_width, s.n_distinct FROM pg_stats s
                       WHERE s.schemaname = n.nspname
                         AND ((x.indkey[a.attnum - 1] <> 0 AND s.tablename = t.relname AND s.attname =
                               (SELECT ta.attname FROM pg_attribute ta
                                 WHERE ta.attrelid = t.oid AND ta.attnum = x.indkey[a.attnum - 1]))
                           OR (x.indkey[a.attnum - 1] = 0 AND s.tablename = i.relname AND s.attname = a.attname))
                       LIMIT 1) s ON true) w
        WHERE a.attrelid = i.oid AND a.attnum > 0) keys
 WHERE t.oid = ANY (%(tables)s::regclass[]) AND i.relkind = 'i'
 ORDER BY n.nspname, t.relname, i.relname
"""


def index_stats(session: Session, tables: Iterable[TableStats]) -> list[IndexStats]:
    """The indexes of ``tables`` (partitioned indexes have no storage of their own and are left out).

    The entries of an index without a predicate are its table's live rows (``n_live_tup``, counted as rows are
    written); ``pg_class.reltuples`` is only as fresh as the last VACUUM or ANALYZE, so an index of a table that
    grew since would look bloated. A partial index, or a table without activity statistics yet, uses
    ``reltuples``.
    """
    by_name = {(table.schema, table.name): table for table in tables}
    names = [_qualified(schema, name) for schema, name in by_name]
    if not names:
        return []
    rows = session.fetch_all(_INDEXES, {"tables": names, "fillfactor": _BTREE_FILLFACTOR})
    return [
        IndexStats(
            schema=schema,
            table=table,
            name=name,
            method=method,
            valid=valid,
            exclusion=exclusion,
            bytes=size,
            entries=_entries(by_name[(schema, table)], float(entries), whole=whole),
            fillfactor=fillfactor,
            key_width=width,
            distinct=None if distinct is None else float(distinct),
            deduplicated=bool(deduplicated),
            block_size=block_size,
        )
        for (
            schema,
            table,
            name,
            method,
            valid,
            exclusion,
            size,
            entries,
            whole,
            fillfactor,
            width,
            distinct,
            deduplicated,
            block_size,
        ) in rows
    ]


def _entries(table: TableStats, reltuples: float, *, whole: bool) -> float:
    counted = table.live_rows > 0 or table.last_analyze is not None or table.last_vacuum is not None
    return float(table.live_rows) if whole and counted else reltuples


def _qualified(schema: str, name: str) -> str:
    """``"schema"."name"``, quoted as ``::regclass`` reads it."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in (schema, name))


def maintenance_statement(kind: MaintainKind, schema: str, relation: str) -> sql.Composed:
    """The statement for ``kind`` on one table (or, for REINDEX, one index), schema-qualified."""
    target = sql.Identifier(schema, relation)
    prefix = {
        MaintainKind.ANALYZE: "ANALYZE",
        MaintainKind.VACUUM: "VACUUM",
        MaintainKind.VACUUM_ANALYZE: "VACUUM (ANALYZE)",
        MaintainKind.VACUUM_FULL: "VACUUM (FULL, ANALYZE)",
        MaintainKind.REINDEX: "REINDEX INDEX CONCURRENTLY",
    }[kind]
    return sql.SQL(prefix + " {}").format(target)


def statement_text(statement: sql.Composed) -> str:
    return statement.as_string(None)


def run_maintenance(
    session: Session, statement: sql.Composed, *, lock_timeout: timedelta, statement_timeout: timedelta
) -> None:
    """Set the session's timeouts and run ``statement`` in autocommit: VACUUM and REINDEX CONCURRENTLY refuse to
    run inside a transaction block, and ANALYZE outside one commits its statistics at once."""
    assert not session.in_transaction, "maintenance statements run in autocommit"
    session.set_timeouts(lock_timeout=lock_timeout, statement_timeout=statement_timeout, local=False)
    session.execute(statement)


def stored_sizes(session: Session) -> dict[tuple[str, str, str], StoredSize]:
    """``(schema, table, index or '')`` -> the size the last run stored; empty before the first run."""
    if not session.fetch_value("SELECT to_regclass('tenantdb.maintenance_sizes') IS NOT NULL"):
        return {}
    rows = session.fetch_all(
        "SELECT schema_name, table_name, index_name, bytes, measured_at FROM tenantdb.maintenance_sizes"
    )
    return {(schema, table, index): StoredSize(bytes=size, measured_at=at) for schema, table, index, size, at in rows}


def store_sizes(
    session: Session,
    sizes: Sequence[tuple[str, str, str, int]],
    *,
    every_table: bool,
) -> None:
    """Replace the stored sizes of the measured tables (of every table when ``every_table``: dropped ones go)."""
    tables = sorted({(schema, table) for schema, table, _, _ in sizes})
    with session.transaction():
        if every_table:
            session.execute("DELETE FROM tenantdb.maintenance_sizes")
        else:
            session.execute(
                "DELETE FROM tenantdb.maintenance_sizes WHERE (schema_name, table_name) IN"
                " (SELECT * FROM unnest(%s::text[], %s::text[]))",
                ([schema for schema, _ in tables], [table for _, table in tables]),
            )
        session.execute(
            "INSERT INTO tenantdb.maintenance_sizes (schema_name, table_name, index_name, bytes, measured_at)"
            " SELECT *, clock_timestamp() FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[])",
            tuple(list(column) for column in zip(*sizes, strict=True)) if sizes else ([], [], [], []),
        )


_PROGRESS = """
SELECT phase, heap_blks_scanned, heap_blks_total FROM pg_stat_progress_vacuum WHERE pid = %(pid)s
UNION ALL
SELECT phase, blocks_done, blocks_total FROM pg_stat_progress_create_index WHERE pid = %(pid)s
UNION ALL
SELECT phase, sample_blks_scanned, sample_blks_total FROM pg_stat_progress_analyze WHERE pid = %(pid)s
UNION ALL
SELECT phase, heap_blks_scanned, heap_blks_total FROM pg_stat_progress_cluster WHERE pid = %(pid)s
"""


def maintenance_progress(session: Session, pid: int) -> str | None:
    """Where the maintenance statement of backend ``pid`` is (``pg_stat_progress_*``), e.g. ``scanning heap 42%``;
    None while it reports none (waiting for its lock, or finished)."""
    row = session.fetch_one(_PROGRESS, {"pid": pid})
    if row is None:
        return None
    phase, done, total = row
    return f"{phase} {done / total:.0%}" if total else str(phase)
