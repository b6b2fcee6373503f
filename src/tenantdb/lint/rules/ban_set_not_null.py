"""Do not ``SET NOT NULL`` on an existing table's column without a validated ``CHECK (c IS NOT NULL)``.

## Why

``ALTER TABLE t ALTER COLUMN c SET NOT NULL`` reads every row of ``t`` to prove there is no NULL, under ACCESS
EXCLUSIVE: reads and writes of ``t`` stop for the whole scan (108 ms on 2 M rows, growing with the table).

## Instead

Prove it first with a constraint that can be validated without blocking, then let PostgreSQL 12+ skip the scan:

1. ``ALTER TABLE t ADD CONSTRAINT t_c_not_null CHECK (c IS NOT NULL) NOT VALID;`` (brief lock, no scan)
2. in a later transaction: ``ALTER TABLE t VALIDATE CONSTRAINT t_c_not_null;`` (scan under SHARE UPDATE EXCLUSIVE)
3. ``ALTER TABLE t ALTER COLUMN c SET NOT NULL;`` (uses the valid CHECK, no scan)
4. ``ALTER TABLE t DROP CONSTRAINT t_c_not_null;``

With online rewrites on, tenantdb does this for you. This rule stays quiet once a validated ``CHECK (c IS NOT
NULL)`` on the column is known from earlier statements.

## When this is fine

The table was created earlier in the same script, or it is known to be small. On PostgreSQL 11 and older the
scan cannot be avoided.

With online rewrites on (the default), the runner rewrites this statement itself and the linter reports it
as info, naming the rewrite; info never fails. With ``online = false`` it stays a warning.

## See also

``require-not-valid-constraint``; PostgreSQL docs, ALTER TABLE (``SET NOT NULL``).
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Derived, Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name


def check(node: ast.AlterTableStmt, context: LintContext) -> Iterator[Hit]:
    table = relation_name(node.relation)
    if getattr(node.objtype, "name", "") != "OBJECT_TABLE" or not context.is_existing_table(table):
        return
    checks = context.schema.not_null_checks.get(table, {})
    for cmd in node.cmds or ():
        if getattr(cmd.subtype, "name", "") != "AT_SetNotNull" or not cmd.name:
            continue
        if (cmd.name, True) in checks.values():
            continue  # a validated CHECK (c IS NOT NULL) lets PostgreSQL 12+ skip the scan
        hit = Hit(
            f"SET NOT NULL on {table}.{cmd.name} scans the whole table under ACCESS EXCLUSIVE",
            hint=_hint(cmd.name, context.pg_version),
            location=node.relation.location if node.relation else None,
        )
        yield context.rewritten(hit, "not-null-via-check")


def _hint(column: str, pg_version: int) -> str:
    if pg_version < 12:
        return "before PostgreSQL 12 the scan cannot be avoided: run it when the table is quiet, with a lock_timeout"
    return (
        f"ADD CONSTRAINT ... CHECK ({column} IS NOT NULL) NOT VALID, VALIDATE it in a later transaction, "
        "then SET NOT NULL (no scan) and drop the CHECK"
    )


RULE = Rule.for_node(
    ast.AlterTableStmt,
    id="ban-set-not-null",
    summary="SET NOT NULL on an existing table scans it under ACCESS EXCLUSIVE",
    severity=Severity.WARNING,
    family=Family.LOCKING,
    reads=(Derived.ONLINE_REWRITES,),
    check=check,
    bad=("ALTER TABLE orders ALTER COLUMN tenant_id SET NOT NULL;",),
    good=(
        "-- tenantdb: no-transaction\n"
        "ALTER TABLE orders ADD CONSTRAINT orders_tenant_not_null CHECK (tenant_id IS NOT NULL) NOT VALID;\n"
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_tenant_not_null;\n"
        "ALTER TABLE orders ALTER COLUMN tenant_id SET NOT NULL;\n"
        "ALTER TABLE orders DROP CONSTRAINT orders_tenant_not_null;",
        "CREATE TABLE invoices (id bigint, tenant_id uuid);\nALTER TABLE invoices ALTER COLUMN tenant_id SET NOT NULL;",
    ),
)
