"""Make keys and ``*_id`` columns ``bigint``, not ``integer`` or ``smallint``.

## Why

``integer`` (``int``, ``int4``, ``serial``) stops at 2,147,483,647 and ``smallint`` at 32,767. An id is
consumed by every insert, including rolled-back ones and sequence caching gaps, so a busy multi-tenant table
gets there: inserts then fail with ``integer out of range`` or ``nextval: reached maximum value``. The fix
at that point, ``ALTER COLUMN id TYPE bigint``, rewrites the table and every index under ACCESS EXCLUSIVE,
and every referencing ``*_id`` column in other tables needs the same rewrite. ``bigint`` costs 4 more bytes
per row (often none, because of alignment padding).

## Instead

``id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`` and ``customer_id bigint REFERENCES customers``.

## When this is fine

Small lookup tables whose size you control (a few hundred statuses or countries), and columns that reference
an external system's 32-bit ids. Ordinary counts and quantities, and the non-``id`` parts of a composite
primary key (a line number), are not reported.

An opinion (runs under ``--profile strict`` or when set in ``[lint.rules]``): an ``integer`` key works
until about 2.1 billion rows or sequence values, which most tables never reach; nothing breaks when the
migration runs.

## See also

``prefer-identity-over-serial``, ``ban-column-type-change``; PostgreSQL docs, "Numeric Types".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext, column_type, new_columns, primary_key
from tenantdb.lint.model import Category, Family, Hit, Rule, Severity

SMALL = {
    "int4": "integer",
    "int2": "smallint",
    "serial": "serial",
    "serial4": "serial",
    "smallserial": "smallserial",
    "serial2": "smallserial",
}
SERIALS = frozenset({"serial", "serial4", "smallserial", "serial2"})


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if context.section == "down":
        return  # a down section restores what was there, type included
    keys = primary_key(node.tableElts or ()) if isinstance(node, ast.CreateStmt) else ()
    keys = keys if len(keys) == 1 else ()  # parts of a composite key are references (*_id) or small counters
    for table, column in new_columns(node):
        kind = column_type(column.typeName)
        name = column.colname or ""
        if kind.name not in SMALL or kind.array:
            continue
        if name in keys or primary_key((column,)) or name == "id" or name.endswith("_id"):
            limit = "32,767" if kind.name in ("int2", "smallserial", "serial2") else "2,147,483,647"
            identity = " GENERATED ALWAYS AS IDENTITY" if kind.name in SERIALS else ""
            yield Hit(
                f"key column {table}.{name} is {SMALL[kind.name]} (at most {limit}); widening it later rewrites "
                "the table and every column that references it",
                hint=f"{name} bigint{identity}",
                location=column.typeName.location if column.typeName else column.location,
            )


RULE = Rule.for_node(
    ast.CreateStmt,
    ast.AlterTableStmt,
    id="prefer-bigint-over-int",
    summary="integer or smallint for a key or *_id column",
    severity=Severity.WARNING,
    category=Category.OPINION,
    family=Family.TYPES,
    check=check,
    bad=(
        "CREATE TABLE invoices (id serial PRIMARY KEY, customer_id integer NOT NULL);",
        "CREATE TABLE invoice_numbers (invoice_no int, CONSTRAINT invoice_numbers_pk PRIMARY KEY (invoice_no));",
        "ALTER TABLE orders ADD COLUMN warehouse_id int;",
    ),
    good=(
        "CREATE TABLE invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint NOT NULL);",
        "CREATE TABLE order_lines (id bigint PRIMARY KEY, quantity integer NOT NULL, position smallint);",
        "CREATE TABLE invoice_lines (invoice_id bigint, line int, PRIMARY KEY (invoice_id, line));",
    ),
)
