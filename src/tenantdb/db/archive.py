"""Archive data before a migration destroys it, and restore it when the migration is applied again.

Each migration gets its own schema (``tenantdb_archive_<source>_<version>``) holding plain copies of what its
statements destroyed; ``tenantdb.archive`` is the manifest: what was copied from where, how many rows, a digest
of them, and when it was archived, restored or purged. Copies are made in the transaction of the destructive
statement once writes to the table are held (:func:`hold_writes`), so a destroyed row is always either still in
place or in the archive, as the statement left it, even when a writer committed while the statement waited for
its lock. Nothing is purged automatically.

An archive has no side effects:

* it depends on no project object: a column whose type is not built in (enum, domain, composite, an array of
  them, an extension's type such as citext) or whose collation is the project's is stored as ``text``, and
  ``CREATE TABLE AS`` copies no default, identity or sequence; restoring casts each value back to the live
  column's type (I/O conversion works for every type);
* restoring never duplicates a row: a copy of a whole table or column also records, per row, the migration
  transaction that wrote it (``xmin`` matched against ``tenantdb.migration_writes``, with the wraparound and
  other-cluster guards of ``rollback --level data``; when they fail, every row counts as the application's).
  A row written by a migration that is not applied now (rolled back since, or interrupted and not finished)
  stays in the archive: that migration recreates its rows when it is applied again. Restoring runs in a
  subtransaction, so the rows it writes carry an id no migration recorded: they count as the application's in a
  later archive;
* restoring is set-based and linear: batches of the copy by page range (``ctid``), a column joined to the
  live table on its primary key with ``=`` within the batch's key range, a table by one ``INSERT ... SELECT``
  per batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import sql

from tenantdb.db.kinds import ArchiveKind
from tenantdb.db.migration_writes import EPOCH, XID_MASK, id_problem
from tenantdb.db.session import Session
from tenantdb.errors import ConfigError, DatabaseError, DatabaseStateError

MAX_NAME = 63
WRITER_COLUMN = "tenantdb_written_by"
"""Column of an archive copy: the top-level id (xid8) of the migration transaction that wrote the row, or NULL."""
BATCH_ROWS = 50_000
FIRST_NORMAL_OID = 16384  # objects below it are built into PostgreSQL (pinned: nothing can drop them)
UNIQUE_VIOLATION = "23505"

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveEntry:
    """A row of ``tenantdb.archive``."""

    id: int
    source: str
    version: str
    direction: str
    kind: ArchiveKind
    object_schema: str
    object_table: str
    object_column: str | None
    archive_schema: str
    archive_table: str
    key_columns: tuple[str, ...]
    row_count: int
    digest: str
    archived_at: datetime
    restored_at: datetime | None
    purged_at: datetime | None
    statement: str

    @property
    def object_name(self) -> str:
        column = f".{self.object_column}" if self.object_column else ""
        return f"{self.object_schema}.{self.object_table}{column}"


_FIELDS = tuple(ArchiveEntry.__slots__)


def _fit(name: str) -> str:
    """An identifier of at most 63 bytes, kept unique with a short hash when it has to be cut."""
    if len(name.encode("utf-8")) <= MAX_NAME:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return name.encode("utf-8")[: MAX_NAME - 9].decode("utf-8", "ignore") + "_" + digest


def archive_schema_name(source: str, version: str) -> str:
    safe = "".join(ch if ch.isalnum() else "_" for ch in f"{source}_{version}".lower())
    return _fit(f"tenantdb_archive_{safe}")


def resolve_table(session: Session, schema: str | None, table: str) -> tuple[str, str] | None:
    """(schema, table) of an existing table, looked up like PostgreSQL would (search path when unqualified)."""
    row = session.fetch_one(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relname = %(table)s AND c.relkind IN ('r', 'p')"
        " AND (n.nspname = %(schema)s OR (%(schema)s::text IS NULL AND n.nspname = ANY (current_schemas(false))))"
        " ORDER BY array_position(current_schemas(false), n.nspname) NULLS LAST LIMIT 1",
        {"schema": schema, "table": table},
    )
    return (str(row[0]), str(row[1])) if row else None


def hold_writes(session: Session, tables: Sequence[tuple[str, str]]) -> None:
    """``LOCK TABLE ... IN SHARE MODE`` (caller's transaction): writers in flight finish first and no new write
    starts until the transaction ends, while reads go on. A copy made next is exactly what a statement after it
    destroys; without it, a write committed between the copy and the statement's own lock was lost."""
    if tables:
        names = sql.SQL(", ").join(sql.Identifier(schema, table) for schema, table in tables)
        session.execute(sql.SQL("LOCK TABLE {} IN SHARE MODE").format(names))


def primary_key(session: Session, schema: str, table: str) -> tuple[str, ...]:
    rows = session.fetch_all(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
        " WHERE i.indrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass AND i.indisprimary"
        " ORDER BY array_position(i.indkey, a.attnum)",
        (schema, table),
    )
    return tuple(str(row[0]) for row in rows)


def referencing_tables(session: Session, schema: str, table: str) -> list[tuple[str, str]]:
    """Tables whose foreign keys reach ``schema.table``, directly or through each other (what CASCADE empties)."""
    rows = session.fetch_all(
        "WITH RECURSIVE refs(oid) AS ("
        "  SELECT conrelid FROM pg_constraint WHERE contype = 'f'"
        "   AND confrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass"
        "  UNION SELECT c.conrelid FROM pg_constraint c JOIN refs r ON c.confrelid = r.oid WHERE c.contype = 'f')"
        " SELECT n.nspname, k.relname FROM refs JOIN pg_class k ON k.oid = refs.oid"
        " JOIN pg_namespace n ON n.oid = k.relnamespace ORDER BY 1, 2",
        (schema, table),
    )
    return [(str(s), str(t)) for s, t in rows if (s, t) != (schema, table)]


def dependents(session: Session, schema: str, table: str) -> list[str]:
    """Objects a ``DROP ... CASCADE`` of the table would remove with it (views, foreign keys, ...)."""
    rows = session.fetch_all(
        "SELECT DISTINCT pg_describe_object(d.classid, d.objid, 0) FROM pg_depend d"
        " WHERE d.refobjid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass AND d.deptype = 'n'"
        " ORDER BY 1",
        (schema, table),
    )
    return [str(row[0]) for row in rows]


@dataclass(frozen=True, slots=True, kw_only=True)
class DependentView:
    """A view or materialized view that ``DROP ... CASCADE`` of a table removes with it (directly or via views)."""

    schema: str
    name: str
    materialized: bool
    populated: bool
    definition: str  # the CREATE statement that recreates it

    @property
    def keeps_rows(self) -> bool:
        """A populated materialized view holds rows of its own (a snapshot that a refresh may not reproduce)."""
        return self.materialized and self.populated


def comment_on_table(session: Session, schema: str, table: str, text: str) -> None:
    """``COMMENT ON TABLE``: where an archive keeps what is not rows (a dropped view's definition)."""
    session.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(sql.Identifier(schema, table), sql.Literal(text)))


