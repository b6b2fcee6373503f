"""Pure planning of ``migrate baseline``: which of the project's files another tool's ledger says are applied.

Without ``--to`` the foreign ledger decides, and anything doubtful refuses: a dirty golang-migrate state, a failed
Flyway row, a version with no file, Alembic revision ids (which name no SQL file), several ledgers at once. An
explicit ``--to V`` decides instead (every file up to V; ``--to 0`` none), and the doubts are only reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tenantdb.errors import AdoptionRefused, ConfigError
from tenantdb.migrations import MigrationSet, Version
from tenantdb.migrations.foreign_ledgers import ForeignLedger, ForeignTool

NO_VERSION = Version.parse("0")


@dataclass(frozen=True, slots=True, kw_only=True)
class Adoption:
    """What ``migrate baseline`` records (or would record) in tenantdb's ledger, without running anything."""

    ledger: ForeignLedger | None  # the other tool's ledger, when one was found
    to: str | None  # the explicit ``--to``
    versions: tuple[str, ...]  # the files marked applied, oldest first
    already_recorded: tuple[str, ...] = ()  # chosen, but tenantdb's ledger has them already
    unknown: tuple[str, ...] = ()  # versions the foreign ledger names that have no migration file
    problems: tuple[str, ...] = ()  # why baseline refuses without an explicit --to

    refused: bool = False  # problems and no explicit --to: baseline would refuse
    message: str = ""  # one line for ``migrate status``, see :func:`_message`


def choose_ledger(ledgers: Sequence[ForeignLedger], to: Version | None) -> ForeignLedger | None:
    """The one foreign ledger to adopt from; with none, or several, an explicit ``--to`` is needed."""
    found = [ledger for ledger in ledgers if not ledger.empty]
    if len(found) == 1 or (found and to is not None):
        return found[0]
    if to is not None:
        return None
    if not found:
        raise AdoptionRefused(
            "no ledger of golang-migrate, Flyway, goose, dbmate, diesel or Alembic found, so there is nothing to adopt",
            hint="give `tenantdb migrate baseline --to V` to mark every migration up to V as applied, or name a "
            'renamed ledger table with [migrations] foreign_ledger = "schema.table"',
        )
    raise AdoptionRefused(
        "several ledgers of other tools found: " + "; ".join(ledger.describe() for ledger in found),
        hint="say which migrations are applied with `tenantdb migrate baseline --to V`",
    )


def plan_adoption(
    migrations: MigrationSet, ledger: ForeignLedger | None, recorded: Sequence[str], to: Version | None
) -> Adoption:
    """The versions of ``migrations`` to mark applied; ``recorded`` are those tenantdb's ledger already has."""
    unknown: list[str] = []
    if to is not None:
        chosen = _up_to(migrations, to)
    elif ledger is None or not ledger.tool.maps_to_files:
        chosen = []
    else:
        chosen, unknown = _named_by(migrations, ledger)
    done = {migrations.version_of(text) for text in recorded}
    versions = tuple(version.text for version in chosen if version not in done)
    problems = _problems(migrations, ledger, unknown)
    refused = bool(problems) and to is None
    return Adoption(
        ledger=ledger,
        to=to.text if to is not None else None,
        versions=versions,
        already_recorded=tuple(version.text for version in chosen if version in done),
        unknown=tuple(unknown),
        problems=problems,
        refused=refused,
        message=_message(ledger, to, versions, problems, refused=refused),
    )


def _message(
    ledger: ForeignLedger | None,
    to: Version | None,
    versions: tuple[str, ...],
    problems: tuple[str, ...],
    *,
    refused: bool,
) -> str:
    """``golang-migrate ledger public.schema_migrations at version 2 (clean): 2 migration(s) would be marked ...``."""
    found = ledger.describe() if ledger else "no ledger of another tool"
    if refused:
        return f"{found}: baseline refuses until resolved: " + "; ".join(problems)
    command = "`tenantdb migrate baseline" + (f" --to {to}`" if to is not None else "`")
    return f"{found}: {len(versions)} migration(s) would be marked applied by {command}"


