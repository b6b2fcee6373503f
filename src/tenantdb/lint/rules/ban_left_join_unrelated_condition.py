"""Make the ON clause of an outer join relate both sides: otherwise it is a cross join in disguise.

## Why

The ON clause of ``LEFT``/``RIGHT``/``FULL JOIN`` decides which rows of the two sides belong together. When it
mentions only one side, every row of one side matches every row of the other that passes the condition:
``FROM companies c LEFT JOIN vps_instances v ON c.status = 'active'`` gives each active company every server,
and ``SUM(v.approximate_cost)`` charges every tenant for the whole fleet. ``ON v.status = 'active'`` does the
same from the other side. PostgreSQL accepts both without a word.

## Instead

Join on the key that ties the rows together and keep the filter next to it:
``LEFT JOIN vps_instances v ON v.tenant_id = c.id AND v.status = 'active'``. If you really want every
combination, write ``CROSS JOIN`` (or ``ON true``) so the intent is visible.

## When this is fine

``ON true`` (an explicit cross join) and ``LATERAL`` subqueries or functions, whose correlation lives inside the
subquery, are not flagged. Unqualified columns count for the side whose tables (declared in these migrations)
have them; when a side's columns are unknown the join is not flagged.

## See also

``ban-aggregate-fanout``; PostgreSQL docs, "Joined Tables".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import iter_nodes

OUTER = {"JOIN_LEFT": "LEFT", "JOIN_RIGHT": "RIGHT", "JOIN_FULL": "FULL"}


def check(node: ast.JoinExpr, context: LintContext) -> Iterator[Hit]:
    kind = OUTER.get(getattr(node.jointype, "name", ""))
    if kind is None or node.quals is None or _is_true(node.quals) or _lateral(node.larg) or _lateral(node.rarg):
        return
    left, right = _tables(node.larg), _tables(node.rarg)
    seen = _referenced_sides(node.quals, left, right, context)
    if seen is None or {"left", "right"} <= seen:
        return
    joined = _label(node.rarg)
    if "right" not in seen:
        message = f"the ON clause does not mention {joined}: each matching row on the left gets every row of {joined}"
    else:
        message = (
            f"the ON clause mentions only {joined}: each row on the left gets every row of {joined} that passes it"
        )
    yield Hit(
        f"{kind} JOIN {joined}: {message}",
        hint=f"add the equality that ties the two sides together, e.g. ON {_alias(node.rarg)}.tenant_id = "
        f"{_alias(node.larg)}.tenant_id (a filter can stay next to it)",
        location=getattr(node.quals, "location", None),
    )


def _is_true(expr: Any) -> bool:
    return isinstance(expr, ast.A_Const) and getattr(expr.val, "boolval", None) is True


def _lateral(item: Any) -> bool:
    return isinstance(item, ast.RangeSubselect | ast.RangeFunction) and bool(item.lateral)


def _tables(item: Any) -> dict[str, str]:
    """Alias -> table name ("" when not a table) of every relation in a FROM item."""
    if isinstance(item, ast.JoinExpr):
        found = {**_tables(item.larg), **_tables(item.rarg)}
        if item.alias:
            found[str(item.alias.aliasname)] = ""
        return found
    if isinstance(item, ast.RangeVar) and item.relname:
        return {_alias(item): str(item.relname)}
    if isinstance(item, ast.RangeSubselect | ast.RangeFunction) and item.alias:
        return {str(item.alias.aliasname): ""}
    return {"": ""}  # something we cannot name: its columns are unknown


def _referenced_sides(quals: Any, left: dict[str, str], right: dict[str, str], context: LintContext) -> set[str] | None:
    """Which sides the ON clause mentions; None when an unqualified column cannot be placed."""
    seen = set()
    for ref in iter_nodes(quals):
        if not isinstance(ref, ast.ColumnRef) or not ref.fields:
            continue
        names = [getattr(part, "sval", "*") for part in ref.fields]
        if len(names) >= 2:
            seen |= {side for side, tables in (("left", left), ("right", right)) if names[-2] in tables}
            continue
        owners = _owners(names[0], left, right, context)
        if owners is None:
            return None
        seen |= owners
    return seen


def _owners(column: str, left: dict[str, str], right: dict[str, str], context: LintContext) -> set[str] | None:
    known = context.schema.columns
    if any(not table or table not in known for table in (*left.values(), *right.values())):
        return None
    return {
        side for side, tables in (("left", left), ("right", right)) if any(column in known[t] for t in tables.values())
    }


def _label(item: Any) -> str:
    if isinstance(item, ast.RangeVar):
        return f"{item.relname} {item.alias.aliasname}" if item.alias else str(item.relname)
    names = [name for name in _tables(item) if name]
    return f"({', '.join(names)})" if isinstance(item, ast.JoinExpr) and names else _alias(item)


def _alias(item: Any) -> str:
    if isinstance(item, ast.RangeVar):
        return str(item.alias.aliasname if item.alias else item.relname)
    alias = getattr(item, "alias", None)
    if alias is not None:
        return str(alias.aliasname)
    names = [name for name in _tables(item) if name] if isinstance(item, ast.JoinExpr) else []
    return names[-1] if names else "x"


RULE = Rule.for_node(
    ast.JoinExpr,
    id="ban-left-join-unrelated-condition",
    summary="an outer join whose ON clause ignores one side joins every row to every row",
    severity=Severity.WARNING,
    family=Family.LOGIC,
    check=check,
    bad=(
        "CREATE VIEW tenant_costs AS\n"
        "SELECT c.id, sum(v.approximate_cost) AS cost\n"
        "FROM companies c\n"
        "LEFT JOIN vps_instances v ON c.status = 'active'\n"
        "GROUP BY c.id;",
        "SELECT c.id, v.vps_id FROM companies c LEFT JOIN vps_instances v ON v.status = 'active';",
    ),
    good=(
        "SELECT c.id, v.vps_id FROM companies c\n"
        "LEFT JOIN vps_instances v ON v.tenant_id = c.id AND v.status = 'active';",
        "SELECT c.id, last.at FROM companies c\n"
        "LEFT JOIN LATERAL (SELECT max(paid_at) AS at FROM payments p WHERE p.tenant_id = c.id) last ON true;",
    ),
)
