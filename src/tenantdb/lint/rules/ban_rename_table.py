"""Do not rename an existing table or view.

## Why

``ALTER TABLE ... RENAME TO`` (and ``ALTER VIEW`` / ``ALTER MATERIALIZED VIEW ... RENAME TO``) is instant, and
every application instance still running the old code fails with ``relation "..." does not exist`` from the
moment it commits. In a rolling deploy old instances are still serving traffic; there is no order of deploy and
migrate in which both old and new code work. Functions whose bodies name the table break the same way.

## Instead

Rename in two steps: rename the table and create a view with the old name (``CREATE VIEW old_name AS SELECT *
FROM new_name``, simple views are updatable), deploy code that uses the new name, then drop the view in a later
migration. Or create the new table, write to both, backfill, switch readers, and drop the old one later.

## When this is fine

The table or view was created earlier in the same script, or no running code uses it any more (for example a
table renamed to ``*_deprecated`` before it is dropped, so a forgotten reader fails loudly while the data still
exists): say so with ``-- tenantdb: ignore[ban-rename-table] reason``. Down sections are not reported.

## See also

``ban-rename-column``, ``ban-rename-schema``, ``ban-drop-table``; squawk's ``renaming-table``.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext, created_relation_here
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

RELATIONS = {
    "OBJECT_TABLE": "table",
    "OBJECT_VIEW": "view",
    "OBJECT_MATVIEW": "materialized view",
    "OBJECT_FOREIGN_TABLE": "foreign table",
}


def check(node: ast.RenameStmt, context: LintContext) -> Iterator[Hit]:
    kind = RELATIONS.get(getattr(node.renameType, "name", ""))
    if context.section != "up" or kind is None:
        return
    name = relation_name(node.relation)
    if created_relation_here(context, name):
        return
    yield Hit(
        f"renaming {kind} {name} to {node.newname}: running code that still uses {name} fails from the moment "
        "this commits",
        hint=f"after the rename, keep a view named {name} over {node.newname} until no code uses the old name, "
        "and drop that view in a later migration",
        location=node.relation.location if node.relation else None,
    )


RULE = Rule.for_node(
    ast.RenameStmt,
    id="ban-rename-table",
    summary="RENAME TO of a table or view breaks running code that uses the old name",
    severity=Severity.WARNING,
    family=Family.ROBUSTNESS,
    check=check,
    bad=("ALTER TABLE orders RENAME TO purchases;", "ALTER VIEW order_totals RENAME TO purchase_totals;"),
    good=(
        "CREATE TABLE orders_new (id bigint PRIMARY KEY);\nALTER TABLE orders_new RENAME TO orders;",
        "ALTER TABLE orders RENAME CONSTRAINT orders_total_check TO orders_total_positive;",
    ),
)
