"""The rollback levels' shared vocabulary: :class:`Level`, what a level is asked, the one outcome every level
returns, and the protocol each level implements.

A level follows pgroll's operations: ``validate`` refuses a request before anything changes, ``run`` does the
rollback (or, with ``dry_run``, reports what it would do and changes nothing), and a level whose rollback can be
undone also offers ``restore``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from tenantdb.config import PhaseSpec, Settings
from tenantdb.db import Session
from tenantdb.errors import ConfigError
from tenantdb.execute.observer import Observer
from tenantdb.migrations import MigrationSet


class Level(StrEnum):
    """What ``tenantdb rollback --phase NAME --level LEVEL`` undoes."""

    SCHEMA = "schema"  # run the phase's downs, newest first
    DATA = "data"  # remove exactly the rows the phase's migrations inserted
    FEATURE = "feature"  # run the phase's feature_off, storing the rows it changes


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelRequest:
    """One rollback of one phase: its settings, its migrations, and the caller's options."""

    spec: PhaseSpec
    members: MigrationSet  # the phase's migrations
    settings: Settings
    observer: Observer
    dry_run: bool = False
    restore: bool = False  # undo the level's newest rollback instead (levels that are Restorable)
    force: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TableDataRollback:
    """What a data rollback did to one table."""

    table: str
    removed: int = 0
    kept_changed: int = 0  # inserted by the phase, then updated or deleted by someone else
    kept_referenced: int = 0  # still referenced by rows that stay
    kept_ambiguous: int = 0  # carry the phase's ids in a table the phase also updated or rewrote
    archive_id: int | None = None
    archive_table: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DataRollbackReport:
    phase: str
    migrations: tuple[str, ...]  # the phase's applied migrations whose rows were looked for
    tables: tuple[TableDataRollback, ...] = field(default=())
    dry_run: bool = False  # counts of what would be removed; nothing was changed

    @property
    def removed(self) -> int:
        return sum(table.removed for table in self.tables)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeatureTableChange:
    table: str
    rows: int  # rows the switch changed (off) or rows written back (restore)


@dataclass(frozen=True, slots=True, kw_only=True)
class FeatureReport:
    phase: str
    action: str  # "off" or "restore"
    snapshot_id: int
    taken_at: datetime | None = None
    tables: tuple[FeatureTableChange, ...] = field(default=())
    overwritten: tuple[str, ...] = ()  # restore --force: rows changed since the switch, overwritten
    not_captured: tuple[str, ...] = ()  # tables written by triggers or functions: not restored


@dataclass(frozen=True, slots=True, kw_only=True)
class LevelOutcome:
    """What a rollback level did: the downs run, the rows removed, or the feature switched."""

    phase: str
    level: Level
    rolled_back: tuple[str, ...] = ()  # schema: the downs run, newest first
    left_applied: tuple[str, ...] = ()  # schema: newer migrations still applied above the phase's rolled-back ones
    data: DataRollbackReport | None = None
    feature: FeatureReport | None = None


def refuse_dry_run(request: LevelRequest) -> None:
    """For levels that cannot report what they would do without doing it."""
    if request.dry_run:
        raise ConfigError(
            "only applies to {level} data",
            option="dry_run",
            refers=("level", "dry_run"),
            hint="`tenantdb migrate down {dry_run}` lists the downs",
        )


class RollbackLevel(Protocol):
    """One rollback level. The caller holds the runner lock around ``run`` and ``restore``."""

    @property
    def level(self) -> Level: ...

    def validate(self, request: LevelRequest) -> None:
        """Refuse a request this level cannot carry out, before anything is read or changed."""

    def run(self, session: Session, request: LevelRequest) -> LevelOutcome:
        """Roll the phase back at this level (``request.dry_run``: report only, change nothing)."""
        ...


@runtime_checkable
class Restorable(RollbackLevel, Protocol):
    """A level whose rollback can be undone exactly."""

    def restore(self, session: Session, request: LevelRequest) -> LevelOutcome:
        """Undo this level's newest rollback of the phase."""
        ...
