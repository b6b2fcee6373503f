"""``migrate test``: apply all, roll back all, apply all again on a scratch database; compare catalogs.

Passing means the down migrations really undo the ups (the catalog after rolling back equals the empty
start), and the ups are repeatable (the catalog after re-applying equals the first one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tenantdb.config import RunnerSettings
from tenantdb.db import Session, Snapshot, catalog_snapshot, connect, create_scratch_database, drop_database
from tenantdb.execute.engine import RunRequest, migrate
from tenantdb.execute.observer import Observer
from tenantdb.migrations import Direction, MigrationSet


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogDifference:
    """The first difference between two snapshots."""

    stage: str  # "after rollback" or "after re-apply"
    kind: str  # snapshot section: columns, indexes, ...
    only_in_expected: tuple[str, ...]
    only_in_actual: tuple[str, ...]

    def describe(self) -> str:
        lines = [f"{self.stage}: {self.kind} differ"]
        lines += [f"  - expected, missing: {row}" for row in self.only_in_expected[:10]]
        lines += [f"  + unexpected:        {row}" for row in self.only_in_actual[:10]]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundTripReport:
    migrations: int
    objects: int  # rows in the applied snapshot
    difference: CatalogDifference | None

    @property
    def ok(self) -> bool:
        return self.difference is None


def first_difference(stage: str, expected: Snapshot, actual: Snapshot) -> CatalogDifference | None:
    for kind in sorted(expected.keys() | actual.keys()):
        left = {repr(row) for row in expected.get(kind, [])}
        right = {repr(row) for row in actual.get(kind, [])}
        if left != right:
            return CatalogDifference(
                stage=stage,
                kind=kind,
                only_in_expected=tuple(sorted(left - right)),
                only_in_actual=tuple(sorted(right - left)),
            )
    return None


def round_trip(
    dsn: str,
    migrations: MigrationSet | Sequence[MigrationSet],
    settings: RunnerSettings,
    observer: Observer | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> RoundTripReport:
    """Run the up/down/up cycle on a fresh scratch database next to ``dsn``, dropped afterwards."""
    scratch = create_scratch_database(dsn, prefix="tenantdb_test")
    stage = on_stage or (lambda _: None)
    try:
        with connect(scratch.dsn, application_name="tenantdb migrate test") as session:
            return _cycle(session, migrations, settings, observer, stage)
    finally:
        drop_database(dsn, scratch.name)


def _cycle(
    session: Session,
    migrations: MigrationSet | Sequence[MigrationSet],
    settings: RunnerSettings,
    observer: Observer | None,
    stage: Callable[[str], None],
) -> RoundTripReport:
    empty = catalog_snapshot(session)
    stage("apply all")
    migrate(session, migrations, settings, RunRequest(direction=Direction.UP), observer)
    applied = catalog_snapshot(session)
    stage("roll back all")
    migrate(session, migrations, settings, RunRequest(direction=Direction.DOWN, everything=True), observer)
    difference = first_difference("after rolling everything back", empty, catalog_snapshot(session))
    if difference is None:
        stage("apply all again")
        migrate(session, migrations, settings, RunRequest(direction=Direction.UP), observer)
        difference = first_difference("after applying again", applied, catalog_snapshot(session))
    sets = [migrations] if isinstance(migrations, MigrationSet) else migrations
    return RoundTripReport(
        migrations=sum(len(migration_set) for migration_set in sets),
        objects=sum(len(rows) for rows in applied.values()),
        difference=difference,
    )
