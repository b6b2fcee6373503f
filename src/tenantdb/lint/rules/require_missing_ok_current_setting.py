"""Read the tenant setting with ``NULLIF(current_setting(name, true), '')`` in policies, views and functions.

## Why

``current_setting('app.current_tenant_id')`` raises ``unrecognized configuration parameter`` in every session
that has not set it. In a policy, every query by a role the policy applies to fails in such sessions —
background jobs, BI connections, ``psql`` — instead of seeing no rows. ``current_setting(name, true)`` returns NULL
when the setting was never set, but once a transaction in the same session has run ``SET LOCAL`` or
``set_config(name, value, true)`` and committed, it returns ``''`` — and ``''::uuid`` fails with
``invalid input syntax for type uuid``. Pooled connections make this the common case in production.

## Instead

``NULLIF(current_setting('app.current_tenant_id', true), '')::uuid``: NULL when there is no tenant, so the
policy matches no rows and nothing fails.

## When this is fine

Built-in settings (names without a dot) always exist and are not flagged, nor are casts to ``text``/``varchar``.
Function bodies are checked when they are SQL or PL/pgSQL that pglast can parse; ``EXECUTE`` of built strings is
not.

## See also

``require-rls-on-tenant-table``, ``require-tenant-with-check``; PostgreSQL docs, "System Administration
Functions" (``current_setting``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.bodies import embedded_trees
from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Derived, Family, Hit, Rule, Severity
from tenantdb.lint.walk import function_name, iter_nodes
from tenantdb.sql.deparse import deparse

TEXT_TYPES = frozenset({"text", "varchar", "bpchar", "name"})
SAFE = "NULLIF(current_setting('app.current_tenant_id', true), '')::uuid"


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    spelled = context.statement.text.lower() if context.statement is not None else "current_setting"
    if "current_setting" not in spelled and "u&" not in spelled and "\\" not in spelled:
        return  # the call is named in the text, unless escaped (U&"..." or an E'...' string run by EXECUTE)
    for root, located in _roots(node, context):
        for item in iter_nodes(root):
            hit = _unsafe(item)
            if hit is not None:
                message, hint, location = hit
                yield Hit(message, hint=hint, location=location if located else None)


def _roots(node: Any, context: LintContext) -> list[tuple[Any, bool]]:
    """The expressions to search, and whether their locations are offsets in the statement."""
    if isinstance(node, ast.CreatePolicyStmt | ast.AlterPolicyStmt):
        return [(node.qual, True), (node.with_check, True)]
    if isinstance(node, ast.ViewStmt):
        return [(node.query, True)]
    text = context.statement.text if context.statement is not None else ""
    return [(node.sql_body, True)] + [(tree, False) for tree in embedded_trees(node, text)]


def _unsafe(item: Any) -> tuple[str, str, int | None] | None:
    if _custom_setting(item) and not _missing_ok(item):
        return (
            f"{deparse(item)} raises 'unrecognized configuration parameter' in every session that has not "
            "set it (migrations, jobs, BI connections)",
            f"pass missing_ok and treat '' as unset: {SAFE}",
            item.location,
        )
    call = item.arg if isinstance(item, ast.TypeCast) else None
    if isinstance(item, ast.TypeCast) and isinstance(call, ast.FuncCall) and _custom_setting(call):
        type_name = deparse(item.typeName) if item.typeName is not None else "?"
        if _missing_ok(call) and _type(item) not in TEXT_TYPES:
            return (
                f"{deparse(call)}::{type_name} fails once a committed SET LOCAL left the setting as '' in this "
                f"session (''::{type_name} is invalid input)",
                f"wrap it in NULLIF(..., ''): {SAFE}",
                item.location,
            )
    return None


def _custom_setting(item: Any) -> bool:
    """A current_setting() call for a custom (dotted) setting: built-in settings always exist."""
    if not isinstance(item, ast.FuncCall) or function_name(item) != "current_setting" or not item.args:
        return False
    name = item.args[0]
    return not isinstance(name, ast.A_Const) or "." in str(getattr(name.val, "sval", ""))


def _missing_ok(call: ast.FuncCall) -> bool:
    args = call.args or ()
    if len(args) < 2:
        return False
    flag = args[1]
    if isinstance(flag, ast.A_Const):
        value = getattr(flag.val, "boolval", None)
        if value is None:
            value = str(getattr(flag.val, "sval", "true")).lower() in ("t", "true", "on", "yes", "1")
        return bool(value)
    return True  # an expression: assume the author meant it


def _type(cast: ast.TypeCast) -> str:
    names = cast.typeName.names if cast.typeName is not None else ()
    return str(getattr(names[-1], "sval", "")).lower() if names else ""


RULE = Rule.for_node(
    ast.CreatePolicyStmt,
    ast.AlterPolicyStmt,
    ast.ViewStmt,
    ast.CreateFunctionStmt,
    id="require-missing-ok-current-setting",
    summary="current_setting() without missing_ok, or cast without NULLIF, fails when the tenant is unset",
    severity=Severity.ERROR,
    family=Family.SECURITY,
    reads=(Derived.FUNCTION_BODIES,),
    check=check,
    bad=(
        "CREATE POLICY tenant_isolation ON notes\n"
        "    USING (tenant_id = current_setting('app.current_tenant_id')::uuid);",
        "CREATE POLICY tenant_isolation ON notes\n"
        "    USING (tenant_id = current_setting('app.current_tenant_id', true)::uuid);",
        "CREATE FUNCTION current_tenant() RETURNS uuid LANGUAGE sql STABLE\n"
        "AS $$ SELECT current_setting('app.current_tenant_id')::uuid $$;",
    ),
    good=(
        "CREATE POLICY tenant_isolation ON notes\n"
        "    USING (tenant_id = NULLIF(current_setting('app.current_tenant_id', true), '')::uuid);",
        "CREATE VIEW my_settings AS SELECT current_setting('app.current_tenant_id', true)::text AS tenant;",
    ),
)