def dependent_views(session: Session, schema: str, table: str) -> list[DependentView]:
    """Every view and materialized view that depends on the table, views on views included, outermost last."""
    rows = session.fetch_all(
        "WITH RECURSIVE deps (oid, depth) AS ("
        "   SELECT r.ev_class, 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid"
        "   WHERE d.classid = 'pg_rewrite'::regclass"
        "     AND d.refobjid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass"
        "     AND r.ev_class <> d.refobjid"
        "   UNION"
        "   SELECT r.ev_class, deps.depth + 1 FROM deps"
        "   JOIN pg_depend d ON d.refobjid = deps.oid AND d.classid = 'pg_rewrite'::regclass"
        "   JOIN pg_rewrite r ON r.oid = d.objid"
        "   WHERE r.ev_class <> deps.oid AND deps.depth < 50"
        " )"
        " SELECT n.nspname, c.relname, c.relkind = 'm', c.relispopulated,"
        "        format('CREATE %%sVIEW %%I.%%I AS %%s', CASE c.relkind WHEN 'm' THEN 'MATERIALIZED ' ELSE '' END,"
        "               n.nspname, c.relname, pg_get_viewdef(c.oid)), max(deps.depth)"
        " FROM deps JOIN pg_class c ON c.oid = deps.oid JOIN pg_namespace n ON n.oid = c.relnamespace"
        " GROUP BY c.oid, n.nspname, c.relname, c.relkind, c.relispopulated"
        " ORDER BY max(deps.depth), n.nspname, c.relname",
        (schema, table),
    )
    return [
        DependentView(
            schema=str(row[0]),
            name=str(row[1]),
            materialized=bool(row[2]),
            populated=bool(row[3]),
            definition=str(row[4]),
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveRequest:
    """What to copy: a whole table, one column (with the key to put it back), or the rows a DELETE takes."""

    source: str
    version: str
    direction: str
    kind: ArchiveKind
    schema: str
    table: str
    column: str | None = None
    selection: str | None = None  # SELECT of the rows to keep (DELETE ... WHERE); None = every row
    with_rows: bool = True  # False: only the columns (a view, whose rows are derived, not data of its own)
    statement: str


def archive(session: Session, request: ArchiveRequest) -> ArchiveEntry:
    """Copy the data into the migration's archive schema and record it in the manifest (caller's transaction)."""
    target_schema = archive_schema_name(request.source, request.version)
    session.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(target_schema)))
    base = request.table if request.column is None else f"{request.table}__{request.column}"
    target_table = _free_name(session, target_schema, _fit(f"{request.direction}_{base}"))
    keys: tuple[str, ...] = ()
    source = sql.SQL("{} AS s").format(sql.Identifier(request.schema, request.table))  # with partitions, children
    projection: sql.Composable = sql.SQL("s.*")
    if request.column is not None:
        keys = primary_key(session, request.schema, request.table)
        if request.column in keys:
            keys = ()  # the key itself goes: no row can be matched again, so the whole rows are kept
        if keys:
            projection = sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(c)) for c in (*keys, request.column))
    elif request.selection is not None:
        source = sql.SQL("({}) AS s").format(sql.SQL(request.selection))  # deparsed from the migration's own AST
    destination = sql.Identifier(target_schema, target_table)
    # The shape first (no rows): then every column that would depend on a project object becomes text.
    session.execute(
        sql.SQL("CREATE TABLE {} AS SELECT {} FROM {} WITH NO DATA").format(destination, projection, source)
    )
    _drop_dependencies(session, target_schema, target_table)
    if request.with_rows:
        writers = None if request.selection is not None else migration_transactions(session, request)
        _copy_rows(session, (target_schema, target_table), projection, source, keys, writers)
    count, digest = table_digest(session, target_schema, target_table)
    row = session.fetch_one(
        "INSERT INTO tenantdb.archive (source, version, direction, kind, object_schema, object_table, object_column,"
        " archive_schema, archive_table, key_columns, row_count, digest, statement)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (
            request.source,
            request.version,
            request.direction,
            request.kind,
            request.schema,
            request.table,
            request.column,
            target_schema,
            target_table,
            list(keys),
            count,
            digest,
            request.statement,
        ),
    )
    assert row is not None
    return get_entry(session, int(row[0]))


