"""Refresh materialized views with ``CONCURRENTLY``.

## Why

``REFRESH MATERIALIZED VIEW m`` recomputes the whole view while holding ACCESS EXCLUSIVE on it: every dashboard
or report that reads ``m`` waits until the refresh ends, and the refresh itself waits behind any report already
reading it.

## Instead

``REFRESH MATERIALIZED VIEW CONCURRENTLY m;`` computes the new contents beside the old and applies the
difference under EXCLUSIVE, which still lets readers in. It needs a unique index on ``m`` that covers all rows
(plain columns, no ``WHERE``), and the view must already be populated. It is slower when most rows change.

## When this is fine

The view was created in the same script, it was created ``WITH NO DATA`` and is being populated for the first
time (``CONCURRENTLY`` is not allowed then, and nobody can read it yet), or the statement is ``WITH NO DATA``.

## See also

``ban-index-on-view``; PostgreSQL docs, REFRESH MATERIALIZED VIEW.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name


def check(node: ast.RefreshMatViewStmt, context: LintContext) -> Iterator[Hit]:
    if node.concurrent or node.skipData:
        return
    view = relation_name(node.relation)
    if _created_in_this_script(view, context):
        return
    yield Hit(
        f"REFRESH MATERIALIZED VIEW {view} holds ACCESS EXCLUSIVE: every read of {view} waits for the refresh",
        hint=f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}; (needs a unique index on {view})",
        location=node.relation.location if node.relation else None,
    )


def _created_in_this_script(view: str, context: LintContext) -> bool:
    place = context.schema.matviews.get(view)
    return place is not None and context.section == "up" and place.path == context.path


RULE = Rule.for_node(
    ast.RefreshMatViewStmt,
    id="ban-blocking-refresh-materialized-view",
    summary="REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks every read of the view",
    severity=Severity.WARNING,
    family=Family.LOCKING,
    check=check,
    bad=("REFRESH MATERIALIZED VIEW tenant_usage_daily;",),
    good=(
        "REFRESH MATERIALIZED VIEW CONCURRENTLY tenant_usage_daily;",
        "CREATE MATERIALIZED VIEW tenant_totals AS SELECT 1 AS tenant_id WITH NO DATA;\n"
        "REFRESH MATERIALIZED VIEW tenant_totals;",
    ),
)
