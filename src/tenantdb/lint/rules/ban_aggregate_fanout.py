"""Do not aggregate over two one-to-many joins side by side: every row is counted once per row of the other.

## Why

``FROM companies c LEFT JOIN payments p ON p.tenant_id = c.id LEFT JOIN smtp_ip_addresses i ON i.tenant_id = c.id
GROUP BY c.id`` builds, for each company, every combination of its payments and its IP addresses. With 18 IPs,
``SUM(p.amount)`` reports a $1,000 payment as $18,000, and ``COUNT(i.ip)`` counts every IP once per payment.
The query runs, the numbers look plausible, and every BI report built on the view is wrong.

## Instead

Aggregate each child on its own, grouped by the join key, then join the one-row-per-key results:

```sql
WITH paid AS (SELECT tenant_id, sum(amount) AS paid FROM payments GROUP BY tenant_id),
     ips  AS (SELECT tenant_id, count(*) AS ips FROM smtp_ip_addresses GROUP BY tenant_id)
SELECT c.id, coalesce(paid.paid, 0), coalesce(ips.ips, 0)
FROM companies c LEFT JOIN paid ON paid.tenant_id = c.id LEFT JOIN ips ON ips.tenant_id = c.id;
```

(or scalar subqueries in the select list, or ``LATERAL`` subqueries).

## When this is fine

The rule is a heuristic over one query block (subqueries are checked on their own). A joined relation is
"potentially one-to-many" unless it is joined on a column named ``id``, on ``<singular table name>_id``
(``plans.plan_id``), on a one-column PRIMARY KEY or UNIQUE column declared in these migrations, or is a subquery
or CTE with GROUP BY / DISTINCT / LIMIT. Two such relations are siblings when their join columns equal the same
column of the same anchor relation (directly or through each other) or use the same key name against it. Only
``sum``, ``count`` and ``avg`` without ``DISTINCT`` are checked (``min``/``max`` are not affected, ``count(*)`` is not
attributed to a relation). It is fine when a sibling is known to hold at most one row per key (say a settings
table keyed by ``tenant_id`` created outside these migrations): suppress it with that reason. Not flagged (left
out on purpose): a parent's column summed over a single child, and a child of a child with no sibling.

## See also

``ban-left-join-unrelated-condition``; PostgreSQL docs, "Aggregate Expressions" and "WITH Queries".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext, nodes_of
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import function_name, iter_nodes
from tenantdb.sql.deparse import deparse

AGGREGATES = frozenset({"sum", "count", "avg"})
CTE_CACHE = "ban-aggregate-fanout:grouped-ctes"


@dataclass(frozen=True, slots=True)
class _Relation:
    alias: str
    table: str  # the table's name, "" for subqueries and functions
    position: int
    one_row_per_key: bool  # a grouped / distinct subquery or CTE


@dataclass(frozen=True, slots=True)
class _Edge:
    child: str  # alias of the relation joined later
    column: str
    anchor: str  # alias of the relation joined earlier
    anchor_column: str


def check(node: ast.SelectStmt, context: LintContext) -> Iterator[Hit]:
    if not node.fromClause:
        return
    relations: dict[str, _Relation] = {}
    edges: list[_Edge] = []
    grouped_ctes = _grouped_ctes(context)
    for item in node.fromClause:
        _collect(item, relations, edges, grouped_ctes)
    if len(relations) < 3:
        return
    edges += _equalities(_conjuncts(node.whereClause), relations)
    by_child: dict[str, list[_Edge]] = {}
    for edge in edges:
        by_child.setdefault(edge.child, []).append(edge)
    many = {
        child: found
        for child, found in by_child.items()
        if not any(_is_key(relations[child], edge.column, context) for edge in found)
    }
    siblings = _siblings(many)
    if siblings:
        yield from _fanned_out_aggregates(node, relations, siblings, by_child, context)


def _grouped_ctes(context: LintContext) -> set[str]:
    """Names of the statement's CTEs that return one row per key (computed once per statement)."""
    statement = context.statement
    tree = statement.tree if statement is not None else None
    cached = context.extra.get(CTE_CACHE)
    if cached is not None and cached[0] is tree:
        return set(cached[1])
    names = {
        cte.ctename
        for cte in (nodes_of(statement) if statement is not None else ())  # the engine's walk, not a second one
        if isinstance(cte, ast.CommonTableExpr) and cte.ctename and _one_row_per_key(cte.ctequery)
    }
    context.extra[CTE_CACHE] = (tree, names)
    return names


def _one_row_per_key(query: Any) -> bool:
    return isinstance(query, ast.SelectStmt) and bool(query.groupClause or query.distinctClause or query.limitCount)


