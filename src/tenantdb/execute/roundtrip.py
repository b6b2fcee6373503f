"""``migrate test``: apply all, roll back all, apply all again on a scratch database; compare catalog and data.

Migrations without a usable down (no down file, or one that does not parse) cannot be rolled back: the round
trip then starts above the newest of them (apply up to it, then apply all, roll back to it, apply again) and
names them.

Passing means the ups are repeatable after the downs: the catalog after re-applying equals the first one, and so
do the data (every table's row count, and each column's values except generated ones: timestamps, uuids,
volatile defaults, identities and keys, which are reported as such). What rolling everything back leaves behind
(a kept backup table, an extension not dropped) or removes is reported as left by the project's downs: a fact
about the project's down migrations, not a failure; those objects are left out of the re-apply comparison.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tenantdb.config import RunnerSettings
from tenantdb.db import Session, Snapshot, catalog_snapshot, connect, create_scratch_database, drop_database
from tenantdb.db.catalog import SNAPSHOT_FIELDS
from tenantdb.db.digests import TableDigest, data_digests
from tenantdb.errors import MigrationFailed
from tenantdb.execute.engine import RunRequest, migrate
from tenantdb.execute.observer import Observer
from tenantdb.migrations import Direction, Migration, MigrationSet, Version


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogDifference:
    """The first difference between two snapshots."""

    stage: str  # "after rollback" or "after re-apply"
    kind: str  # snapshot section: columns, indexes, ...
    only_in_expected: tuple[str, ...]
    only_in_actual: tuple[str, ...]
    changed: tuple[str, ...] = ()  # an object on both sides: its name and what changed ("t.c: position 2 -> 3")
    paired: frozenset[str] = frozenset()  # the rows ``changed`` describes

    def describe(self) -> str:
        lines = [f"{self.stage}: {self.kind} differ"]
        lines += [f"  ~ changed:           {line}" for line in self.changed[:10]]
        lines += [f"  - expected, missing: {row}" for row in self.only_in_expected if row not in self.paired][:10]
        lines += [f"  + unexpected:        {row}" for row in self.only_in_actual if row not in self.paired][:10]
        return "\n".join(lines)


def _changes(kind: str, expected: list[tuple[Any, ...]], actual: list[tuple[Any, ...]]) -> tuple[list[str], set[str]]:
    """The objects of a section found on both sides with other attributes: one line each, and their rows."""
    spec = SNAPSHOT_FIELDS.get(kind)
    if spec is None:
        return [], set()
    size, names = spec
    before, after = _by_name(expected, size), _by_name(actual, size)
    lines: list[str] = []
    paired: set[str] = set()
    for key in sorted(before.keys() & after.keys(), key=repr):
        old, new = before[key], after[key]
        if old is None or new is None or old == new:
            continue
        fields = zip(names, old[size:], new[size:], strict=False)
        changed = [f"{name} {_shown(a)} -> {_shown(b)}" for name, a, b in fields if a != b]
        lines.append(f"{'.'.join(str(part) for part in key if part != '')}: {', '.join(changed)}")
        paired |= {repr(old), repr(new)}
    return lines, paired


def _by_name(rows: list[tuple[Any, ...]], size: int) -> dict[tuple[Any, ...], tuple[Any, ...] | None]:
    """Rows by the fields that name their object (None where two rows share a name: not paired)."""
    found: dict[tuple[Any, ...], tuple[Any, ...] | None] = {}
    for row in rows:
        key = row[:size]
        found[key] = None if key in found else row
    return found


def _shown(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True, kw_only=True)
class DataDifference:
    """A table whose rows after apply → roll back → apply differ from the first apply."""

    table: str
    rows_first: int | None  # None: the table did not exist
    rows_again: int | None
    columns: tuple[str, ...] = ()  # columns whose values differ (non-volatile ones)

    def describe(self) -> str:
        if self.rows_first != self.rows_again:
            first = "no table" if self.rows_first is None else f"{self.rows_first} row(s)"
            again = "no table" if self.rows_again is None else f"{self.rows_again} row(s)"
            return f"{self.table}: {first} after the first apply, {again} after applying again"
        return f"{self.table}: values of {', '.join(self.columns)} differ after applying again"


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundTripReport:
    migrations: int
    objects: int  # rows in the applied snapshot
    tables: int = 0  # tables whose data was compared
    difference: CatalogDifference | None
    data_differences: tuple[DataDifference, ...] = ()
    left_by_downs: tuple[CatalogDifference, ...] = ()  # what rolling everything back did not undo
    volatile: tuple[str, ...] = ()  # table.column whose values differ as generated values do (not an error)
    reapply_failure: str | None = None  # applying again failed (typically on something the downs left behind)
    irreversible: tuple[str, ...] = ()  # migrations without a usable down: the round trip starts above the newest
    down_failures: tuple[str, ...] = ()  # the project's downs that failed: the round trip ran again above them
    rolled_back: int | None = None  # how many migrations were rolled back and applied again

    @property
    def ok(self) -> bool:
        return (
            self.difference is None
            and not self.data_differences
            and self.reapply_failure is None
            and not self.down_failures
        )


def first_difference(stage: str, expected: Snapshot, actual: Snapshot) -> CatalogDifference | None:
    return next(iter(all_differences(stage, expected, actual)), None)


def all_differences(stage: str, expected: Snapshot, actual: Snapshot) -> list[CatalogDifference]:
    """Every section in which two snapshots differ."""
    found = []
    for kind in sorted(expected.keys() | actual.keys()):
        before, after = expected.get(kind, []), actual.get(kind, [])
        left = {repr(row) for row in before}
        right = {repr(row) for row in after}
        if left != right:
            only_left, only_right = left - right, right - left
            changed, paired = _changes(
                kind,
                [row for row in before if repr(row) in only_left],
                [row for row in after if repr(row) in only_right],
            )
            found.append(
                CatalogDifference(
                    stage=stage,
                    kind=kind,
                    only_in_expected=tuple(sorted(only_left)),
                    only_in_actual=tuple(sorted(only_right)),
                    changed=tuple(changed),
                    paired=frozenset(paired),
                )
            )
    return found


def _without(snapshot: Snapshot, leftovers: list[CatalogDifference]) -> Snapshot:
    """The snapshot without the entries the downs left behind (or removed), so they are not counted twice."""
    left = {(d.kind, row) for d in leftovers for row in (*d.only_in_expected, *d.only_in_actual)}
    return {kind: [row for row in rows if (kind, repr(row)) not in left] for kind, rows in snapshot.items()}


def data_differences(
    first: dict[str, TableDigest], again: dict[str, TableDigest], ignore: set[str]
) -> tuple[list[DataDifference], list[str]]:
    """Tables whose rows differ (errors), and columns whose values differ only as generated values do (notes)."""
    errors: list[DataDifference] = []
    volatile: list[str] = []
    for table in sorted(first.keys() | again.keys()):
        if table in ignore:
            continue
        before, after = first.get(table), again.get(table)
        if before is None or after is None or before.rows != after.rows:
            errors.append(
                DataDifference(
                    table=table,
                    rows_first=before.rows if before else None,
                    rows_again=after.rows if after else None,
                )
            )
            continue
        changed = [name for name, digest in before.columns.items() if after.columns.get(name) != digest]
        stable = tuple(name for name in changed if name not in before.volatile)
        volatile += [f"{table}.{name}" for name in changed if name in before.volatile]
        if stable:
            errors.append(DataDifference(table=table, rows_first=before.rows, rows_again=after.rows, columns=stable))
    return errors, volatile


def round_trip(
    dsn: str,
    migrations: MigrationSet | Sequence[MigrationSet],
    settings: RunnerSettings,
    observer: Observer | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> RoundTripReport:
    """Run the up/down/up cycle on a fresh scratch database next to ``dsn``, dropped afterwards.

    When one of the project's downs fails while rolling back, that is reported and the cycle runs again on a new
    scratch database, above that migration (as if it had no down), so the rest of the project is still tested.
    """
    stage = on_stage or (lambda _: None)
    failures: list[str] = []
    failed: set[Version] = set()
    while True:
        scratch = create_scratch_database(dsn, prefix="tenantdb_test")
        try:
            with connect(scratch.dsn, application_name="tenantdb migrate test") as session:
                report = _cycle(session, migrations, settings, observer, stage, failed)
                return replace(report, down_failures=tuple(failures))
        except _DownFailed as down:
            failures.append(down.describe())
            if down.version in failed or len(failed) >= MAX_DOWN_FAILURES:
                raise down.error from None
            failed.add(down.version)
            stage(f"the down of {down.label} failed: round trip again above it")
        finally:
            drop_database(dsn, scratch.name)


MAX_DOWN_FAILURES = 3  # failing downs reported before ``migrate test`` gives up


class _DownFailed(Exception):
    """A project's down failed while rolling back."""

    def __init__(self, migration: Migration, error: MigrationFailed) -> None:
        super().__init__(error.message)
        self.version = migration.version
        self.label = migration.label
        self.error = error

    def describe(self) -> str:
        return f"{self.label}: its down fails on a database its ups built: {self.error.message}"


