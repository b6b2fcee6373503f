"""Never write ``DROP SCHEMA public CASCADE`` in a migration, not even in a down section.

## Why

``public`` is where most applications keep everything: ``DROP SCHEMA public CASCADE`` deletes every table and
every tenant's rows in it, all views, functions, types, sequences and extension objects installed there, and
whatever elsewhere depends on them. It is a "reset the dev database" idiom; in a down section it turns one
rollback of one migration into the loss of the whole database, and the migration ledger no longer matches
what is left.

## Instead

Undo exactly what the up section did, object by object (``DROP TABLE notes;``, ``DROP FUNCTION f(int);``). To
reset a development database, drop and recreate the database from a script outside the migrations.

## When this is fine

Never in migrations, including down sections and verify blocks.

## See also

``ban-drop-schema``, ``ban-drop-cascade``; PostgreSQL docs, DROP SCHEMA.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext, drop_targets
from tenantdb.lint.model import Family, Hit, Rule, Severity


def check(node: ast.DropStmt, context: LintContext) -> Iterator[Hit]:
    if getattr(node.removeType, "name", "") != "OBJECT_SCHEMA":
        return
    if getattr(node.behavior, "name", "") == "DROP_CASCADE" and "public" in drop_targets(node):
        yield Hit(
            f"DROP SCHEMA public CASCADE in the {context.section} section deletes every table, every tenant's data "
            "and every object in public",
            hint="drop exactly the objects this migration created, each by name",
        )


RULE = Rule.for_node(
    ast.DropStmt,
    id="ban-drop-schema-public-cascade",
    summary="DROP SCHEMA public CASCADE deletes the whole application schema",
    severity=Severity.ERROR,
    family=Family.DATA_LOSS,
    check=check,
    bad=(
        "-- migrate:up\nCREATE TABLE notes (id bigint);\n-- migrate:down\nDROP SCHEMA public CASCADE;\n"
        "CREATE SCHEMA public;",
        "DROP SCHEMA IF EXISTS public CASCADE;",
    ),
    good=(
        "-- migrate:up\nCREATE TABLE notes (id bigint);\n-- migrate:down\nDROP TABLE notes;",
        "DROP SCHEMA IF EXISTS staging CASCADE;",
    ),
)
