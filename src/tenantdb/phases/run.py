"""Applying phases: gates around each phase, and automatic rollback of the phase when a trigger fires.

For each phase, in order: pre-checks (a violation stops before anything changes), the gates' baseline, the
phase's pending migrations, then the gates' verdict (:mod:`tenantdb.phases.gates`). A trigger — ``failure`` (a
statement failed), ``violation`` (a check returned rows), ``regression`` (a probe got slower than
``max_regression`` or lost its index scan) — rolls the phase back, newest migration first, when the phase lists
it in ``rollback_on``; earlier phases stay applied. Each phase moves through its
:class:`~tenantdb.phases.lifecycle.Lifecycle`, and every step lands in ``tenantdb.events``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from tenantdb.config import PhaseSpec, Settings, Trigger
from tenantdb.db import EventKind, Session, applied_migrations, record_event
from tenantdb.errors import ConfigError, TenantdbError
from tenantdb.execute.engine import RunRequest, migrate_locked, runner_lock
from tenantdb.execute.observer import Observer, SilentObserver
from tenantdb.execute.runner import Runner
from tenantdb.migrations import PROJECT_SOURCE, Direction, Migration, MigrationSet
from tenantdb.phases import gates
from tenantdb.phases.gates import GateVerdict
from tenantdb.phases.levels.schema import rollback_phase
from tenantdb.phases.lifecycle import Lifecycle, PhaseState
from tenantdb.plan import Step
from tenantdb.sql import destructions
from tenantdb.verify import Violation
from tenantdb.verify.probes import ProbeComparison


class PhaseStatus(StrEnum):
    APPLIED = "applied"
    UP_TO_DATE = "up_to_date"
    BLOCKED = "blocked"  # a pre-check failed: nothing was changed
    ROLLED_BACK = "rolled_back"
    KEPT_WITH_PROBLEMS = "kept_with_problems"  # a trigger fired that the phase does not roll back for
    PLANNED = "planned"  # dry run


_STATE_OF = {
    PhaseStatus.APPLIED: PhaseState.COMPLETED,
    PhaseStatus.UP_TO_DATE: PhaseState.COMPLETED,
    PhaseStatus.KEPT_WITH_PROBLEMS: PhaseState.COMPLETED,
    PhaseStatus.BLOCKED: PhaseState.BLOCKED,
    PhaseStatus.ROLLED_BACK: PhaseState.ROLLED_BACK,
    PhaseStatus.PLANNED: PhaseState.PENDING,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseOutcome:
    name: str
    status: PhaseStatus
    migrations: tuple[str, ...] = ()  # the phase's migrations (labels)
    applied: tuple[str, ...] = ()  # applied by this run
    rolled_back: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = ()
    probes: tuple[ProbeComparison, ...] = ()
    trigger: Trigger | None = None
    message: str = ""
    checks: tuple[str, ...] = ()  # dry run: the gates that would run
    destructive: tuple[str, ...] = ()  # dry run: statements that destroy data (archived first)
    missing_downs: tuple[str, ...] = ()  # dry run: migrations the phase could not roll back

    @property
    def state(self) -> PhaseState:
        """Where the phase's lifecycle ended in this run."""
        return _STATE_OF[self.status]


