"""Pure planning: (migration set, applied ledger, target) -> the ordered steps to run."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from tenantdb.db import AppliedMigration
from tenantdb.errors import ChecksumMismatch, ConfigError, LedgerStateError, MigrationFileError
from tenantdb.migrations import BrokenMigration, Direction, Migration, MigrationSet, Version


class MigrationState(StrEnum):
    APPLIED = "applied"
    PENDING = "pending"
    CHANGED = "changed"  # applied, but the file was edited since
    MISSING = "missing"  # applied, but no file for it any more
    INTERRUPTED = "interrupted"  # a statement-by-statement run stopped part way; `up` resumes it


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusRow:
    """One line of ``migrate status``."""

    version: str
    name: str
    state: MigrationState
    applied: AppliedMigration | None
    source: str = "project"
    migration: Migration | None
    statements_done: int | None = None  # of an interrupted run
    broken: BrokenMigration | None = None  # its file cannot be used as it is (syntax error, ...)


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """Run ``migration`` in ``direction`` (``ledger_only``: only add or remove its ledger row, run nothing)."""

    migration: Migration
    direction: Direction
    ledger_only: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What a run will do, in order."""

    direction: Direction
    steps: tuple[Step, ...]
    out_of_order: tuple[Version, ...] = ()  # pending versions older than the newest applied one


def _applied_by_version(
    migrations: MigrationSet, applied: Sequence[AppliedMigration]
) -> dict[Version, AppliedMigration]:
    return {migrations.version_of(row.version): row for row in applied}


def _state(row: AppliedMigration | None, checksum: str | None, *, interrupted: bool = False) -> MigrationState:
    """A file's state from its ledger row: none yet (pending, or interrupted mid-file), or applied as it is now
    (the checksums match) or changed since."""
    if row is None:
        return MigrationState.INTERRUPTED if interrupted else MigrationState.PENDING
    return MigrationState.APPLIED if row.checksum == checksum else MigrationState.CHANGED


def status(
    migrations: MigrationSet,
    applied: Sequence[AppliedMigration],
    interrupted: Mapping[str, int] | None = None,
) -> list[StatusRow]:
    """Every known version with its state, in version order."""
    done = _applied_by_version(migrations, applied)
    partial = {migrations.version_of(version): count for version, count in (interrupted or {}).items()}
    rows = []
    for migration in migrations:
        row = done.pop(migration.version, None)
        state = _state(row, migration.checksum, interrupted=migration.version in partial)
        rows.append(
            StatusRow(
                version=str(migration.version),
                name=migration.name,
                state=state,
                applied=row,
                migration=migration,
                source=migrations.source,
                statements_done=partial.get(migration.version),
            )
        )
    for broken in migrations.broken:
        row = done.pop(broken.version, None)
        state = _state(row, broken.checksum)
        rows.append(
            StatusRow(
                version=str(broken.version),
                name=broken.name,
                state=state,
                applied=row,
                migration=None,
                source=migrations.source,
                broken=broken,
            )
        )
    for row in done.values():
        rows.append(
            StatusRow(
                version=row.version,
                name=row.name,
                state=MigrationState.MISSING,
                applied=row,
                migration=None,
                source=migrations.source,
            )
        )
    return sorted(rows, key=lambda r: migrations.version_of(r.version))


def check_unchanged(migrations: MigrationSet, applied: Sequence[AppliedMigration]) -> None:
    """Refuse to run when an applied migration's file was edited; the error carries a diff."""
    for row in status(migrations, applied):
        if row.state is MigrationState.CHANGED and row.applied and row.migration:
            diff = "".join(
                difflib.unified_diff(
                    row.applied.content.splitlines(keepends=True),
                    row.migration.normalized_text.splitlines(keepends=True),
                    fromfile=f"applied {row.applied.finished_at:%Y-%m-%d %H:%M}",
                    tofile=str(row.migration.path),
                )
            )
            raise ChecksumMismatch(
                f"{row.migration.path} was edited after it was applied on "
                f"{row.applied.finished_at:%Y-%m-%d %H:%M:%S %Z} by {row.applied.applied_by}@{row.applied.host}",
                version=row.version,
                diff=diff,
                hint="put the change in a new migration (tenantdb new NAME), restore the file, "
                "or accept the edit with {allow_changed}",
                refers=("allow_changed",),
            )