def _drop_dependencies(session: Session, schema: str, table: str) -> None:
    """Turn the columns of a new (empty) copy whose type or collation is not built in into plain text."""
    rows = session.fetch_all(
        "SELECT attname FROM pg_attribute WHERE attrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass"
        " AND attnum > 0 AND NOT attisdropped AND (atttypid >= %s OR attcollation >= %s) ORDER BY attnum",
        (schema, table, FIRST_NORMAL_OID, FIRST_NORMAL_OID),
    )
    if not rows:
        return
    changes = sql.SQL(", ").join(
        sql.SQL('ALTER COLUMN {0} TYPE text COLLATE pg_catalog."default" USING {0}::text').format(
            sql.Identifier(str(row[0]))
        )
        for row in rows
    )
    session.execute(sql.SQL("ALTER TABLE {} {}").format(sql.Identifier(schema, table), changes))


@dataclass(frozen=True, slots=True)
class _Writer:
    """A migration transaction that inserted rows into the table being archived."""

    top: int  # top-level id (xid8): what the copy records
    ids: tuple[int, ...]  # the top level and its known subtransactions (xid8)
    at_most: int | None  # rows it can have left; None when it created the table (every row of its ids is its own)


def migration_transactions(session: Session, request: ArchiveRequest) -> list[_Writer] | None:
    """The migration transactions that inserted rows into the table (or its partitions), or None when ids could
    be ambiguous: another cluster, or ids 2^31 transactions old (then every row counts as the application's)."""
    rows = session.fetch_all(
        "SELECT xid::text, xids::text[], created, inserted - removed, cluster FROM tenantdb.migration_writes"
        " WHERE relid IN (SELECT %(table)s::regclass UNION SELECT relid FROM pg_partition_tree(%(table)s::regclass))"
        " AND (created OR (NOT rewritten AND updated = 0))",
        {"table": sql.Identifier(request.schema, request.table).as_string()},
    )
    if not rows:
        return []
    cluster = session.fetch_value("SELECT system_identifier::text FROM pg_control_system()")
    ids = [int(x) for row in rows for x in row[1]]
    now = int(session.fetch_value("SELECT pg_current_xact_id()::text"))
    if any(str(row[4]) != cluster for row in rows) or id_problem(now=now, oldest=min(ids), newest=max(ids)):
        return None
    writers: dict[int, _Writer] = {}
    for top, xids, created, left, _ in rows:
        known = writers.get(int(top))
        at_most = None if created or (known is not None and known.at_most is None) else int(left)
        if known is not None and known.at_most is not None and at_most is not None:
            at_most += known.at_most
        writers[int(top)] = _Writer(
            int(top), tuple(sorted({*(int(x) for x in xids), *(known.ids if known else ())})), at_most
        )
    return list(writers.values())


