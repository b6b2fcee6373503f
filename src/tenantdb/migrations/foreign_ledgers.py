"""The ledgers other migration tools keep in the database, read so tenantdb can adopt what they applied.

Each tool is recognised by its table's columns, whatever the table is called (all of them can rename it):

==============  ===========================  ====================================================================
tool            default table                what the rows say
==============  ===========================  ====================================================================
golang-migrate  ``schema_migrations``        one row ``(version bigint, dirty bool)``: every file up to it ran
Flyway          ``flyway_schema_history``    one row per run by ``installed_rank``: ``success``, ``type``
                                             (``BASELINE`` marks everything up to it, ``DELETE``/``UNDO_*`` undo)
goose           ``goose_db_version``         ``(id, version_id, is_applied, tstamp)``: the newest row per
                                             version decides; version 0 is goose's own first row
dbmate          ``schema_migrations``        ``(version varchar)``, one row per applied migration
diesel          ``__diesel_schema_migrations``  ``(version, run_on)``, the folder's version without dashes
Alembic         ``alembic_version``          ``(version_num)``: revision ids, which name no SQL file
==============  ===========================  ====================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tenantdb.db import (
    LedgerTable,
    Session,
    delete_version,
    insert_version,
    ledger_rows,
    ledger_tables,
    replace_single_version,
)
from tenantdb.identity import Version
from tenantdb.migrations.model import Direction


class ForeignTool(StrEnum):
    """Migration tools whose ledger tenantdb recognises."""

    GOLANG_MIGRATE = "golang-migrate"
    FLYWAY = "flyway"
    GOOSE = "goose"
    DBMATE = "dbmate"
    DIESEL = "diesel"
    ALEMBIC = "alembic"

    @property
    def label(self) -> str:
        return {"flyway": "Flyway", "alembic": "Alembic"}.get(self.value, self.value)

    @property
    def maps_to_files(self) -> bool:
        """Whether the tool's versions are the versions of the migration files (Alembic's revision ids are not)."""
        return self is not ForeignTool.ALEMBIC

    @property
    def followed(self) -> bool:
        """Whether ``[migrations] keep_foreign_ledger`` writes the tool's ledger (:func:`follow_step`): Flyway's and
        Alembic's are left alone."""
        return self not in (ForeignTool.FLYWAY, ForeignTool.ALEMBIC)


DEFAULT_TABLES = ("schema_migrations", "flyway_schema_history", "goose_db_version", "__diesel_schema_migrations")
ALEMBIC_TABLE = "alembic_version"

# (columns read, order) per tool
_READS: dict[ForeignTool, tuple[tuple[str, ...], tuple[str, ...]]] = {
    ForeignTool.GOLANG_MIGRATE: (("version", "dirty"), ()),
    ForeignTool.FLYWAY: (("version", "description", "type", "success"), ("installed_rank",)),
    ForeignTool.GOOSE: (("version_id", "is_applied"), ("id",)),
    ForeignTool.DBMATE: (("version",), ("version",)),
    ForeignTool.DIESEL: (("version",), ("version",)),
    ForeignTool.ALEMBIC: (("version_num",), ("version_num",)),
}


def identify(columns: Sequence[str]) -> ForeignTool | None:
    """The tool whose ledger has these columns, or None."""
    names = set(columns)
    if {"installed_rank", "version", "type", "script", "success"} <= names:
        return ForeignTool.FLYWAY
    if {"version_id", "is_applied"} <= names:
        return ForeignTool.GOOSE
    if {"version", "dirty"} <= names:
        return ForeignTool.GOLANG_MIGRATE
    if {"version", "run_on"} <= names:
        return ForeignTool.DIESEL
    if names == {"version_num"}:
        return ForeignTool.ALEMBIC
    if names == {"version"}:
        return ForeignTool.DBMATE
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class ForeignLedger:
    """What another tool's ledger says is applied, with the versions written as that tool writes them."""

    tool: ForeignTool
    schema: str
    table: str
    applied: tuple[str, ...] = ()  # versions applied one by one (Flyway, goose, dbmate, diesel; Alembic revisions)
    current: str | None = None  # golang-migrate: every file up to this version ran
    baseline: str | None = None  # Flyway's BASELINE marker: files up to it were never run and count as applied
    dirty: bool = False  # golang-migrate stopped part way through ``current``
    failed: tuple[str, ...] = ()  # Flyway rows with success = false, as "version description"

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.table}"

    @property
    def empty(self) -> bool:
        """Nothing was ever applied (a fresh table, or goose's version 0 alone)."""
        return not (self.applied or self.current or self.baseline or self.dirty or self.failed)

    def describe(self) -> str:
        """One line: ``golang-migrate ledger public.schema_migrations at version 2 (clean)``."""
        where = f"{self.tool.label} ledger {self.qualified_name}"
        if self.tool is ForeignTool.GOLANG_MIGRATE:
            return f"{where} at version {self.current} ({'dirty' if self.dirty else 'clean'})"
        if self.tool is ForeignTool.ALEMBIC:
            return f"{where} at revision {', '.join(self.applied) or '(none)'}"
        text = f"{where} with {len(self.applied)} applied migration(s)"
        if self.applied:
            text += f", newest {self.applied[-1]}"
        if self.baseline:
            text += f", baseline {self.baseline}"
        if self.failed:
            text += f", {len(self.failed)} failed"
        return text


