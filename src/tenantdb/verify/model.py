"""What verification reports: violations and the report of a ``migrate verify`` run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Violation:
    """One problem found by ``verify``."""

    check: str  # verify-block, invalid-index, not-valid-constraint, orphaned-reference, orphans-config, verify-error
    subject: str  # the migration version or the object
    message: str
    line: int | None = None
    columns: tuple[str, ...] = ()
    row: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class VerifyReport:
    """Everything ``verify`` checked and what it found."""

    migrations_checked: int  # applied migrations with a verify block
    queries_run: int
    applied: int = 0  # applied migrations (of every source) whose recorded effects were held against the catalog
    ledger_objects: int = 0  # objects the ledger says exist, each looked up
    references_checked: int = 0  # unenforced *_id references whose orphans were counted
    violations: tuple[Violation, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.violations
