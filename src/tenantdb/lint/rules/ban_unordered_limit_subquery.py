"""Do not pick "the" row with ``LIMIT 1`` and no ``ORDER BY``: PostgreSQL returns any row that matches.

## Why

``(SELECT plan_id FROM plans WHERE price > 100 LIMIT 1)`` returns whichever matching row the executor meets
first. That depends on the physical order of the table, the plan chosen (a sequential scan, an index, a
parallel worker), and changes after an ``UPDATE``, a ``VACUUM`` or a restore. The migration assigns one plan
on staging and another in production, and running it twice may not give the same answer.

## Instead

Say which row: ``ORDER BY price, plan_id LIMIT 1`` (ending with a unique column so ties are broken), or select
by a key so at most one row can match (``WHERE name = 'enterprise'`` on a unique column).

## When this is fine

When any matching row will do and all of them are equivalent (``EXISTS`` is the clearer spelling for "is there
one"). A subquery that selects only constants (``(SELECT true FROM ... LIMIT 1)``) gives the same answer
whichever row it meets and is not reported.

## See also

``ban-nullable-scalar-subquery-insert``; PostgreSQL docs, SELECT ("LIMIT Clause": "the rows ... are returned in
an unspecified order").
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.expressions import constant
from tenantdb.lint.model import Family, Hit, Rule, Severity


def check(node: ast.SubLink, context: LintContext) -> Iterator[Hit]:
    if getattr(node.subLinkType, "name", "") != "EXPR_SUBLINK":
        return
    select = node.subselect
    if not isinstance(select, ast.SelectStmt) or select.limitCount is None or select.sortClause:
        return
    if getattr(select.op, "name", "") != "SETOP_NONE":
        return
    if all(isinstance(t, ast.ResTarget) and constant(t.val) is not ... for t in select.targetList or ()):
        return  # (SELECT true FROM ... LIMIT 1): every row gives the same answer
    yield Hit(
        "scalar subquery with LIMIT and no ORDER BY returns an arbitrary matching row, not the same one everywhere",
        hint="add ORDER BY (ending with a unique column), or select by a key so only one row can match",
        location=node.location,
    )


RULE = Rule.for_node(
    ast.SubLink,
    id="ban-unordered-limit-subquery",
    summary="scalar subquery with LIMIT but no ORDER BY picks an arbitrary row",
    severity=Severity.WARNING,
    family=Family.LOGIC,
    check=check,
    bad=("UPDATE companies SET plan_id = (SELECT plan_id FROM plans WHERE price > 100 LIMIT 1);",),
    good=(
        "UPDATE companies SET plan_id = (SELECT plan_id FROM plans WHERE price > 100 ORDER BY price, plan_id LIMIT 1);",
        "UPDATE companies SET plan_id = (SELECT plan_id FROM plans WHERE name = 'enterprise');",
        "SELECT plan_id FROM plans p WHERE (SELECT true FROM subscriptions s WHERE s.plan_id = p.plan_id LIMIT 1);",
    ),
)
