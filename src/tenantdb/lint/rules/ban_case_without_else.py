"""Give a ``CASE`` that writes a value or judges a check an ``ELSE``: every row no branch matches gets NULL.

## Why

``UPDATE email_stats SET tier = CASE WHEN delivered > 100000 THEN 'high' WHEN delivered > 1000 THEN 'mid' END``
sets ``tier`` to NULL for every small sender — silently, or with a ``not-null`` failure only on the databases
that have such rows. In a verification query, ``CASE WHEN delivered > 0 THEN 'ok' END`` says NULL, not
"problem", for the rows the author did not think of: the case that matters falls through.

## Instead

Write the ``ELSE`` you mean: ``ELSE 'low'`` for a value, ``ELSE 'violation'`` (or keep the unmatched rows in the
``WHERE``) for a check; ``ELSE tier`` keeps the current value in an ``UPDATE``.

## When this is fine

NULL is the wanted value for the unmatched rows. ``count(CASE WHEN ... THEN 1 END)`` and other aggregates
over a ``CASE`` skip the NULLs on purpose and are not reported; neither is a ``CASE`` in a plain query outside
a verify section.

## See also

``verify-cannot-fail``; PostgreSQL docs, "Conditional Expressions" (``CASE``: "If the ELSE clause is omitted and
no condition is true, the result is null").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.expressions import is_aggregate
from tenantdb.lint.model import Family, Hit, Rule, Severity


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if isinstance(node, ast.InsertStmt):
        select = node.selectStmt
        values: Any = select.valuesLists or select.targetList if isinstance(select, ast.SelectStmt) else ()
        feeds = "the inserted value"
    elif isinstance(node, ast.UpdateStmt):
        values, feeds = node.targetList, "the updated value"
    elif context.section == "verify" and context.statement is not None and node is context.statement.tree:
        values, feeds = node.targetList, "the verification's result"
    else:
        return
    for case in _cases_without_else(values):
        yield Hit(
            f"CASE without ELSE feeds {feeds}: every row no WHEN matches gets NULL",
            hint="add the ELSE you mean (ELSE <current value> in an UPDATE, ELSE 'violation' in a check)",
            location=case.location,
        )


def _cases_without_else(root: Any) -> Iterator[ast.CaseExpr]:
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Node):
            if is_aggregate(item):
                continue  # count(CASE WHEN ... THEN 1 END): the NULLs are skipped on purpose
            if isinstance(item, ast.CaseExpr) and item.defresult is None:
                yield item
            for name in getattr(type(item), "__slots__", ()):
                value = getattr(item, name, None)
                if isinstance(value, ast.Node | tuple | list):
                    stack.append(value)
        elif isinstance(item, tuple | list):
            stack.extend(reversed(item))


RULE = Rule.for_node(
    ast.InsertStmt,
    ast.UpdateStmt,
    ast.SelectStmt,
    id="ban-case-without-else",
    summary="CASE without ELSE writes NULL (or passes a check) for unmatched rows",
    severity=Severity.WARNING,
    family=Family.LOGIC,
    check=check,
    bad=(
        "UPDATE email_stats SET tier = CASE WHEN delivered > 100000 THEN 'high' WHEN delivered > 1000 THEN 'mid' END;",
        "-- migrate:up\nALTER TABLE email_stats ADD COLUMN tier text;\n"
        "-- migrate:verify\nSELECT tenant_id, CASE WHEN delivered > 0 THEN 'ok' END FROM email_stats\n"
        "WHERE tier IS NULL;",
    ),
    good=(
        "UPDATE email_stats SET tier = CASE WHEN delivered > 100000 THEN 'high' ELSE 'low' END;",
        "SELECT count(CASE WHEN delivered > 0 THEN 1 END) FROM email_stats;",
    ),
)
