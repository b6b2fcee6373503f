"""Do not drop a table in a forward migration without an explicit decision.

## Why

``DROP TABLE`` deletes every row of every tenant, its indexes, policies, triggers and grants, at once; the only
way back is a restore from backup, which also rolls back everything written since. It takes ACCESS EXCLUSIVE,
and every application instance that still reads or writes the table fails with ``relation ... does not
exist`` from the moment it commits — during a rolling deploy, old instances are still running.

## Instead

Expand and contract: stop using the table in the application and deploy that first; archive the data (and
check the archive's row count); then drop it in a later migration, with a suppression that says why:
``-- tenantdb: ignore[ban-drop-table] archived to s3://... in #1234``. Renaming it first
(``ALTER TABLE t RENAME TO t_deprecated``) makes any remaining reader fail loudly while the data still exists.

## When this is fine

The table was created earlier in the same script, or it is known to be unused and its data archived or not
needed. Drops in down sections are covered by ``require-archive-before-drop`` instead.

## See also

``ban-drop-column``, ``ban-drop-cascade``, ``ban-truncate``; RELIABILITY.md §1.3 (L26).
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext, drop_targets
from tenantdb.lint.model import Family, Hit, Rule, Severity


def check(node: ast.DropStmt, context: LintContext) -> Iterator[Hit]:
    if context.section == "down" or getattr(node.removeType, "name", "") != "OBJECT_TABLE":
        return
    tables = [table for table in drop_targets(node) if context.is_existing_table(table)]
    if tables:
        names, them = ", ".join(tables), "it" if len(tables) == 1 else "them"
        yield Hit(
            f"DROP TABLE {names} deletes all rows for every tenant; running code that still uses {them} fails",
            hint="stop using the table first, archive its data, then drop it in a later migration "
            "(suppress with a reason)",
        )


RULE = Rule.for_node(
    ast.DropStmt,
    id="ban-drop-table",
    summary="DROP TABLE deletes the table's data for every tenant",
    severity=Severity.WARNING,
    family=Family.DESTRUCTIVE,
    check=check,
    bad=("DROP TABLE legacy_invoices;", "DROP TABLE IF EXISTS legacy_invoices, legacy_payments;"),
    good=(
        "CREATE TABLE import_batch (id bigint, payload jsonb);\nDROP TABLE import_batch;",
        "-- migrate:up\nCREATE TABLE notes (id bigint);\n-- migrate:down\nDROP TABLE notes;",
        "-- tenantdb: ignore[ban-drop-table] archived in #1234\nDROP TABLE legacy_invoices;",
    ),
)
