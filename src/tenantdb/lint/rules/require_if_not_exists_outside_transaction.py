"""Write ``IF NOT EXISTS`` / ``IF EXISTS`` on DDL in scripts that do not run in one transaction.

## Why

A script that runs statement by statement (``-- tenantdb: no-transaction``, or one with ``CREATE INDEX
CONCURRENTLY``, ``VACUUM`` or its own ``BEGIN``) is not atomic: when it is interrupted, the statements that ran
stay done. Run again from the top, a plain ``CREATE TABLE`` fails with ``relation ... already exists`` and a
plain ``DROP`` with ``... does not exist``. tenantdb journals every statement and resumes at the first
unfinished one, so this is defence in depth: it matters when the file is run by hand or by another tool, after
the journal was reset, and for a statement that cannot run in a transaction (``DROP INDEX CONCURRENTLY``) which
may finish just before the interruption and never be recorded as done.

## Instead

``CREATE TABLE IF NOT EXISTS``, ``CREATE INDEX CONCURRENTLY IF NOT EXISTS``, ``CREATE SCHEMA IF NOT EXISTS``,
``CREATE SEQUENCE IF NOT EXISTS``, ``DROP ... IF EXISTS``. ``IF NOT EXISTS`` only checks the name: it skips a
table with a different definition, and an INVALID index an interrupted concurrent build left behind (tenantdb
drops such an index before it retries; other tools do not).

## When this is fine

The script runs in one transaction (plain SQL files do, unless they need statement-by-statement execution): an
interruption rolls all of it back. Statements inside the file's own ``BEGIN ... COMMIT`` are not reported either.

## See also

``ban-concurrently-in-transaction``, ``require-concurrent-index-creation``; Squawk ``prefer-robust-stmts``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext, drop_targets
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if context.transactional or context.in_file_transaction:
        return
    if context.statement is None or node is not context.statement.tree:
        return  # CREATE SCHEMA ... CREATE TABLE: the elements cannot say IF NOT EXISTS
    if isinstance(node, ast.DropStmt):
        if not node.missing_ok:
            kind = getattr(node.removeType, "name", "").removeprefix("OBJECT_").replace("_", " ")
            what = f"DROP {kind}{' CONCURRENTLY' if node.concurrent else ''}"
            names = ", ".join(drop_targets(node))
            yield Hit(
                f"{what} {names} without IF EXISTS fails when the script is run again after an interruption",
                hint=f"{what} IF EXISTS {names}",
            )
        return
    found = _create(node)
    if found is not None:
        verb, name = found
        yield Hit(
            f"{verb} {name} without IF NOT EXISTS fails when the script is run again after an interruption",
            hint=f"{verb} IF NOT EXISTS {name}",
        )


def _create(node: Any) -> tuple[str, str] | None:
    """``(verb, name)`` of a CREATE that lacks IF NOT EXISTS, else None."""
    if getattr(node, "if_not_exists", True):
        return None
    if isinstance(node, ast.CreateStmt) and node.relation and node.relation.relpersistence != "t":
        return "CREATE TABLE", relation_name(node.relation)
    if isinstance(node, ast.IndexStmt) and node.idxname:
        unique = "UNIQUE " if node.unique else ""
        return f"CREATE {unique}INDEX{' CONCURRENTLY' if node.concurrent else ''}", node.idxname
    if isinstance(node, ast.CreateSchemaStmt):
        return "CREATE SCHEMA", node.schemaname or ""
    if isinstance(node, ast.CreateSeqStmt):
        return "CREATE SEQUENCE", relation_name(node.sequence)
    return None


RULE = Rule.for_node(
    ast.CreateStmt,
    ast.IndexStmt,
    ast.CreateSchemaStmt,
    ast.CreateSeqStmt,
    ast.DropStmt,
    id="require-if-not-exists-outside-transaction",
    summary="CREATE without IF NOT EXISTS / DROP without IF EXISTS fails when a non-transactional script reruns",
    severity=Severity.WARNING,
    family=Family.ROBUSTNESS,
    check=check,
    bad=(
        "-- tenantdb: no-transaction\nCREATE TABLE audit_log (id bigint, at timestamptz);",
        "DROP INDEX CONCURRENTLY orders_status_idx;",
        "CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);",
    ),
    good=(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders (status);\n"
        "DROP INDEX CONCURRENTLY IF EXISTS orders_old_status_idx;",
        "CREATE TABLE audit_log (id bigint, at timestamptz);\nDROP TABLE legacy_audit;",
        "BEGIN;\nCREATE TABLE audit_log (id bigint);\nCOMMIT;\n"
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders (status);",
    ),
)
