"""Do not grant SELECT on a materialized view to roles that serve tenants.

## Why

A materialized view stores a copy of its query's rows, and row-level security cannot be enabled on it
(``ENABLE ROW LEVEL SECURITY`` fails: "not supported for materialized views"). The policies of the tables it was built
from do not apply to the copy either. Any role granted ``SELECT`` on a BI rollup such as
``daily_usage_summary`` reads every tenant's rows, whatever ``app.current_tenant_id`` says.
``GRANT SELECT ON ALL TABLES IN SCHEMA`` includes the materialized views already there.

## Instead

Keep materialized views for internal roles and expose tenants a ``security_invoker`` view over a table with RLS:
refresh into a regular rollup table (``INSERT ... ON CONFLICT`` or swap), enable and force RLS with a tenant policy
on it, and grant that. Or put a view in front of the materialized view that filters by
``NULLIF(current_setting('app.current_tenant_id', true), '')::uuid`` and grant only the view.

## When this is fine

The grantee is an internal role that may see every tenant (``business_analysts``): suppress it with that
reason. The rule cannot tell tenant-facing roles from internal ones, so it warns on every grant.

## See also

``require-security-invoker-view``, ``require-rls-on-tenant-table``; PostgreSQL docs, CREATE MATERIALIZED VIEW
and "Row Security Policies".
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

READS = frozenset({"select", "all"})


def check(node: ast.GrantStmt, context: LintContext) -> Iterator[Hit]:
    if not node.is_grant or getattr(node.objtype, "name", "") != "OBJECT_TABLE" or not _grants_read(node):
        return
    matviews = context.schema.matviews
    grantees = ", ".join(_role(spec) for spec in node.grantees or ())
    if getattr(node.targtype, "name", "") == "ACL_TARGET_ALL_IN_SCHEMA":
        found = sorted(matviews)
        what = f"ALL TABLES IN SCHEMA granted to {grantees} includes materialized view {', '.join(found)}"
    else:
        found = [relation_name(item) for item in node.objects or () if isinstance(item, ast.RangeVar)]
        found = [name for name in found if name in matviews]
        what = f"materialized view {', '.join(found)} granted to {grantees}"
    if found:
        yield Hit(
            f"{what}: materialized views cannot have row-level security, so every tenant's rows are readable",
            hint="grant a security_invoker view over an RLS-protected rollup table instead, or keep it internal",
        )


def _grants_read(node: ast.GrantStmt) -> bool:
    if not node.privileges:
        return True  # ALL PRIVILEGES
    return any(isinstance(p, ast.AccessPriv) and (p.priv_name or "").lower() in READS for p in node.privileges)


def _role(spec: ast.RoleSpec) -> str:
    kind = getattr(spec.roletype, "name", "")
    return spec.rolename or kind.removeprefix("ROLESPEC_")


RULE = Rule.for_node(
    ast.GrantStmt,
    id="ban-matview-for-tenant-roles",
    summary="SELECT on a materialized view exposes every tenant's rows",
    severity=Severity.WARNING,
    family=Family.SECURITY,
    check=check,
    bad=(
        "CREATE MATERIALIZED VIEW daily_usage_summary AS\n"
        "SELECT tenant_id, day, sum(emails) AS emails FROM usage_daily GROUP BY tenant_id, day;\n"
        "GRANT SELECT ON daily_usage_summary TO tenant_api;",
    ),
    good=(
        "CREATE TABLE usage_daily (tenant_id uuid NOT NULL, day date NOT NULL, emails bigint NOT NULL);\n"
        "GRANT SELECT ON usage_daily TO tenant_api;",
    ),
)
