"""Enable row-level security, with a policy, on every table that has a ``tenant_id``.

## Why

A table with a ``tenant_id`` column holds several tenants' rows. Without ``ENABLE ROW LEVEL SECURITY`` and a
policy, isolation depends on every query of every service, report and ad-hoc session remembering its
``WHERE tenant_id = ...``; one forgotten filter shows one customer another's data. Rollup and aggregate tables
(daily usage, billing analytics, ``CREATE TABLE ... AS SELECT tenant_id, ...``) are the ones most often
forgotten, because they are "only for reporting" until a tenant-facing dashboard reads them. Enabling RLS
without any policy is the opposite failure: every role but the owner, superusers and ``BYPASSRLS`` roles sees
no rows.

## Instead

In the same set of migrations:

```sql
ALTER TABLE usage_daily ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_daily
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
```

With module ``security`` installed, write ``(SELECT tenantdb_current_tenant())`` in place of the setting: it reads
the plain setting or a signed tenant token (docs/security.md), once per statement, and the module's verify block
expects exactly that predicate on the RESTRICTIVE guard of every tenant table.

## When this is fine

The table is only ever read by internal roles that see all tenants by design (suppress with that reason on the
CREATE TABLE), or RLS is set up by migrations outside the ones linted together. The check runs after every
file, so enabling RLS in a later migration counts. Dropping a policy later is not tracked. A project that keeps
tenants apart in its application code rather than in the database (a queue or workflow engine adopted as it is)
turns the rule off in ``tenantdb.toml``: ``[lint.rules]`` ``require-rls-on-tenant-table = "off"``.

## See also

``require-force-rls``, ``require-tenant-with-check``, ``require-missing-ok-current-setting``; PostgreSQL docs,
"Row Security Policies".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tenantdb.lint.context import LintContext, finding_at
from tenantdb.lint.model import Family, Finding, Hit, Rule, Severity

ENABLE = "ALTER TABLE {0} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;"
POLICY = (
    "CREATE POLICY tenant_isolation ON {0} USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', "
    "true), '')::uuid) WITH CHECK (<same>);"
)


OFF = '[lint.rules] require-rls-on-tenant-table = "off" in tenantdb.toml'


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    return iter(())


def finish(context: LintContext) -> Iterator[Finding]:
    schema = context.schema
    for table, place in sorted(schema.tenant_tables.items()):
        if table not in schema.tables:
            continue
        if table not in schema.rls_enabled:
            yield finding_at(
                RULE,
                place,
                f"{table} has a tenant_id column but row-level security is never enabled: every query must filter "
                "by tenant by hand",
                hint=f"{ENABLE.format(table)} and {POLICY.format(table)} (a project that keeps tenants apart in "
                f"its application code: {OFF})",
            )
        elif not schema.policies.get(table):
            yield finding_at(
                RULE,
                place,
                f"row-level security is enabled on {table} but no policy is created: every role subject to it "
                "sees no rows and every write fails",
                hint=POLICY.format(table),
            )


RULE = Rule.for_node(
    id="require-rls-on-tenant-table",
    summary="a table with tenant_id has no row-level security or no policy",
    severity=Severity.ERROR,
    family=Family.SECURITY,
    check=check,
    finish=finish,
    bad=(
        "CREATE TABLE usage_daily (tenant_id uuid NOT NULL, day date NOT NULL, emails bigint NOT NULL);",
        "CREATE TABLE notes (tenant_id uuid, body text);\n"
        "ALTER TABLE notes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;",
        "CREATE TABLE billing_rollup AS SELECT tenant_id, sum(amount) AS amount FROM payments GROUP BY tenant_id;",
    ),
    good=(
        "CREATE TABLE notes (tenant_id uuid, body text);\n"
        "ALTER TABLE notes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;\n"
        "CREATE POLICY tenant_isolation ON notes\n"
        "    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)\n"
        "    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);",
        "CREATE TABLE plans (plan_id uuid PRIMARY KEY, name text NOT NULL);",
    ),
)