def _cycle(
    session: Session,
    migrations: MigrationSet | Sequence[MigrationSet],
    settings: RunnerSettings,
    observer: Observer | None,
    stage: Callable[[str], None],
    failed: set[Version],
) -> RoundTripReport:
    sets = [migrations] if isinstance(migrations, MigrationSet) else list(migrations)
    counted = sum(len(migration_set) for migration_set in sets)
    irreversible = [m for migration_set in sets for m in migration_set if not m.reversible]
    floor = _floor(sets, [*irreversible, *(m for m in sets[-1] if m.version in failed)])
    start = catalog_snapshot(session)
    if floor is not None:  # nothing below the newest irreversible migration can be rolled back: start above it
        stage(f"apply up to {floor.label} (the newest migration without a down)")
        migrate(session, migrations, settings, RunRequest(direction=Direction.UP, target=floor.version), observer)
        start = catalog_snapshot(session)
    stage("apply all")
    migrate(session, migrations, settings, RunRequest(direction=Direction.UP), observer)
    applied, applied_data = catalog_snapshot(session), data_digests(session)
    stage("roll back all" if floor is None else f"roll back to {floor.label}")
    rollback = (
        RunRequest(direction=Direction.DOWN, everything=True)
        if floor is None
        else RunRequest(direction=Direction.DOWN, target=floor.version)
    )
    notes = tuple(_irreversible_note(m) for m in irreversible)
    try:
        migrate(session, migrations, settings, rollback, observer)
    except MigrationFailed as error:
        failing = next((m for m in sets[-1] if str(m.version) == error.version), None)
        if failing is None:
            raise
        raise _DownFailed(failing, error) from error
    rolled_back = catalog_snapshot(session)
    leftovers = all_differences("after rolling back", start, rolled_back)
    left_tables = _relations(rolled_back) - _relations(start)
    stage("apply all again")
    report = RoundTripReport(
        migrations=counted,
        objects=sum(len(rows) for rows in applied.values()),
        difference=None,
        left_by_downs=tuple(leftovers),
        irreversible=notes,
        rolled_back=counted - _position(sets, floor),
    )
    try:
        migrate(session, migrations, settings, RunRequest(direction=Direction.UP), observer)
    except MigrationFailed as error:
        return replace(report, reapply_failure=str(error))
    again, again_data = catalog_snapshot(session), data_digests(session)
    errors, volatile = data_differences(applied_data, again_data, left_tables)
    return replace(
        report,
        tables=len(applied_data),
        difference=first_difference("after applying again", _without(applied, leftovers), _without(again, leftovers)),
        data_differences=tuple(errors),
        volatile=tuple(volatile),
    )


def _floor(sets: Sequence[MigrationSet], irreversible: list[Migration]) -> Migration | None:
    """The newest project migration without a usable down (modules always have theirs)."""
    project = [m for m in irreversible if m.source == sets[-1].source]
    return max(project, key=lambda m: m.version, default=None)


def _position(sets: Sequence[MigrationSet], floor: Migration | None) -> int:
    """How many migrations stay applied when rolling back to ``floor``."""
    if floor is None:
        return 0
    modules = sum(len(migration_set) for migration_set in sets[:-1])
    return modules + sum(1 for m in sets[-1] if m.version <= floor.version)


def _irreversible_note(migration: Migration) -> str:
    problem = migration.down_problem
    why = f"its down file does not parse ({problem.describe()})" if problem else "it has no down"
    return f"{migration.label}: {why}"


def _relations(snapshot: Snapshot) -> set[str]:
    return {f"{row[0]}.{row[1]}" for row in snapshot.get("relations", [])}
