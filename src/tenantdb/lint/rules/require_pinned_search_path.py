"""Pin ``search_path`` on every ``SECURITY DEFINER`` function.

## Why

A ``SECURITY DEFINER`` function runs with its owner's rights but resolves unqualified names (tables, functions,
operators) through the *caller's* ``search_path``. A caller who can create objects in any schema on that path —
or in ``pg_temp``, which is searched first for relations unless listed — can put a ``tenants`` table or an
``=`` operator there and have the function use it with the owner's rights: read every tenant, or escalate.

## Instead

Set the path in the function's definition, trusted schemas only, ``pg_temp`` last:

```sql
CREATE FUNCTION current_tenant_plan() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = app, pg_catalog, pg_temp
AS $$ SELECT p.name FROM subscriptions s JOIN plans p USING (plan_id) WHERE ... $$;
```

(or schema-qualify every name in the body and use ``SET search_path = ''``).

## When this is fine

Never for a definer function. ``SET search_path FROM CURRENT`` counts as pinned. A later
``ALTER FUNCTION ... SET search_path`` is not tracked: put the setting in CREATE FUNCTION, so the function is never
callable unpinned.

## See also

``require-security-invoker-view``; PostgreSQL docs, CREATE FUNCTION, "Writing SECURITY DEFINER Functions Safely".
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity

PINNING = frozenset({"VAR_SET_VALUE", "VAR_SET_CURRENT"})


def check(node: ast.CreateFunctionStmt, context: LintContext) -> Iterator[Hit]:
    options = [option for option in node.options or () if isinstance(option, ast.DefElem)]
    definer = any(option.defname == "security" and getattr(option.arg, "boolval", False) for option in options)
    if not definer:
        return
    name = ".".join(getattr(part, "sval", "") for part in node.funcname or ())
    kind = "procedure" if node.is_procedure else "function"
    pins = [option for option in options if _pins_search_path(option)]
    if pins:
        schemas = [getattr(getattr(arg, "val", None), "sval", "") for arg in getattr(pins[-1].arg, "args", None) or ()]
        if schemas and schemas != [""] and schemas[-1] != "pg_temp":
            yield Hit(
                f"SECURITY DEFINER {kind} {name} pins search_path to {', '.join(schemas)} without pg_temp last: "
                "PostgreSQL then searches the caller's temporary schema first, so a temporary table can take "
                "the place of a real one",
                hint=f"SET search_path = {', '.join(schemas)}, pg_temp",
            )
        return
    yield Hit(
        f"SECURITY DEFINER {kind} {name} does not pin search_path: a caller who can create objects in a schema on "
        "their path can make it use them with the owner's rights",
        hint="add SET search_path = <trusted schemas>, pg_catalog, pg_temp to the definition",
    )


def _pins_search_path(option: ast.DefElem) -> bool:
    setting = option.arg
    return (
        option.defname == "set"
        and isinstance(setting, ast.VariableSetStmt)
        and (setting.name or "").lower() == "search_path"
        and getattr(setting.kind, "name", "") in PINNING
    )


RULE = Rule.for_node(
    ast.CreateFunctionStmt,
    id="require-pinned-search-path",
    summary="a SECURITY DEFINER function without a pinned search_path (pg_temp last) can be hijacked",
    severity=Severity.ERROR,
    family=Family.SECURITY,
    check=check,
    bad=(
        "CREATE FUNCTION tenant_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER\n"
        "AS $$ SELECT count(*) FROM tenants $$;",
        "CREATE FUNCTION tenant_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER\n"
        "SET search_path = pg_catalog, public\n"
        "AS $$ SELECT count(*) FROM tenants $$;",
    ),
    good=(
        "CREATE FUNCTION tenant_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER\n"
        "SET search_path = public, pg_catalog, pg_temp\n"
        "AS $$ SELECT count(*) FROM tenants $$;",
        "CREATE FUNCTION tenant_count() RETURNS bigint LANGUAGE sql\nAS $$ SELECT count(*) FROM tenants $$;",
    ),
)
