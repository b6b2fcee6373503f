"""Do not create a policy on a table whose row-level security is never enabled: the policy does nothing.

## Why

A policy is only consulted once ``ALTER TABLE ... ENABLE ROW LEVEL SECURITY`` has run on its table. Without it,
``CREATE POLICY`` succeeds, ``pg_policies`` lists the policy, reviews see tenant isolation — and every role
with ``SELECT`` still reads every tenant's rows. Nothing fails, so nobody notices.

## Instead

Enable (and force, so the owner is filtered too) row-level security on the table, in the same migration as its
first policy::

    ALTER TABLE email_costs ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
    CREATE POLICY email_costs_isolation ON email_costs USING (...);

## When this is fine

Never for a table that holds tenants' rows. The rule reads every migration linted together (a directory: the
``ENABLE`` may come in any file, before or after the policy) and only judges tables created in them: a policy
on a table created elsewhere is not reported, since its row-level security may have been enabled there.

## See also

``require-rls-on-tenant-table``, ``require-force-rls``, ``ban-policy-on-view``; PostgreSQL docs, "Row Security
Policies".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext, finding_at
from tenantdb.lint.model import Family, Finding, Hit, Rule, Severity


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    return iter(())  # decided once every migration has been read


def finish(context: LintContext) -> Iterator[Finding]:
    schema = context.schema
    for table, places in schema.policies.items():
        if table not in schema.tables or table in schema.rls_enabled:
            continue
        for place in places:
            yield finding_at(
                RULE,
                place,
                f"policy on {table}, whose row-level security is never enabled: the policy is ignored and every "
                "role with SELECT reads every tenant's rows",
                hint=f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;",
            )


RULE = Rule.for_node(
    ast.CreatePolicyStmt,
    id="ban-policy-without-rls",
    summary="CREATE POLICY on a table whose row-level security is never enabled",
    severity=Severity.ERROR,
    family=Family.SECURITY,
    check=check,
    finish=finish,
    bad=(
        "CREATE TABLE email_costs (tenant_id uuid NOT NULL, cost numeric(10,2) NOT NULL);\n"
        "CREATE POLICY email_costs_isolation ON email_costs\n"
        "    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);",
    ),
    good=(
        "CREATE TABLE email_costs (tenant_id uuid NOT NULL, cost numeric(10,2) NOT NULL);\n"
        "CREATE POLICY email_costs_isolation ON email_costs\n"
        "    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);\n"
        "ALTER TABLE email_costs ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;",
    ),
)
