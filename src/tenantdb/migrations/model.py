"""Value objects of a migration directory: versions, scripts, migrations and the ordered set."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from pathlib import Path

from tenantdb.identity import Version
from tenantdb.sql import Statement, TransactionMode

PROJECT_SOURCE = "project"


class Layout(StrEnum):
    """The file layouts tenantdb reads."""

    NATIVE = "native"  # NNNN_name.sql with -- migrate:up / down / verify (dbmate files are native files)
    GOLANG_MIGRATE = "golang-migrate"  # N_name.up.sql + N_name.down.sql
    FLYWAY = "flyway"  # V1__name.sql + U1__name.sql
    GOOSE = "goose"  # -- +goose Up / Down
    DIESEL = "diesel"  # <version>_<name>/up.sql + down.sql
    CUSTOM = "custom"  # file names matched by a configured pattern


class Direction(StrEnum):
    """Which way a script moves the schema."""

    UP = "up"
    DOWN = "down"


class ExecutionMode(StrEnum):
    """How the runner executes a script."""

    TRANSACTION = "transaction"  # one transaction, together with the ledger row
    STATEMENTS = "statements"  # statement by statement, journaled, resumable


@dataclass(frozen=True, slots=True, kw_only=True)
class Script:
    """The statements of one direction (or the verify block) of a migration."""

    path: Path
    source: str  # text the statements' spans refer to (placeholders already replaced)
    statements: tuple[Statement, ...]
    no_transaction: bool = False  # a directive asked for statement-by-statement execution

    @property
    def mode(self) -> ExecutionMode:
        """Transactional unless a directive or a statement says otherwise."""
        needs_statements = self.no_transaction or any(
            statement.transaction is not TransactionMode.ANY for statement in self.statements
        )
        return ExecutionMode.STATEMENTS if needs_statements else ExecutionMode.TRANSACTION

    @property
    def manages_transactions(self) -> bool:
        """The file contains its own BEGIN/COMMIT and is run exactly as written."""
        return any(statement.transaction is TransactionMode.CONTROL for statement in self.statements)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptProblem:
    """Why a separate down file cannot run (a syntax error): reported when something would roll back through it."""

    path: Path
    line: int | None
    message: str

    def describe(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Migration:
    """One versioned migration, whatever layout it came from."""

    version: Version
    name: str
    layout: Layout
    up: Script
    down: Script | None = None
    down_problem: ScriptProblem | None = None  # a down file that does not parse (then ``down`` is None)
    verify: Script | None = None
    checksum: str
    normalized_text: str  # what the checksum covers (the files as written), kept to diff an edited file
    source: str = PROJECT_SOURCE
    lock_timeout: timedelta | None = None
    statement_timeout: timedelta | None = None
    # lint findings its owner accepted for the whole file, rule id -> reason (a released module's module.toml:
    # a suppression comment would change the checksum every database that applied the file keeps)
    accepted_findings: Mapping[str, str] = field(default_factory=dict, compare=False)

    @property
    def path(self) -> Path:
        return self.up.path

    @property
    def label(self) -> str:
        return f"{self.version}_{self.name}" if self.name else str(self.version)

    @property
    def reversible(self) -> bool:
        return self.down is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class BrokenMigration:
    """A migration file that cannot be used (a syntax error, ...): ``migrate status`` shows it beside the others."""

    version: Version
    name: str
    path: Path
    line: int | None
    reason: str
    checksum: str | None  # of the file as it is, to tell an applied file that was edited since


@dataclass(frozen=True, slots=True, kw_only=True)
class MigrationSet:
    """The migrations of one directory, ordered by version."""

    directory: Path
    layout: Layout
    migrations: tuple[Migration, ...]
    source: str = PROJECT_SOURCE  # the ledger's name for this line of versions: "project" or a module
    broken: tuple[BrokenMigration, ...] = ()  # only when loaded with ``keep_broken`` (for ``migrate status``)
    _by_text: dict[str, Version] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # version_of is called once per ledger row and per status row: a scan of every version each time was
        # quadratic in the number of migrations
        by_text = {broken.version.text: broken.version for broken in reversed(self.broken)}
        by_text.update((migration.version.text, migration.version) for migration in reversed(self.migrations))
        object.__setattr__(self, "_by_text", by_text)

    def __iter__(self) -> Iterator[Migration]:
        return iter(self.migrations)

    def __len__(self) -> int:
        return len(self.migrations)

    def get(self, version: Version) -> Migration | None:
        return next((m for m in self.migrations if m.version == version), None)

    @property
    def versions(self) -> tuple[Version, ...]:
        return tuple(migration.version for migration in self.migrations)

    def version_of(self, text: str) -> Version:
        """A version written in this set's layout (diesel's compare as strings, the others as numbers)."""
        known = self._by_text.get(text)
        if known is not None:
            return known
        return Version.parse_lexical(text) if self.layout is Layout.DIESEL else Version.parse(text)


def normalize(text: str) -> str:
    """Normalize a file for checksumming: no BOM, LF endings, no trailing blanks, no outer blank lines."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"


def checksum(normalized: str) -> str:
    """sha256 of a normalized text, hex."""
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()
