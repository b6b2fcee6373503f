"""Never drop a database from a migration.

## Why

``DROP DATABASE`` removes every table, every row of every tenant and every object of another database at once;
there is no archive and no undo short of a restore from backup. It cannot run inside a transaction block, so a
transactional migration fails on it after its other statements ran; it fails while anyone is connected (and
``WITH (FORCE)`` terminates those sessions). A migration runs against one database and has no business with
another one.

## Instead

Drop databases by hand, as an operator decision, after a backup — not in a versioned migration that runs
again on every new environment.

## When this is fine

Never in a schema migration. A test-setup script outside the migrations may do it.

## See also

``ban-drop-schema``, ``ban-drop-table``.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity


def check(node: ast.DropdbStmt, context: LintContext) -> Iterator[Hit]:
    yield Hit(
        f"DROP DATABASE {node.dbname} deletes every object and every tenant's rows in it, with no archive and "
        "no undo (and cannot run inside a transaction)",
        hint="drop databases by hand after a backup, never in a migration",
    )


RULE = Rule.for_node(
    ast.DropdbStmt,
    id="ban-drop-database",
    summary="DROP DATABASE in a migration",
    severity=Severity.ERROR,
    family=Family.DESTRUCTIVE,
    check=check,
    bad=("-- tenantdb: no-transaction\nDROP DATABASE IF EXISTS analytics;",),
    good=("DROP SCHEMA IF EXISTS scratch;",),
)
