"""Create views over tenant tables ``WITH (security_invoker = true)``.

## Why

A view reads its tables with the rights of the view's owner, not of the role querying it. When the owner is the
migration role that owns the tables (row-level security does not apply to owners unless forced) or has
``BYPASSRLS``, the view returns every tenant's rows to whoever may select from it: the policies on the tables
are silently skipped. BI and "summary" views over billing and usage tables are the usual leak.

## Instead

``CREATE VIEW tenant_usage WITH (security_invoker = true) AS SELECT ...`` (PostgreSQL 15+): the view then reads
with the caller's rights, so the caller's policies apply. On PostgreSQL 14 and older, which lack the option,
create the view ``WITH (security_barrier)`` and filter it by the tenant setting in its own ``WHERE``.

## When this is fine

The view is only granted to internal roles that may see every tenant (say ``business_analysts``): suppress it
with that reason. Only tables that have a ``tenant_id`` column or row-level security in these migrations are
considered; views reading other views are not followed. ``ALTER VIEW ... SET (security_invoker = true)`` in a
later statement is not tracked: put the option in the CREATE VIEW.

## See also

``require-rls-on-tenant-table``, ``require-force-rls``, ``ban-matview-for-tenant-roles``; PostgreSQL docs,
CREATE VIEW ("security_invoker").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import iter_nodes, relation_name


def check(node: ast.ViewStmt, context: LintContext) -> Iterator[Hit]:
    if _security_invoker(node.options):
        return
    schema = context.schema
    protected = sorted(
        table for table in _tables_read(node.query) if table in schema.rls_enabled or table in schema.tenant_tables
    )
    if protected:
        view = relation_name(node.view)
        yield Hit(
            f"view {view} reads {', '.join(protected)} with its owner's rights, not the caller's: an owner that owns "
            "those tables or bypasses row-level security (a superuser migration role) shows every tenant's rows",
            hint=f"CREATE VIEW {view} WITH (security_invoker = true) AS ...",
            location=node.view.location if node.view is not None else None,
        )


def _security_invoker(options: Any) -> bool:
    for option in options or ():
        if isinstance(option, ast.DefElem) and option.defname == "security_invoker":
            arg = option.arg
            if arg is None:
                return True
            value = getattr(arg, "boolval", None)
            if value is None:
                value = getattr(arg, "ival", None)
            if value is None:
                value = str(getattr(arg, "sval", "")).lower() in ("true", "on", "yes", "1", "t")
            return bool(value)
    return False


def _tables_read(query: Any) -> set[str]:
    nodes = list(iter_nodes(query))
    ctes = {cte.ctename for cte in nodes if isinstance(cte, ast.CommonTableExpr)}
    return {
        relation_name(item)
        for item in nodes
        if isinstance(item, ast.RangeVar) and not (item.schemaname is None and item.relname in ctes)
    }


RULE = Rule.for_node(
    ast.ViewStmt,
    id="require-security-invoker-view",
    summary="a view over tenant tables bypasses their row-level security",
    severity=Severity.ERROR,
    family=Family.SECURITY,
    check=check,
    min_pg_version=150000,
    bad=(
        "CREATE TABLE usage_daily (tenant_id uuid NOT NULL, day date NOT NULL, emails bigint NOT NULL);\n"
        "CREATE VIEW tenant_usage AS SELECT tenant_id, sum(emails) AS emails FROM usage_daily GROUP BY tenant_id;",
    ),
    good=(
        "CREATE TABLE usage_daily (tenant_id uuid NOT NULL, day date NOT NULL, emails bigint NOT NULL);\n"
        "CREATE VIEW tenant_usage WITH (security_invoker = true) AS\n"
        "SELECT tenant_id, sum(emails) AS emails FROM usage_daily GROUP BY tenant_id;",
        "CREATE TABLE plans (plan_id uuid PRIMARY KEY, name text NOT NULL);\n"
        "CREATE VIEW plan_names AS SELECT name FROM plans;",
    ),
)
