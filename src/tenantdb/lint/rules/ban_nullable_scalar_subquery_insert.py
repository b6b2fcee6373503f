"""Do not insert a scalar subquery into a ``NOT NULL`` column: finding no row, it yields NULL and the insert fails.

## Why

``INSERT INTO subscriptions (company_id, plan_id) SELECT c.company_id, (SELECT plan_id FROM plans WHERE name =
'enterprise_v2') FROM companies c`` works on an empty test database: no company, no row inserted, nothing
evaluated. On production, where companies exist and the plan is spelt ``enterprise``, the subquery returns no
row, its value is NULL, and the statement fails with ``null value in column "plan_id" violates not-null
constraint`` — the migration that passed every test stops in production. (An aggregate such as ``max()`` over
no row gives NULL the same way.)

## Instead

Join the row instead of looking it up per row, so a missing match inserts nothing rather than NULL — and check
afterwards that it matched::

    INSERT INTO subscriptions (company_id, plan_id)
    SELECT c.company_id, p.plan_id FROM companies c JOIN plans p ON p.name = 'enterprise';

or fail early with a clear message when the looked-up row is missing.

## When this is fine

``count()`` always returns a row and is not reported; neither is a subquery wrapped in ``COALESCE`` with a
default, nor one that looks up, by ``column = 'value'``, a row the migrations read inserted with ``INSERT ...
VALUES`` (``(SELECT plan_id FROM plans WHERE name = 'Free')`` after an earlier migration inserted 'Free'). NOT
NULL columns are known from the migrations read (column and primary-key constraints).

## See also

``ban-unordered-limit-subquery``, ``verify-cannot-fail``; PostgreSQL docs, "Scalar Subqueries".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext, new_columns, primary_key
from tenantdb.lint.expressions import constant
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import function_name, relation_name

_KEY = "not-null-columns"


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    not_null: set[tuple[str, str]] = context.extra.setdefault(_KEY, set())
    if isinstance(node, ast.CreateStmt | ast.AlterTableStmt):
        if context.section == "up":
            _remember(node, not_null)
        return
    table = relation_name(node.relation)
    columns = [str(target.name) for target in node.cols or () if isinstance(target, ast.ResTarget)]
    columns = columns or list(context.schema.columns.get(table, {}))
    for row in _rows(node.selectStmt):
        for column, value in zip(columns, row, strict=False):
            link = value.arg if isinstance(value, ast.TypeCast) else value
            if (table, column) in not_null and isinstance(link, ast.SubLink) and _may_be_null(link, context):
                yield Hit(
                    f"{table}.{column} is NOT NULL, but this scalar subquery gives NULL when it finds no row: the "
                    "INSERT fails only on databases that have rows to insert (not on an empty test database)",
                    hint="JOIN the looked-up table instead of a per-row subquery, or COALESCE it with a default",
                    location=link.location,
                )


def _rows(select: Any) -> Iterator[tuple[Any, ...]]:
    if not isinstance(select, ast.SelectStmt):
        return
    if select.valuesLists:
        yield from (tuple(row) for row in select.valuesLists)
    elif select.targetList:
        yield tuple(target.val for target in select.targetList if isinstance(target, ast.ResTarget))


def _may_be_null(node: ast.SubLink, context: LintContext) -> bool:
    select = node.subselect
    if getattr(node.subLinkType, "name", "") != "EXPR_SUBLINK" or not isinstance(select, ast.SelectStmt):
        return False
    targets = select.targetList or ()
    value = targets[0].val if len(targets) == 1 else None
    if isinstance(value, ast.FuncCall) and function_name(value) == "count" and not select.groupClause:
        return False
    if _one_row_with_a_default(select, value):
        return False
    return not _looks_up_inserted_row(select, context)


AGGREGATES = frozenset({"count", "sum", "min", "max", "avg", "bool_and", "bool_or", "every", "string_agg", "array_agg"})


def _one_row_with_a_default(select: ast.SelectStmt, value: Any) -> bool:
    """``(SELECT coalesce(count(*), 0) FROM …)``: an aggregate without GROUP BY gives exactly one row, and the
    coalesce's last argument, a constant, stands in for its NULL."""
    if select.groupClause or select.havingClause or not isinstance(value, ast.CoalesceExpr) or not value.args:
        return False
    last = value.args[-1]
    if not isinstance(last, ast.A_Const) or getattr(last, "isnull", False):
        return False
    return any(isinstance(arg, ast.FuncCall) and function_name(arg) in AGGREGATES for arg in value.args[:-1])


def _looks_up_inserted_row(select: ast.SelectStmt, context: LintContext) -> bool:
    """``(SELECT id FROM plans WHERE name = 'Free')`` where the migrations inserted 'Free' into plans."""
    tables = [relation_name(n) for n in select.fromClause or () if isinstance(n, ast.RangeVar)]
    if len(tables) != 1 or not isinstance(select.whereClause, ast.A_Expr):
        return False
    value = constant(select.whereClause.rexpr)
    operator = getattr(select.whereClause.name[-1], "sval", "") if select.whereClause.name else ""
    return operator == "=" and isinstance(value, str) and value in context.schema.inserted_strings.get(tables[0], ())


def _remember(node: ast.CreateStmt | ast.AlterTableStmt, not_null: set[tuple[str, str]]) -> None:
    for table, column in new_columns(node):
        kinds = {getattr(c.contype, "name", "") for c in column.constraints or () if isinstance(c, ast.Constraint)}
        if column.is_not_null or kinds & {"CONSTR_NOTNULL", "CONSTR_PRIMARY"}:
            not_null.add((table, column.colname or ""))
    if isinstance(node, ast.CreateStmt):
        table = relation_name(node.relation)
        not_null.update((table, column) for column in primary_key(node.tableElts or ()))


RULE = Rule.for_node(
    ast.InsertStmt,
    ast.CreateStmt,
    ast.AlterTableStmt,
    id="ban-nullable-scalar-subquery-insert",
    summary="a scalar subquery that may find no row inserted into a NOT NULL column",
    severity=Severity.ERROR,
    family=Family.REJECTED,
    check=check,
    bad=(
        "CREATE TABLE subscriptions (company_id uuid NOT NULL, plan_id bigint NOT NULL);\n"
        "INSERT INTO subscriptions (company_id, plan_id)\n"
        "SELECT c.company_id, (SELECT plan_id FROM plans WHERE name = 'enterprise_v2') FROM companies c;",
    ),
    good=(
        "CREATE TABLE subscriptions (company_id uuid NOT NULL, plan_id bigint NOT NULL);\n"
        "INSERT INTO subscriptions (company_id, plan_id)\n"
        "SELECT c.company_id, p.plan_id FROM companies c JOIN plans p ON p.name = 'enterprise_v2';",
        "INSERT INTO plans (name) VALUES ('enterprise_v2');\n"
        "CREATE TABLE subscriptions (company_id uuid NOT NULL, plan_id bigint NOT NULL);\n"
        "INSERT INTO subscriptions (company_id, plan_id)\n"
        "SELECT c.company_id, (SELECT plan_id FROM plans WHERE name = 'enterprise_v2') FROM companies c;",
        "CREATE TABLE subscriptions (company_id uuid NOT NULL, plan_id bigint);\n"
        "INSERT INTO subscriptions (company_id, plan_id)\n"
        "SELECT c.company_id, (SELECT plan_id FROM plans WHERE name = 'enterprise_v2') FROM companies c;",
    ),
)
