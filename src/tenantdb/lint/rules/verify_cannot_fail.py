"""Write verification queries that can fail: every row a verify block returns is a violation.

## Why

tenantdb runs each query of a ``-- migrate:verify`` section (and each phase pre- and post-check) in a read-only
transaction and counts every returned row as a violation. Some queries cannot tell a good migration from a
bad one:

- ``SELECT count(*) FROM subscriptions WHERE plan_id IS NULL`` returns exactly one row (``0`` when all is well),
  so the check **always fails**; an aggregate without ``GROUP BY`` or ``HAVING`` is always one row;
- ``SELECT CASE WHEN ... THEN 'PASS' ELSE 'PASS' END`` says the same thing whatever the data holds;
- a filter whose value is fixed — ``WHERE true``, ``WHERE x OR 1 = 1`` — returns every row (fails as soon as
  the table has one), and ``WHERE false`` / ``1 = 0`` returns none (**never fails**);
- ``WHERE stat_date = CURRENT_DATE`` on a column whose default is ``CURRENT_DATE`` (or ``now()``) in the
  migrations read: every row the run just wrote matches, so "is there a row for today" proves nothing.

## Instead

Return a row only when something is wrong: ``SELECT 'subscriptions without a plan' FROM subscriptions WHERE
plan_id IS NULL LIMIT 1``, or keep the aggregate and add ``HAVING count(*) > 0``. Compare with an independent
source (the archive, the old column, an expected count), never with a value the migration itself just wrote.

## When this is fine

A check meant to stop every run until someone removes it (a deliberate tripwire) is clearer as a phase with
``rollback_on``. Comparisons of an expression with itself (``x = x``) are reported by ``ban-self-comparison``.

## See also

``ban-self-comparison``, ``ban-case-without-else``; DESIGN.md "Migration files" (verify blocks).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.expressions import constant, is_aggregate, same_level, truth
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import function_name, iter_nodes, relation_name

TODAY_FUNCTIONS = frozenset({"now", "transaction_timestamp", "statement_timestamp", "clock_timestamp"})
TODAY_VALUES = frozenset({"SVFOP_CURRENT_DATE", "SVFOP_CURRENT_TIMESTAMP", "SVFOP_LOCALTIMESTAMP"})
_KEY = "today-defaults"


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if isinstance(node, ast.CreateStmt | ast.AlterTableStmt):
        if context.section == "up":
            _remember_defaults(node, context)
        return
    if context.section != "verify" or context.statement is None or node is not context.statement.tree:
        return
    reasons = _reasons(node, context)
    if reasons:
        yield Hit("this check cannot detect anything: " + "; ".join(reasons), hint=_HINT)


_HINT = "return a row only when something is wrong (WHERE <the bad condition>, or HAVING count(*) > 0)"


def _reasons(select: ast.SelectStmt, context: LintContext) -> list[str]:
    if getattr(select.op, "name", "") != "SETOP_NONE":
        return []
    reasons = []
    targets = select.targetList or ()
    if not select.groupClause and select.havingClause is None and any(is_aggregate(n) for n in same_level(targets)):
        reasons.append("an aggregate without GROUP BY or HAVING returns exactly one row, so it always fails")
    for case in (n for n in same_level(targets) if isinstance(n, ast.CaseExpr)):
        same = _single_result(case)
        if same is not ...:
            reasons.append(f"every branch of the CASE yields {same!r}, whatever the data holds")
    fixed = truth(select.whereClause)
    if fixed is True:
        reasons.append("the WHERE clause is always true: every row is returned")
    elif fixed is False:
        reasons.append("the WHERE clause is always false: no row is ever returned, so it never fails")
    defaults: set[tuple[str, str]] = context.extra.get(_KEY, set())
    for column, table in _today_filters(select):
        if (table, column) in defaults:
            reasons.append(
                f"{table}.{column} defaults to today in these migrations: every row the run wrote matches "
                f"{column} = today"
            )
    return reasons


def _single_result(case: ast.CaseExpr) -> object:
    results = [when.result for when in case.args or () if isinstance(when, ast.CaseWhen)]
    values = {repr(constant(result)) for result in (*results, case.defresult)}
    first = constant(results[0]) if results else ...
    return first if len(values) == 1 and first is not ... and case.defresult is not None else ...


def _today_filters(root: ast.SelectStmt) -> Iterator[tuple[str, str]]:
    """``(column, table)`` of every ``column = today`` filter, the table taken from the same query's FROM."""
    for select in (n for n in iter_nodes(root) if isinstance(n, ast.SelectStmt)):
        tables = [relation_name(n) for n in same_level(select.fromClause or ()) if isinstance(n, ast.RangeVar)]
        for expr in same_level(select.whereClause):
            if not isinstance(expr, ast.A_Expr) or not expr.name or getattr(expr.name[-1], "sval", "") != "=":
                continue
            for column_side, other in ((expr.lexpr, expr.rexpr), (expr.rexpr, expr.lexpr)):
                if isinstance(column_side, ast.ColumnRef) and _is_today(other) and column_side.fields:
                    column = getattr(column_side.fields[-1], "sval", "")
                    yield from ((column, table) for table in tables)


