"""tenantdb's own schema: the ledger of applied migrations, the event log and the statement journal."""

from __future__ import annotations

import functools
import getpass
import hashlib
import json
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from psycopg import sql
from psycopg.types.json import Jsonb

from tenantdb.db.catalog import PLAIN_TABLE_SIZE
from tenantdb.db.kinds import EventKind, JournalState
from tenantdb.db.objects import LOCATED_EFFECTS
from tenantdb.db.session import Session, runner_identity
from tenantdb.identity import Version

STATE_SCHEMA = "tenantdb"
STATE_VERSION = 6  # 3: migration_writes, feature_snapshots, feature_rows; 4: archive kind dependent;
# 5: applied_migrations.catalog_effects and note, migration_writes.rolled_back_at; 6: maintenance_sizes
_STATE_INIT_LOCK = 0x74656E616E746401  # serializes concurrent first-time initialization


@dataclass(frozen=True, slots=True, kw_only=True)
class AppliedMigration:
    """A row of ``tenantdb.applied_migrations``."""

    source: str
    version: str
    name: str
    checksum: str
    content: str
    execution_mode: str
    applied_by: str
    host: str
    started_at: datetime
    finished_at: datetime
    duration_ms: int
    statements_total: int
    statements_done: int
    catalog_effects: tuple[Mapping[str, Any], ...] | None = None  # what its statements created and removed
    note: str | None = None  # e.g. adopted from another tool's ledger by ``migrate baseline``, not run


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """A row of ``tenantdb.events``."""

    id: int
    at: datetime
    kind: str  # an EventKind, or a kind written by an older tenantdb
    source: str | None
    version: str | None
    direction: str | None
    runner: str
    message: str | None
    statement: str | None
    sqlstate: str | None


def state_exists(session: Session) -> bool:
    return bool(session.fetch_value("SELECT to_regclass('tenantdb.applied_migrations') IS NOT NULL"))


def ensure_state(session: Session) -> None:
    """Create or upgrade the state schema; safe when many runners start at once."""
    if state_exists(session) and _state_version(session) >= STATE_VERSION:
        return
    ddl = resources.files("tenantdb.db").joinpath("state.sql").read_text(encoding="utf-8")
    with session.transaction():
        session.execute("SELECT pg_advisory_xact_lock(%s)", (_STATE_INIT_LOCK,))
        session.run_script(ddl)
        session.execute(
            "INSERT INTO tenantdb.state_info (key, value) VALUES ('state_version', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(STATE_VERSION),),
        )


def _state_version(session: Session) -> int:
    if not session.fetch_value("SELECT to_regclass('tenantdb.state_info') IS NOT NULL"):
        return 0
    value = session.fetch_value("SELECT value FROM tenantdb.state_info WHERE key = 'state_version'")
    return int(value) if value else 0


_APPLIED_FIELDS = (
    "source",
    "version",
    "name",
    "checksum",
    "content",
    "execution_mode",
    "applied_by",
    "host",
    "started_at",
    "finished_at",
    "duration_ms",
    "statements_total",
    "statements_done",
    "catalog_effects",
    "note",
)


def applied_migrations(session: Session, source: str | None = None) -> list[AppliedMigration]:
    """Applied migrations (of one source, or all); empty when the state schema does not exist yet."""
    if not state_exists(session):
        return []
    query = sql.SQL(
        "SELECT {} FROM tenantdb.applied_migrations WHERE %(source)s::text IS NULL OR source = %(source)s"
        " ORDER BY finished_at, version"
    ).format(sql.SQL(", ").join(map(sql.Identifier, _APPLIED_FIELDS)))
    rows = session.fetch_all(query, {"source": source})
    applied = []
    for row in rows:
        values = dict(zip(_APPLIED_FIELDS, row, strict=True))
        effects = values["catalog_effects"]
        values["catalog_effects"] = tuple(effects) if effects is not None else None
        applied.append(AppliedMigration(**values))
    return applied


@dataclass(frozen=True, slots=True, kw_only=True)
class NewEvent:
    """An event to append to ``tenantdb.events``: alone (:func:`record_event`) or with a ledger row
    (:func:`record_applied`)."""

    kind: EventKind
    source: str | None = None
    version: str | None = None
    direction: str | None = None
    message: str | None = None
    statement: str | None = None
    sqlstate: str | None = None
    details: Mapping[str, Any] | None = None

    def values(self, prefix: str = "") -> dict[str, Any]:
        """The row's values, named ``prefix`` + column as :func:`_event_insert`'s placeholders are."""
        row = {name: getattr(self, name) for name in _EVENT_FIELDS if name not in ("runner", "details")}
        row |= {"runner": runner_identity(), "details": json.dumps(dict(self.details or {}), default=str)}
        return {f"{prefix}{name}": value for name, value in row.items()}


