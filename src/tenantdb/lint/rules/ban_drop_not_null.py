"""Do not drop ``NOT NULL`` from a column of an existing table without deploying the readers first.

## Why

``ALTER COLUMN ... DROP NOT NULL`` is instant, but it changes a promise running code relies on: from the moment
it commits, NULLs can be written, and code that still assumes the column is never NULL breaks — application
models with non-optional fields fail to load rows, ``NOT IN``, comparisons and aggregates quietly change
results, and unique constraints stop catching duplicates (NULLs are distinct). Putting the constraint back
later needs a full scan under ACCESS EXCLUSIVE and fails if a NULL got in.

## Instead

Deploy readers that handle NULL first, then drop the constraint in a later migration with a suppression that
says so: ``-- tenantdb: ignore[ban-drop-not-null] readers handle NULL since #1234``.

## When this is fine

The table was created earlier in the same script, or the column is new and no code reads it yet. Down
sections, which undo an up section's ``SET NOT NULL``, are not reported.

## See also

``ban-set-not-null``; diesel-guard's ``DropNotNull`` check.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name


def check(node: ast.AlterTableStmt, context: LintContext) -> Iterator[Hit]:
    table = relation_name(node.relation)
    if context.section != "up" or getattr(node.objtype, "name", "") != "OBJECT_TABLE":
        return
    if not context.is_existing_table(table):
        return
    for cmd in node.cmds or ():
        if getattr(cmd.subtype, "name", "") == "AT_DropNotNull" and cmd.name:
            yield Hit(
                f"DROP NOT NULL on {table}.{cmd.name}: running code that assumes {cmd.name} is never NULL breaks "
                "once a NULL is written",
                hint="deploy readers that handle NULL first, then drop the constraint (suppress with a reason)",
                location=node.relation.location if node.relation else None,
            )


RULE = Rule.for_node(
    ast.AlterTableStmt,
    id="ban-drop-not-null",
    summary="DROP NOT NULL on an existing column breaks code that assumes it is never NULL",
    severity=Severity.WARNING,
    family=Family.ROBUSTNESS,
    check=check,
    bad=("ALTER TABLE orders ALTER COLUMN total DROP NOT NULL;",),
    good=(
        "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric NOT NULL);\n"
        "ALTER TABLE orders ALTER COLUMN total DROP NOT NULL;",
        "-- migrate:up\nALTER TABLE orders ALTER COLUMN total SET NOT NULL;\n"
        "-- migrate:down\nALTER TABLE orders ALTER COLUMN total DROP NOT NULL;",
    ),
)
