"""Do not add a column with a volatile default to an existing table.

## Why

Since PostgreSQL 11, ``ADD COLUMN ... DEFAULT <expr>`` is a catalog change when ``<expr>`` is not volatile:
the value is computed once and stored in the catalog (constants, ``now()``, ``current_timestamp``,
``current_setting(...)`` are fine). A volatile default must be computed per row, so PostgreSQL rewrites the whole
table and rebuilds every index under ACCESS EXCLUSIVE: reads and writes stop for seconds to hours, and the
rewrite needs about twice the table's disk space. Volatile built-ins include ``random()``,
``gen_random_uuid()``, ``uuid_generate_v1()``/``v4()``, ``clock_timestamp()``, ``timeofday()``, ``nextval()``,
``gen_random_bytes()``. Before PostgreSQL 11 every non-NULL default rewrites the table.

## Instead

1. ``ALTER TABLE t ADD COLUMN c uuid;`` (no default: catalog only)
2. ``ALTER TABLE t ALTER COLUMN c SET DEFAULT gen_random_uuid();`` (applies to new rows only, no rewrite)
3. backfill existing rows in batches (``UPDATE ... WHERE id BETWEEN ...``), outside one long transaction
4. if it must be ``NOT NULL``, follow ``ban-set-not-null``.

## When this is fine

The table was created earlier in the same script, or it is known to be small. Functions you declared yourself
are volatile unless marked ``IMMUTABLE`` or ``STABLE``; this rule only knows the built-ins and common extensions.

## See also

``ban-stored-generated-column``, ``ban-set-not-null``; PostgreSQL docs, ALTER TABLE (Notes) and "Function
Volatility Categories".
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import function_name, iter_nodes, relation_name

VOLATILE = frozenset(
    {
        "random",
        "random_normal",
        "gen_random_uuid",
        "uuidv4",
        "uuidv7",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "gen_random_bytes",
        "gen_salt",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "currval",
        "lastval",
        "setval",
    }
)


def check(node: ast.AlterTableStmt, context: LintContext) -> Iterator[Hit]:
    table = relation_name(node.relation)
    if getattr(node.objtype, "name", "") != "OBJECT_TABLE" or not context.is_existing_table(table):
        return
    for cmd in node.cmds or ():
        if getattr(cmd.subtype, "name", "") != "AT_AddColumn" or not isinstance(cmd.def_, ast.ColumnDef):
            continue
        for constraint in cmd.def_.constraints or ():
            if getattr(constraint.contype, "name", "") == "CONSTR_DEFAULT":
                yield from _default(table, cmd.def_.colname or "", constraint, context.pg_version)


def _default(table: str, column: str, constraint: ast.Constraint, pg_version: int) -> Iterator[Hit]:
    calls = [n for n in iter_nodes(constraint.raw_expr) if isinstance(n, ast.FuncCall) and function_name(n) in VOLATILE]
    if calls:
        reason, location = f"volatile {function_name(calls[0])}()", calls[0].location
    elif pg_version < 11 and not _is_null(constraint.raw_expr):
        reason, location = f"any default (PostgreSQL {pg_version})", constraint.location
    else:
        return
    yield Hit(
        f"ADD COLUMN {column} with a {reason} default rewrites all of {table} under ACCESS EXCLUSIVE",
        hint=f"ADD COLUMN {column} without a default, then ALTER COLUMN {column} SET DEFAULT ..., "
        "then backfill existing rows in batches",
        location=location,
    )


def _is_null(expression: object) -> bool:
    return isinstance(expression, ast.A_Const) and bool(expression.isnull)


RULE = Rule.for_node(
    ast.AlterTableStmt,
    id="ban-volatile-default",
    summary="ADD COLUMN with a volatile default rewrites the table under ACCESS EXCLUSIVE",
    severity=Severity.WARNING,
    family=Family.LOCKING,
    check=check,
    bad=(
        "ALTER TABLE orders ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();",
        "ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp();",
    ),
    good=(
        "ALTER TABLE orders ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();",
        "ALTER TABLE orders ADD COLUMN public_id uuid;\n"
        "ALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();",
        "CREATE TABLE invoices (id bigint);\nALTER TABLE invoices ADD COLUMN public_id uuid DEFAULT gen_random_uuid();",
    ),
)