_EVENT_FIELDS = ("kind", "source", "version", "direction", "runner", "message", "statement", "sqlstate", "details")
_JOURNAL_OF = "DELETE FROM tenantdb.statement_journal WHERE source = %(source)s AND version = %(version)s"
"""A migration's statement journal, by the ``source`` and ``version`` text of the query's parameters."""


@functools.cache
def _event_insert(prefix: str = "") -> sql.Composed:
    """``INSERT INTO tenantdb.events`` of one :class:`NewEvent`, its placeholders named as ``values(prefix)``."""
    return sql.SQL("INSERT INTO tenantdb.events ({}) VALUES ({})").format(
        sql.SQL(", ").join(map(sql.Identifier, _EVENT_FIELDS)),
        sql.SQL(", ").join(
            sql.SQL("{}::jsonb").format(sql.Placeholder(f"{prefix}{name}"))
            if name == "details"
            else sql.Placeholder(f"{prefix}{name}")
            for name in _EVENT_FIELDS
        ),
    )


@functools.cache
def _record_applied_query(event: bool, clear_journal: bool) -> sql.SQL:
    """The ledger insert, with the event insert and the journal clean-up as data-modifying CTEs of the same
    statement: one statement for the server to parse, plan and run instead of three. Composed once and kept as
    text, so psycopg converts it once too."""
    columns = sql.SQL(", ").join(map(sql.Identifier, _APPLIED_FIELDS))
    values = sql.SQL(", ").join(
        LOCATED_EFFECTS if name == "catalog_effects" else sql.Placeholder(name) for name in _APPLIED_FIELDS
    )
    parts: list[sql.Composable] = []
    if clear_journal:
        parts.append(sql.SQL("journal AS ({})").format(sql.SQL(_JOURNAL_OF)))
    if event:
        parts.append(sql.SQL("event AS ({})").format(_event_insert("event_")))
    query = sql.SQL("INSERT INTO tenantdb.applied_migrations ({}) VALUES ({})").format(columns, values)
    if parts:
        query = sql.SQL("WITH {} {}").format(sql.SQL(", ").join(parts), query)
    return sql.SQL(query.as_string())


def record_applied(
    session: Session, row: AppliedMigration, *, event: NewEvent | None = None, clear_journal: bool = False
) -> None:
    """Insert the ledger row; each created object of its catalog effects is located in the same statement, which
    also appends ``event`` and, with ``clear_journal``, deletes the migration's statement journal."""
    values: dict[str, Any] = {name: getattr(row, name) for name in _APPLIED_FIELDS}
    effects = row.catalog_effects
    values["catalog_effects"] = Jsonb([dict(effect) for effect in effects]) if effects is not None else None
    if event is not None:
        values |= event.values("event_")
    session.execute(_record_applied_query(event is not None, clear_journal), values)


def remove_applied(session: Session, source: str, version: Version) -> None:
    """Forget an applied migration; what its transactions wrote is marked rolled back (its rows are no longer the
    phase's, and an archive taken later can tell the rows it will recreate when applied again)."""
    session.execute(
        "DELETE FROM tenantdb.applied_migrations WHERE source = %s AND version = %s", (source, version.text)
    )
    session.execute(
        "UPDATE tenantdb.migration_writes SET rolled_back_at = clock_timestamp()"
        " WHERE source = %s AND version = %s AND rolled_back_at IS NULL",
        (source, version.text),
    )


def update_checksum(session: Session, source: str, version: str, checksum: str, content: str) -> None:
    session.execute(
        "UPDATE tenantdb.applied_migrations SET checksum = %s, content = %s WHERE source = %s AND version = %s",
        (checksum, content, source, version),
    )


