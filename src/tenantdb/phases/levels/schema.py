"""``tenantdb rollback --phase NAME --level schema``: run the downs of the phase's applied migrations, newest first.

The same step undoes a phase automatically when one of its triggers fires (:mod:`tenantdb.phases.run`).
"""

from __future__ import annotations

from tenantdb.config import Settings
from tenantdb.db import Session, applied_migrations
from tenantdb.errors import ConfigError
from tenantdb.execute.observer import Observer
from tenantdb.execute.runner import Runner
from tenantdb.migrations import Direction, MigrationSet
from tenantdb.phases.levels.model import Level, LevelOutcome, LevelRequest, refuse_dry_run
from tenantdb.plan import Plan, Step


def rollback_phase(session: Session, members: MigrationSet, settings: Settings, observer: Observer) -> list[str]:
    """Run the downs of the phase's applied migrations, newest first (the runner lock must be held)."""
    applied = {members.version_of(row.version) for row in applied_migrations(session, members.source)}
    steps = tuple(
        Step(migration=m, direction=Direction.DOWN) for m in reversed(members.migrations) if m.version in applied
    )
    missing = [step.migration.label for step in steps if step.migration.down is None]
    if missing:
        raise ConfigError(f"cannot roll the phase back: no down section in {', '.join(missing)}")
    Runner(session, settings.runner, observer).run(Plan(direction=Direction.DOWN, steps=steps))
    return [step.migration.label for step in steps]


class SchemaLevel:
    """Downs, newest first: the schema and the data the phase's tables held go (destroyed data is archived)."""

    level = Level.SCHEMA

    def validate(self, request: LevelRequest) -> None:
        refuse_dry_run(request)

    def run(self, session: Session, request: LevelRequest) -> LevelOutcome:
        labels = rollback_phase(session, request.members, request.settings, request.observer)
        return LevelOutcome(
            phase=request.spec.name,
            level=self.level,
            rolled_back=tuple(labels),
            left_applied=_newer_still_applied(session, request.members) if labels else (),
        )


def _newer_still_applied(session: Session, members: MigrationSet) -> tuple[str, ...]:
    """Migrations newer than the phase that stay applied: built on what its downs just removed, maybe."""
    newest = max(members.versions, default=None)
    if newest is None:
        return ()
    later = [
        row
        for row in applied_migrations(session, members.source)
        if members.version_of(row.version) > newest and members.version_of(row.version) not in members.versions
    ]
    return tuple(f"{row.version}_{row.name}" for row in sorted(later, key=lambda row: members.version_of(row.version)))
