"""Verification gates around a phase: what is measured before it, and the verdict after it.

Before: the pre-checks (a violation blocks the phase), the integrity problems the database already has (they are
not the phase's fault), the probes' baseline and per-tenant digests of the ``preserve`` tables. After: the
migrations' verify blocks and integrity checks (new problems only), the post-checks, the changed digests and the
probes again. The verdict names the trigger that fired, if any: ``violation`` before ``regression``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tenantdb.config import PhaseSpec, Settings, Trigger
from tenantdb.db import Session, table_columns, tenant_digests
from tenantdb.errors import DatabaseStateError
from tenantdb.migrations import MigrationSet
from tenantdb.verify import Violation, run_checks, verify
from tenantdb.verify.probes import ProbeComparison, ProbeMeasure, Verdict, compare_measures, measure

ProblemKey = tuple[str, str, str]
Digests = dict[str, tuple[tuple[str, ...], dict[str, tuple[int, str]]]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Baseline:
    """The database just before the phase changes it."""

    known: frozenset[ProblemKey]
    timings: Mapping[str, ProbeMeasure | str] = field(default_factory=dict)  # a probe's error, or its measure
    preserved: Digests = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class GateVerdict:
    """What the gates found after the phase: a trigger (None: the gates passed) and why."""

    trigger: Trigger | None = None
    message: str = ""
    violations: tuple[Violation, ...] = ()
    probes: tuple[ProbeComparison, ...] = ()


def pre_checks(session: Session, spec: PhaseSpec) -> list[Violation]:
    """The phase's pre-checks: any row blocks the phase before it changes anything."""
    return run_checks(session, spec.pre_checks, kind="pre-check")


def described(spec: PhaseSpec) -> tuple[str, ...]:
    """The gates a phase would run (dry run)."""
    gates = [f"pre-check {c.name}" for c in spec.pre_checks] + [f"post-check {c.name}" for c in spec.post_checks]
    gates += [f"probe {p.name} (max +{spec.max_regression:.0%})" for p in spec.probes]
    return tuple(gates)


def baseline(session: Session, spec: PhaseSpec, phase_set: MigrationSet, settings: Settings) -> Baseline:
    probes = {probe.name: probe.sql for probe in spec.probes}
    return Baseline(
        known=_problem_keys(verify(session, phase_set, settings.verify).violations),
        timings=measure(session, probes) if probes else {},
        preserved=_digests(session, spec.preserve),
    )


def verdict(
    session: Session, spec: PhaseSpec, phase_set: MigrationSet, settings: Settings, before: Baseline
) -> GateVerdict:
    """The gates after the phase's migrations ran, compared with ``before``."""
    violations = [
        v for v in verify(session, phase_set, settings.verify).violations if _problem_key(v) not in before.known
    ]
    violations += run_checks(session, spec.post_checks, kind="post-check")
    violations += _changed_data(session, before.preserved)
    probes = {probe.name: probe.sql for probe in spec.probes}
    after = measure(session, probes) if probes else {}
    comparisons = tuple(
        compare_measures(name, before.timings[name], after[name], spec.max_regression) for name in probes
    )
    regressions = [c for c in comparisons if c.verdict is Verdict.REGRESSION]
    if violations:
        return GateVerdict(
            trigger=Trigger.VIOLATION,
            message=f"{len(violations)} violation(s)",
            violations=tuple(violations),
            probes=comparisons,
        )
    if regressions:
        detail = "; ".join(f"{c.name}: {c.detail}" for c in regressions)
        return GateVerdict(trigger=Trigger.REGRESSION, message=detail, probes=comparisons)
    return GateVerdict(probes=comparisons)


def _problem_key(violation: Violation) -> ProblemKey:
    return (violation.check, violation.subject, violation.message)


def _problem_keys(violations: Sequence[Violation]) -> frozenset[ProblemKey]:
    """The integrity problems the database had before a phase: the phase's gate only fails on new ones.

    An orphan count that grows changes the message, so a phase that adds orphans to a column that already had
    some still fails its gate.
    """
    return frozenset(_problem_key(violation) for violation in violations)


def _digests(session: Session, tables: Sequence[str]) -> Digests:
    """Per-tenant counts and digests of the columns each table has before the phase."""
    result: Digests = {}
    for table in tables:
        columns = table_columns(session, table)
        if not columns:
            raise DatabaseStateError(f"preserve: table {table!r} does not exist before the phase")
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
