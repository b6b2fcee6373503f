"""Give every table a primary key.

## Why

A table without a primary key cannot be replicated logically: ``UPDATE`` and ``DELETE`` on it fail once the
table is in a publication (no replica identity), which breaks zero-downtime major upgrades and change data
capture. Duplicate rows creep in and cannot be told apart, so a single row cannot be fixed or deleted; ORMs
and Citus distribution need a key; and adding one later builds a unique index on a table that by then holds
duplicates.

## Instead

Declare it when the table is created: ``id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY``, or for a tenant
table ``PRIMARY KEY (tenant_id, id)``. An ``ALTER TABLE ... ADD PRIMARY KEY`` later in the same run counts.

## When this is fine

Temporary tables; partitions (``PARTITION OF`` inherits the parent's key); tables copied with ``LIKE ...
INCLUDING INDEXES`` (or ``INCLUDING ALL``), which copies the key; tables dropped again in the same run.
Append-only logs that are never updated may go without one, with a suppression that says so.

## See also

``ban-drop-primary-key``; PostgreSQL docs, "Replica Identity".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pglast import ast
from pglast.enums import TableLikeOption

from tenantdb.lint.context import LintContext, Place, finding_at
from tenantdb.lint.model import Family, Finding, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

PENDING = "require-primary-key:pending"  # context.extra key: table -> where it was created without a key
COPIES_KEY = TableLikeOption.CREATE_TABLE_LIKE_INDEXES


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if context.section != "up":
        return
    pending: dict[str, Place] = context.extra.setdefault(PENDING, {})
    table = relation_name(node.relation)
    if isinstance(node, ast.CreateStmt):
        pending.pop(table, None)
        if not _needs_key(node):
            return
        pending[table] = context.place()
    elif getattr(node.objtype, "name", "") == "OBJECT_TABLE":
        for cmd in node.cmds or ():
            constraint = cmd.def_
            if getattr(cmd.subtype, "name", "") not in ("AT_AddConstraint", "AT_AddColumn"):
                continue
            constraints = constraint.constraints or () if isinstance(constraint, ast.ColumnDef) else (constraint,)
            if any(
                getattr(c.contype, "name", "") == "CONSTR_PRIMARY" for c in constraints if isinstance(c, ast.Constraint)
            ):
                pending.pop(table, None)
    return
    yield  # a generator: the verdict comes from finish()


def _needs_key(node: ast.CreateStmt) -> bool:
    if getattr(node.relation, "relpersistence", "") == "t" or node.partbound is not None:
        return False
    elements = node.tableElts or ()
    for element in elements:
        if isinstance(element, ast.TableLikeClause) and (element.options or 0) & COPIES_KEY:
            return False
        constraints = element.constraints or () if isinstance(element, ast.ColumnDef) else (element,)
        if any(
            getattr(c.contype, "name", "") == "CONSTR_PRIMARY" for c in constraints if isinstance(c, ast.Constraint)
        ):
            return False
    return True


def finish(context: LintContext) -> Iterable[Finding]:
    pending: dict[str, Place] = context.extra.get(PENDING, {})
    for table, place in pending.items():
        if table not in context.schema.tables:
            continue  # dropped again in the same run
        yield finding_at(
            RULE,
            place,
            f"table {table} has no primary key: UPDATE and DELETE fail once it is logically replicated, and "
            "duplicate rows cannot be told apart",
            hint=f"declare one, e.g. id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, or PRIMARY KEY "
            f"(tenant_id, id); or ALTER TABLE {table} ADD PRIMARY KEY later in the same run",
        )


RULE = Rule.for_node(
    ast.CreateStmt,
    ast.AlterTableStmt,
    id="require-primary-key",
    summary="a table created without a primary key",
    severity=Severity.WARNING,
    family=Family.ROBUSTNESS,
    check=check,
    finish=finish,
    bad=("CREATE TABLE events (tenant_id uuid, body text);", "CREATE TABLE events_copy (LIKE events);"),
    good=(
        "CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text);",
        "CREATE TABLE events (id bigint, body text);\nALTER TABLE events ADD PRIMARY KEY (id);",
        "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
        "CREATE TABLE events_copy (LIKE events INCLUDING ALL);",
        "CREATE TEMPORARY TABLE scratch (a int);",
    ),
)
