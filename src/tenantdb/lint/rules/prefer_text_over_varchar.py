"""Use ``text`` with a ``CHECK`` on its length instead of ``varchar(n)``.

## Why

In PostgreSQL ``varchar(n)`` is ``text`` plus a length check: it is stored the same way and is no faster. The
limit is the expensive part to change. Raising it is a catalog-only ``ALTER COLUMN TYPE`` but still takes
ACCESS EXCLUSIVE, and it fails with ``cannot alter type of a column used by a view or rule`` while any view
uses the column — so every view over it has to be dropped and recreated in the same migration. Lowering it
rewrites the table. Limits chosen up front ("255") are usually guesses.

## Instead

``name text NOT NULL CHECK (char_length(name) <= 200)``. On an existing table, change a limit by adding the new
check ``NOT VALID``, ``VALIDATE CONSTRAINT`` (SHARE UPDATE EXCLUSIVE: reads and writes continue) and dropping
the old one; views are not affected. ``varchar`` without a length is the same as ``text`` and is not reported.

## When this is fine

Tables you do not own the schema of (matching another system exactly), or a limit that is part of a standard
and will never change (``varchar(2)`` for ISO country codes — though ``text`` with a check works as well).

An opinion (runs under ``--profile strict`` or when set in ``[lint.rules]``): ``varchar(n)`` works
correctly and its cost only shows when the limit changes, which a migration that does it reports on its own
(``ban-column-type-change``).

## See also

``ban-char-type``, ``ban-column-type-change``; PostgreSQL wiki, "Don't Do This: Don't use varchar(n) by default".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext, column_type, new_columns
from tenantdb.lint.model import Category, Family, Hit, Rule, Severity


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if context.section == "down":
        return  # a down section restores what was there, type included
    for table, column in new_columns(node):
        kind = column_type(column.typeName)
        if kind.name == "varchar" and kind.typmods:
            name, limit = column.colname, kind.typmods[0]
            yield Hit(
                f"{table}.{name} is varchar({limit}): changing the limit later needs ACCESS EXCLUSIVE and fails "
                "while a view uses the column",
                hint=f"{name} text CHECK (char_length({name}) <= {limit})",
                location=column.typeName.location if column.typeName else column.location,
            )


RULE = Rule.for_node(
    ast.CreateStmt,
    ast.AlterTableStmt,
    id="prefer-text-over-varchar",
    summary="varchar(n) for a new column",
    severity=Severity.WARNING,
    category=Category.OPINION,
    family=Family.TYPES,
    check=check,
    bad=(
        "CREATE TABLE customers (id bigint, email varchar(255) NOT NULL);",
        "ALTER TABLE customers ADD COLUMN phone character varying(32);",
    ),
    good=(
        "CREATE TABLE customers (id bigint, email text NOT NULL CHECK (char_length(email) <= 320));",
        "ALTER TABLE customers ADD COLUMN nickname varchar;",
    ),
)
