"""Do not drop the primary key of an existing table.

## Why

``ALTER TABLE ... DROP CONSTRAINT <primary key>`` takes ACCESS EXCLUSIVE and removes the index behind it:
every query that looked rows up by key becomes a sequential scan at once, foreign keys that reference it
must be dropped with it (``CASCADE``) or the statement fails, logical replication stops being able to
replicate ``UPDATE`` and ``DELETE`` (no replica identity), and duplicate keys can be inserted from then on.
Adding a key back later needs a full unique index build on a table that may by then hold duplicates.

## Instead

Change a primary key without a window where there is none: build the new key's unique index with ``CREATE
UNIQUE INDEX CONCURRENTLY``, then in one short transaction drop the old constraint and ``ADD CONSTRAINT ...
PRIMARY KEY USING INDEX`` the new one.

## When this is fine

The table was created earlier in the same script, or the same transaction adds the replacement key
(suppress with a reason). The linter knows a key's name when the migrations it read created it; otherwise it
assumes PostgreSQL's default ``<table>_pkey``.

## See also

``require-primary-key``, ``ban-add-unique-constraint``; PostgreSQL docs, ALTER TABLE
(``ADD table_constraint_using_index``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

NAMES = "ban-drop-primary-key:names"  # context.extra key: table -> name of its primary key constraint


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    names: dict[str, str] = context.extra.setdefault(NAMES, {})
    table = relation_name(node.relation)
    if isinstance(node, ast.CreateStmt):
        if context.section == "up" and (name := _declared_key(node.tableElts or ())) is not None:
            names[table] = name or f"{table}_pkey"
        return
    if getattr(node.objtype, "name", "") != "OBJECT_TABLE":
        return
    dropping = context.section == "up" and context.is_existing_table(table)
    for cmd in node.cmds or ():
        subtype = getattr(cmd.subtype, "name", "")
        if (
            subtype == "AT_AddConstraint"
            and context.section == "up"
            and (name := _declared_key((cmd.def_,))) is not None
        ):
            names[table] = name or f"{table}_pkey"
        elif subtype == "AT_DropConstraint" and dropping and cmd.name == names.get(table, f"{table}_pkey"):
            yield Hit(
                f"dropping {cmd.name}, the primary key of {table}: lookups by key become full scans, "
                "duplicates can be inserted and logical replication cannot replicate UPDATE or DELETE",
                hint="build the new key with CREATE UNIQUE INDEX CONCURRENTLY, then drop the old key and ADD "
                "CONSTRAINT ... PRIMARY KEY USING INDEX in one short transaction",
                location=node.relation.location if node.relation else None,
            )


def _declared_key(elements: Any) -> str | None:
    """The name of a PRIMARY KEY among table elements ("" when unnamed), None when there is none."""
    for element in elements:
        constraints = element.constraints or () if isinstance(element, ast.ColumnDef) else (element,)
        for constraint in constraints:
            if isinstance(constraint, ast.Constraint) and getattr(constraint.contype, "name", "") == "CONSTR_PRIMARY":
                return constraint.conname or ""
    return None


RULE = Rule.for_node(
    ast.CreateStmt,
    ast.AlterTableStmt,
    id="ban-drop-primary-key",
    summary="dropping an existing table's primary key",
    severity=Severity.WARNING,
    family=Family.ROBUSTNESS,
    check=check,
    bad=(
        "ALTER TABLE orders DROP CONSTRAINT orders_pkey;",
        "ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_pkey;",
    ),
    good=(
        "ALTER TABLE orders DROP CONSTRAINT orders_total_check;",
        "CREATE TABLE orders (id bigint PRIMARY KEY);\nALTER TABLE orders DROP CONSTRAINT orders_pkey;",
    ),
)
