"""Do not take explicit table locks that stop writers in a migration.

## Why

``LOCK TABLE t`` takes ACCESS EXCLUSIVE unless a mode is given, and holds it until the transaction ends: with
the runner wrapping the script in one transaction, that is until the last statement of the migration has run.
Modes from SHARE upward (SHARE, SHARE ROW EXCLUSIVE, EXCLUSIVE, ACCESS EXCLUSIVE) block every INSERT, UPDATE
and DELETE on ``t`` for that long, and ACCESS EXCLUSIVE blocks reads too. The lock request also queues behind
running queries, and everything that arrives later queues behind it.

## Instead

Let each statement take the lock it needs, keep the strong ones short with ``lock_timeout`` and retries, and
split long work (backfills, validation) into separate transactions. If you need a consistent snapshot for a
data migration, copy in batches keyed by primary key instead of freezing the table.

## When this is fine

The table was created earlier in the same script, or the lock is a deliberate, short-lived fence that you have
timed (for example ``LOCK TABLE t IN SHARE ROW EXCLUSIVE MODE`` around a trigger swap, with a ``lock_timeout``).
Modes below SHARE (ACCESS SHARE, ROW SHARE, ROW EXCLUSIVE, SHARE UPDATE EXCLUSIVE) do not stop writers and are
not reported.

## See also

``ban-vacuum-full``, ``require-concurrent-detach-partition``; PostgreSQL docs, LOCK and "Explicit Locking".
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

MODES = {5: "SHARE", 6: "SHARE ROW EXCLUSIVE", 7: "EXCLUSIVE", 8: "ACCESS EXCLUSIVE"}  # lockdefs.h numbers


def check(node: ast.LockStmt, context: LintContext) -> Iterator[Hit]:
    mode = MODES.get(node.mode or 0)
    if mode is None:
        return
    for relation in node.relations or ():
        table = relation_name(relation)
        if not context.is_existing_table(table):
            continue
        blocked = "reads and writes" if mode == "ACCESS EXCLUSIVE" else "writes"
        yield Hit(
            f"LOCK TABLE {table} IN {mode} MODE blocks {blocked} on {table} until the transaction ends",
            hint="drop the explicit lock; keep each statement's own lock short with lock_timeout and retries",
            location=relation.location,
        )


RULE = Rule.for_node(
    ast.LockStmt,
    id="ban-lock-table",
    summary="LOCK TABLE in a blocking mode stalls writers until the migration commits",
    severity=Severity.WARNING,
    family=Family.LOCKING,
    check=check,
    bad=("LOCK TABLE orders;", "LOCK TABLE orders IN SHARE MODE;"),
    good=(
        "LOCK TABLE orders IN ACCESS SHARE MODE;",
        "CREATE TABLE imports (id bigint);\nLOCK TABLE imports IN ACCESS EXCLUSIVE MODE;",
    ),
)
