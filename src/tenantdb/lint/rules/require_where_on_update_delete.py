"""Give every ``UPDATE`` and ``DELETE`` in a migration a ``WHERE`` clause.

## Why

A migration's ``UPDATE`` or ``DELETE`` without ``WHERE`` touches every row of every tenant. A ``DELETE`` empties
the table; an ``UPDATE`` overwrites values no down section can restore, rewrites every row in one transaction
(locking each row until commit, so concurrent writers of any row wait) and bloats the table. It is usually a
forgotten condition, a backfill that should have been batched, or a down section written as "undo everything".

## Instead

Say which rows: ``UPDATE orders SET status = 'open' WHERE status IS NULL``. Backfill large tables in batches
(``WHERE id BETWEEN ...``) in a ``no-transaction`` migration so each batch commits. If every row really is
meant, write ``WHERE true`` to show it was a decision, or suppress with a reason.

## When this is fine

The table was created earlier in the same script (it holds only what this script put there). Statements inside
function bodies run when the function is called, not when the migration runs, and are not reported.

## See also

``ban-truncate``, ``require-archive-before-drop``; squawk's and diesel-guard's unbounded update/delete checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if node.whereClause is not None or context.section == "verify":
        return
    table = relation_name(node.relation)
    if not context.is_existing_table(table):
        return
    if isinstance(node, ast.DeleteStmt):
        message = f"DELETE without WHERE removes every row of {table}, for every tenant"
        hint = f"say which rows of {table} with a WHERE clause (WHERE true if every row is really meant)"
    else:
        message = f"UPDATE without WHERE rewrites every row of {table}, for every tenant, in one transaction"
        hint = "say which rows; backfill large tables in batches in a no-transaction migration"
    yield Hit(message, hint=hint, location=node.relation.location if node.relation else None)


RULE = Rule.for_node(
    ast.UpdateStmt,
    ast.DeleteStmt,
    id="require-where-on-update-delete",
    summary="UPDATE or DELETE without WHERE in a migration",
    severity=Severity.WARNING,
    family=Family.DATA_LOSS,
    check=check,
    bad=("UPDATE orders SET total = 0;", "DELETE FROM orders;"),
    good=(
        "UPDATE orders SET status = 'open' WHERE status IS NULL;",
        "CREATE TABLE staging (id int PRIMARY KEY, c int);\nUPDATE staging SET c = 1;",
        "CREATE FUNCTION purge() RETURNS void LANGUAGE sql AS $$ DELETE FROM scratch $$;",
    ),
)
