"""Force row-level security on tables where you enable it.

## Why

``ENABLE ROW LEVEL SECURITY`` does not apply to the table's owner. When the application, a BI tool or a
definer view reads as the owning role — common when one role runs migrations and serves traffic — every
tenant's rows are visible, and the policies look like they work in every test run as another role.

## Instead

``ALTER TABLE t ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;`` (or a separate ``FORCE`` statement in
the same set of migrations). Superusers and ``BYPASSRLS`` roles still bypass it, so keep the application off
those roles.

## When this is fine

The owner is a role that never connects (NOLOGIN) and no definer function or view runs as it.

## See also

``require-rls-on-tenant-table``, ``require-security-invoker-view``; PostgreSQL docs, "Row Security Policies".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tenantdb.lint.context import LintContext, finding_at
from tenantdb.lint.model import Family, Finding, Hit, Rule, Severity


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    return iter(())


def finish(context: LintContext) -> Iterator[Finding]:
    schema = context.schema
    for table, place in sorted(schema.rls_enabled.items()):
        if table in schema.views or table in schema.matviews:
            continue  # ban-policy-on-view reports these: RLS cannot be enabled on them at all
        if table not in schema.rls_forced:
            yield finding_at(
                RULE,
                place,
                f"row-level security on {table} is enabled but not forced: the table owner still sees every tenant",
                hint=f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY;",
            )


RULE = Rule.for_node(
    id="require-force-rls",
    summary="ENABLE ROW LEVEL SECURITY without FORCE leaves the owner unrestricted",
    severity=Severity.ERROR,
    family=Family.SECURITY,
    check=check,
    finish=finish,
    bad=("CREATE TABLE notes (tenant_id uuid, body text);\nALTER TABLE notes ENABLE ROW LEVEL SECURITY;",),
    good=(
        "CREATE TABLE notes (tenant_id uuid, body text);\n"
        "ALTER TABLE notes ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;",
    ),
)
