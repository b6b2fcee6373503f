"""Score the labelled corpus in ``tests/lint/corpus``: how many unsafe cases lint catches, how many safe it flags.

Each case is linted after ``corpus/base.sql`` (the tables, roles and views that already exist), under the default
profile, exactly as ``tenantdb lint base.sql case.sql`` would. A case counts as *caught* (unsafe) or *flagged*
(safe) when lint reports at least one finding of severity error or warning; info findings (what the runner
rewrites online) do not fail a migration and do not count. Used by ``tests/lint/test_corpus.py`` and
``benchmarks/lint_speed/corpus.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from itertools import takewhile
from pathlib import Path

from tenantdb.lint import Finding, lint_migrations
from tenantdb.migrations import Migration, load_single_file

CORPUS = Path(__file__).parent / "corpus"
BASE = CORPUS / "base.sql"
FAILING = frozenset({"error", "warning"})
EXPECT_PREFIX = "-- expect:"
REJECTS_PREFIX = "-- postgresql: rejects"
CATCH_GOAL = 0.95
FALSE_POSITIVE_GOAL = 0.05


class Kind(StrEnum):
    UNSAFE = "unsafe"
    SAFE = "safe"


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """One corpus file: unsafe or safe, its class (the folder), and the rules its header expects to catch it."""

    path: Path
    kind: Kind
    group: str
    expect: tuple[str, ...]
    rejects: str | None = None  # the SQLSTATE PostgreSQL answers on base.sql (the case is meant to fail)

    @property
    def name(self) -> str:
        return f"{self.kind}/{self.group}/{self.path.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What lint said about one case: its error and warning findings (info excluded)."""

    case: Case
    findings: tuple[Finding, ...]

    @property
    def hit(self) -> bool:
        """Caught (an unsafe case) or flagged (a safe case)."""
        return bool(self.findings)

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(sorted({str(finding.rule) for finding in self.findings}))

    @property
    def silent_expected(self) -> tuple[str, ...]:
        """The rules the header expects that reported nothing (the case may still be caught by another)."""
        return tuple(rule for rule in self.case.expect if rule not in self.rules)


def cases(root: Path = CORPUS) -> list[Case]:
    """Every case under ``root/unsafe`` and ``root/safe``, sorted by kind, class and file name."""
    found = []
    for kind in Kind:
        for path in sorted((root / kind.value).glob("*/*.sql")):
            header = _header(path)
            found.append(
                Case(
                    path=path,
                    kind=kind,
                    group=path.parent.name,
                    expect=expected_rules(header),
                    rejects=next((line.split()[-1] for line in header if line.startswith(REJECTS_PREFIX)), None),
                )
            )
    return found


def _header(path: Path) -> list[str]:
    """The leading comment lines of a case."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return list(takewhile(lambda line: line.startswith("--"), lines))


def expected_rules(header: Sequence[str]) -> tuple[str, ...]:
    """The rule ids named in the header's ``-- expect: a, b`` line (``none ...`` or absent: no rule named)."""
    for line in header:
        if line.startswith(EXPECT_PREFIX):
            names = [name.strip() for name in line[len(EXPECT_PREFIX) :].split(",")]
            return tuple(name for name in names if name and not name.startswith("none"))
    return ()


@cache
def _base() -> Migration:
    return load_single_file(BASE)


def failing(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """The findings that fail a migration: severity error or warning."""
    return tuple(finding for finding in findings if str(finding.severity) in FAILING)


@cache
def base_findings() -> tuple[Finding, ...]:
    """What lint says about ``base.sql`` alone (the corpus test requires nothing)."""
    return failing(lint_migrations([_base()]).findings)


def lint_case(case: Case) -> Outcome:
    """Lint ``base.sql`` then the case; keep the error/warning findings the case caused.

    A finding about an object of ``base.sql`` counts when the case caused it (a case that disables row-level
    security on an existing table is reported where the table was created); findings ``base.sql`` has alone
    are subtracted.
    """
    report = lint_migrations([_base(), load_single_file(case.path)])
    known = set(base_findings())
    return Outcome(case=case, findings=tuple(f for f in failing(report.findings) if f not in known))


def score(selected: Sequence[Case] | None = None) -> list[Outcome]:
    """Lint every case (or the selected ones)."""
    return [lint_case(case) for case in (cases() if selected is None else selected)]


def unregistered_expectations(selected: Iterable[Case]) -> list[str]:
    """Rule ids named in ``-- expect:`` lines that no registered rule has (a typo, or a rule not written yet)."""
    from tenantdb.lint.rules import RULES_BY_ID

    return sorted({rule for case in selected for rule in case.expect} - set(RULES_BY_ID))


def rate(outcomes: Iterable[Outcome], kind: Kind) -> float:
    """The share of the cases of ``kind`` that lint hit (catch rate for unsafe, false-positive rate for safe)."""
    of_kind = [outcome for outcome in outcomes if outcome.case.kind is kind]
    return sum(outcome.hit for outcome in of_kind) / len(of_kind) if of_kind else 0.0


def table(outcomes: Sequence[Outcome], *, details: bool = True) -> str:
    """A plain-text table per class (cases, caught or flagged), the two rates, and the misses and false alarms."""
    lines = [f"{'kind':<7} {'class':<34} {'cases':>5} {'hit':>5}  (unsafe: caught, safe: flagged)"]
    groups: dict[tuple[Kind, str], list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault((outcome.case.kind, outcome.case.group), []).append(outcome)
    for (kind, group), members in groups.items():
        hits = sum(outcome.hit for outcome in members)
        lines.append(f"{kind.value:<7} {group:<34} {len(members):>5} {hits:>5}")
    unsafe = [o for o in outcomes if o.case.kind is Kind.UNSAFE]
    safe = [o for o in outcomes if o.case.kind is Kind.SAFE]
    lines.append("")
    lines.append(
        f"unsafe caught: {sum(o.hit for o in unsafe)}/{len(unsafe)} = {rate(outcomes, Kind.UNSAFE):.1%} "
        f"(goal >= {CATCH_GOAL:.0%})"
    )
    lines.append(
        f"safe flagged:  {sum(o.hit for o in safe)}/{len(safe)} = {rate(outcomes, Kind.SAFE):.1%} "
        f"(goal <= {FALSE_POSITIVE_GOAL:.0%})"
    )
    if details:
        missed = [o for o in unsafe if not o.hit]
        flagged = [o for o in safe if o.hit]
        if missed:
            lines.append("")
            lines.append("missed unsafe cases (expected rule):")
            lines.extend(f"  {o.case.name}  ({', '.join(o.case.expect) or 'no rule named'})" for o in missed)
        if flagged:
            lines.append("")
            lines.append("flagged safe cases (rules that fired):")
            lines.extend(f"  {o.case.name}  ({', '.join(o.rules)})" for o in flagged)
        elsewhere = [o for o in unsafe if o.hit and o.silent_expected]
        if elsewhere:
            lines.append("")
            lines.append("caught, but an expected rule said nothing (silent: fired):")
            lines.extend(f"  {o.case.name}  ({', '.join(o.silent_expected)}: {', '.join(o.rules)})" for o in elsewhere)
        unknown = unregistered_expectations(o.case for o in outcomes)
        if unknown:
            lines.append("")
            lines.append(f"expected rules not registered ({len(unknown)}): {', '.join(unknown)}")
    return "\n".join(lines)