def plan_up(migrations: MigrationSet, applied: Sequence[AppliedMigration], target: Version | None = None) -> Plan:
    """Pending migrations up to and including ``target`` (default: all), oldest first."""
    if target is not None:
        target = migrations.version_of(target.text)
        if migrations.get(target) is None:
            raise ConfigError(f"{target}: no migration has this version", option="to")
    done = _applied_by_version(migrations, applied)
    newest_applied = max(done, default=None)
    steps = tuple(
        Step(migration=m, direction=Direction.UP)
        for m in migrations
        if m.version not in done and (target is None or m.version <= target)
    )
    late = tuple(
        s.migration.version for s in steps if newest_applied is not None and s.migration.version < newest_applied
    )
    return Plan(direction=Direction.UP, steps=steps, out_of_order=late)


def plan_down(
    migrations: MigrationSet,
    applied: Sequence[AppliedMigration],
    *,
    target: Version | None = None,
    steps: int | None = None,
    interrupted: Mapping[str, int] | None = None,
    include_interrupted: bool = False,
    ledger_only: bool = False,
) -> Plan:
    """Applied migrations to roll back, newest first: ``steps`` of them, or all above ``target``.

    With neither, one step. ``target`` itself stays applied (``--to 0`` rolls everything back).

    ``interrupted`` maps the versions whose up run stopped part way to the statements it finished. Rolling back
    a migration under one of them would leave its journal describing objects that may be gone, so that is
    refused, unless ``include_interrupted`` makes each interrupted migration the newest one to roll back (its
    down runs against whatever its finished statements made). ``ledger_only`` plans removing the ledger rows
    without running anything; without it a migration that has no down script is refused (it is irreversible).
    """
    if target is not None and steps is not None:
        raise ConfigError("use either {to} or {steps}, not both", refers=("to", "steps"))
    if steps is not None and steps < 1:
        raise ConfigError("must be at least 1", option="steps")
    done = _applied_by_version(migrations, applied)
    partial = {migrations.version_of(version): count for version, count in (interrupted or {}).items()}
    partial = {version: count for version, count in partial.items() if version not in done}
    candidates = sorted(done.keys() | (partial.keys() if include_interrupted else set()), reverse=True)
    if target is not None:
        target = migrations.version_of(target.text)
    chosen = [v for v in candidates if v > target] if target is not None else candidates[: steps or 1]
    if chosen and not include_interrupted:
        _refuse_under_interrupted(migrations, partial, min(chosen))
    plan_steps = []
    for version in chosen:
        migration = migrations.get(version)
        if migration is None:
            raise MigrationFileError(
                f"version {version} is applied but its file is missing, so it cannot be rolled back",
                path=migrations.directory,
                hint="restore the file from version control",
            )
        if migration.down_problem is not None and not ledger_only:
            problem = migration.down_problem
            raise MigrationFileError(
                f"{migration.label} cannot be rolled back: {problem.message}",
                path=problem.path,
                line=problem.line,
                remedy="ledger_only",
                hint="to only remove the migration from the ledger, or fix the down file (applying never reads it)",
            )
        if migration.down is None and not ledger_only:
            raise MigrationFileError(
                f"{migration.label} has no down migration: it is irreversible",
                path=migration.path,
                remedy="ledger_only",
                hint="to only remove it from the ledger (the schema is not changed), or add a down section (or "
                "file) before rolling it back",
            )
        plan_steps.append(Step(migration=migration, direction=Direction.DOWN, ledger_only=ledger_only))
    return Plan(direction=Direction.DOWN, steps=tuple(plan_steps))


def _refuse_under_interrupted(migrations: MigrationSet, partial: Mapping[Version, int], lowest: Version) -> None:
    """Refuse a rollback that reaches below a migration whose up run stopped part way."""
    above = sorted((version for version in partial if version > lowest), reverse=True)
    if not above:
        return
    version = above[0]
    migration = migrations.get(version)
    below = migrations.get(lowest)
    label = migration.label if migration else str(version)
    total = len(migration.up.statements) if migration else "?"
    raise LedgerStateError(
        f"{label} was interrupted after {partial[version]} of {total} statements; rolling back "
        f"{below.label if below else lowest} under it would leave its journal describing objects that may no "
        "longer exist",
        version=str(version),
        hint="finish it first (fix the failing statement, then `tenantdb migrate up`), or roll it back too with "
        "`tenantdb migrate down --include-interrupted` (runs its down script against what its finished statements "
        "made)",
    )