@dataclass(frozen=True, slots=True, kw_only=True)
class PhasesReport:
    outcomes: tuple[PhaseOutcome, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(
            o.status in (PhaseStatus.APPLIED, PhaseStatus.UP_TO_DATE, PhaseStatus.PLANNED) for o in self.outcomes
        )


def phase_members(spec: PhaseSpec, project: MigrationSet) -> list[Migration]:
    """The project migrations a phase contains (a range or an explicit list)."""
    if spec.first is not None and spec.last is not None:
        first, last = project.version_of(spec.first), project.version_of(spec.last)
        return [m for m in project if first <= m.version <= last]
    wanted = {project.version_of(text) for text in spec.migrations}
    missing = wanted - set(project.versions)
    if missing:
        raise ConfigError(f"phase {spec.name!r} names unknown migration(s): {', '.join(sorted(map(str, missing)))}")
    return [m for m in project if m.version in wanted]


def phase_set(spec: PhaseSpec, project: MigrationSet) -> MigrationSet:
    """The project's migrations narrowed to one phase's."""
    return replace(project, migrations=tuple(phase_members(spec, project)))


def _check_coverage(phases: Sequence[PhaseSpec], project: MigrationSet) -> dict[str, list[Migration]]:
    members = {spec.name: phase_members(spec, project) for spec in phases}
    owners: dict[str, str] = {}
    for name, migrations in members.items():
        for migration in migrations:
            if migration.label in owners:
                raise ConfigError(f"{migration.label} is in phases {owners[migration.label]!r} and {name!r}")
            owners[migration.label] = name
    orphans = [m.label for m in project if m.label not in owners]
    if orphans:
        raise ConfigError(
            f"migration(s) in no phase: {', '.join(orphans)}", hint="add them to a [[phases]] entry of tenantdb.toml"
        )
    return members


def run_phases(
    session: Session,
    sources: Sequence[MigrationSet],
    settings: Settings,
    observer: Observer | None = None,
    *,
    dry_run: bool = False,
) -> PhasesReport:
    """Apply modules, then the project's migrations phase by phase, under one runner lock."""
    observer = observer or SilentObserver()
    project = next((s for s in sources if s.source == PROJECT_SOURCE), None)
    if project is None:
        raise ConfigError("phases need the project's migrations directory")
    members = _check_coverage(settings.phases, project)
    modules = [s for s in sources if s.source != PROJECT_SOURCE]
    outcomes: list[PhaseOutcome] = []
    with runner_lock(session, settings.runner, observer):
        if modules:
            migrate_locked(
                session, modules, settings.runner, RunRequest(direction=Direction.UP, dry_run=dry_run), observer
            )
        for spec in settings.phases:
            members_set = replace(project, migrations=tuple(members[spec.name]))
            outcome = (
                _describe(session, spec, members_set)
                if dry_run
                else _run_phase(session, spec, members_set, settings, observer)
            )
            outcomes.append(outcome)
            if outcome.status in (PhaseStatus.BLOCKED, PhaseStatus.ROLLED_BACK):
                break
    return PhasesReport(outcomes=tuple(outcomes))


def _pending(session: Session, members: MigrationSet) -> list[Migration]:
    applied = {members.version_of(row.version) for row in applied_migrations(session, members.source)}
    return [m for m in members if m.version not in applied]


def _describe(session: Session, spec: PhaseSpec, members: MigrationSet) -> PhaseOutcome:
    pending = _pending(session, members)
    destructive = tuple(
        f"{m.label}:{statement.line} {statement.text.splitlines()[0]}"
        for m in pending
        for statement in m.up.statements
        if destructions(statement)
    )
    return PhaseOutcome(
        name=spec.name,
        status=PhaseStatus.PLANNED if pending else PhaseStatus.UP_TO_DATE,
        migrations=tuple(m.label for m in pending),
        checks=gates.described(spec),
        destructive=destructive,
        missing_downs=tuple(m.label for m in members if m.down is None),
        message="rolls back on " + ", ".join(sorted(spec.rollback_on)),
    )


def _run_phase(
    session: Session, spec: PhaseSpec, members: MigrationSet, settings: Settings, observer: Observer
) -> PhaseOutcome:
    pending = _pending(session, members)
    labels = tuple(m.label for m in members)
    if not pending:
        return PhaseOutcome(name=spec.name, status=PhaseStatus.UP_TO_DATE, migrations=labels)
    life = Lifecycle(spec.name)
    observer.note(f"phase {spec.name}: {len(pending)} migration(s)")
    _event(session, EventKind.PHASE_START, spec, f"{len(pending)} pending migration(s)")
    blocked = gates.pre_checks(session, spec)
    if blocked:
        life.block()
        _event(session, EventKind.PHASE_BLOCKED, spec, f"{len(blocked)} pre-check violation(s); nothing changed")
        return PhaseOutcome(
            name=spec.name,
            status=PhaseStatus.BLOCKED,
            migrations=labels,
            violations=tuple(blocked),
            trigger=Trigger.VIOLATION,
        )
    before = gates.baseline(session, spec, members, settings)
    life.start()
    runner = Runner(session, settings.runner, observer)
    applied: list[str] = []
    try:
        for migration in pending:
            runner.run_step(Step(migration=migration, direction=Direction.UP))
            applied.append(migration.label)
    except TenantdbError as error:
        failed = GateVerdict(trigger=Trigger.FAILURE, message=str(error))
        return _fire(session, life, spec, members, settings, observer, failed, applied, labels)
    found = gates.verdict(session, spec, members, settings, before)
    if found.trigger is not None:
        return _fire(session, life, spec, members, settings, observer, found, applied, labels)
    life.complete()
    _event(session, EventKind.PHASE_APPLIED, spec, f"{len(applied)} migration(s) applied; gates passed")
    return PhaseOutcome(
        name=spec.name, status=PhaseStatus.APPLIED, migrations=labels, applied=tuple(applied), probes=found.probes
    )


def _fire(
    session: Session,
    life: Lifecycle,
    spec: PhaseSpec,
    members: MigrationSet,
    settings: Settings,
    observer: Observer,
    found: GateVerdict,
    applied: list[str],
    labels: tuple[str, ...],
) -> PhaseOutcome:
    """A trigger fired: roll the phase back if it asks for that, and report either way."""
    assert found.trigger is not None
    trigger, message = found.trigger, found.message
    session.rollback()
    if trigger not in spec.rollback_on:
        life.complete()
        _event(session, EventKind.PHASE_PROBLEM, spec, f"{trigger}: {message} (kept: rollback_on excludes {trigger})")
        return PhaseOutcome(
            name=spec.name,
            status=PhaseStatus.KEPT_WITH_PROBLEMS,
            migrations=labels,
            applied=tuple(applied),
            violations=found.violations,
            probes=found.probes,
            trigger=trigger,
            message=message,
        )
    observer.note(f"phase {spec.name}: {trigger} ({message}); rolling the phase back")
    rolled_back = rollback_phase(session, members, settings, observer)
    life.rollback()
    _event(
        session,
        EventKind.PHASE_ROLLBACK,
        spec,
        f"{trigger}: {message}; rolled back {', '.join(rolled_back) or 'nothing'}",
    )
    return PhaseOutcome(
        name=spec.name,
        status=PhaseStatus.ROLLED_BACK,
        migrations=labels,
        applied=tuple(applied),
        rolled_back=tuple(rolled_back),
        violations=found.violations,
        probes=found.probes,
        trigger=trigger,
        message=message,
    )


def _event(session: Session, kind: EventKind, spec: PhaseSpec, message: str) -> None:
    record_event(session, kind, message=f"phase {spec.name}: {message}", details={"phase": spec.name})
