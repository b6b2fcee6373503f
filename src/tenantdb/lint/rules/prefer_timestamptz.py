"""Store points in time as ``timestamptz``, not ``timestamp`` (without time zone).

## Why

``timestamp`` stores a wall-clock reading with no zone. What it means depends on whoever wrote it: an
application server in UTC and a BI tool or ``psql`` session in ``Europe/Berlin`` write different instants as the
same value, ``now()`` is silently converted to the session's local time on insert, and comparisons across
daylight-saving changes are off by an hour. ``timestamptz`` stores an absolute instant (UTC internally, no extra
space: both are 8 bytes) and converts on input and output using the session's ``TimeZone``.

## Instead

``created_at timestamptz NOT NULL DEFAULT now()``. Changing an existing column later with
``ALTER COLUMN ... TYPE timestamptz`` rewrites the table, so choose it when the column is created.

## When this is fine

The value is genuinely zone-less: a local time of day for a recurring event ("opens at 09:00 wherever the
store is"), or a date-time copied verbatim from an external system, with its zone in a separate column.

A hazard, not an opinion, although it is named ``prefer-``: values written by sessions with different
``TimeZone`` settings are silently stored as different instants, which no later migration can repair.

## See also

``ban-column-type-change``; PostgreSQL wiki, "Don't Do This: Don't use timestamp (without time zone)".
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
        if column_type(column.typeName).name == "timestamp":
            yield Hit(
                f"{table}.{column.colname} is timestamp without time zone: its meaning depends on the writer's "
                "time zone",
                hint=f"{column.colname} timestamptz",
                location=column.typeName.location if column.typeName else column.location,
            )


RULE = Rule.for_node(
    ast.CreateStmt,
    ast.AlterTableStmt,
    id="prefer-timestamptz",
    summary="timestamp without time zone for a new column",
    severity=Severity.WARNING,
    family=Family.TYPES,
    check=check,
    bad=(
        "CREATE TABLE events (id bigint, happened_at timestamp NOT NULL);",
        "ALTER TABLE orders ADD COLUMN shipped_at timestamp without time zone;",
    ),
    good=(
        "CREATE TABLE events (id bigint, happened_at timestamptz NOT NULL DEFAULT now());",
        "ALTER TABLE orders ADD COLUMN shipped_at timestamp with time zone;",
    ),
)