def _collect(item: Any, relations: dict[str, _Relation], edges: list[_Edge], grouped_ctes: set[str]) -> None:
    """Walk one FROM item: record its relations in order and the equalities its joins are made of."""
    if isinstance(item, ast.JoinExpr):
        _collect(item.larg, relations, edges, grouped_ctes)
        _collect(item.rarg, relations, edges, grouped_ctes)
        edges += _equalities(_conjuncts(item.quals), relations)
        edges += _using_edges(item, relations)
        return
    alias = _single_alias(item)
    if not alias:
        return
    if isinstance(item, ast.RangeVar):
        cte = item.schemaname is None and item.relname in grouped_ctes
        relations[alias] = _Relation(alias, "" if cte else str(item.relname), len(relations), cte)
    else:
        grouped = isinstance(item, ast.RangeSubselect) and _one_row_per_key(item.subquery)
        relations[alias] = _Relation(alias, "", len(relations), grouped)


def _using_edges(join: ast.JoinExpr, relations: dict[str, _Relation]) -> list[_Edge]:
    """``a JOIN b USING (k)``: b.k equals k of the leftmost relation on the left."""
    right = _single_alias(join.rarg)
    left = _leftmost_alias(join.larg)
    if not join.usingClause or right not in relations or left not in relations:
        return []
    names = [getattr(name, "sval", "") for name in join.usingClause]
    return [_Edge(right, name, left, name) for name in names if name]


def _single_alias(item: Any) -> str:
    if isinstance(item, ast.RangeVar):
        return str(item.alias.aliasname if item.alias else item.relname or "")
    if isinstance(item, ast.RangeSubselect | ast.RangeFunction) and item.alias:
        return str(item.alias.aliasname)
    return ""


def _leftmost_alias(item: Any) -> str:
    while isinstance(item, ast.JoinExpr):
        item = item.larg
    return _single_alias(item)


def _conjuncts(expr: Any) -> list[Any]:
    if isinstance(expr, ast.BoolExpr) and getattr(expr.boolop, "name", "") == "AND_EXPR":
        return [part for arg in expr.args or () for part in _conjuncts(arg)]
    return [expr] if expr is not None else []


def _equalities(conjuncts: list[Any], relations: dict[str, _Relation]) -> list[_Edge]:
    """``x.a = y.b`` between two relations of this block, oriented from the later relation to the earlier one."""
    found = []
    for expr in conjuncts:
        if not (isinstance(expr, ast.A_Expr) and getattr(expr.kind, "name", "") == "AEXPR_OP"):
            continue
        if [getattr(n, "sval", "") for n in expr.name or ()] != ["="]:
            continue
        left, right = _qualified(expr.lexpr), _qualified(expr.rexpr)
        if left is None or right is None or left[0] not in relations or right[0] not in relations:
            continue
        if relations[left[0]].position == relations[right[0]].position:
            continue
        child, anchor = (left, right) if relations[left[0]].position > relations[right[0]].position else (right, left)
        found.append(_Edge(child[0], child[1], anchor[0], anchor[1]))
    return found


def _qualified(expr: Any) -> tuple[str, str] | None:
    """``alias.column`` of a qualified column reference."""
    fields = expr.fields or () if isinstance(expr, ast.ColumnRef) else ()
    if len(fields) < 2:
        return None
    names = [getattr(part, "sval", None) for part in fields[-2:]]
    return (names[0], names[1]) if names[0] and names[1] else None


def _is_key(relation: _Relation, column: str, context: LintContext) -> bool:
    if relation.one_row_per_key or column == "id":
        return True
    table = relation.table
    if not table:
        return False
    stems = {table, table.removesuffix("s"), table.removesuffix("es")}
    if table.endswith("ies"):
        stems.add(table[:-3] + "y")
    return column in {f"{stem}_id" for stem in stems} or column in context.schema.unique_columns.get(table, set())


def _siblings(many: dict[str, list[_Edge]]) -> dict[str, set[str]]:
    """For each one-to-many child, the other one-to-many children joined to the same anchor key."""
    keys = {child: _anchor_key(child, many) for child in many}
    names = {
        child: (frozenset(anchor for anchor, _ in keys[child]), frozenset(e.column for e in edges))
        for child, edges in many.items()
    }
    result: dict[str, set[str]] = {}
    for first, second in combinations(sorted(many), 2):
        if keys[first] == keys[second] or names[first] == names[second]:
            result.setdefault(first, set()).add(second)
            result.setdefault(second, set()).add(first)
    return result


def _anchor_key(child: str, many: dict[str, list[_Edge]]) -> frozenset[tuple[str, str]]:
    """The anchor columns a child is joined to, followed through anchors that are one-to-many children themselves."""
    resolved = set()
    for edge in many[child]:
        anchor, column, seen = edge.anchor, edge.anchor_column, {child}
        while anchor in many and anchor not in seen:
            through = [e for e in many[anchor] if e.column == column]
            if not through:
                break
            seen.add(anchor)
            anchor, column = through[0].anchor, through[0].anchor_column
        resolved.add((anchor, column))
    return frozenset(resolved)


