"""Do not compare an expression with itself: the result is fixed and the check proves nothing.

## Why

``a.total <> a.total`` is never true and ``t.total = t.total`` is true for every non-NULL row. This is almost
always a typo or a copy-paste slip in a validation query that meant to compare two different relations:
``SELECT 'row counts differ' WHERE (SELECT count(*) FROM payments) <> (SELECT count(*) FROM payments)`` compares
the source with itself instead of with ``payments_archive``, and the migration's verify step passes whatever
happened to the data.

## Instead

Compare the two things you mean: the archive with the source, the new column with the old one, the rollup with
the detail rows (``(SELECT count(*) FROM payments) <> (SELECT count(*) FROM payments_archive)``).

## When this is fine

``x = x`` is sometimes written as an obscure ``x IS NOT NULL``; write ``IS NOT NULL``. Comparisons of constants
(``WHERE 1 = 1``, ``WHERE 1 = 0``) and of volatile calls such as ``random()`` are not flagged.

## See also

``ban-not-in-subquery``; PostgreSQL docs, "Comparison Functions and Operators".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import function_name, iter_nodes
from tenantdb.sql.deparse import deparse

ALWAYS_TRUE = frozenset({"=", "<=", ">="})
ALWAYS_FALSE = frozenset({"<>", "!=", "<", ">"})
VOLATILE = frozenset(
    {"random", "random_normal", "gen_random_uuid", "uuid_generate_v4", "clock_timestamp", "timeofday", "nextval"}
)


def check(node: ast.A_Expr, context: LintContext) -> Iterator[Hit]:
    outcome = _outcome(node)
    if outcome is None or node.lexpr is None or node.lexpr != node.rexpr or not _worth_flagging(node.lexpr):
        return
    text = deparse(node.lexpr)
    yield Hit(
        f"{text} is compared with itself: the comparison is always {outcome}",
        hint="compare it with the other relation or column you meant (e.g. the archive or the new column)",
        location=node.location,
    )


def _outcome(node: ast.A_Expr) -> str | None:
    kind = getattr(node.kind, "name", "")
    if kind == "AEXPR_NOT_DISTINCT":
        return "true"
    if kind == "AEXPR_DISTINCT":
        return "false"
    if kind != "AEXPR_OP":
        return None
    operator = "".join(getattr(name, "sval", "") for name in node.name or ())
    if operator in ALWAYS_TRUE:
        return "true (or NULL)"
    if operator in ALWAYS_FALSE:
        return "false (or NULL)"
    return None


def _worth_flagging(expr: Any) -> bool:
    """Reads data (a column or a subquery) and calls nothing volatile."""
    nodes = list(iter_nodes(expr))
    if any(isinstance(item, ast.FuncCall) and function_name(item) in VOLATILE for item in nodes):
        return False
    return any(isinstance(item, ast.ColumnRef | ast.SubLink) for item in nodes)


RULE = Rule.for_node(
    ast.A_Expr,
    id="ban-self-comparison",
    summary="an expression compared with itself is always true or always false",
    severity=Severity.WARNING,
    family=Family.LOGIC,
    check=check,
    bad=(
        "SELECT 'archive is incomplete'\nWHERE (SELECT count(*) FROM payments) <> (SELECT count(*) FROM payments);",
        "SELECT i.id FROM invoices i WHERE i.total <> i.total;",
    ),
    good=(
        "SELECT 'archive is incomplete'\n"
        "WHERE (SELECT count(*) FROM payments) <> (SELECT count(*) FROM payments_archive);",
        "SELECT 1 WHERE 1 = 1;",
        "SELECT i.id FROM invoices i JOIN invoices_v2 j ON j.id = i.id WHERE i.total <> j.total;",
    ),
)
