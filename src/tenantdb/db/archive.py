"""Archive data before a migration destroys it, and restore it when the migration is applied again.

Each migration gets its own schema (``tenantdb_archive_<source>_<version>``) holding plain copies of what its
statements destroyed; ``tenantdb.archive`` is the manifest: what was copied from where, how many rows, a digest
of them, and when it was archived, restored or purged. Copies are made in the transaction of the destructive
statement, so a destroyed row is always either still in place or in the archive. Nothing is purged
automatically.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import sql

from tenantdb.db.session import Session
from tenantdb.errors import ConfigError

MAX_NAME = 63


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveEntry:
    """A row of ``tenantdb.archive``."""

    id: int
    source: str
    version: str
    direction: str
    kind: str  # table | column | rows
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


DEPENDENT_KIND = "dependent"
"""Archive kind of a view or materialized view that a ``DROP ... CASCADE`` removed: never restored automatically."""


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
    kind: str
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
    source = sql.Identifier(request.schema, request.table)
    keys: tuple[str, ...] = ()
    select: sql.Composable
    if request.column is not None:
        keys = primary_key(session, request.schema, request.table)
        columns = [*keys, request.column] if keys else None
        select = sql.SQL("SELECT {} FROM {}").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)) if columns else sql.SQL("*"), source
        )
    elif request.selection is not None:
        select = sql.SQL(request.selection)  # deparsed from the migration's own AST
    else:
        select = sql.SQL("SELECT * FROM {}").format(source)  # partitions and children go with their parent
        if not request.with_rows:
            select += sql.SQL(" LIMIT 0")
    destination = sql.Identifier(target_schema, target_table)
    session.execute(sql.SQL("CREATE TABLE {} AS {}").format(destination, select))
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


def _free_name(session: Session, schema: str, name: str) -> str:
    candidate, number = name, 1
    while session.fetch_value("SELECT to_regclass(quote_ident(%s) || '.' || quote_ident(%s))", (schema, candidate)):
        number += 1
        candidate = _fit(f"{name}_{number}")
    return candidate


def table_digest(session: Session, schema: str, table: str, columns: tuple[str, ...] | None = None) -> tuple[int, str]:
    """Row count and an order-independent md5 digest of a table's rows (or of the given columns)."""
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


def restore(session: Session, entry: ArchiveEntry) -> int:
    """Put archived data back into the live object; returns the rows written (caller's transaction)."""
    if entry.kind == DEPENDENT_KIND:
        raise ConfigError(
            f"{entry.object_name} was a view that DROP ... CASCADE removed: there is nothing to insert into",
            hint=f"recreate it with the CREATE statement in the comment of {entry.archive_schema}."
            f"{entry.archive_table} (a materialized view's rows are in that table)",
        )
    live = sql.Identifier(entry.object_schema, entry.object_table)
    copy = sql.Identifier(entry.archive_schema, entry.archive_table)
    if entry.kind == "column":
        if not entry.key_columns:
            raise ConfigError(f"{entry.object_name} had no primary key when archived: restore it by hand")
        assert entry.object_column is not None
        join = sql.SQL(" AND ").join(
            sql.SQL("t.{0} IS NOT DISTINCT FROM a.{0}").format(sql.Identifier(key)) for key in entry.key_columns
        )
        query = sql.SQL("UPDATE {} AS t SET {} = a.{} FROM {} AS a WHERE {}").format(
            live, sql.Identifier(entry.object_column), sql.Identifier(entry.object_column), copy, join
        )
    else:
        columns = sql.SQL(", ").join(map(sql.Identifier, common_columns(session, entry)))
        query = sql.SQL("INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM {} ON CONFLICT DO NOTHING").format(
            live, columns, columns, copy
        )
    # Putting rows back is not new activity: user triggers (counters, audit rows) stay quiet, as they did when
    # DROP TABLE removed the rows without firing DELETE triggers. Foreign-key checks (internal triggers) still run.
    triggers = enabled_user_triggers(session, entry.object_schema, entry.object_table)
    for name in triggers:
        session.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER {}").format(live, sql.Identifier(name)))
    count = session.execute_count(query)
    for name in triggers:
        session.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER {}").format(live, sql.Identifier(name)))
    session.execute("UPDATE tenantdb.archive SET restored_at = clock_timestamp() WHERE id = %s", (entry.id,))
    return count


def enabled_user_triggers(session: Session, schema: str, table: str) -> list[str]:
    rows = session.fetch_all(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass"
        " AND NOT tgisinternal AND tgenabled <> 'D' ORDER BY tgname",
        (schema, table),
    )
    return [str(row[0]) for row in rows]


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
    names = session.fetch_all(
        "SELECT attname FROM pg_attribute WHERE attrelid = (quote_ident(%s) || '.' || quote_ident(%s))::regclass"
        " AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        (entry.archive_schema, entry.archive_table),
    )
    return [str(name[0]) for name in names], rows
