"""Do not add an ``EXCLUDE`` constraint to an existing table.

## Why

``ALTER TABLE ... ADD CONSTRAINT ... EXCLUDE`` builds the constraint's index (usually GiST) and checks every row
against every other while holding ACCESS EXCLUSIVE on the table: nothing can read or write it until the build
ends, minutes on a large table. Unlike CHECK and FOREIGN KEY constraints there is no ``NOT VALID`` for
exclusion constraints, and unlike UNIQUE there is no ``USING INDEX`` to attach an index built
``CONCURRENTLY``; the runner has no online rewrite for it.

## Instead

Create the exclusion constraint with the table. For an existing table: build a new table with the constraint,
copy and backfill, and swap in a short transaction; or run the statement in a maintenance window with a short
``lock_timeout``, with a suppression that says so.

## When this is fine

The table was created earlier in the same script, or it is known to be small.

## See also

``require-not-valid-constraint``, ``ban-add-unique-constraint``; PostgreSQL docs, "Exclusion Constraints".
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name


def check(node: ast.AlterTableStmt, context: LintContext) -> Iterator[Hit]:
    table = relation_name(node.relation)
    if context.section == "down" or getattr(node.objtype, "name", "") != "OBJECT_TABLE":
        return
    if not context.is_existing_table(table):
        return
    for cmd in node.cmds or ():
        constraint = cmd.def_
        if getattr(cmd.subtype, "name", "") != "AT_AddConstraint" or not isinstance(constraint, ast.Constraint):
            continue
        if getattr(constraint.contype, "name", "") == "CONSTR_EXCLUSION":
            name = constraint.conname or "EXCLUDE"
            yield Hit(
                f"adding {name} to existing table {table} builds its index and checks every row under ACCESS "
                f"EXCLUSIVE: reads and writes of {table} stop until it ends (no NOT VALID, no online rewrite)",
                hint="create exclusion constraints with the table; for an existing one, build a new table and "
                "swap, or run it in a maintenance window with a short lock_timeout",
                location=constraint.location,
            )


RULE = Rule.for_node(
    ast.AlterTableStmt,
    id="ban-exclude-constraint-on-existing-table",
    summary="ADD CONSTRAINT ... EXCLUDE on an existing table blocks reads and writes while it builds",
    severity=Severity.WARNING,
    family=Family.LOCKING,
    check=check,
    bad=("ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);",),
    good=(
        "CREATE TABLE bookings (id bigint PRIMARY KEY, room int, during tstzrange);\n"
        "ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);",
    ),
)
