"""Do not roll back by deleting rows chosen by time or by a business value: users created some of them.

## Why

A rollback runs after the migration has been live — minutes or weeks. ``DELETE FROM subscriptions WHERE
created_at >= '2024-06-01'`` (the migration's date) also deletes every subscription customers signed after it;
``DELETE FROM subscriptions WHERE plan_id = (SELECT plan_id FROM plans WHERE name = 'enterprise')`` deletes the
subscriptions users chose on the new plan, not only the rows the migration wrote. The rollback meant to undo a
schema change destroys customer data. (tenantdb archives what a ``DELETE`` removes, so the rows can be restored
— but only by someone who notices.)

## Instead

Delete exactly what the up section wrote: by the keys it inserted (``WHERE plan_id = 42``, or the keys it
recorded in a table of its own), or keep the rows and make the rollback a code change. If users' rows must
really go, that is a data decision for a separate, reviewed migration, not a rollback.

## When this is fine

Deleting the rows the up section inserted — by their key, by a unique column (``DELETE FROM plans WHERE name =
'enterprise'`` when ``plans.name`` is unique), or by the very value the migrations inserted into that table with
``INSERT ... VALUES`` — is not reported.

## See also

``ban-down-delete-order``, ``ban-irreversible-update``; DESIGN.md "Phases, gates and rollback".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.expressions import constant, same_level
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import iter_nodes, relation_name

TIME_TYPES = frozenset({"timestamp", "timestamptz", "date", "time", "timetz"})
LATER = frozenset({">", ">="})


def check(node: ast.DeleteStmt, context: LintContext) -> Iterator[Hit]:
    if context.section != "down" or node.whereClause is None:
        return
    table = relation_name(node.relation)
    keys = context.schema.unique_columns.get(table, set())
    types = context.schema.columns.get(table, {})
    inserted = context.schema.inserted_strings.get(table, set())
    for expr in same_level(node.whereClause):
        if not isinstance(expr, ast.A_Expr):
            continue
        operator = getattr(expr.name[-1], "sval", "") if expr.name else ""
        kind = getattr(expr.kind, "name", "")
        column = _column(expr.lexpr)
        if column and (operator in LATER or kind.startswith("AEXPR_BETWEEN")) and _is_time(column, types):
            yield Hit(
                f"the rollback deletes {table} rows by time ({column} {operator or 'BETWEEN'} ...): every row "
                "users created after the migration goes too",
                hint="delete by the keys the up section inserted, or keep the rows",
                location=expr.location,
            )
        elif column and column not in keys and operator in ("=", "") and _business_value(expr.rexpr, inserted):
            yield Hit(
                f"the rollback deletes {table} rows by a business value ({column}): rows users created with "
                "that value after the migration go too",
                hint="delete by the keys the up section inserted, or keep the rows",
                location=expr.location,
            )


def _column(node: Any) -> str:
    fields = node.fields if isinstance(node, ast.ColumnRef) else ()
    return str(getattr(fields[-1], "sval", "")) if fields else ""


def _is_time(column: str, types: dict[str, str]) -> bool:
    return types.get(column, "") in TIME_TYPES or column.endswith(("_at", "_on", "_date", "_time"))


def _business_value(node: Any, inserted: set[str]) -> bool:
    """A string literal the migrations did not insert into the table, a list of them, or a subquery picking by one."""
    value = constant(node)
    if isinstance(value, str):
        return value not in inserted
    if isinstance(node, tuple | list):
        return any(_business_value(item, inserted) for item in node)
    if isinstance(node, ast.SubLink):
        return any(isinstance(constant(n), str) for n in iter_nodes(node.subselect) if isinstance(n, ast.A_Const))
    return False


RULE = Rule.for_node(
    ast.DeleteStmt,
    id="ban-down-deletes-new-rows",
    summary="a rollback DELETE chosen by time or business value also deletes users' new rows",
    severity=Severity.ERROR,
    family=Family.DATA_LOSS,
    check=check,
    bad=(
        "-- migrate:up\nINSERT INTO subscriptions (tenant_id, plan_id) SELECT tenant_id, 7 FROM tenants;\n"
        "-- migrate:down\nDELETE FROM subscriptions WHERE created_at >= '2024-06-01';",
        "-- migrate:up\nUPDATE tenants SET plan_name = 'enterprise' WHERE seats > 100;\n"
        "-- migrate:down\nDELETE FROM subscriptions\n"
        "WHERE plan_id = (SELECT plan_id FROM plans WHERE name = 'enterprise');",
    ),
    good=(
        "-- migrate:up\nCREATE TABLE plans (plan_id bigint PRIMARY KEY, name text NOT NULL UNIQUE);\n"
        "INSERT INTO plans VALUES (42, 'enterprise');\n"
        "-- migrate:down\nDELETE FROM plans WHERE name = 'enterprise';",
        "-- migrate:up\nINSERT INTO plans VALUES (42, 'enterprise');\n"
        "-- migrate:down\nDELETE FROM plans WHERE plan_id = 42;",
        "-- migrate:up\nINSERT INTO tenants (name) VALUES ('Acme Mail');\n"
        "-- migrate:down\nDELETE FROM tenants WHERE name = 'Acme Mail';",
    ),
)
