"""Do not ``GRANT ALL`` on a view: a reporting role needs ``SELECT``, not the right to write through it.

## Why

``GRANT ALL ON <view>`` gives ``INSERT``, ``UPDATE``, ``DELETE``, ``TRUNCATE``, ``REFERENCES`` and ``TRIGGER``
as well as ``SELECT``. A simple view is automatically updatable: a reporting role granted ``ALL`` can change
the base table's rows through it, with the view owner's rights unless the view is ``security_invoker`` — so
a dashboard account becomes a writer of billing data. The grant is also the first thing an auditor flags.

## Instead

Grant what the role does: ``GRANT SELECT ON <view> TO reporting``. Writers get the privileges they need on the
base tables, where row-level security and constraints apply.

## When this is fine

Almost never: the view's owner already has every privilege, and a role that must write through a view is
granted exactly ``INSERT``/``UPDATE``/``DELETE``. Views and materialized views created in the migrations read
are known; a view created elsewhere is not, so a ``GRANT ALL`` on it is not reported.

## See also

``require-security-invoker-view``, ``ban-tenant-role-grant-without-rls``; PostgreSQL docs, GRANT and CREATE VIEW
("Updatable Views").
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name


def check(node: ast.GrantStmt, context: LintContext) -> Iterator[Hit]:
    if not node.is_grant or node.privileges or getattr(node.objtype, "name", "") != "OBJECT_TABLE":
        return
    schema = context.schema
    roles = ", ".join(getattr(role, "rolename", None) or "PUBLIC" for role in node.grantees or ())
    for target in node.objects or ():
        name = relation_name(target) if isinstance(target, ast.RangeVar) else ""
        kind = "view" if name in schema.views else "materialized view" if name in schema.matviews else ""
        if kind:
            yield Hit(
                f"GRANT ALL on {kind} {name} to {roles} also grants INSERT, UPDATE, DELETE and TRUNCATE through it",
                hint=f"GRANT SELECT ON {name} TO {roles}",
                location=target.location,
            )


RULE = Rule.for_node(
    ast.GrantStmt,
    id="ban-grant-all-on-view",
    summary="GRANT ALL on a view lets a reading role write through it",
    severity=Severity.WARNING,
    family=Family.SECURITY,
    check=check,
    bad=(
        "CREATE VIEW plan_revenue AS SELECT plan_id, sum(amount) AS revenue FROM payments GROUP BY plan_id;\n"
        "GRANT ALL ON plan_revenue TO reporting;",
    ),
    good=(
        "CREATE VIEW plan_revenue AS SELECT plan_id, sum(amount) AS revenue FROM payments GROUP BY plan_id;\n"
        "GRANT SELECT ON plan_revenue TO reporting;",
        "CREATE TABLE notes (id bigint PRIMARY KEY);\nGRANT ALL ON notes TO db_administrators;",
    ),
)
