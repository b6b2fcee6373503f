"""Rebuild indexes with ``REINDEX ... CONCURRENTLY`` (PostgreSQL 12+).

## Why

A plain ``REINDEX`` holds SHARE on the table (writes stop) and ACCESS EXCLUSIVE on each index being rebuilt.
Because the planner locks every index of a table it plans a query for, even reads that would never use the
index block: a sequential-scan ``SELECT`` waits for the whole rebuild. ``REINDEX TABLE``, ``SCHEMA`` and
``DATABASE`` do this table after table.

## Instead

``REINDEX INDEX CONCURRENTLY name;`` (or ``TABLE`` / ``SCHEMA`` / ``DATABASE ... CONCURRENTLY``) builds a
replacement next to the old index under SHARE UPDATE EXCLUSIVE and swaps them with a brief lock. It cannot run
in a transaction block; tenantdb detects it and runs the file statement by statement. An interrupted run leaves
an INVALID ``<name>_ccnew`` index (drop it and retry) or ``<name>_ccold`` (just drop it).

## When this is fine

The table was created earlier in the same script, or it is known to be small. ``REINDEX SYSTEM``, system
catalogs and indexes of exclusion constraints cannot be rebuilt concurrently; before PostgreSQL 12 nothing can
(use ``CREATE INDEX CONCURRENTLY`` of a copy, then drop the old one concurrently).

## See also

``require-concurrent-index-creation``, ``require-concurrent-index-deletion``; PostgreSQL docs, REINDEX
("Rebuilding Indexes Concurrently").
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

FALSE = frozenset({"false", "off", "0", "no"})


def check(node: ast.ReindexStmt, context: LintContext) -> Iterator[Hit]:
    if context.pg_version < 12 or _concurrently(node):
        return
    kind = getattr(node.kind, "name", "").removeprefix("REINDEX_OBJECT_")
    target = relation_name(node.relation) or node.name or ""
    table = context.schema.indexes.get(target) if kind == "INDEX" else target if kind == "TABLE" else None
    if table is not None and not context.is_existing_table(table):
        return
    if kind == "SYSTEM":
        hint = "system catalogs cannot be reindexed concurrently: do this in a maintenance window, not a migration"
    else:
        hint = " ".join(filter(None, ("REINDEX", kind, "CONCURRENTLY", target))) + " (outside a transaction)"
    yield Hit(
        " ".join(filter(None, ("REINDEX", kind, target))) + " blocks writes, and even reads, while it rebuilds",
        hint=hint,
        location=node.relation.location if node.relation else None,
    )


def _concurrently(node: ast.ReindexStmt) -> bool:
    for option in node.params or ():
        if option.defname == "concurrently":
            value = getattr(option.arg, "sval", None) or getattr(option.arg, "ival", None)
            return str(value).lower() not in FALSE if option.arg is not None else True
    return False


RULE = Rule.for_node(
    ast.ReindexStmt,
    id="require-concurrent-reindex",
    summary="REINDEX without CONCURRENTLY blocks writes and reads of the table",
    severity=Severity.WARNING,
    family=Family.LOCKING,
    check=check,
    bad=("REINDEX INDEX orders_tenant_idx;", "REINDEX TABLE orders;"),
    good=(
        "REINDEX INDEX CONCURRENTLY orders_tenant_idx;",
        "REINDEX (CONCURRENTLY) TABLE orders;",
        "CREATE TABLE drafts (id bigint);\nCREATE INDEX drafts_id_idx ON drafts (id);\nREINDEX INDEX drafts_id_idx;",
    ),
)
