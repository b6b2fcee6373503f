"""Do not use ``char(n)`` / ``character(n)``.

## Why

``char(n)`` pads every value with spaces to ``n`` characters. The padding is ignored in comparisons and
dropped when the value becomes text (concatenation, most string functions), but clients receive it: ``'ab'``
and ``'ab  '`` are equal in the database and different in the application. It saves no space (it is stored
like ``text``, padding included) and is not faster. Plain ``char`` means ``char(1)``: longer values fail with
``value too long for type character(1)``.

## Instead

``text`` (with ``CHECK (char_length(c) = 3)`` if the length is fixed, e.g. currency codes).

## When this is fine

Matching another system's schema exactly. The internal single-byte type ``"char"`` (quoted) is not reported.

## See also

``prefer-text-over-varchar``; PostgreSQL wiki, "Don't Do This: Don't use char(n)".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext, column_type, new_columns
from tenantdb.lint.model import Family, Hit, Rule, Severity


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if context.section == "down":
        return  # a down section restores what was there, type included
    for table, column in new_columns(node):
        kind = column_type(column.typeName)
        if kind.name == "bpchar":
            size = f"({kind.typmods[0]})" if kind.typmods else ""
            check_hint = f" CHECK (char_length({column.colname}) = {kind.typmods[0]})" if kind.typmods else ""
            yield Hit(
                f"{table}.{column.colname} is char{size}: values are space-padded and trailing spaces are "
                "ignored in comparisons",
                hint=f"{column.colname} text{check_hint}",
                location=column.typeName.location if column.typeName else column.location,
            )


RULE = Rule.for_node(
    ast.CreateStmt,
    ast.AlterTableStmt,
    id="ban-char-type",
    summary="char(n) pads values with spaces",
    severity=Severity.WARNING,
    family=Family.TYPES,
    check=check,
    bad=(
        "CREATE TABLE prices (id bigint, currency char(3) NOT NULL);",
        "ALTER TABLE customers ADD COLUMN country character(2);",
    ),
    good=(
        "CREATE TABLE prices (id bigint, currency text NOT NULL CHECK (char_length(currency) = 3));",
        'CREATE TABLE flags (id bigint, kind "char");',
    ),
)
