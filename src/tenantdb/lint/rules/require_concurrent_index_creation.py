"""Create indexes on existing tables with ``CONCURRENTLY``.

## Why

A plain ``CREATE INDEX`` holds a SHARE lock on the table for the whole build: reads continue, but every
INSERT, UPDATE and DELETE waits until the index is built — seconds to hours on a large table.

## Instead

``CREATE INDEX CONCURRENTLY`` takes SHARE UPDATE EXCLUSIVE, which lets writes continue. It cannot run in a
transaction block; tenantdb detects it and runs the file statement by statement, and drops the INVALID index
an interrupted build leaves before it retries. With online rewrites on, tenantdb does this rewrite for you.

## When this is fine

The table was created earlier in the same migration (it is empty and nobody else can see it yet), or it is
known to be tiny.

With online rewrites on (the default), the runner rewrites this statement itself on tables of ``[runner]
online_min_size`` (1 MB) or more, and runs it as written on smaller ones, where the build takes milliseconds;
the linter reports it as info, naming the rewrite; info never fails. With ``online = false`` it stays a warning.

## See also

``require-concurrent-index-deletion``, ``require-concurrent-reindex``; PostgreSQL docs, "Building Indexes
Concurrently".
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Derived, Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name


def check(node: ast.IndexStmt, context: LintContext) -> Iterator[Hit]:
    table = relation_name(node.relation)
    if node.concurrent or not context.is_existing_table(table) or table in context.schema.matviews:
        return
    if table in context.schema.views:
        return  # ban-index-on-view reports this one: it cannot work at all
    hit = Hit(
        f"CREATE INDEX on existing table {table} blocks writes for the whole build",
        hint="use CREATE INDEX CONCURRENTLY (tenantdb runs it outside a transaction and retries safely)",
    )
    yield context.rewritten(hit, "concurrent-index")


RULE = Rule.for_node(
    ast.IndexStmt,
    id="require-concurrent-index-creation",
    summary="CREATE INDEX on an existing table without CONCURRENTLY blocks writes",
    severity=Severity.WARNING,
    family=Family.LOCKING,
    reads=(Derived.ONLINE_REWRITES,),
    check=check,
    bad=("CREATE INDEX orders_tenant_idx ON orders (tenant_id);",),
    good=(
        "CREATE INDEX CONCURRENTLY orders_tenant_idx ON orders (tenant_id);",
        "CREATE TABLE orders (id bigint, tenant_id uuid);\nCREATE INDEX orders_tenant_idx ON orders (tenant_id);",
    ),
)
