"""Do not grant a tenant-facing role ``SELECT`` (or ``ALL``) on a tenant table without row-level security.

## Why

``tenant_api`` and ``application_service`` run the requests of one tenant at a time. A grant on a table that
holds every tenant's rows (it has a ``tenant_id`` or ``company_id`` column) but never enables row-level security
lets that role read them all: one tenant — or an injection in its request — sees every other tenant's data. A
grant to ``PUBLIC`` reaches those roles too.

## Instead

Enable and force row-level security with a policy on the tenant setting before granting::

    ALTER TABLE invoices ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON invoices
        USING (company_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
    GRANT SELECT ON invoices TO tenant_api;

## When this is fine

A shared reference table (plans, currencies) has no tenant column and is not reported. The rule reads every
migration linted together (the ``ENABLE`` may come later) and judges only tables created in them; whether
a role really reaches the rows on a live server (role membership, ``BYPASSRLS``, grants made outside the
migrations) needs the database: ``tenantdb verify`` and the security module's tests check that.

## See also

``require-rls-on-tenant-table``, ``ban-policy-without-rls``, ``ban-grant-all-on-view``; PostgreSQL docs, GRANT and
"Row Security Policies".
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext, Place, finding_at
from tenantdb.lint.model import Family, Finding, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

TENANT_ROLES = frozenset({"tenant_api", "application_service", "public"})
TENANT_COLUMNS = ("tenant_id", "company_id")
READS = frozenset({"select", "all"})
_KEY = "tenant-role-grants"


def check(node: ast.GrantStmt, context: LintContext) -> Iterator[Hit]:
    if context.section != "up" or not node.is_grant or getattr(node.objtype, "name", "") != "OBJECT_TABLE":
        return iter(())
    privileges = {p.priv_name for p in node.privileges or () if isinstance(p, ast.AccessPriv)} or {"all"}
    roles = sorted(
        "public" if getattr(spec.roletype, "name", "") == "ROLESPEC_PUBLIC" else (spec.rolename or "")
        for spec in node.grantees or ()
        if isinstance(spec, ast.RoleSpec)
    )
    tenant_roles = [role for role in roles if role in TENANT_ROLES]
    if privileges & READS and tenant_roles:
        grants: list[tuple[str, str, Place]] = context.extra.setdefault(_KEY, [])
        for target in node.objects or ():
            if isinstance(target, ast.RangeVar):
                grants.append((relation_name(target), ", ".join(tenant_roles), context.place()))
    return iter(())


def finish(context: LintContext) -> Iterator[Finding]:
    schema = context.schema
    for table, roles, place in context.extra.get(_KEY, []):
        columns = schema.columns.get(table, {})
        tenant_column = next((column for column in TENANT_COLUMNS if column in columns), None)
        if table not in schema.tables or table in schema.rls_enabled or tenant_column is None:
            continue
        yield finding_at(
            RULE,
            place,
            f"{roles} may read {table}, which holds every tenant's rows ({tenant_column}) and never enables "
            "row-level security: one tenant sees all of them",
            hint=f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY; and a policy on "
            f"{tenant_column} before the grant",
        )


RULE = Rule.for_node(
    ast.GrantStmt,
    id="ban-tenant-role-grant-without-rls",
    summary="SELECT on a tenant table without row-level security granted to a tenant-facing role",
    severity=Severity.ERROR,
    family=Family.SECURITY,
    check=check,
    finish=finish,
    bad=(
        "CREATE TABLE invoices (company_id uuid NOT NULL, invoice_id uuid NOT NULL, amount numeric(10,2) NOT NULL,\n"
        "    PRIMARY KEY (company_id, invoice_id));\n"
        "GRANT SELECT ON invoices TO tenant_api;",
    ),
    good=(
        "CREATE TABLE invoices (company_id uuid NOT NULL, invoice_id uuid NOT NULL, amount numeric(10,2) NOT NULL,\n"
        "    PRIMARY KEY (company_id, invoice_id));\n"
        "ALTER TABLE invoices ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;\n"
        "CREATE POLICY tenant_isolation ON invoices\n"
        "    USING (company_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);\n"
        "GRANT SELECT ON invoices TO tenant_api;",
        "CREATE TABLE currencies (code text PRIMARY KEY);\nGRANT SELECT ON currencies TO tenant_api;",
    ),
)
