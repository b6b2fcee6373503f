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

``DROP TABLE IF EXISTS t`` followed in the same script by ``CREATE TABLE t`` is an idempotency guard (a re-run
of a half-applied file starts clean) and is not reported — unless an earlier migration the linter read created
``t``: then the guard drops a table that holds data, which is data loss like any other drop. A guard with no
``CREATE TABLE`` after it is reported: nothing says the table it drops is empty. Lint the whole migrations
directory, not one file, so the linter knows which tables earlier migrations created.

## See also

``ban-drop-column``, ``ban-drop-cascade``, ``ban-truncate``; RELIABILITY.md §1.3 (L26).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pglast import ast

from tenantdb.lint.context import LintContext, drop_targets
from tenantdb.lint.model import Family, Finding, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

GUARDS = "ban-drop-table:guards"  # context.extra key: (file, section, table) -> a DROP TABLE IF EXISTS guard


def check(node: ast.DropStmt | ast.CreateStmt, context: LintContext) -> Iterator[Hit]:
    guards: dict[tuple[Path | None, str, str], Finding] = context.extra.setdefault(GUARDS, {})
    if isinstance(node, ast.CreateStmt):
        guards.pop((context.path, context.section, relation_name(node.relation)), None)  # it was a guard
        return
    if context.section == "down" or getattr(node.removeType, "name", "") != "OBJECT_TABLE":
        return
    tables = []
    for table in drop_targets(node):
        if not context.is_existing_table(table):
            continue
        if node.missing_ok and table not in context.schema.tables:
            # maybe an idempotency guard: fine if this script creates the table again (never created before)
            guards[(context.path, context.section, table)] = context.finding(RULE, _hit([table]))
        else:
            tables.append(table)
    if tables:
        yield _hit(tables)


def _hit(tables: list[str]) -> Hit:
    names, them = ", ".join(tables), "it" if len(tables) == 1 else "them"
    return Hit(
        f"DROP TABLE {names} deletes all rows for every tenant; running code that still uses {them} fails",
        hint="stop using the table first, archive its data, then drop it in a later migration (suppress with a reason)",
    )


def finish(context: LintContext) -> Iterator[Finding]:
    """Guards not followed by a CREATE TABLE of the same name in their script drop a table nobody here created."""
    yield from context.extra.get(GUARDS, {}).values()


RULE = Rule.for_node(
    ast.DropStmt,
    ast.CreateStmt,
    id="ban-drop-table",
    summary="DROP TABLE deletes the table's data for every tenant",
    severity=Severity.WARNING,
    family=Family.DESTRUCTIVE,
    check=check,
    finish=finish,
    bad=("DROP TABLE legacy_invoices;", "DROP TABLE IF EXISTS legacy_invoices, legacy_payments;"),
    good=(
        "CREATE TABLE import_batch (id bigint, payload jsonb);\nDROP TABLE import_batch;",
        "-- migrate:up\nCREATE TABLE notes (id bigint);\n-- migrate:down\nDROP TABLE notes;",
        "-- tenantdb: ignore[ban-drop-table] archived in #1234\nDROP TABLE legacy_invoices;",
        "DROP TABLE IF EXISTS staging_import;\nCREATE TABLE staging_import (id bigint PRIMARY KEY, row jsonb);",
    ),
)
