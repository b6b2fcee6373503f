"""Remove suppressions that suppress nothing.

## Why

``-- tenantdb: ignore[rule-id] reason`` silences one rule on the statement that follows. When the statement
changes or moves, a stale suppression keeps sitting there, and it may silence a real problem later. A
suppression that names no rule is a typo that silences nothing.

## Instead

Delete the comment, or move it to the line before the statement it is meant for.

## When this is fine

Never: a suppression should always be doing something.

## See also

The suppression syntax in the README.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    """Reported by the engine, which knows which suppressions were used."""
    return iter(())


RULE = Rule.for_node(
    id="unused-ignore",
    summary="a suppression comment that suppresses nothing",
    severity=Severity.WARNING,
    family=Family.META,
    check=check,
    bad=("-- tenantdb: ignore[require-concurrent-index-creation] small table\nSELECT 1;",),
    good=(
        "-- tenantdb: ignore[require-concurrent-index-creation] 40 rows, built in 1 ms\n"
        "CREATE INDEX plans_name_idx ON plans (name);",
    ),
)
