"""Do not drop a column that running code may still use, or whose data you have not kept.

## Why

``ALTER TABLE ... DROP COLUMN`` is quick (a brief ACCESS EXCLUSIVE; the space is only reclaimed as rows are
rewritten), but the data is gone for every tenant, and any application instance that still names the column
in a query fails with ``column ... does not exist`` — during a rolling deploy, old instances still do. Indexes
and constraints on the column are dropped with it; views and foreign keys that use it block the drop unless
``CASCADE`` silently removes them too.

## Instead

Expand and contract over releases: stop reading the column (and tell your ORM to ignore it), then stop writing
it, deploy; archive its values if they may be needed; drop it in a later migration with a suppression that says
why: ``-- tenantdb: ignore[ban-drop-column] unused since v42, archived in #1234``.

## When this is fine

The table was created earlier in the same script, or no deployed version uses the column and its data is
archived or not needed. Drops in down sections are covered by ``require-archive-before-drop`` instead.

## See also

``ban-drop-table``, ``ban-drop-cascade``; RELIABILITY.md §1.3 (L16); strong_migrations "Removing a column".
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name


def check(node: ast.AlterTableStmt, context: LintContext) -> Iterator[Hit]:
    table = relation_name(node.relation)
    if context.section == "down" or getattr(node.objtype, "name", "") != "OBJECT_TABLE":
        return
    if not context.is_existing_table(table):
        return
    for cmd in node.cmds or ():
        if getattr(cmd.subtype, "name", "") == "AT_DropColumn" and cmd.name:
            yield Hit(
                f"DROP COLUMN {table}.{cmd.name} deletes its data for every tenant; running code that uses it fails",
                hint="stop reading and writing the column first, archive it if needed, then drop it in a later "
                "migration (suppress with a reason)",
            )


RULE = Rule.for_node(
    ast.AlterTableStmt,
    id="ban-drop-column",
    summary="DROP COLUMN deletes data and breaks code that still uses the column",
    severity=Severity.WARNING,
    family=Family.DESTRUCTIVE,
    check=check,
    bad=("ALTER TABLE orders DROP COLUMN legacy_status;", "ALTER TABLE orders DROP COLUMN IF EXISTS note;"),
    good=(
        "CREATE TABLE drafts (id bigint, note text);\nALTER TABLE drafts DROP COLUMN note;",
        "-- migrate:up\nALTER TABLE orders ADD COLUMN note text;\n"
        "-- migrate:down\nALTER TABLE orders DROP COLUMN note;",
        "ALTER TABLE orders DROP CONSTRAINT orders_note_check;",
    ),
)