def interpret(tool: ForeignTool, schema: str, table: str, rows: Sequence[tuple[Any, ...]]) -> ForeignLedger:
    """A ledger from its rows, read with the columns and order of :func:`read_foreign_ledgers`."""
    base = ForeignLedger(tool=tool, schema=schema, table=table)
    if tool is ForeignTool.GOLANG_MIGRATE:
        if not rows:
            return base
        version, dirty = rows[0]
        # golang-migrate writes version -1 when a failed first migration leaves nothing applied but dirty
        current = str(version) if version is not None and int(version) >= 0 else None
        return ForeignLedger(tool=tool, schema=schema, table=table, current=current, dirty=bool(dirty))
    if tool is ForeignTool.FLYWAY:
        return _flyway(base, rows)
    if tool is ForeignTool.GOOSE:
        latest = {int(version): bool(applied) for version, applied in rows}  # ordered by id: the newest row wins
        versions = sorted(version for version, applied in latest.items() if applied and version != 0)
        return ForeignLedger(tool=tool, schema=schema, table=table, applied=tuple(map(str, versions)))
    return ForeignLedger(tool=tool, schema=schema, table=table, applied=tuple(str(row[0]) for row in rows))


def _flyway(base: ForeignLedger, rows: Sequence[tuple[Any, ...]]) -> ForeignLedger:
    applied: dict[str, None] = {}
    failed: dict[str, str] = {}
    baseline = None
    for version, description, kind, success in rows:
        if kind == "SCHEMA" or version is None:  # schema creation marker, repeatable migrations
            continue
        if not success:
            failed[version] = f"{version} {description}"
            continue
        failed.pop(version, None)
        if kind == "BASELINE":
            baseline = version
        elif kind == "DELETE" or kind.startswith("UNDO"):
            applied.pop(version, None)
        else:
            applied[version] = None
    return ForeignLedger(
        tool=base.tool,
        schema=base.schema,
        table=base.table,
        applied=tuple(applied),
        baseline=baseline,
        failed=tuple(failed.values()),
    )


def parse_table_name(text: str) -> tuple[str | None, str]:
    """``"schema.table"`` or ``"table"`` as (schema or None, table)."""
    schema, dot, table = text.partition(".")
    return (schema, table) if dot else (None, text)


def read_foreign_ledgers(session: Session, table: str | None = None) -> tuple[ForeignLedger, ...]:
    """Every recognised ledger of another tool: the default table names, and ``table`` (``[migrations]
    foreign_ledger``) in any schema, or in the one it names."""
    names = [*DEFAULT_TABLES, ALEMBIC_TABLE]
    qualified: list[tuple[str, str]] = []
    if table:
        schema, name = parse_table_name(table)
        if schema is None:
            names.append(name)
        else:
            qualified.append((schema, name))
    ledgers = []
    for found in ledger_tables(session, names, qualified):
        tool = identify(found.columns)
        if tool is None:
            continue
        columns, order = _READS[tool]
        ledgers.append(interpret(tool, found.schema, found.name, ledger_rows(session, found, columns, order)))
    return tuple(ledgers)


def follow_step(
    session: Session,
    ledger: ForeignLedger,
    version: Version,
    direction: Direction,
    *,
    newest_remaining: Version | None = None,
) -> None:
    """Record one tenantdb step in the other tool's ledger too (``[migrations] keep_foreign_ledger``).

    Call it in the transaction that records the step in tenantdb's ledger; on the way down, pass the newest
    version still applied (golang-migrate keeps only the current version). dbmate and diesel get a row more or
    less, goose an applied row (removed on the way down, as goose does). Flyway and Alembic are left alone: their
    rows carry checksums and revision graphs tenantdb does not know.
    """
    table = LedgerTable(schema=ledger.schema, name=ledger.table, columns=())
    up = direction is Direction.UP
    if ledger.tool is ForeignTool.GOLANG_MIGRATE:
        current = version if up else newest_remaining
        replace_single_version(session, table, int(current.text) if current else None, dirty=False)
    elif ledger.tool in (ForeignTool.DBMATE, ForeignTool.DIESEL):
        text = version.text.replace("-", "") if ledger.tool is ForeignTool.DIESEL else version.text
        if up:
            insert_version(session, table, {"version": text})
        else:
            delete_version(session, table, "version", text)
    elif ledger.tool is ForeignTool.GOOSE:
        if up:
            insert_version(session, table, {"version_id": int(version.text), "is_applied": True})
        else:
            delete_version(session, table, "version_id", int(version.text))
