"""Do not write ``DROP ... CASCADE``: name every object you remove.

## Why

``CASCADE`` drops whatever depends on the object — views, foreign keys, policies, defaults, functions; with a
schema, whole tables; with a type, every column of that type — and lists nothing of it in the migration. What
it removes depends on the database it runs on, so review cannot see it, and a view a BI tool relies on, or the
foreign key that kept two tables consistent, silently disappears in production. The same goes for
``ALTER TABLE ... DROP COLUMN / DROP CONSTRAINT ... CASCADE`` and ``DROP OWNED ... CASCADE``.

## Instead

Drop the dependent objects first, each by name, then the object itself without ``CASCADE`` (the default
``RESTRICT`` makes PostgreSQL stop with a list of what still depends on it, if you missed something). Find
dependents with ``pg_depend`` or by running the plain ``DROP`` against a copy of production.

## When this is fine

The object was created earlier in the same script, so everything that can depend on it is in the script too.
Statements in down sections are covered by the data-loss rules instead; ``TRUNCATE ... CASCADE`` is reported
by ``ban-truncate`` and ``DROP SCHEMA public CASCADE`` by ``ban-drop-schema-public-cascade``.

## See also

``ban-drop-table``, ``ban-drop-schema``, ``ban-drop-column``; PostgreSQL docs, "Dependency Tracking".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext, created_in_script, drop_targets
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

HINT = "drop the dependent objects first, each by name, then this one without CASCADE"


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if context.section == "down":
        return
    if isinstance(node, ast.AlterTableStmt):
        yield from _alter_table(node, context)
    elif getattr(node.behavior, "name", "") != "DROP_CASCADE":
        return
    elif isinstance(node, ast.DropStmt):
        yield from _drop(node, context)
    else:
        yield Hit("DROP OWNED ... CASCADE also drops everything that depends on the role's objects", hint=HINT)


def _drop(node: ast.DropStmt, context: LintContext) -> Iterator[Hit]:
    kind = getattr(node.removeType, "name", "")
    created = created_in_script(context)
    names = [
        name
        for name in drop_targets(node)
        if (kind, name) not in created and not (kind == "OBJECT_SCHEMA" and name == "public")
    ]
    if names:
        what = kind.removeprefix("OBJECT_").replace("_", " ")
        yield Hit(
            f"DROP {what} {', '.join(names)} CASCADE also drops whatever depends on it, and names none of it",
            hint=HINT,
        )


def _alter_table(node: ast.AlterTableStmt, context: LintContext) -> Iterator[Hit]:
    table = relation_name(node.relation)
    if not context.is_existing_table(table):
        return
    for cmd in node.cmds or ():
        subtype = getattr(cmd.subtype, "name", "")
        if subtype in ("AT_DropColumn", "AT_DropConstraint") and getattr(cmd.behavior, "name", "") == "DROP_CASCADE":
            what = "COLUMN" if subtype == "AT_DropColumn" else "CONSTRAINT"
            yield Hit(
                f"DROP {what} {table}.{cmd.name} CASCADE also drops the views, foreign keys and other objects "
                "that depend on it, and names none of them",
                hint=HINT,
            )


RULE = Rule.for_node(
    ast.DropStmt,
    ast.AlterTableStmt,
    ast.DropOwnedStmt,
    id="ban-drop-cascade",
    summary="DROP ... CASCADE removes dependent objects without naming them",
    severity=Severity.WARNING,
    family=Family.DESTRUCTIVE,
    check=check,
    bad=(
        "DROP TYPE order_status CASCADE;",
        "DROP FUNCTION current_tenant() CASCADE;",
        "ALTER TABLE orders DROP COLUMN legacy_status CASCADE;",
    ),
    good=(
        "DROP VIEW order_totals;\nDROP FUNCTION current_tenant();",
        "CREATE TYPE import_state AS ENUM ('new', 'done');\nDROP TYPE import_state CASCADE;",
        "-- migrate:up\nCREATE TYPE order_status AS ENUM ('new');\n-- migrate:down\nDROP TYPE order_status CASCADE;",
    ),
)
