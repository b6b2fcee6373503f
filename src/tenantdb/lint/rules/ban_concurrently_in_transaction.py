"""Do not put ``CONCURRENTLY`` operations or ``VACUUM`` inside ``BEGIN ... COMMIT``, a ``DO`` block or a function.

## Why

``CREATE INDEX CONCURRENTLY``, ``DROP INDEX CONCURRENTLY``, ``REINDEX ... CONCURRENTLY`` (and ``REINDEX
SCHEMA`` / ``DATABASE`` / ``SYSTEM``), ``ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY`` and ``VACUUM``
commit on their own (between the phases of a concurrent build, or table by table), so PostgreSQL refuses them
in a transaction block: ``ERROR: CREATE INDEX CONCURRENTLY cannot run inside a transaction block``. The statement
fails and the file's transaction is aborted, so nothing before it in the block is kept either.

## Instead

Move the statement after the ``COMMIT`` (or before the ``BEGIN``), or out of the ``DO`` block or function
into the migration itself. tenantdb runs statements outside the file's
transaction one at a time and journals them; it drops the INVALID index an interrupted concurrent build leaves
before it retries. Without a ``BEGIN`` of your own, tenantdb notices these statements and runs the whole file
statement by statement.

## When this is fine

Never: PostgreSQL rejects it. (``ANALYZE`` alone is allowed in a transaction and is not reported.)

## See also

``require-concurrent-index-creation``, ``require-concurrent-index-deletion``, ``require-concurrent-reindex``,
``require-concurrent-detach-partition``; PostgreSQL docs, CREATE INDEX ("Building Indexes Concurrently").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pglast
from pglast import ast

from tenantdb.lint.bodies import parse_expression, plpgsql_statements
from tenantdb.lint.context import LintContext
from tenantdb.lint.expressions import constant
from tenantdb.lint.model import Derived, Family, Hit, Rule, Severity
from tenantdb.sql import TransactionMode
from tenantdb.sql.statements import transaction_mode

NAMES: dict[type, str] = {
    ast.IndexStmt: "CREATE INDEX CONCURRENTLY",
    ast.DropStmt: "DROP INDEX CONCURRENTLY",
    ast.AlterTableStmt: "DETACH PARTITION CONCURRENTLY",
    ast.VacuumStmt: "VACUUM",
    ast.ClusterStmt: "CLUSTER without a table",
    ast.AlterSystemStmt: "ALTER SYSTEM",
    ast.CreatedbStmt: "CREATE DATABASE",
    ast.DropdbStmt: "DROP DATABASE",
    ast.CreateTableSpaceStmt: "CREATE TABLESPACE",
    ast.DropTableSpaceStmt: "DROP TABLESPACE",
    ast.CreateSubscriptionStmt: "CREATE SUBSCRIPTION",
    ast.DropSubscriptionStmt: "DROP SUBSCRIPTION",
}


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if isinstance(node, ast.DoStmt | ast.CreateFunctionStmt):
        yield from _in_body(node, context)
        return
    if not context.in_file_transaction or context.statement is None or node is not context.statement.tree:
        return
    if transaction_mode(node) is not TransactionMode.OUTSIDE:
        return
    what = _name(node)
    yield Hit(
        f"{what} inside the file's BEGIN ... COMMIT: PostgreSQL refuses it "
        "(cannot run inside a transaction block) and aborts the transaction",
        hint=f"move the {what} after the COMMIT; tenantdb runs it on its own and journals it",
    )


def _in_body(node: ast.DoStmt | ast.CreateFunctionStmt, context: LintContext) -> Iterator[Hit]:
    statement = context.statement
    if statement is None or node is not statement.tree:
        return
    where = "a DO block" if isinstance(node, ast.DoStmt) else "a function"
    for body in plpgsql_statements(node, statement.text):
        text = body.text
        if body.execute:
            value = constant(parse_expression(text))
            text = value if isinstance(value, str) else ""
        for tree in _parse(text):
            if transaction_mode(tree) is TransactionMode.OUTSIDE:
                what = _name(tree)
                yield Hit(
                    f"{what} inside {where}: a function or DO block always runs in a transaction, so PostgreSQL "
                    "refuses it",
                    hint=f"run the {what} as a statement of its own in the migration; tenantdb runs it outside a "
                    "transaction and journals it",
                    location=statement.start - statement.base + body.offset if body.offset >= 0 else None,
                )


def _parse(text: str) -> list[Any]:
    try:
        return [raw.stmt for raw in pglast.parse_sql(text)] if text else []
    except pglast.parser.ParseError:
        return []


def _name(node: Any) -> str:
    if isinstance(node, ast.ReindexStmt):
        kind = getattr(node.kind, "name", "").removeprefix("REINDEX_OBJECT_")
        concurrently = any(option.defname == "concurrently" for option in node.params or ())
        return f"REINDEX {kind}{' CONCURRENTLY' if concurrently else ''}"
    return NAMES.get(type(node), type(node).__name__)


RULE = Rule.for_node(
    *NAMES,
    ast.ReindexStmt,
    ast.DoStmt,
    ast.CreateFunctionStmt,
    id="ban-concurrently-in-transaction",
    summary="CONCURRENTLY / VACUUM inside BEGIN ... COMMIT, a DO block or a function is rejected",
    severity=Severity.ERROR,
    family=Family.REJECTED,
    reads=(Derived.FUNCTION_BODIES,),
    check=check,
    bad=(
        "BEGIN;\nALTER TABLE orders ADD COLUMN status text;\n"
        "CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);\nCOMMIT;",
        "BEGIN;\nDELETE FROM sessions WHERE expires_at < now();\nVACUUM sessions;\nCOMMIT;",
        "DO $$\nBEGIN\n    EXECUTE 'VACUUM ANALYZE sessions';\nEND\n$$;",
    ),
    good=(
        "BEGIN;\nALTER TABLE orders ADD COLUMN status text;\nCOMMIT;\n"
        "CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);",
        "BEGIN;\nDELETE FROM sessions WHERE expires_at < now();\nANALYZE sessions;\nCOMMIT;",
        "DELETE FROM sessions WHERE expires_at < now();\nVACUUM ANALYZE sessions;",
    ),
)