def _copy_rows(
    session: Session,
    target: tuple[str, str],
    projection: sql.Composable,
    source: sql.Composable,
    keys: tuple[str, ...],
    writers: list[_Writer] | None,
) -> None:
    """Fill the copy (text columns take their values by I/O conversion), with each row's writer when it is known.

    A column's copy is written in key order, so that restoring it in batches touches one key range per batch.
    """
    destination = sql.Identifier(*target)
    copied = [sql.Identifier(name) for name in _columns(session, *target)]
    names = sql.SQL(", ").join(copied)
    order = (
        sql.SQL(" ORDER BY {}").format(sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(k)) for k in keys))
        if keys
        else sql.SQL("")
    )
    if writers is not None:
        session.execute(sql.SQL("ALTER TABLE {} ADD COLUMN {} xid8").format(destination, sql.Identifier(WRITER_COLUMN)))
    if not writers:
        if not copied:  # a table without columns still has rows
            session.execute(sql.SQL("INSERT INTO {} SELECT FROM {}").format(destination, source))
            return
        query = sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}{}")
        session.execute(query.format(destination, names, projection, source, order))
        return
    pairs = [(str(xid & XID_MASK), str(w.top)) for w in writers for xid in w.ids]
    session.execute(
        sql.SQL(
            "INSERT INTO {} ({}) SELECT {}w.writer FROM {}"
            " LEFT JOIN unnest(%s::text[]::xid[], %s::text[]::xid8[]) AS w(xid, writer) ON s.xmin = w.xid{}"
        ).format(
            destination,
            sql.SQL(", ").join([*copied, sql.Identifier(WRITER_COLUMN)]),
            sql.SQL("{}, ").format(projection) if copied else sql.SQL(""),
            source,
            order,
        ),
        ([xid for xid, _ in pairs], [top for _, top in pairs]),
    )
    # After the cluster's first 2^32 transactions, a row frozen 2^32 transactions before a migration carries the
    # same 32-bit id: more rows than the migration left in a table it did not create means exactly that.
    found = session.fetch_all(
        sql.SQL("SELECT {0}::text, count(*) FROM {1} WHERE {0} IS NOT NULL GROUP BY 1").format(
            sql.Identifier(WRITER_COLUMN), destination
        )
    )
    limits = {w.top: w.at_most for w in writers}
    if any((limit := limits.get(int(top))) is not None and int(top) >= EPOCH and n > limit for top, n in found):
        session.execute(sql.SQL("UPDATE {} SET {} = NULL").format(destination, sql.Identifier(WRITER_COLUMN)))


def _columns(session: Session, schema: str, table: str) -> list[str]:
    rows = session.fetch_all(
        "SELECT attname FROM pg_attribute WHERE attrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass"
        " AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        (schema, table),
    )
    return [str(row[0]) for row in rows]


def _free_name(session: Session, schema: str, name: str) -> str:
    candidate, number = name, 1
    while session.fetch_value("SELECT to_regclass(quote_ident(%s) || '.' || quote_ident(%s))", (schema, candidate)):
        number += 1
        candidate = _fit(f"{name}_{number}")
    return candidate


def table_digest(session: Session, schema: str, table: str, columns: tuple[str, ...] | None = None) -> tuple[int, str]:
    """Row count and an order-independent md5 digest of a table's rows (or of the given columns).

    An archive copy's writer column is bookkeeping, not data: left out, so a copy's digest equals its source's.
    """
    if columns is None:
        names = _columns(session, schema, table)
        if WRITER_COLUMN in names:
            columns = tuple(name for name in names if name != WRITER_COLUMN)
    projection = (
        sql.SQL("ROW({})").format(sql.SQL(", ").join(map(sql.Identifier, columns))) if columns else sql.SQL("r")
    )
    query = sql.SQL(
        "SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), md5('')) FROM"
        " (SELECT md5({}::text) AS h FROM {} AS r) AS hashed"
    ).format(projection, sql.Identifier(schema, table))
    row = session.fetch_one(query)
    assert row is not None
    return int(row[0]), str(row[1])


def get_entry(session: Session, entry_id: int) -> ArchiveEntry:
    (entry,) = list_entries(session, entry_id=entry_id)
    return entry


