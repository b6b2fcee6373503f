"""Reviews a team recorded for another linter, kept when it moves to tenantdb.

* diesel-guard's blocks: ``-- safety-assured:start`` ... ``-- safety-assured:end`` (case-insensitive; a block left
  open runs to the end of the file);
* squawk's ignore comments: ``-- squawk-ignore rule[, rule]`` before a statement (the next statement in the file) or
  inside it, and ``-- squawk-ignore-file [rule, ...]`` anywhere in the file (no rule: every rule), also as
  ``/* ... */``.
  squawk's rule names are translated with :data:`SQUAWK_RULES`; a name tenantdb has no counterpart for reviews
  nothing.

A warning a review covers is reported as info, saying which review, so it stays visible and no longer fails the run;
an error (a statement that fails as written) still fails. The markers are read with PostgreSQL's scanner: one inside
a string or a function body does not count.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path

from tenantdb.lint.model import Finding, RuleId, Severity
from tenantdb.sql.comments import all_comments, line_comments

SAFETY_ASSURED_START, SAFETY_ASSURED_END = "safety-assured:start", "safety-assured:end"
SQUAWK_LINE, SQUAWK_FILE = "squawk-ignore", "squawk-ignore-file"

SQUAWK_RULES: dict[str, tuple[str, ...]] = {
    "adding-field-with-default": ("ban-volatile-default", "ban-stored-generated-column"),
    "adding-foreign-key-constraint": ("require-not-valid-constraint",),
    "adding-not-nullable-field": ("ban-set-not-null",),
    "adding-serial-primary-key-field": ("ban-add-unique-constraint",),
    "ban-alter-domain-with-add-constraint": ("ban-domain-constraint",),
    "ban-char-field": ("ban-char-type",),
    "ban-concurrent-index-creation-in-transaction": ("ban-concurrently-in-transaction",),
    "ban-create-domain-with-constraint": ("ban-domain-constraint",),
    "ban-drop-column": ("ban-drop-column",),
    "ban-drop-constraint": ("ban-drop-primary-key",),
    "ban-drop-database": ("ban-drop-database",),
    "ban-drop-not-null": ("ban-drop-not-null",),
    "ban-drop-schema": ("ban-drop-schema", "ban-drop-schema-public-cascade"),
    "ban-drop-table": ("ban-drop-table",),
    "ban-truncate-cascade": ("ban-truncate",),
    "ban-uncommitted-transaction": ("ban-unclosed-transaction",),
    "changing-column-type": ("ban-column-type-change",),
    "constraint-missing-not-valid": ("require-not-valid-constraint",),
    "disallowed-unique-constraint": ("ban-add-unique-constraint",),
    "identifier-too-long": ("ban-long-identifier",),
    "prefer-bigint-over-int": ("prefer-bigint-over-int",),
    "prefer-identity": ("prefer-identity-over-serial",),
    "prefer-robust-stmts": ("require-if-not-exists-outside-transaction",),
    "prefer-text-field": ("prefer-text-over-varchar",),
    "prefer-timestamp-tz": ("prefer-timestamptz",),
    "prefer-timestamptz": ("prefer-timestamptz",),
    "renaming-column": ("ban-rename-column",),
    "renaming-table": ("ban-rename-table",),
    "require-concurrent-index-creation": ("require-concurrent-index-creation",),
    "require-concurrent-index-deletion": ("require-concurrent-index-deletion",),
    "require-concurrent-partition-detach": ("require-concurrent-detach-partition",),
    "require-concurrent-reindex": ("require-concurrent-reindex",),
    "transaction-nesting": ("ban-nested-transaction",),
}
"""squawk's rule names (squawk 2.x) and the tenantdb rules that find the same problem."""


class ReviewScope(StrEnum):
    LINES = "lines"  # findings on lines ``first`` to ``last``
    FILE = "file"


@dataclass(frozen=True, slots=True, kw_only=True)
class Review:
    """Findings a team marked reviewed for another linter, in one file."""

    path: Path
    scope: ReviewScope
    first: int = 0
    last: int = 0
    rules: dict[RuleId, str] | None = None  # tenantdb rule -> the name the team wrote; None: every rule
    marker: str  # what the team wrote, as a covered finding's message repeats it

    def covers(self, finding: Finding) -> bool:
        if finding.path != self.path or (self.rules is not None and finding.rule not in self.rules):
            return False
        return self.scope is ReviewScope.FILE or self.first <= finding.line <= self.last

    def reviewed(self, finding: Finding) -> Finding:
        """A covered warning as info, its message saying which review covers it."""
        name = self.rules.get(finding.rule) if self.rules is not None else None
        marker = f"{self.marker} {name}" if name else self.marker
        return replace(finding, severity=Severity.INFO, message=f"{finding.message} (reviewed: {marker})")


Span = tuple[int, int]
"""The first and last line of a statement in its file."""


def may_hold_reviews(source: str) -> bool:
    """Whether a file's text names a marker at all (the others are not scanned)."""
    lowered = source.lower()
    return "safety-assured" in lowered or "squawk-ignore" in lowered


def reviews(path: Path, source: str, statements: Sequence[Span]) -> Iterator[Review]:
    """The reviews recorded in one file's text, whose statements (of every section) span ``statements``."""
    lowered = source.lower()
    if "safety-assured" in lowered:
        yield from _safety_assured_blocks(path, source)
    if "squawk-ignore" in lowered:
        yield from _squawk_ignores(path, source, sorted(statements))


def _safety_assured_blocks(path: Path, source: str) -> Iterator[Review]:
    marker = "inside a safety-assured block"
    opened: int | None = None
    for comment in line_comments(source):
        text = comment.text.lower()
        if text == SAFETY_ASSURED_START and opened is None:
            opened = comment.line
        elif text == SAFETY_ASSURED_END and opened is not None:
            yield Review(path=path, scope=ReviewScope.LINES, first=opened + 1, last=comment.line - 1, marker=marker)
            opened = None
    if opened is not None:
        last = source.count("\n") + 1
        yield Review(path=path, scope=ReviewScope.LINES, first=opened + 1, last=last, marker=marker)


def _squawk_ignores(path: Path, source: str, statements: list[Span]) -> Iterator[Review]:
    for comment in all_comments(source):
        text = comment.text.split("--", 1)[0].strip()  # squawk allows a trailing "-- reason"
        for prefix in (SQUAWK_FILE, SQUAWK_LINE):
            if text != prefix and not text.startswith(prefix + " "):
                continue
            names = [name.strip() for name in text[len(prefix) :].split(",") if name.strip()]
            rules = {RuleId(rule): name for name in names for rule in SQUAWK_RULES.get(name, ())}
            if prefix == SQUAWK_FILE:
                yield Review(path=path, scope=ReviewScope.FILE, rules=rules if names else None, marker=prefix)
            elif names and (span := _statement_at(statements, comment.line)) is not None:
                first, last = span
                yield Review(path=path, scope=ReviewScope.LINES, first=first, last=last, rules=rules, marker=prefix)
            break


def _statement_at(statements: list[Span], line: int) -> Span | None:
    """The statement a comment on ``line`` is part of, else the next one after it."""
    return next((span for span in statements if span[1] >= line), None)