def _fanned_out_aggregates(
    node: ast.SelectStmt,
    relations: dict[str, _Relation],
    siblings: dict[str, set[str]],
    by_child: dict[str, list[_Edge]],
    context: LintContext,
) -> Iterator[Hit]:
    reported: set[str] = set()
    for call in _aggregates(node):
        for alias in sorted(_aggregated_aliases(call, relations, context) - reported):
            carrier = _carrier(alias, siblings, by_child)
            if carrier is not None:
                reported.add(alias)
                yield _hit(call, alias, carrier, sorted(siblings[carrier]), relations)


def _carrier(alias: str, siblings: dict[str, set[str]], by_child: dict[str, list[_Edge]]) -> str | None:
    """The sibling whose fan-out repeats the rows of ``alias``: itself, or the sibling it is joined through."""
    seen = set()
    while alias not in siblings:
        edges = by_child.get(alias)
        if not edges or alias in seen:
            return None
        seen.add(alias)
        alias = edges[0].anchor
    return alias


def _aggregates(node: ast.SelectStmt) -> Iterator[ast.FuncCall]:
    """sum/count/avg calls of this query block (not of its subqueries), without DISTINCT."""
    stack: list[Any] = [node.targetList, node.havingClause, node.sortClause]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.SelectStmt):
            continue  # a subquery is a block of its own
        if isinstance(item, ast.FuncCall) and function_name(item) in AGGREGATES and not item.agg_distinct:
            yield item
        if isinstance(item, ast.Node):
            stack.extend(getattr(item, name, None) for name in getattr(type(item), "__slots__", ()))
        elif isinstance(item, tuple | list):
            stack.extend(item)


def _aggregated_aliases(call: ast.FuncCall, relations: dict[str, _Relation], context: LintContext) -> set[str]:
    aliases = set()
    for ref in iter_nodes(call.args):
        if not isinstance(ref, ast.ColumnRef):
            continue
        qualified = _qualified(ref)
        if qualified is not None:
            aliases.add(qualified[0])
        elif ref.fields and isinstance(ref.fields[-1], ast.String):
            aliases |= _owner(str(ref.fields[-1].sval), relations, context)
    return aliases


def _owner(column: str, relations: dict[str, _Relation], context: LintContext) -> set[str]:
    """The relation an unqualified column belongs to, when the columns of every relation are known."""
    known = context.schema.columns
    if any(not r.table or r.table not in known for r in relations.values()):
        return set()
    owners = {r.alias for r in relations.values() if column in known[r.table]}
    return owners if len(owners) == 1 else set()


def _hit(call: ast.FuncCall, alias: str, carrier: str, others: list[str], relations: dict[str, _Relation]) -> Hit:
    def label(name: str) -> str:
        table = relations[name].table
        return f"{table} {name}" if table and table != name else name

    other = ", ".join(label(name) for name in others)
    through = f" (joined through {label(carrier)})" if carrier != alias else ""
    return Hit(
        f"{deparse(call)} repeats each row of {label(alias)}{through} once per matching row of {other} "
        "(both are joined one-to-many on the same key)",
        hint="aggregate each child in its own subquery or CTE grouped by the join key, then join those results",
        location=call.location,
    )


RULE = Rule.for_node(
    ast.SelectStmt,
    id="ban-aggregate-fanout",
    summary="SUM/COUNT/AVG over two sibling one-to-many joins multiplies the result",
    severity=Severity.WARNING,
    family=Family.LOGIC,
    check=check,
    bad=(
        "CREATE VIEW company_revenue AS\n"
        "SELECT c.id, sum(p.amount) AS revenue, count(i.ip) AS ips\n"
        "FROM companies c\n"
        "LEFT JOIN payments p ON p.tenant_id = c.id\n"
        "LEFT JOIN smtp_ip_addresses i ON i.tenant_id = c.id\n"
        "GROUP BY c.id;",
    ),
    good=(
        "CREATE VIEW company_revenue AS\n"
        "WITH paid AS (SELECT tenant_id, sum(amount) AS amount FROM payments GROUP BY tenant_id),\n"
        "     ips AS (SELECT tenant_id, count(*) AS n FROM smtp_ip_addresses GROUP BY tenant_id)\n"
        "SELECT c.id, sum(paid.amount) AS revenue, sum(ips.n) AS ips\n"
        "FROM companies c\n"
        "LEFT JOIN paid ON paid.tenant_id = c.id\n"
        "LEFT JOIN ips ON ips.tenant_id = c.id\n"
        "GROUP BY c.id;",
        "SELECT s.tenant_id, sum(p.price_monthly) FROM subscriptions s\n"
        "JOIN plans p ON p.plan_id = s.plan_id JOIN tenants t ON t.tenant_id = s.tenant_id GROUP BY s.tenant_id;",
    ),
)
