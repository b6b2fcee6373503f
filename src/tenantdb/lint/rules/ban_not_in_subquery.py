"""Use ``NOT EXISTS`` instead of ``NOT IN (SELECT ...)``: one NULL makes the predicate never true.

## Why

``x NOT IN (SELECT col FROM t)`` means ``x <> every col``. If ``col`` is NULL in a single row, each comparison
with it is NULL, so the whole predicate is NULL for every ``x`` and the query returns nothing. A verify query
"tenants without a subscription" built this way reports no violations the day one subscription row has a NULL
``tenant_id``; a cleanup ``DELETE ... WHERE id NOT IN (...)`` silently deletes nothing. ``x <> ALL (SELECT ...)``
behaves the same. It is also hard to plan: PostgreSQL cannot turn it into an anti-join.

## Instead

``NOT EXISTS (SELECT FROM t WHERE t.col = x)``: true or false, never NULL, and planned as an anti-join.

## When this is fine

The subquery cannot return NULL: its ``WHERE`` says ``col IS NOT NULL`` (not flagged), or the column is
``NOT NULL`` and no outer join can produce NULLs (suppress with that reason).

## See also

``ban-self-comparison``; PostgreSQL docs, "Subquery Expressions" (``NOT IN``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.sql.deparse import deparse


def check(node: ast.BoolExpr | ast.SubLink, context: LintContext) -> Iterator[Hit]:
    link = _negated_in(node)
    if link is None or not isinstance(link.subselect, ast.SelectStmt) or _excludes_null(link.subselect):
        return
    phrase = "<> ALL" if isinstance(node, ast.SubLink) else "NOT IN"
    tested = deparse(link.testexpr) if link.testexpr is not None else "x"
    yield Hit(
        f"{tested} {phrase} (SELECT ...) is never true once the subquery returns a NULL, so rows silently go missing",
        hint="write NOT EXISTS (SELECT FROM ... WHERE <column> = <value>) instead",
        location=getattr(node, "location", None),
    )


def _negated_in(node: Any) -> ast.SubLink | None:
    """The sublink of ``x NOT IN (SELECT ...)``, ``NOT (x = ANY (SELECT ...))`` or ``x <> ALL (SELECT ...)``."""
    args = node.args or () if isinstance(node, ast.BoolExpr) else ()
    if isinstance(node, ast.BoolExpr) and getattr(node.boolop, "name", "") == "NOT_EXPR" and len(args) == 1:
        link = args[0]
        if isinstance(link, ast.SubLink) and getattr(link.subLinkType, "name", "") == "ANY_SUBLINK":
            return link if _operator(link) in ("", "=") else None
    if isinstance(node, ast.SubLink) and getattr(node.subLinkType, "name", "") == "ALL_SUBLINK":
        return node if _operator(node) in ("<>", "!=") else None
    return None


def _operator(link: ast.SubLink) -> str:
    return "".join(getattr(name, "sval", "") for name in link.operName or ())


def _excludes_null(query: ast.SelectStmt) -> bool:
    """The single selected column is a constant or is filtered with IS NOT NULL in the subquery's WHERE."""
    if query.op is not None and getattr(query.op, "name", "") != "SETOP_NONE":
        return False
    targets = query.targetList or ()
    if len(targets) != 1 or not isinstance(targets[0], ast.ResTarget):
        return False
    value = targets[0].val
    if isinstance(value, ast.A_Const) and not value.isnull:
        return True
    return value is not None and any(
        isinstance(test, ast.NullTest) and getattr(test.nulltesttype, "name", "") == "IS_NOT_NULL" and test.arg == value
        for test in _conjuncts(query.whereClause)
    )


def _conjuncts(expr: Any) -> list[Any]:
    if isinstance(expr, ast.BoolExpr) and getattr(expr.boolop, "name", "") == "AND_EXPR":
        return [part for arg in expr.args or () for part in _conjuncts(arg)]
    return [expr] if expr is not None else []


RULE = Rule.for_node(
    ast.BoolExpr,
    ast.SubLink,
    id="ban-not-in-subquery",
    summary="NOT IN (SELECT ...) returns nothing when the subquery yields a NULL",
    severity=Severity.WARNING,
    family=Family.LOGIC,
    check=check,
    bad=(
        "SELECT t.name FROM tenants t WHERE t.tenant_id NOT IN (SELECT s.tenant_id FROM subscriptions s);",
        "DELETE FROM plans WHERE plan_id <> ALL (SELECT plan_id FROM subscriptions);",
    ),
    good=(
        "SELECT t.name FROM tenants t\nWHERE NOT EXISTS (SELECT FROM subscriptions s WHERE s.tenant_id = t.tenant_id);",
        "SELECT t.name FROM tenants t\n"
        "WHERE t.tenant_id NOT IN (SELECT s.tenant_id FROM subscriptions s WHERE s.tenant_id IS NOT NULL);",
        "SELECT name FROM plans WHERE name NOT IN ('Free', 'Growth');",
    ),
)