def record_event(
    session: Session,
    kind: EventKind,
    *,
    source: str | None = None,
    version: str | None = None,
    direction: str | None = None,
    message: str | None = None,
    statement: str | None = None,
    sqlstate: str | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append to the event log (in the caller's transaction, if one is open)."""
    event = NewEvent(
        kind=kind,
        source=source,
        version=version,
        direction=direction,
        message=message,
        statement=statement,
        sqlstate=sqlstate,
        details=details,
    )
    session.execute(_event_insert(), event.values())


def event_recorded(session: Session, kind: EventKind, source: str) -> bool:
    """Whether the event log has an event of ``kind`` for ``source`` (false before the state schema exists)."""
    if not state_exists(session):
        return False
    return bool(
        session.fetch_value(
            "SELECT EXISTS (SELECT FROM tenantdb.events WHERE kind = %s AND source = %s)", (kind, source)
        )
    )


def recent_events(session: Session, limit: int = 50) -> list[Event]:
    if not state_exists(session):
        return []
    rows = session.fetch_all(
        "SELECT id, at, kind, source, version, direction, runner, message, statement, sqlstate"
        " FROM tenantdb.events ORDER BY id DESC LIMIT %s",
        (limit,),
    )
    fields = (
        "id",
        "at",
        "kind",
        "source",
        "version",
        "direction",
        "runner",
        "message",
        "statement",
        "sqlstate",
    )
    return [Event(**dict(zip(fields, row, strict=True))) for row in rows]


@dataclass(frozen=True, slots=True, kw_only=True)
class JournalKey:
    """Identifies one statement-by-statement run of a migration script."""

    source: str
    version: Version
    direction: str


@dataclass(frozen=True, slots=True, kw_only=True)
class JournalEntry:
    """Progress of one statement: ``started`` (outside a transaction, outcome unknown) or ``done``."""

    index: int
    statement_sha: str
    state: JournalState


def statement_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def journaled_table_size(session: Session, table: str, key: JournalKey) -> tuple[int | None, bool]:
    """:func:`~tenantdb.db.catalog.plain_table_size` of ``table``, and whether ``key`` has a journal (an interrupted
    statement-by-statement run), in one query."""
    rows = session.fetch_all(
        sql.SQL(
            "SELECT ({}), EXISTS (SELECT FROM tenantdb.statement_journal"
            " WHERE source = %s AND version = %s AND direction = %s)"
        ).format(sql.SQL(PLAIN_TABLE_SIZE)),
        (table, key.source, key.version.text, key.direction),
    )
    size, journaled = rows[0]
    return (None if size is None else int(size)), bool(journaled)


def journal_entries(
    session: Session, key: JournalKey, *, before: Callable[[], None] | None = None
) -> dict[int, JournalEntry]:
    """The journal of an interrupted run, by statement index (empty when there is none); ``before`` sends
    statements whose results are not read in the same round trip."""
    query = (
        "SELECT statement_index, statement_sha, state FROM tenantdb.statement_journal"
        " WHERE source = %s AND version = %s AND direction = %s"
    )
    params = (key.source, key.version.text, key.direction)
    rows = session.fetch_after(before, query, params)
    return {int(i): JournalEntry(index=int(i), statement_sha=sha, state=JournalState(state)) for i, sha, state in rows}


def journal_mark(session: Session, key: JournalKey, index: int, text: str, state: JournalState) -> None:
    session.execute(
        "INSERT INTO tenantdb.statement_journal (source, version, direction, statement_index, statement_sha, state)"
        " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (source, version, direction, statement_index)"
        " DO UPDATE SET state = excluded.state, statement_sha = excluded.statement_sha, at = clock_timestamp()",
        (key.source, key.version.text, key.direction, index, statement_sha(text), state),
    )


def interrupted_versions(session: Session, source: str, direction: str | None = None) -> dict[str, int]:
    """Versions with an unfinished statement-by-statement run (in ``direction``, or either): ``{version: done}``."""
    if not state_exists(session):
        return {}
    rows = session.fetch_all(
        "SELECT version, count(*) FILTER (WHERE state = 'done') FROM tenantdb.statement_journal"
        " WHERE source = %s AND (%s::text IS NULL OR direction = %s) GROUP BY version",
        (source, direction, direction),
    )
    return {str(version): int(done) for version, done in rows}


def journal_clear(session: Session, source: str, version: Version) -> None:
    session.execute(_JOURNAL_OF, {"source": source, "version": version.text})


def journal_void(session: Session, source: str, versions: Sequence[Version]) -> None:
    """Forget the journals of interrupted up runs that a rollback beneath them made meaningless."""
    session.execute(
        "DELETE FROM tenantdb.statement_journal WHERE source = %s AND direction = 'up' AND version = ANY (%s)",
        (source, [version.text for version in versions]),
    )


@functools.cache
def who_applies() -> tuple[str, str]:
    """(OS user, host name) recorded with every applied migration (looked up once per process)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return user, socket.gethostname()