def list_entries(
    session: Session,
    *,
    entry_id: int | None = None,
    source: str | None = None,
    version: str | None = None,
    direction: str | None = None,
    pending_only: bool = False,
) -> list[ArchiveEntry]:
    """Manifest rows, oldest first, filtered as asked; empty when nothing was ever archived."""
    if not session.fetch_value("SELECT to_regclass('tenantdb.archive') IS NOT NULL"):
        return []
    query = sql.SQL(
        "SELECT {} FROM tenantdb.archive WHERE (%(id)s::bigint IS NULL OR id = %(id)s)"
        " AND (%(source)s::text IS NULL OR source = %(source)s)"
        " AND (%(version)s::text IS NULL OR version = %(version)s)"
        " AND (%(direction)s::text IS NULL OR direction = %(direction)s)"
        " AND (NOT %(pending)s OR (restored_at IS NULL AND purged_at IS NULL)) ORDER BY id"
    ).format(sql.SQL(", ").join(map(sql.Identifier, _FIELDS)))
    rows = session.fetch_all(
        query,
        {"id": entry_id, "source": source, "version": version, "direction": direction, "pending": pending_only},
    )
    return [_entry(row) for row in rows]


def _entry(row: tuple[Any, ...]) -> ArchiveEntry:
    values = dict(zip(_FIELDS, row, strict=True))
    values["key_columns"] = tuple(values["key_columns"] or ())
    values["kind"] = ArchiveKind(values["kind"])
    return ArchiveEntry(**values)


def common_columns(session: Session, entry: ArchiveEntry) -> tuple[str, ...]:
    """Columns present in both the archive copy and the live table, in the live table's order."""
    rows = session.fetch_all(
        "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass"
        " AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' AND a.attname IN ("
        "  SELECT b.attname FROM pg_attribute b"
        "  WHERE b.attrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass AND b.attnum > 0"
        "  AND NOT b.attisdropped) ORDER BY a.attnum",
        (entry.object_schema, entry.object_table, entry.archive_schema, entry.archive_table),
    )
    return tuple(str(row[0]) for row in rows)


def object_exists(session: Session, entry: ArchiveEntry) -> bool:
    if resolve_table(session, entry.object_schema, entry.object_table) is None:
        return False
    if entry.object_column is None:
        return True
    return bool(
        session.fetch_value(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass"
            " AND attname = %s AND NOT attisdropped",
            (entry.object_schema, entry.object_table, entry.object_column),
        )
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Restored:
    """What a restore did: rows written into the live object, and archived rows left where they are."""

    written: int
    left: int  # written by a migration that is not applied now: that migration recreates them
    conflicts_kept_live: bool = False  # a unique key other than the primary key conflicted: live rows were kept

    @property
    def nothing(self) -> bool:
        """Nothing was archived, so nothing came back or stayed: not worth a line on every re-apply."""
        return self.written == 0 and self.left == 0 and not self.conflicts_kept_live

    def describe(self, entry: ArchiveEntry) -> str:
        """``restored 3 of 103 archived row(s) into public.t; left 100 written by migrations that recreate them``."""
        text = f"restored {self.written} of {entry.row_count} archived row(s) into {entry.object_name}"
        if self.left:
            text += f"; left {self.left} written by migrations that recreate them"
        if self.conflicts_kept_live:
            text += "; rows conflicting on a unique key other than the primary key kept their live version"
        return text


@dataclass(frozen=True, slots=True)
class _LiveColumn:
    name: str
    type: sql.Composable  # format_type() of the live column: what an archived value is cast back to
    collation: sql.Composable | None  # the live column's collation, for a key range on a collatable key
    identity_always: bool


def restore(
    session: Session,
    entry: ArchiveEntry,
    *,
    archived_wins: bool = False,
    batch_rows: int = BATCH_ROWS,
    progress: Progress | None = None,
) -> Restored:
    """Put archived data back into the live object (caller's transaction), in batches of about ``batch_rows``.

    Rows written by a migration application rolled back since are left in the archive. A row whose primary key
    exists is skipped, or, with ``archived_wins`` (the live rows are the ones the re-applied step just
    created), updated with the archived values. ``progress(done, total)`` is called after every batch.
    """
    if entry.kind is ArchiveKind.DEPENDENT:
        raise DatabaseStateError(
            f"{entry.object_name} was a view that DROP ... CASCADE removed: there is nothing to insert into",
            hint=f"recreate it with the CREATE statement in the comment of {entry.archive_schema}."
            f"{entry.archive_table} (a materialized view's rows are in that table)",
        )
    if entry.kind is ArchiveKind.COLUMN and not entry.key_columns:
        raise ConfigError(f"{entry.object_name} had no primary key when archived: restore it by hand")
    live = sql.Identifier(entry.object_schema, entry.object_table)
    copy = sql.Identifier(entry.archive_schema, entry.archive_table)
    columns = _live_columns(session, entry)
    keep: sql.Composable = sql.SQL("TRUE")
    left = 0
    if WRITER_COLUMN in _columns(session, entry.archive_schema, entry.archive_table):
        keep = sql.SQL(
            "(a.{0} IS NULL OR a.{0} IN (SELECT w.xid FROM tenantdb.migration_writes w"
            " JOIN tenantdb.applied_migrations m USING (source, version) WHERE w.rolled_back_at IS NULL))"
        ).format(sql.Identifier(WRITER_COLUMN))
        left = int(session.fetch_value(sql.SQL("SELECT count(*) FROM {} AS a WHERE NOT {}").format(copy, keep)))
    # Putting rows back is not new activity: user triggers (counters, audit rows) stay quiet, as they did when
    # DROP TABLE removed the rows without firing DELETE triggers. Foreign-key checks (internal triggers) still run.
    triggers = enabled_user_triggers(session, entry.object_schema, entry.object_table)
    for name in triggers:
        session.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(live, sql.Identifier(name)))
    kept_live = False
    if entry.kind is ArchiveKind.COLUMN:
        written = _restore_column(session, entry, columns, keep, batch_rows, progress)
    elif not archived_wins:
        written = _restore_rows(session, entry, columns, keep, False, batch_rows, progress)
        _advance_sequences(session, entry, columns)
    else:
        session.execute("SAVEPOINT tenantdb_restore_rows")
        try:
            written = _restore_rows(session, entry, columns, keep, True, batch_rows, progress)
        except DatabaseError as error:
            if error.sqlstate != UNIQUE_VIOLATION:
                raise
            # A unique key other than the primary key conflicts: keep those live rows instead of failing.
            session.execute("ROLLBACK TO SAVEPOINT tenantdb_restore_rows")
            written = _restore_rows(session, entry, columns, keep, False, batch_rows, progress)
            kept_live = True
        session.execute("RELEASE SAVEPOINT tenantdb_restore_rows")
        _advance_sequences(session, entry, columns)
    for name, mode in triggers.items():  # in the mode each had: ALWAYS and REPLICA triggers stay what they were
        session.execute(
            sql.SQL("ALTER TABLE {} ENABLE {} TRIGGER {}").format(live, _FIRING_MODES[mode], sql.Identifier(name))
        )
    session.execute("UPDATE tenantdb.archive SET restored_at = clock_timestamp() WHERE id = %s", (entry.id,))
    return Restored(written=written, left=left, conflicts_kept_live=kept_live)


