"""Phased migrations: gates around each phase, and automatic rollback of the phase when a trigger fires.

For each phase, in order: pre-checks (a violation stops before anything changes), probe baseline, the
phase's pending migrations, their verify blocks and the integrity checks (only problems the phase introduced
count: those already there are not its fault), post-checks, probes again. A
trigger — ``failure`` (a statement failed), ``violation`` (a check returned rows), ``regression`` (a probe got
slower than ``max_regression`` or lost its index scan) — rolls the phase back, newest migration first, when the
phase lists it in ``rollback_on``; earlier phases stay applied. Every step lands in ``tenantdb.events``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from tenantdb.config import Settings
from tenantdb.db import Session, applied_migrations, record_event, table_columns, tenant_digests
from tenantdb.errors import ConfigError, TenantdbError
from tenantdb.execute.engine import RunRequest, migrate_locked, runner_lock
from tenantdb.execute.observer import Observer, SilentObserver
from tenantdb.execute.runner import Runner
from tenantdb.migrations import PROJECT_SOURCE, Direction, Migration, MigrationSet
from tenantdb.phase_config import PhaseSpec
from tenantdb.plan import Plan, Step
from tenantdb.sql import destructions
from tenantdb.verify import Violation, run_checks, verify
from tenantdb.verify.probes import ProbeComparison, Verdict, compare_measures, measure


class PhaseStatus(StrEnum):
    APPLIED = "applied"
    UP_TO_DATE = "up_to_date"
    BLOCKED = "blocked"  # a pre-check failed: nothing was changed
    ROLLED_BACK = "rolled_back"
    KEPT_WITH_PROBLEMS = "kept_with_problems"  # a trigger fired that the phase does not roll back for
    PLANNED = "planned"  # dry run


@dataclass(frozen=True, slots=True, kw_only=True)
class PhaseOutcome:
    name: str
    status: PhaseStatus
    migrations: tuple[str, ...] = ()  # the phase's migrations (labels)
    applied: tuple[str, ...] = ()  # applied by this run
    rolled_back: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = ()
    probes: tuple[ProbeComparison, ...] = ()
    trigger: str | None = None
    message: str = ""
    checks: tuple[str, ...] = ()  # dry run: the gates that would run
    destructive: tuple[str, ...] = ()  # dry run: statements that destroy data (archived first)
    missing_downs: tuple[str, ...] = ()  # dry run: migrations the phase could not roll back


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
            phase_set = replace(project, migrations=tuple(members[spec.name]))
            outcome = (
                _describe(session, spec, phase_set)
                if dry_run
                else _run_phase(session, spec, phase_set, settings, observer)
            )
            outcomes.append(outcome)
            if outcome.status in (PhaseStatus.BLOCKED, PhaseStatus.ROLLED_BACK):
                break
    return PhasesReport(outcomes=tuple(outcomes))


def _pending(session: Session, phase_set: MigrationSet) -> list[Migration]:
    applied = {phase_set.version_of(row.version) for row in applied_migrations(session, phase_set.source)}
    return [m for m in phase_set if m.version not in applied]


def _describe(session: Session, spec: PhaseSpec, phase_set: MigrationSet) -> PhaseOutcome:
    pending = _pending(session, phase_set)
    destructive = tuple(
        f"{m.label}:{statement.line} {statement.text.splitlines()[0]}"
        for m in pending
        for statement in m.up.statements
        if destructions(statement)
    )
    gates = [f"pre-check {c.name}" for c in spec.pre_checks] + [f"post-check {c.name}" for c in spec.post_checks]
    gates += [f"probe {p.name} (max +{spec.max_regression:.0%})" for p in spec.probes]
    return PhaseOutcome(
        name=spec.name,
        status=PhaseStatus.PLANNED if pending else PhaseStatus.UP_TO_DATE,
        migrations=tuple(m.label for m in pending),
        checks=tuple(gates),
        destructive=destructive,
        missing_downs=tuple(m.label for m in phase_set if m.down is None),
        message="rolls back on " + ", ".join(sorted(spec.rollback_on)),
    )


def _run_phase(
    session: Session, spec: PhaseSpec, phase_set: MigrationSet, settings: Settings, observer: Observer
) -> PhaseOutcome:
    pending = _pending(session, phase_set)
    labels = tuple(m.label for m in phase_set)
    if not pending:
        return PhaseOutcome(name=spec.name, status=PhaseStatus.UP_TO_DATE, migrations=labels)
    observer.note(f"phase {spec.name}: {len(pending)} migration(s)")
    _event(session, "phase_start", spec, f"{len(pending)} pending migration(s)")
    blocked = run_checks(session, spec.pre_checks, kind="pre-check")
    if blocked:
        _event(session, "phase_blocked", spec, f"{len(blocked)} pre-check violation(s); nothing changed")
        return PhaseOutcome(
            name=spec.name,
            status=PhaseStatus.BLOCKED,
            migrations=labels,
            violations=tuple(blocked),
            trigger="violation",
        )
    known = _problem_keys(verify(session, phase_set, settings.verify).violations)
    probes = {probe.name: probe.sql for probe in spec.probes}
    baseline = measure(session, probes) if probes else {}
    preserved = _digests(session, spec.preserve)
    runner = Runner(session, settings.runner, observer)
    applied: list[str] = []
    try:
        for migration in pending:
            runner.run_step(Step(migration=migration, direction=Direction.UP))
            applied.append(migration.label)
    except TenantdbError as error:
        return _fire(session, spec, phase_set, settings, observer, "failure", str(error), applied, labels)
    violations = [v for v in verify(session, phase_set, settings.verify).violations if _problem_key(v) not in known]
    violations += run_checks(session, spec.post_checks, kind="post-check")
    violations += _changed_data(session, preserved)
    after = measure(session, probes) if probes else {}
    comparisons = tuple(compare_measures(name, baseline[name], after[name], spec.max_regression) for name in probes)
    regressions = [c for c in comparisons if c.verdict is Verdict.REGRESSION]
    if violations:
        return _fire(
            session,
            spec,
            phase_set,
            settings,
            observer,
            "violation",
            f"{len(violations)} violation(s)",
            applied,
            labels,
            violations=violations,
            probes=comparisons,
        )
    if regressions:
        detail = "; ".join(f"{c.name}: {c.detail}" for c in regressions)
        return _fire(
            session, spec, phase_set, settings, observer, "regression", detail, applied, labels, probes=comparisons
        )
    _event(session, "phase_applied", spec, f"{len(applied)} migration(s) applied; gates passed")
    return PhaseOutcome(
        name=spec.name, status=PhaseStatus.APPLIED, migrations=labels, applied=tuple(applied), probes=comparisons
    )


def _problem_key(violation: Violation) -> tuple[str, str, str]:
    return (violation.check, violation.subject, violation.message)


def _problem_keys(violations: Sequence[Violation]) -> frozenset[tuple[str, str, str]]:
    """The integrity problems the database had before a phase: the phase's gate only fails on new ones.

    An orphan count that grows changes the message, so a phase that adds orphans to a column that already had
    some still fails its gate.
    """
    return frozenset(_problem_key(violation) for violation in violations)


def _fire(
    session: Session,
    spec: PhaseSpec,
    phase_set: MigrationSet,
    settings: Settings,
    observer: Observer,
    trigger: str,
    message: str,
    applied: list[str],
    labels: tuple[str, ...],
    *,
    violations: Sequence[Violation] = (),
    probes: tuple[ProbeComparison, ...] = (),
) -> PhaseOutcome:
    """A trigger fired: roll the phase back if it asks for that, and report either way."""
    session.rollback()
    if trigger not in spec.rollback_on:
        _event(session, "phase_problem", spec, f"{trigger}: {message} (kept: rollback_on excludes {trigger})")
        return PhaseOutcome(
            name=spec.name,
            status=PhaseStatus.KEPT_WITH_PROBLEMS,
            migrations=labels,
            applied=tuple(applied),
            violations=tuple(violations),
            probes=probes,
            trigger=trigger,
            message=message,
        )
    observer.note(f"phase {spec.name}: {trigger} ({message}); rolling the phase back")
    rolled_back = rollback_phase(session, phase_set, settings, observer)
    _event(session, "phase_rollback", spec, f"{trigger}: {message}; rolled back {', '.join(rolled_back) or 'nothing'}")
    return PhaseOutcome(
        name=spec.name,
        status=PhaseStatus.ROLLED_BACK,
        migrations=labels,
        applied=tuple(applied),
        rolled_back=tuple(rolled_back),
        violations=tuple(violations),
        probes=probes,
        trigger=trigger,
        message=message,
    )


Digests = dict[str, tuple[tuple[str, ...], dict[str, tuple[int, str]]]]


def _digests(session: Session, tables: Sequence[str]) -> Digests:
    """Per-tenant counts and digests of the columns each table has before the phase."""
    result: Digests = {}
    for table in tables:
        columns = table_columns(session, table)
        if not columns:
            raise ConfigError(f"preserve: table {table!r} does not exist before the phase")
        result[table] = (columns, tenant_digests(session, table, columns))
    return result


def _changed_data(session: Session, before: Digests) -> list[Violation]:
    """Tenants whose rows of a preserved table differ after the phase (over the columns that existed before)."""
    violations = []
    for table, (columns, digests) in before.items():
        after = tenant_digests(session, table, columns) if table_columns(session, table) else {}
        for tenant in sorted(set(digests) | set(after)):
            if digests.get(tenant) != after.get(tenant):
                was, now = digests.get(tenant, (0, "")), after.get(tenant, (0, ""))
                violations.append(
                    Violation(
                        check="preserved-data",
                        subject=table,
                        message=f"tenant {tenant}: {was[0]} row(s) before, {now[0]} after, digest changed",
                    )
                )
    return violations


def rollback_phase(session: Session, phase_set: MigrationSet, settings: Settings, observer: Observer) -> list[str]:
    """Run the downs of the phase's applied migrations, newest first (the runner lock must be held)."""
    applied = {phase_set.version_of(row.version) for row in applied_migrations(session, phase_set.source)}
    steps = tuple(
        Step(migration=m, direction=Direction.DOWN) for m in reversed(phase_set.migrations) if m.version in applied
    )
    missing = [step.migration.label for step in steps if step.migration.down is None]
    if missing:
        raise ConfigError(f"cannot roll the phase back: no down section in {', '.join(missing)}")
    Runner(session, settings.runner, observer).run(Plan(direction=Direction.DOWN, steps=steps))
    return [step.migration.label for step in steps]


def _event(session: Session, kind: str, spec: PhaseSpec, message: str) -> None:
    record_event(session, kind, message=f"phase {spec.name}: {message}", details={"phase": spec.name})
