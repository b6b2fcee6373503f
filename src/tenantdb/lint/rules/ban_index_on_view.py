"""Do not create an index on a view: PostgreSQL refuses it.

## Why

A view stores no rows, so it cannot be indexed: ``CREATE INDEX`` on a view fails with
``"<view>" is not a table or materialized view`` and the migration stops. Guides that "speed up the BI view"
with ``CREATE INDEX CONCURRENTLY ... ON executive_business_summary`` never ran.

## Instead

Index the base tables the view reads (the columns it joins and filters on), or make it a materialized view
(readable only by internal roles) with a unique index so it can be refreshed concurrently.

## When this is fine

Never.

## See also

``ban-policy-on-view``; PostgreSQL docs, CREATE INDEX.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name


def check(node: ast.IndexStmt, context: LintContext) -> Iterator[Hit]:
    name = relation_name(node.relation)
    if name in context.schema.views:
        place = context.schema.views[name]
        yield Hit(
            f"{name} is a view (created at {place.path.name if place.path else '?'}:{place.line}); "
            "PostgreSQL cannot index a view",
            hint="index the base tables the view reads, or use a materialized view",
        )


RULE = Rule.for_node(
    ast.IndexStmt,
    id="ban-index-on-view",
    summary="CREATE INDEX on a view fails",
    severity=Severity.ERROR,
    family=Family.REJECTED,
    check=check,
    bad=(
        "CREATE VIEW tenant_costs AS SELECT 1 AS tenant_id;\n"
        "CREATE INDEX CONCURRENTLY tenant_costs_idx ON tenant_costs (tenant_id);",
    ),
    good=(
        "CREATE MATERIALIZED VIEW tenant_costs AS SELECT 1 AS tenant_id;\n"
        "CREATE UNIQUE INDEX tenant_costs_idx ON tenant_costs (tenant_id);",
    ),
)
