"""Value objects of the linter: rules, the hits their checks return, and findings."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NewType

if TYPE_CHECKING:
    from tenantdb.lint.context import LintContext

RuleId = NewType("RuleId", str)


class Severity(StrEnum):
    ERROR = "error"  # PostgreSQL will reject it, data is lost, or tenants are exposed
    WARNING = "warning"  # it works, but stalls writers, misleads, or will hurt later
    INFO = "info"  # worth knowing, never fails the exit code (e.g. what the runner rewrites online)


class Category(StrEnum):
    """Whether a rule finds a hazard (on by default) or states an opinion (``--profile strict`` or per rule)."""

    HAZARD = "hazard"  # something breaks, stalls, loses data or exposes tenants
    OPINION = "opinion"  # a better way that nothing breaks without


class Family(StrEnum):
    LOCKING = "locking"
    ROBUSTNESS = "robustness"
    DESTRUCTIVE = "destructive"
    TYPES = "types"
    REJECTED = "rejected"  # statements PostgreSQL will refuse
    LOGIC = "logic"
    SECURITY = "security"
    DATA_LOSS = "data-loss"
    META = "meta"


class Derived(StrEnum):
    """Work a rule's check may ask for that is computed once per linting process, on first use, and shared by every
    rule that reads it: a parallel lint runs the rules that read the same work in the same process."""

    ONLINE_REWRITES = "online-rewrites"  # LintContext.online_rewrite, rewritten and in_transaction
    FUNCTION_BODIES = "function-bodies"  # lint.bodies: the parsed statements of SQL and PL/pgSQL bodies


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check reports: a message, optionally a hint and the node's location within the statement."""

    message: str
    hint: str | None = None
    location: int | None = None  # character offset of the offending node, as pglast reports it
    severity: Severity | None = None  # overrides the rule's (INFO for what the runner rewrites online)


Check = Callable[[Any, "LintContext"], Iterable[Hit]]
Finish = Callable[["LintContext"], Iterable["Finding"]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """One lint rule: its id, documentation, examples, and a check over nodes of the given types."""

    id: RuleId
    summary: str
    severity: Severity
    family: Family
    node_types: tuple[type, ...]
    check: Check
    bad: tuple[str, ...]
    good: tuple[str, ...]
    doc: str
    finish: Finish | None = None  # runs once after every file, for rules that need the whole picture
    min_pg_version: int = 0  # a major version (15); server_version_num style (150000) is accepted too
    category: Category = Category.HAZARD
    reads: frozenset[Derived] = frozenset()  # declared, and checked by tests/lint/test_parallel_lint.py

    @property
    def min_major(self) -> int:
        return self.min_pg_version // 10000 if self.min_pg_version >= 1000 else self.min_pg_version

    @classmethod
    def for_node(
        cls,
        *node_types: type,
        id: str,
        summary: str,
        severity: Severity,
        family: Family,
        check: Check,
        bad: Iterable[str],
        good: Iterable[str],
        finish: Finish | None = None,
        min_pg_version: int = 0,
        category: Category = Category.HAZARD,
        reads: Iterable[Derived] = (),
    ) -> Rule:
        """Build a rule whose documentation is the docstring of the module that calls this."""
        module = sys._getframe(1).f_globals.get("__doc__") or ""
        return cls(
            id=RuleId(id),
            summary=summary,
            severity=severity,
            family=family,
            node_types=node_types,
            check=check,
            bad=tuple(bad),
            good=tuple(good),
            doc=module.strip(),
            finish=finish,
            min_pg_version=min_pg_version,
            category=category,
            reads=frozenset(reads),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """A rule's verdict on one statement."""

    rule: RuleId
    severity: Severity
    message: str
    path: Path | None
    line: int
    column: int = 1
    statement: str = ""
    hint: str | None = None
    category: Category = Category.HAZARD
    suppressed: bool = field(default=False, compare=False)