def _live_columns(session: Session, entry: ArchiveEntry) -> list[_LiveColumn]:
    """The live columns the archive copy also has, with their types, in the live table's order."""
    rows = session.fetch_all(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod), n.nspname, c.collname, a.attidentity = 'a'"
        " FROM pg_attribute a LEFT JOIN pg_collation c ON c.oid = a.attcollation"
        " LEFT JOIN pg_namespace n ON n.oid = c.collnamespace"
        " WHERE a.attrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass"
        " AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' AND a.attname = ANY (%s) ORDER BY a.attnum",
        (entry.object_schema, entry.object_table, _columns(session, entry.archive_schema, entry.archive_table)),
    )
    return [
        _LiveColumn(
            name=str(name),
            type=sql.SQL(str(type_name)),  # a type name PostgreSQL itself formatted (quoted where needed)
            collation=sql.Identifier(str(schema), str(collation)) if collation else None,
            identity_always=bool(always),
        )
        for name, type_name, schema, collation, always in rows
    ]


def _cast(column: _LiveColumn, alias: str = "a") -> sql.Composable:
    return sql.SQL("CAST({}.{} AS {})").format(sql.Identifier(alias), sql.Identifier(column.name), column.type)


def _page_ranges(session: Session, entry: ArchiveEntry, batch_rows: int) -> list[tuple[str, str | None]]:
    """``ctid`` ranges of the archive copy holding about ``batch_rows`` rows each (a TID range scan reads only
    those pages), the last one open-ended."""
    pages = int(
        session.fetch_value(
            "SELECT pg_relation_size((quote_ident(%s) || '.' || quote_ident(%s))::regclass)"
            " / current_setting('block_size')::bigint",
            (entry.archive_schema, entry.archive_table),
        )
    )
    step = max(1, pages * batch_rows // max(entry.row_count, 1)) if entry.row_count > batch_rows else pages + 1
    starts = list(range(0, max(pages, 1), step))
    return [(f"({lo},0)", f"({starts[i + 1]},0)" if i + 1 < len(starts) else None) for i, lo in enumerate(starts)]


def _in_range(lo: str, hi: str | None) -> tuple[sql.Composable, tuple[str, ...]]:
    if hi is None:
        return sql.SQL("a.ctid >= %s::tid"), (lo,)
    return sql.SQL("a.ctid >= %s::tid AND a.ctid < %s::tid"), (lo, hi)


def _batches(
    session: Session,
    entry: ArchiveEntry,
    batch_rows: int,
    progress: Progress | None,
    run: Callable[[sql.Composable, tuple[str, ...]], int],
) -> int:
    ranges = _page_ranges(session, entry, batch_rows)
    written = 0
    for index, (lo, hi) in enumerate(ranges):
        where, params = _in_range(lo, hi)
        written += run(where, params)
        if progress is not None:
            done = entry.row_count if index + 1 == len(ranges) else entry.row_count * (index + 1) // len(ranges)
            progress(done, entry.row_count)
    return written


def _restore_rows(
    session: Session,
    entry: ArchiveEntry,
    columns: Sequence[_LiveColumn],
    keep: sql.Composable,
    archived_wins: bool,
    batch_rows: int,
    progress: Progress | None,
) -> int:
    """A table or rows: one ``INSERT ... SELECT`` per batch, each value cast back to the live column's type."""
    live = sql.Identifier(entry.object_schema, entry.object_table)
    names = sql.SQL(", ").join(sql.Identifier(c.name) for c in columns)
    values = sql.SQL(", ").join(_cast(c) for c in columns)
    keys = primary_key(session, entry.object_schema, entry.object_table)
    names_present = {c.name for c in columns}
    updates = [c for c in columns if c.name not in keys and not c.identity_always]
    conflict: sql.Composable
    if archived_wins and keys and set(keys) <= names_present and updates:
        conflict = sql.SQL("ON CONFLICT ({}) DO UPDATE SET {}").format(
            sql.SQL(", ").join(map(sql.Identifier, keys)),
            sql.SQL(", ").join(sql.SQL("{0} = excluded.{0}").format(sql.Identifier(c.name)) for c in updates),
        )
    else:
        conflict = sql.SQL("ON CONFLICT DO NOTHING")

    if not keys and columns:
        return _restore_keyless(session, entry, columns, keep, progress)

    def run(where: sql.Composable, params: tuple[str, ...]) -> int:
        if not columns:  # a table without columns: its rows are all alike
            query = sql.SQL("INSERT INTO {} SELECT FROM {} AS a WHERE {} AND {}").format(
                live, sql.Identifier(entry.archive_schema, entry.archive_table), where, keep
            )
            return session.execute_count(query, params)
        query = sql.SQL("INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM {} AS a WHERE {} AND {} {}").format(
            live, names, values, sql.Identifier(entry.archive_schema, entry.archive_table), where, keep, conflict
        )
        return session.execute_count(query, params)

    return _batches(session, entry, batch_rows, progress, run)


def _restore_keyless(
    session: Session,
    entry: ArchiveEntry,
    columns: Sequence[_LiveColumn],
    keep: sql.Composable,
    progress: Progress | None,
) -> int:
    """A table without a primary key: only the archived rows the live table does not already hold, counted as a
    multiset (``EXCEPT ALL`` on the values as text), so rows a re-applied migration recreated exactly are not
    doubled and restoring twice writes nothing the second time. One statement: the live rows must be counted once.
    """
    live = sql.Identifier(entry.object_schema, entry.object_table)
    copy = sql.Identifier(entry.archive_schema, entry.archive_table)
    as_text = sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(c.name)) for c in columns)
    query = sql.SQL(
        "INSERT INTO {live} ({names}) OVERRIDING SYSTEM VALUE SELECT {values} FROM"
        " (SELECT {as_text} FROM {copy} AS a WHERE {keep} EXCEPT ALL SELECT {as_text} FROM {live}) AS a"
    ).format(
        live=live,
        names=sql.SQL(", ").join(sql.Identifier(c.name) for c in columns),
        values=sql.SQL(", ").join(_cast(c) for c in columns),
        as_text=as_text,
        copy=copy,
        keep=keep,
    )
    written = session.execute_count(query)
    if progress is not None:
        progress(entry.row_count, entry.row_count)
    return written


