"""Give every write policy on a tenant table a check that compares ``tenant_id`` with the current tenant.

## Why

A policy's ``USING`` filters the rows a command can see; its ``WITH CHECK`` decides which new rows it may write.
``CREATE POLICY tenant_write ON notes FOR INSERT WITH CHECK (true)`` lets a tenant insert rows carrying another
tenant's ``tenant_id`` — they appear in the other tenant's reports and invoices. A check that never mentions
``tenant_id`` (``WITH CHECK (current_user = 'app')``) does the same. PostgreSQL's rules: an ``INSERT`` policy has
only ``WITH CHECK``; ``UPDATE`` and ``ALL`` policies without ``WITH CHECK`` check new rows with their ``USING``
expression; a permissive policy with neither lets no row through (inserts then fail with ``new row violates
row-level security policy``).

## Instead

```sql
CREATE POLICY tenant_isolation ON notes
    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);
```

With module ``security`` installed, write ``(SELECT tenantdb_current_tenant())`` in place of the setting: it reads
the plain setting or a signed tenant token (docs/security.md), once per statement, and the module's verify block
expects exactly that predicate on the RESTRICTIVE guard of every tenant table.

## When this is fine

Policies for internal roles that write for every tenant by design (a billing job): suppress with that reason.
Restrictive policies (``AS RESTRICTIVE``) only narrow access and are not checked; nor are tables known to have no
``tenant_id``. ``ALTER POLICY`` is checked when it sets ``WITH CHECK``.

## See also

``require-rls-on-tenant-table``, ``require-missing-ok-current-setting``; PostgreSQL docs, CREATE POLICY
("Policies Applied by Command Type").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import TENANT_COLUMN, LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import iter_nodes, relation_name

WRITES = frozenset({"insert", "update", "all"})
CHECK = f"WITH CHECK ({TENANT_COLUMN} = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid)"


def check(node: ast.CreatePolicyStmt | ast.AlterPolicyStmt, context: LintContext) -> Iterator[Hit]:
    table = relation_name(node.table)
    if not _may_hold_tenants(table, context):
        return
    if isinstance(node, ast.AlterPolicyStmt):
        if node.with_check is not None and not _mentions_tenant(node.with_check):
            yield _hit(str(node.policy_name), table, "the new WITH CHECK", node.with_check)
        return
    if not node.permissive or (node.cmd_name or "all") not in WRITES:
        return
    effective = node.with_check if node.with_check is not None or node.cmd_name == "insert" else node.qual
    if effective is None:
        yield Hit(
            f"{(node.cmd_name or 'all').upper()} policy {node.policy_name} on {table} has no check at all: "
            "PostgreSQL lets no new row through it, so writes fail with 'new row violates row-level security policy'",
            hint=CHECK,
            location=node.table.location if node.table is not None else None,
        )
    elif not _mentions_tenant(effective):
        source = "its WITH CHECK" if node.with_check is not None else "its USING (also used as the check)"
        yield _hit(str(node.policy_name), table, source, effective)


def _may_hold_tenants(table: str, context: LintContext) -> bool:
    columns = context.schema.columns.get(table)
    return columns is None or TENANT_COLUMN in columns


def _mentions_tenant(expr: Any) -> bool:
    return any(
        isinstance(ref, ast.ColumnRef) and ref.fields and getattr(ref.fields[-1], "sval", "") == TENANT_COLUMN
        for ref in iter_nodes(expr)
    )


def _hit(policy: str, table: str, source: str, expr: Any) -> Hit:
    what = f"never mentions {TENANT_COLUMN}"
    if isinstance(expr, ast.A_Const):
        what = "is (true)" if getattr(expr.val, "boolval", None) is True else "is a constant"
    return Hit(
        f"policy {policy} on {table}: {source} {what}, so a tenant can write rows that belong to another tenant",
        hint=CHECK,
        location=getattr(expr, "location", None),
    )


RULE = Rule.for_node(
    ast.CreatePolicyStmt,
    ast.AlterPolicyStmt,
    id="require-tenant-with-check",
    summary="a write policy whose check is missing, true, or ignores tenant_id",
    severity=Severity.ERROR,
    family=Family.SECURITY,
    check=check,
    bad=(
        "CREATE POLICY tenant_write ON notes FOR INSERT WITH CHECK (true);",
        "CREATE POLICY tenant_all ON notes USING (current_user = 'app_service');",
        "CREATE POLICY tenant_insert ON notes FOR INSERT TO application_service;",
    ),
    good=(
        "CREATE POLICY tenant_isolation ON notes\n"
        "    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);",
        "CREATE POLICY tenant_read ON notes FOR SELECT USING (true);",
        "CREATE POLICY tenant_insert ON notes FOR INSERT\n"
        "    WITH CHECK (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);",
    ),
)
