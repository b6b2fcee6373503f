"""Build unique indexes concurrently before adding UNIQUE or PRIMARY KEY constraints to existing tables.

## Why

``ALTER TABLE t ADD UNIQUE (...)`` / ``ADD PRIMARY KEY (...)`` builds the index while holding ACCESS EXCLUSIVE
on ``t``: nothing can read or write the table for the whole build (1.2 s on 2 M rows, growing with the table).
A ``UNIQUE`` or ``PRIMARY KEY`` written inline on ``ADD COLUMN`` does the same.

## Instead

1. ``CREATE UNIQUE INDEX CONCURRENTLY t_code_key ON t (code);`` (SHARE UPDATE EXCLUSIVE, writes continue;
   outside a transaction, and check it is valid afterwards)
2. ``ALTER TABLE t ADD CONSTRAINT t_code_key UNIQUE USING INDEX t_code_key;`` (brief lock, no build)

For a primary key, make the columns ``NOT NULL`` first the scan-free way (see ``ban-set-not-null``): ``ADD
PRIMARY KEY USING INDEX`` otherwise sets them NOT NULL with a full scan. With online rewrites on, tenantdb does
this for you. Exclusion constraints have no such path and are not reported here.

## When this is fine

The table was created earlier in the same script, or it is known to be small.

With online rewrites on (the default), the runner rewrites this statement itself and the linter reports it
as info, naming the rewrite; info never fails. With ``online = false`` it stays a warning.

## See also

``require-concurrent-index-creation``, ``ban-set-not-null``; PostgreSQL docs, ALTER TABLE (``ADD
table_constraint_using_index``).
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Derived, Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

KEYS = {"CONSTR_UNIQUE": "UNIQUE", "CONSTR_PRIMARY": "PRIMARY KEY"}


REWRITE = "unique-via-concurrent-index"  # the runner's online rewrite of ADD UNIQUE / PRIMARY KEY (cols)


def check(node: ast.AlterTableStmt, context: LintContext) -> Iterator[Hit]:
    table = relation_name(node.relation)
    if getattr(node.objtype, "name", "") != "OBJECT_TABLE" or not context.is_existing_table(table):
        return
    for cmd in node.cmds or ():
        subtype = getattr(cmd.subtype, "name", "")
        if subtype == "AT_AddConstraint" and isinstance(cmd.def_, ast.Constraint):
            yield from (context.rewritten(hit, REWRITE) for hit in _constraint(table, cmd.def_, None))
        elif subtype == "AT_AddColumn" and isinstance(cmd.def_, ast.ColumnDef):
            for constraint in cmd.def_.constraints or ():
                yield from _constraint(table, constraint, cmd.def_.colname)


def _constraint(table: str, constraint: ast.Constraint, column: str | None) -> Iterator[Hit]:
    """``column`` is the new column for a constraint written inline on ``ADD COLUMN``."""
    kind = KEYS.get(getattr(constraint.contype, "name", ""))
    if kind is None or constraint.indexname:
        return
    columns = [getattr(key, "sval", "") for key in constraint.keys or ()] or [column or ""]
    default = f"{table}_pkey" if kind == "PRIMARY KEY" else "_".join([table, *columns, "key"])
    name = constraint.conname or default
    where = f" on new column {column}" if column else ""
    yield Hit(
        f"ADD {kind}{where} builds its index under ACCESS EXCLUSIVE on {table}: reads and writes stop for the build",
        hint=f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} ({', '.join(columns)}); "
        f"then ALTER TABLE {table} ADD CONSTRAINT {name} {kind} USING INDEX {name};",
        location=constraint.location,
    )


RULE = Rule.for_node(
    ast.AlterTableStmt,
    id="ban-add-unique-constraint",
    summary="ADD UNIQUE / PRIMARY KEY on an existing table builds the index under ACCESS EXCLUSIVE",
    severity=Severity.WARNING,
    family=Family.LOCKING,
    reads=(Derived.ONLINE_REWRITES,),
    check=check,
    bad=(
        "ALTER TABLE tenants ADD CONSTRAINT tenants_slug_key UNIQUE (slug);",
        "ALTER TABLE tenants ADD COLUMN code text UNIQUE;",
    ),
    good=(
        "-- tenantdb: no-transaction\n"
        "CREATE UNIQUE INDEX CONCURRENTLY tenants_slug_key ON tenants (slug);\n"
        "ALTER TABLE tenants ADD CONSTRAINT tenants_slug_key UNIQUE USING INDEX tenants_slug_key;",
        "CREATE TABLE invoices (id bigint, number text);\nALTER TABLE invoices ADD PRIMARY KEY (id);",
    ),
)