def _up_to(migrations: MigrationSet, to: Version) -> list[Version]:
    target = migrations.version_of(to.text)
    if migrations.get(target) is None:
        if target == NO_VERSION:
            return []
        raise ConfigError(
            f"{to}: no migration has this version", option="to", hint="use a version of a file, or 0 for none"
        )
    return [version for version in migrations.versions if version <= target]


def ledger_drift(migrations: MigrationSet, ledger: ForeignLedger, recorded: Sequence[str]) -> str | None:
    """One line when another tool's ``ledger`` counts other migrations applied than tenantdb's ledger (``recorded``):
    what that tool would apply again, what it counts applied that tenantdb rolled back. None when they agree."""
    if not ledger.tool.maps_to_files or ledger.empty:
        return None
    named, _unknown = _named_by(migrations, ledger)
    if not named:  # a ledger naming none of these files is another application's (Rails' schema_migrations)
        return None
    theirs = set(named)
    ours = {version for text in recorded if (version := _version(migrations, text)) is not None}
    again = sorted(ours - theirs)
    stale = sorted(theirs - ours)
    if not again and not stale:
        return None
    label = ledger.tool.label
    parts = []
    if again:
        parts.append(f"{label} would apply {_some(again)} again")
    if stale:
        parts.append(f"it counts {_some(stale)} applied, which tenantdb's ledger does not")
    remedy = (
        "set [migrations] keep_foreign_ledger = true to keep it in step with every later step, or drop it once "
        f"nobody runs {label}"
        if ledger.tool.followed
        else f"tenantdb does not write {label}'s ledger: stop running {label} on this database"
    )
    return f"{ledger.describe()} is out of step with tenantdb's ledger: {'; '.join(parts)} ({remedy})"


LISTED_VERSIONS = 5
"""Versions a status line names one by one; past that it says how many, the first three and the last."""


def _some(versions: Sequence[Version]) -> str:
    if len(versions) <= LISTED_VERSIONS:
        return ", ".join(version.text for version in versions)
    first = ", ".join(version.text for version in versions[:3])
    return f"{len(versions)} migrations ({first}, ..., {versions[-1].text})"


def _named_by(migrations: MigrationSet, ledger: ForeignLedger) -> tuple[list[Version], list[str]]:
    chosen: set[Version] = set()
    unknown: list[str] = []
    for bound, must_exist in ((ledger.current, True), (ledger.baseline, False)):
        version = _version(migrations, bound) if bound else None
        if bound and (version is None or (must_exist and migrations.get(version) is None)):
            unknown.append(bound)
        elif version is not None:
            chosen.update(v for v in migrations.versions if v <= version)
    for text in ledger.applied:
        version = _version(migrations, text)
        migration = migrations.get(version) if version is not None else None
        if migration is None:
            unknown.append(text)
        else:
            chosen.add(migration.version)  # as the file writes it: goose's 1 is 00001
    return sorted(chosen), unknown


def _version(migrations: MigrationSet, text: str) -> Version | None:
    try:
        return migrations.version_of(text)
    except ValueError:
        return None


def _problems(migrations: MigrationSet, ledger: ForeignLedger | None, unknown: list[str]) -> tuple[str, ...]:
    if ledger is None:
        return ()
    problems = []
    if ledger.dirty:
        problems.append(
            f"golang-migrate is dirty at version {ledger.current or '(none)'}: that migration stopped part way; "
            "check the schema by hand and name the last complete migration with --to V"
        )
    if ledger.failed:
        problems.append(
            f"Flyway recorded failed migration(s) {', '.join(ledger.failed)}; check the schema by hand and name "
            "the last complete migration with --to V"
        )
    if unknown:
        problems.append(
            f"{ledger.tool.label} lists version(s) {', '.join(unknown)} with no migration file in "
            f"{migrations.directory}; restore the files, or name the last applied one with --to V"
        )
    if ledger.tool is ForeignTool.ALEMBIC:
        problems.append(
            "Alembic revision ids name no SQL file; name the last SQL migration already applied with --to V "
            "(--to 0: none)"
        )
    return tuple(problems)