def _is_today(node: Any) -> bool:
    while isinstance(node, ast.TypeCast):
        node = node.arg
    if isinstance(node, ast.SQLValueFunction):
        return getattr(node.op, "name", "") in TODAY_VALUES
    return isinstance(node, ast.FuncCall) and function_name(node) in TODAY_FUNCTIONS and not node.args


def _remember_defaults(node: ast.CreateStmt | ast.AlterTableStmt, context: LintContext) -> None:
    defaults: set[tuple[str, str]] = context.extra.setdefault(_KEY, set())
    table = relation_name(node.relation)
    columns: list[ast.ColumnDef] = []
    if isinstance(node, ast.CreateStmt):
        columns = [e for e in node.tableElts or () if isinstance(e, ast.ColumnDef)]
    for cmd in node.cmds or () if isinstance(node, ast.AlterTableStmt) else ():
        subtype = getattr(cmd.subtype, "name", "")
        if subtype == "AT_AddColumn" and isinstance(cmd.def_, ast.ColumnDef):
            columns.append(cmd.def_)
        elif subtype == "AT_ColumnDefault" and cmd.name and _is_today(cmd.def_):
            defaults.add((table, cmd.name))
    for column in columns:
        for constraint in column.constraints or ():
            kind = getattr(getattr(constraint, "contype", None), "name", "")
            if kind == "CONSTR_DEFAULT" and _is_today(constraint.raw_expr) and column.colname:
                defaults.add((table, column.colname))


RULE = Rule.for_node(
    ast.SelectStmt,
    ast.CreateStmt,
    ast.AlterTableStmt,
    id="verify-cannot-fail",
    summary="a verify query whose result does not depend on the data",
    severity=Severity.ERROR,
    family=Family.LOGIC,
    check=check,
    bad=(
        "-- migrate:up\nALTER TABLE subscriptions ADD COLUMN plan_id bigint;\n"
        "-- migrate:verify\nSELECT count(*) FROM subscriptions WHERE plan_id IS NULL;",
        "-- migrate:up\nALTER TABLE plans ADD COLUMN tier text;\n"
        "-- migrate:verify\nSELECT CASE WHEN count(*) > 0 THEN 'PASS' ELSE 'PASS' END FROM plans;",
        "-- migrate:up\nALTER TABLE plans ADD COLUMN tier text;\n"
        "-- migrate:verify\nSELECT plan_id FROM plans WHERE tier IS NULL OR 1 = 1;",
        "-- migrate:up\nALTER TABLE plans ADD COLUMN tier text;\n"
        "-- migrate:verify\nSELECT plan_id FROM plans WHERE false;",
        "-- migrate:up\nCREATE TABLE email_stats (tenant_id uuid, stat_date date NOT NULL DEFAULT CURRENT_DATE);\n"
        "-- migrate:verify\nSELECT 'no statistics today'\n"
        "WHERE NOT EXISTS (SELECT FROM email_stats WHERE stat_date = CURRENT_DATE);",
    ),
    good=(
        "-- migrate:up\nALTER TABLE subscriptions ADD COLUMN plan_id bigint;\n"
        "-- migrate:verify\nSELECT 'subscriptions without a plan', count(*) FROM subscriptions WHERE plan_id IS NULL\n"
        "HAVING count(*) > 0;",
        "-- migrate:up\nALTER TABLE plans ADD COLUMN tier text;\n"
        "-- migrate:verify\nSELECT plan_id FROM plans WHERE tier IS NULL;",
        "-- migrate:up\nCREATE TABLE email_stats (tenant_id uuid, stat_date date NOT NULL);\n"
        "-- migrate:verify\nSELECT 'no statistics today'\n"
        "WHERE NOT EXISTS (SELECT FROM email_stats WHERE stat_date = CURRENT_DATE);",
        "SELECT count(*) FROM plans;",
    ),
)
