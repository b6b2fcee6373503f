"""Do not create policies or enable row-level security on a view: PostgreSQL refuses it.

## Why

Row-level security belongs to tables. ``CREATE POLICY ... ON <view>`` fails with ``"<view>" is not a table``,
and ``ALTER TABLE <view> ENABLE ROW LEVEL SECURITY`` (or ``FORCE``) fails with ``ALTER action ENABLE ROW
SECURITY cannot be performed on relation "<view>"`` — "This operation is not supported for views" (or "for
materialized views"). The migration stops, and the tenant isolation it was meant to add never existed.

## Instead

Put the policies on the base tables the view reads, with ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` there.
Make the view ``WITH (security_invoker = true)`` (PostgreSQL 15+) so it reads the tables as the querying role
and the policies apply; a plain view reads them as its owner, who usually bypasses them. A materialized view
has no row security at all: keep it away from tenant roles and expose it through a filtering view or
function.

## When this is fine

Never.

## See also

``ban-index-on-view``, ``require-force-rls``; PostgreSQL docs, CREATE POLICY and CREATE VIEW
(``security_invoker``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

RLS_COMMANDS = {"AT_EnableRowSecurity": "ENABLE", "AT_ForceRowSecurity": "FORCE"}


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if isinstance(node, ast.CreatePolicyStmt):
        name = relation_name(node.table)
        kind = _view_kind(name, context)
        if kind:
            yield Hit(
                f"CREATE POLICY {node.policy_name} on {kind} {name}: PostgreSQL refuses policies on views",
                hint=_hint(kind),
                location=node.table.location if node.table else None,
            )
    elif isinstance(node, ast.AlterTableStmt):
        name = relation_name(node.relation)
        kind = _view_kind(name, context)
        verbs = [RLS_COMMANDS[s] for cmd in node.cmds or () if (s := getattr(cmd.subtype, "name", "")) in RLS_COMMANDS]
        if kind and verbs:
            yield Hit(
                f"{' / '.join(verbs)} ROW LEVEL SECURITY on {kind} {name}: PostgreSQL refuses it "
                f"(not supported for {kind}s)",
                hint=_hint(kind),
                location=node.relation.location if node.relation else None,
            )


def _view_kind(name: str, context: LintContext) -> str:
    if name in context.schema.views:
        return "view"
    return "materialized view" if name in context.schema.matviews else ""


def _hint(kind: str) -> str:
    if kind == "view":
        return "put the policies on the base tables and create the view WITH (security_invoker = true)"
    return "put the policies on the base tables; keep the materialized view away from tenant roles"


RULE = Rule.for_node(
    ast.CreatePolicyStmt,
    ast.AlterTableStmt,
    id="ban-policy-on-view",
    summary="CREATE POLICY / ENABLE ROW LEVEL SECURITY on a view fails",
    severity=Severity.ERROR,
    family=Family.REJECTED,
    check=check,
    bad=(
        "CREATE VIEW tenant_orders AS SELECT * FROM orders;\n"
        "CREATE POLICY tenant_isolation ON tenant_orders USING (tenant_id = current_setting('app.tenant')::uuid);",
        "CREATE MATERIALIZED VIEW tenant_costs AS SELECT 1 AS tenant_id;\n"
        "ALTER TABLE tenant_costs ENABLE ROW LEVEL SECURITY;",
    ),
    good=(
        "ALTER TABLE orders ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;\n"
        "CREATE POLICY tenant_isolation ON orders USING (tenant_id = current_setting('app.tenant')::uuid);\n"
        "CREATE VIEW tenant_orders WITH (security_invoker = true) AS SELECT * FROM orders;",
    ),
)
