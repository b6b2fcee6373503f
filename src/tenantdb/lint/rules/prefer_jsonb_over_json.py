"""Use ``jsonb`` rather than ``json`` for new columns.

## Why

``json`` has no equality operator: ``SELECT DISTINCT``, ``UNION`` (without ``ALL``), ``GROUP BY``, ``IN`` and
``=`` on a ``json`` value fail with ``could not identify an equality operator for type json`` — including in
views and reports written later over the table. It also cannot be indexed with GIN, and every access re-parses
the text. These are failures, not style, which is why this rule is a hazard rather than an opinion.

## Instead

``jsonb``: stored parsed, comparable, indexable (``USING gin``). Changing an existing column from ``json`` to
``jsonb`` rewrites the table under ACCESS EXCLUSIVE, so choose ``jsonb`` when the column is created.

## When this is fine

The exact text must be kept (key order, duplicate keys, whitespace — e.g. a webhook payload whose signature is
verified later): say so with a suppression. Down sections restoring a ``json`` column are not reported.

## See also

``ban-column-type-change``; PostgreSQL docs, "JSON Types".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext, column_type, new_columns
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if context.section == "down":
        return
    columns = list(new_columns(node))
    if isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            if getattr(cmd.subtype, "name", "") == "AT_AlterColumnType" and isinstance(cmd.def_, ast.ColumnDef):
                columns.append(
                    (relation_name(node.relation), ast.ColumnDef(colname=cmd.name, typeName=cmd.def_.typeName))
                )
    for table, column in columns:
        if column_type(column.typeName).name == "json":
            yield Hit(
                f"{table}.{column.colname} is json: DISTINCT, UNION, GROUP BY and = fail on it (json has no "
                "equality operator)",
                hint=f"{column.colname} jsonb",
                location=column.typeName.location if column.typeName else None,
            )


RULE = Rule.for_node(
    ast.CreateStmt,
    ast.AlterTableStmt,
    id="prefer-jsonb-over-json",
    summary="a json column: no equality operator, so DISTINCT, UNION and GROUP BY fail",
    severity=Severity.WARNING,
    family=Family.TYPES,
    check=check,
    bad=(
        "CREATE TABLE events (id bigint PRIMARY KEY, payload json);",
        "ALTER TABLE events ADD COLUMN payload json;",
        "ALTER TABLE events ALTER COLUMN payload TYPE json;",
    ),
    good=("CREATE TABLE events (id bigint PRIMARY KEY, payload jsonb);",),
)
