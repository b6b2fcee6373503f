"""Create a role in the migrations before granting anything to it.

## Why

``GRANT SELECT ON payments TO business_analysts`` fails with ``role "business_analysts" does not exist`` when
the role was never created, and the migration stops halfway. Guides often grant to roles they create "once, by
hand" on the author's machine, so the migration works there and fails on a fresh database, in CI, and in every
new region. ``GRANT a TO b`` needs both roles.

## Instead

Create the roles the schema depends on in an early migration, idempotently:

```sql
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'business_analysts') THEN
        CREATE ROLE business_analysts NOLOGIN;
    END IF;
END $$;
```

## When this is fine

The role exists on every server already (created by your infrastructure code). The linter only sees the
migrations, so this is a warning; ``tenantdb plan`` checks the grantees against the real server. ``PUBLIC``,
``CURRENT_USER``, ``SESSION_USER``, ``CURRENT_ROLE`` and predefined ``pg_*`` roles are never flagged; roles created
with ``CREATE ROLE``/``CREATE USER`` or inside a ``DO`` block (PL/pgSQL, also ``EXECUTE 'CREATE ROLE ...'`` with a
constant string) in earlier statements count as created.

## See also

PostgreSQL docs, CREATE ROLE, GRANT, "Predefined Roles".
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.bodies import embedded_trees
from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Derived, Family, Hit, Rule, Severity
from tenantdb.lint.walk import iter_nodes

DO_ROLES = "ban-grant-to-unknown-role:roles-created-in-do"


def check(node: ast.GrantStmt | ast.GrantRoleStmt | ast.DoStmt, context: LintContext) -> Iterator[Hit]:
    known: set[str] = context.extra.setdefault(DO_ROLES, set())
    if isinstance(node, ast.DoStmt):
        if context.section == "up":
            known.update(_created_roles(node))
        return
    if not node.is_grant:
        return
    for name, location in _named_roles(node):
        if name not in context.schema.roles and name not in known and not name.startswith("pg_"):
            yield Hit(
                f"no CREATE ROLE for {name} in these migrations: PostgreSQL rejects the grant with "
                f"'role \"{name}\" does not exist' unless the server already has it",
                hint="create the role in an earlier migration (CREATE ROLE ... NOLOGIN); `tenantdb plan` checks "
                "grantees against the real server",
                location=location,
            )


def _named_roles(node: ast.GrantStmt | ast.GrantRoleStmt) -> list[tuple[str, int | None]]:
    if isinstance(node, ast.GrantStmt):
        specs = list(node.grantees or ())
        granted: list[tuple[str, int | None]] = []
    else:
        specs = list(node.grantee_roles or ())
        granted = [
            (p.priv_name, None) for p in node.granted_roles or () if isinstance(p, ast.AccessPriv) and p.priv_name
        ]
    named = [
        (spec.rolename, spec.location)
        for spec in specs
        if isinstance(spec, ast.RoleSpec) and getattr(spec.roletype, "name", "") == "ROLESPEC_CSTRING" and spec.rolename
    ]
    return granted + named


def _created_roles(node: ast.DoStmt) -> set[str]:
    return {
        item.role
        for tree in embedded_trees(node)
        for item in iter_nodes(tree)
        if isinstance(item, ast.CreateRoleStmt) and item.role
    }


RULE = Rule.for_node(
    ast.GrantStmt,
    ast.GrantRoleStmt,
    ast.DoStmt,
    id="ban-grant-to-unknown-role",
    summary="GRANT to a role that no migration creates",
    severity=Severity.WARNING,
    family=Family.REJECTED,
    reads=(Derived.FUNCTION_BODIES,),
    check=check,
    bad=(
        "CREATE TABLE payments (tenant_id uuid NOT NULL, amount numeric(12,2) NOT NULL);\n"
        "GRANT SELECT ON payments TO business_analysts;",
    ),
    good=(
        "CREATE ROLE business_analysts NOLOGIN;\n"
        "CREATE TABLE payments (tenant_id uuid NOT NULL, amount numeric(12,2) NOT NULL);\n"
        "GRANT SELECT ON payments TO business_analysts;",
        "DO $$ BEGIN\n"
        "    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'business_analysts') THEN\n"
        "        CREATE ROLE business_analysts NOLOGIN;\n"
        "    END IF;\n"
        "END $$;\n"
        "GRANT pg_read_all_data TO business_analysts;",
        "GRANT SELECT ON plans TO PUBLIC;",
    ),
)
