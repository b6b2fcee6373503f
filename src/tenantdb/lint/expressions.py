"""Reading expressions for rules: constants, their truth, aggregates, and one query level at a time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.walk import function_name

AGGREGATES = frozenset(
    {
        "count",
        "sum",
        "avg",
        "min",
        "max",
        "bool_and",
        "bool_or",
        "every",
        "array_agg",
        "string_agg",
        "json_agg",
        "jsonb_agg",
        "json_object_agg",
        "jsonb_object_agg",
        "stddev",
        "stddev_pop",
        "stddev_samp",
        "variance",
        "var_pop",
        "var_samp",
        "percentile_cont",
        "percentile_disc",
        "mode",
    }
)


def same_level(root: Any) -> Iterator[ast.Node]:
    """Every node of ``root`` that belongs to its own query level (subqueries are not entered)."""
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Node):
            yield item
            if isinstance(item, ast.SubLink | ast.RangeSubselect | ast.CommonTableExpr):
                continue
            for name in getattr(type(item), "__slots__", ()):
                value = getattr(item, name, None)
                if isinstance(value, ast.Node | tuple | list):
                    stack.append(value)
        elif isinstance(item, tuple | list):
            stack.extend(reversed(item))


def is_aggregate(node: Any) -> bool:
    """A plain aggregate call (``count(*)``, ``sum(x)``), not a window function."""
    return isinstance(node, ast.FuncCall) and node.over is None and function_name(node) in AGGREGATES


def constant(node: Any) -> object:
    """The Python value of a literal (``'PASS'``, ``1``, ``true``, through casts); ``...`` when not a literal."""
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if not isinstance(node, ast.A_Const):
        return ...
    if node.isnull:
        return None
    value = node.val
    for attribute in ("boolval", "ival", "fval", "sval", "bsval"):
        if hasattr(value, attribute):
            return getattr(value, attribute)
    return ...


def truth(node: Any) -> bool | None:
    """``True``/``False`` when a condition's value is fixed whatever the rows hold (``1 = 1``, ``x OR true``)."""
    if node is None:
        return None
    value = constant(node)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("t", "true", "f", "false"):
        return value.lower().startswith("t")
    if isinstance(node, ast.A_Expr) and getattr(node.kind, "name", "") == "AEXPR_OP":
        operator = getattr(node.name[-1], "sval", "") if node.name else ""
        left, right = constant(node.lexpr), constant(node.rexpr)
        if left is ... or right is ... or left is None or right is None or operator not in ("=", "<>", "!="):
            return None
        return (str(left) == str(right)) == (operator == "=")
    if isinstance(node, ast.BoolExpr):
        kind = getattr(node.boolop, "name", "")
        values = [truth(arg) for arg in node.args or ()]
        if kind == "NOT_EXPR" and len(values) == 1:
            return None if values[0] is None else not values[0]
        if kind == "AND_EXPR":
            return False if False in values else (True if all(v is True for v in values) else None)
        if kind == "OR_EXPR":
            return True if True in values else (False if all(v is False for v in values) else None)
    return None