def _restore_column(
    session: Session,
    entry: ArchiveEntry,
    columns: Sequence[_LiveColumn],
    keep: sql.Composable,
    batch_rows: int,
    progress: Progress | None,
) -> int:
    """A column: per batch, ``UPDATE ... FROM`` the batch joined on the primary key with ``=`` (a hash join),
    the live side limited to the batch's key range (an index range scan), so every row is read once."""
    assert entry.object_column is not None
    by_name = {c.name: c for c in columns}
    if entry.object_column not in by_name or not set(entry.key_columns) <= set(by_name):
        raise ConfigError(f"{entry.object_name}: the live table no longer has the archived key or column")
    keys = [by_name[k] for k in entry.key_columns]
    target = by_name[entry.object_column]
    live = sql.Identifier(entry.object_schema, entry.object_table)
    copy = sql.Identifier(entry.archive_schema, entry.archive_table)
    join = sql.SQL(" AND ").join(sql.SQL("t.{} = {}").format(sql.Identifier(k.name), _cast(k)) for k in keys)

    def collated(expression: sql.Composable, key: _LiveColumn) -> sql.Composable:
        return sql.SQL("{} COLLATE {}").format(expression, key.collation) if key.collation else expression

    def as_live(key: _LiveColumn) -> sql.Composable:
        return collated(sql.SQL("CAST(%s::text AS {})").format(key.type), key)

    row_of = sql.SQL("ROW({})").format
    live_keys = row_of(sql.SQL(", ").join(sql.SQL("t.{}").format(sql.Identifier(k.name)) for k in keys))
    ordered = sql.SQL(", ").join(collated(_cast(k), k) for k in keys)
    texts = sql.SQL(", ").join(sql.SQL("{}::text").format(_cast(k)) for k in keys)
    bound = row_of(sql.SQL(", ").join(as_live(k) for k in keys))

    def run(where: sql.Composable, params: tuple[str, ...]) -> int:
        lowest = session.fetch_one(
            sql.SQL("SELECT {} FROM {} AS a WHERE {} ORDER BY {} LIMIT 1").format(texts, copy, where, ordered), params
        )
        if lowest is None:
            return 0
        highest = session.fetch_one(
            sql.SQL("SELECT {} FROM {} AS a WHERE {} ORDER BY {} LIMIT 1").format(
                texts, copy, where, sql.SQL(", ").join(sql.SQL("{} DESC").format(collated(_cast(k), k)) for k in keys)
            ),
            params,
        )
        assert highest is not None
        query = sql.SQL(
            "UPDATE {} AS t SET {} = {} FROM {} AS a WHERE {} AND {} AND {} AND {} >= {} AND {} <= {}"
        ).format(
            live,
            sql.Identifier(target.name),
            _cast(target),
            copy,
            where,
            keep,
            join,
            live_keys,
            bound,
            live_keys,
            bound,
        )
        return session.execute_count(query, (*params, *lowest, *highest))

    return _batches(session, entry, batch_rows, progress, run)


