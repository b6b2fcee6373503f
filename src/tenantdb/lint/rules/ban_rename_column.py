"""Do not rename a column of an existing table or view.

## Why

``ALTER TABLE ... RENAME COLUMN`` is instant, and that is the problem: from the moment it commits, every
application instance still running the old code fails with ``column "..." does not exist`` on each query that
names the column. During a rolling deploy old and new instances run side by side, so there is no order of deploy
and migrate in which both work. Views, functions and reports that use the column by name break the same way
(views follow the rename; SQL function bodies and application queries do not).

## Instead

Expand and contract: add the new column, write both (a trigger or the application), backfill in batches, move
readers to the new column, and drop the old one in a later migration once no running code uses it. For a table
read through a view, rename in the table and keep the old name in the view (``SELECT new_name AS old_name``).

## When this is fine

The table was created earlier in the same script, or no running code uses the column yet (say so with
``-- tenantdb: ignore[ban-rename-column] reason``). Renames in down sections undo the up section and are not
reported.

## See also

``ban-rename-table``, ``ban-rename-schema``, ``ban-drop-column``; squawk's ``renaming-column``.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext, created_relation_here
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name


def check(node: ast.RenameStmt, context: LintContext) -> Iterator[Hit]:
    if context.section != "up" or getattr(node.renameType, "name", "") != "OBJECT_COLUMN":
        return
    table = relation_name(node.relation)
    if created_relation_here(context, table):
        return
    yield Hit(
        f"renaming {table}.{node.subname} to {node.newname}: running code that still uses {node.subname} fails "
        "from the moment this commits",
        hint=f"expand and contract: add {node.newname}, write both, backfill, move readers, then drop "
        f"{node.subname} in a later migration",
        location=node.relation.location if node.relation else None,
    )


RULE = Rule.for_node(
    ast.RenameStmt,
    id="ban-rename-column",
    summary="RENAME COLUMN breaks running code that uses the old name",
    severity=Severity.WARNING,
    family=Family.ROBUSTNESS,
    check=check,
    bad=("ALTER TABLE orders RENAME COLUMN total TO amount;", "ALTER TABLE orders RENAME total TO amount;"),
    good=(
        "ALTER TABLE orders ADD COLUMN amount numeric(12, 2);",
        "CREATE TABLE orders (id bigint PRIMARY KEY, total numeric);\nALTER TABLE orders RENAME total TO amount;",
    ),
)
