"""Drop indexes of existing tables with ``CONCURRENTLY``.

## Why

A plain ``DROP INDEX`` takes ACCESS EXCLUSIVE on the index's table. The drop itself is quick, but the lock
request queues behind every running query on the table (a long BI report is enough), and every read and write
that arrives meanwhile queues behind the lock request: the table stalls until the slowest query finishes.

## Instead

``DROP INDEX CONCURRENTLY name;`` takes SHARE UPDATE EXCLUSIVE on the table and waits for conflicting
transactions instead of blocking new ones. It drops one index per statement, cannot use ``CASCADE`` and cannot
run in a transaction block; tenantdb detects it and runs the file statement by statement. If it is interrupted,
the index is left INVALID: run the same ``DROP INDEX CONCURRENTLY IF EXISTS`` again.

## When this is fine

The index belongs to a table created earlier in the same script, or the table is known to be small and idle.
Indexes that back a constraint cannot be dropped this way at all: use ``ALTER TABLE ... DROP CONSTRAINT``
(ACCESS EXCLUSIVE, brief) with a short ``lock_timeout``.

## See also

``require-concurrent-index-creation``, ``require-concurrent-reindex``; PostgreSQL docs, DROP INDEX.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity


def check(node: ast.DropStmt, context: LintContext) -> Iterator[Hit]:
    if getattr(node.removeType, "name", "") != "OBJECT_INDEX" or node.concurrent:
        return
    for names in node.objects or ():
        index = getattr(names[-1], "sval", "") if isinstance(names, tuple) and names else ""
        table = context.schema.indexes.get(index)
        if table is not None and not context.is_existing_table(table):
            continue
        on = f" on {table}" if table else ""
        yield Hit(
            f"DROP INDEX {index} takes ACCESS EXCLUSIVE{on or ' on its table'}: "
            "reads and writes queue behind it until every running query finishes",
            hint=f"DROP INDEX CONCURRENTLY IF EXISTS {index}; (one index per statement, outside a transaction)",
        )


RULE = Rule.for_node(
    ast.DropStmt,
    id="require-concurrent-index-deletion",
    summary="DROP INDEX without CONCURRENTLY locks the table against reads and writes",
    severity=Severity.WARNING,
    family=Family.LOCKING,
    check=check,
    bad=("DROP INDEX orders_created_at_idx;",),
    good=(
        "DROP INDEX CONCURRENTLY IF EXISTS orders_created_at_idx;",
        "CREATE TABLE drafts (id bigint, title text);\n"
        "CREATE INDEX drafts_title_idx ON drafts (title);\n"
        "DROP INDEX drafts_title_idx;",
    ),
)