def _advance_sequences(session: Session, entry: ArchiveEntry, columns: Sequence[_LiveColumn]) -> None:
    """Identity and serial sequences continue after the restored values (the next insert does not collide)."""
    for column in columns:
        sequence = session.fetch_value(
            "SELECT pg_get_serial_sequence(quote_ident(%s) || '.' || quote_ident(%s), %s)",
            (entry.object_schema, entry.object_table, column.name),
        )
        if sequence is None:
            continue
        session.execute(
            sql.SQL(
                "SELECT setval(%s::regclass, m) FROM (SELECT max({})::bigint AS m FROM {}) AS s"
                " WHERE m > coalesce(pg_sequence_last_value(%s::regclass), 0)"
            ).format(sql.Identifier(column.name), sql.Identifier(entry.object_schema, entry.object_table)),
            (sequence, sequence),
        )


# pg_trigger.tgenabled -> the ENABLE clause that restores it: O fires on the origin, A always, R on a replica.
_FIRING_MODES = {"O": sql.SQL(""), "A": sql.SQL("ALWAYS"), "R": sql.SQL("REPLICA")}


def enabled_user_triggers(session: Session, schema: str, table: str) -> dict[str, str]:
    """The table's enabled user triggers and the mode each fires in (``pg_trigger.tgenabled``: O, A or R)."""
    rows = session.fetch_all(
        "SELECT tgname, tgenabled FROM pg_trigger"
        " WHERE tgrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass"
        " AND NOT tgisinternal AND tgenabled <> 'D' ORDER BY tgname",
        (schema, table),
    )
    return {str(row[0]): str(row[1]) for row in rows}


def purge(session: Session, older_than: timedelta) -> list[ArchiveEntry]:
    """Drop archive copies older than ``older_than`` and mark them purged; returns what was purged."""
    cutoff = session.fetch_value("SELECT clock_timestamp() - %s::interval", (older_than,))
    purged = []
    for entry in list_entries(session):
        if entry.purged_at is None and entry.archived_at < cutoff:
            session.execute(
                sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(entry.archive_schema, entry.archive_table))
            )
            session.execute("UPDATE tenantdb.archive SET purged_at = clock_timestamp() WHERE id = %s", (entry.id,))
            purged.append(entry)
    return purged


def archived_rows(session: Session, entry: ArchiveEntry, limit: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The first ``limit`` rows of an archive copy, with their column names."""
    rows = session.fetch_all(
        sql.SQL("SELECT * FROM {} LIMIT %s").format(sql.Identifier(entry.archive_schema, entry.archive_table)), (limit,)
    )
    return _columns(session, entry.archive_schema, entry.archive_table), rows
