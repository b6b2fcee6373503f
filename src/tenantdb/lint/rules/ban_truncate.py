"""Do not ``TRUNCATE`` tables in a migration.

## Why

``TRUNCATE`` removes every row of every tenant at once: there is no ``WHERE``, and ``ON DELETE`` triggers
(audit trails) do not fire. It takes ACCESS EXCLUSIVE, so reads and writes wait behind it, and it is not MVCC-safe: a
transaction whose snapshot predates it (a long report in REPEATABLE READ) sees the table as empty.
``TRUNCATE ... CASCADE`` also empties every table that has a foreign key to it, and the tables referencing
those, without naming any of them.

## Instead

Delete what you mean to delete, in batches, with a ``WHERE`` that says which rows (``DELETE FROM t WHERE id
BETWEEN ...``), outside one long transaction. To empty a table you are retiring, archive it first and follow
``ban-drop-table``. Never rely on ``CASCADE``: name each table and check it.

## When this is fine

The table was created earlier in the same script (a staging table), or it only holds derived data that the
migration rebuilds. Statements in down sections are covered by ``require-archive-before-drop`` instead.

## See also

``ban-drop-table``, ``ban-drop-cascade``; PostgreSQL docs, TRUNCATE; RELIABILITY.md §1.3 (L26).
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name


def check(node: ast.TruncateStmt, context: LintContext) -> Iterator[Hit]:
    if context.section == "down":
        return
    tables = [relation_name(relation) for relation in node.relations or ()]
    existing = [table for table in tables if context.is_existing_table(table)]
    if not existing:
        return
    cascade = getattr(node.behavior, "name", "") == "DROP_CASCADE"
    also = "; CASCADE also empties every table with a foreign key to it, unnamed" if cascade else ""
    yield Hit(
        f"TRUNCATE {', '.join(existing)} deletes every row for every tenant under ACCESS EXCLUSIVE{also}",
        hint="DELETE the rows you mean in batches with a WHERE; archive before emptying a table you retire",
    )


RULE = Rule.for_node(
    ast.TruncateStmt,
    id="ban-truncate",
    summary="TRUNCATE deletes every row (and with CASCADE, rows of referencing tables)",
    severity=Severity.WARNING,
    family=Family.DESTRUCTIVE,
    check=check,
    bad=("TRUNCATE audit_log;", "TRUNCATE customers CASCADE;"),
    good=(
        "CREATE TABLE import_batch (id bigint);\nTRUNCATE import_batch;",
        "DELETE FROM audit_log WHERE created_at < now() - interval '2 years';",
        "-- migrate:up\nSELECT 1;\n-- migrate:down\nTRUNCATE audit_log;",
    ),
)
