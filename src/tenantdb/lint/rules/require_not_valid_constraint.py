"""Add CHECK and FOREIGN KEY constraints to existing tables as ``NOT VALID``, then validate them separately.

## Why

``ALTER TABLE t ADD CONSTRAINT ... CHECK (...)`` scans every row of ``t`` under ACCESS EXCLUSIVE: nothing can
read or write ``t`` until the scan ends. ``ADD ... FOREIGN KEY`` takes SHARE ROW EXCLUSIVE on both ``t`` and the
referenced table and checks every row of ``t``, so writes to both tables stop. A column added with an inline
``REFERENCES`` or ``CHECK`` is checked the same way. Adding ``NOT VALID`` and then running ``VALIDATE
CONSTRAINT`` in the same transaction gains nothing: the strong lock from the ``ADD`` is held through the scan.

## Instead

Add the constraint with ``NOT VALID`` (brief lock, no scan; new rows are checked from now on), commit, and run
``ALTER TABLE t VALIDATE CONSTRAINT name`` in a later transaction: it scans under SHARE UPDATE EXCLUSIVE (ROW
SHARE on the referenced table), so reads and writes continue. For a new column, add the column plain and the
constraint as a separate ``ADD CONSTRAINT ... NOT VALID``. With online rewrites on, tenantdb does this for you.

## When this is fine

The table was created earlier in the same script (it is empty). A foreign key from a new table to an existing
one needs no ``NOT VALID``, though it still takes SHARE ROW EXCLUSIVE on the referenced table for a moment.
On PostgreSQL 17 and older, foreign keys on partitioned tables cannot be ``NOT VALID``.

With online rewrites on (the default), the runner rewrites this statement itself and the linter reports it
as info, naming the rewrite; info never fails. With ``online = false`` it stays a warning.

## See also

``ban-set-not-null``, ``ban-add-unique-constraint``; PostgreSQL docs, ALTER TABLE (``NOT VALID``, Notes).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Derived, Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

SCANNED = {"CONSTR_CHECK": "CHECK", "CONSTR_FOREIGN": "FOREIGN KEY"}
PENDING = "require-not-valid-constraint:pending"  # context.extra key: NOT VALID constraints of the open transaction


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    pending = _pending(context)
    if isinstance(node, ast.TransactionStmt):
        pending.clear()  # BEGIN, COMMIT, ROLLBACK: what follows is another transaction
        return
    if not isinstance(node, ast.AlterTableStmt) or getattr(node.objtype, "name", "") != "OBJECT_TABLE":
        return
    table = relation_name(node.relation)
    if not context.is_existing_table(table):
        return
    one_transaction = context.transactional or context.in_file_transaction
    added_here: set[tuple[str, str]] = set()
    for cmd in node.cmds or ():
        subtype = getattr(cmd.subtype, "name", "")
        if subtype == "AT_AddConstraint" and isinstance(cmd.def_, ast.Constraint):
            hits = _added_constraint(table, cmd.def_, pending if one_transaction else added_here)
            yield from (context.rewritten(hit, "not-valid-constraint") for hit in hits)
        elif subtype == "AT_AddColumn" and isinstance(cmd.def_, ast.ColumnDef):
            yield from _added_column(table, cmd.def_)
        elif subtype == "AT_ValidateConstraint" and cmd.name and (table, cmd.name) in pending | added_here:
            yield Hit(
                f"VALIDATE CONSTRAINT {cmd.name} runs in the same transaction that added it NOT VALID: "
                f"the lock taken by the ADD is held through the scan of {table}",
                hint="commit after ADD CONSTRAINT ... NOT VALID and validate in a later migration or transaction",
                location=node.relation.location if node.relation else None,
            )


def _pending(context: LintContext) -> set[tuple[str, str]]:
    """NOT VALID constraints added in the current transaction of the current script."""
    script = (context.path, context.section)
    state = context.extra.get(PENDING)
    if not isinstance(state, tuple) or state[0] != script:
        state = (script, set())
        context.extra[PENDING] = state
    pending: set[tuple[str, str]] = state[1]
    return pending


def _added_constraint(table: str, constraint: ast.Constraint, pending: set[tuple[str, str]]) -> Iterator[Hit]:
    kind = SCANNED.get(getattr(constraint.contype, "name", ""))
    if kind is None:
        return
    if constraint.skip_validation:
        if constraint.conname and constraint.is_enforced:
            pending.add((table, constraint.conname))
        return
    name = constraint.conname or "<name>"
    added = f"ADD CONSTRAINT {constraint.conname} {kind}" if constraint.conname else f"ADD {kind}"
    yield Hit(
        f"{added} on existing table {table} {_consequence(table, constraint)}",
        hint=f"ADD CONSTRAINT {name} ... NOT VALID, then ALTER TABLE {table} VALIDATE CONSTRAINT {name} "
        "in a later transaction",
        location=constraint.location,
    )


def _added_column(table: str, column: ast.ColumnDef) -> Iterator[Hit]:
    for constraint in column.constraints or ():
        kind = SCANNED.get(getattr(constraint.contype, "name", ""))
        if kind is None:
            continue
        yield Hit(
            f"ADD COLUMN {column.colname} with an inline {kind} on existing table {table} "
            f"{_consequence(table, constraint)}",
            hint=f"add the column plain, then ALTER TABLE {table} ADD CONSTRAINT ... {kind} ... NOT VALID "
            "and VALIDATE CONSTRAINT in a later transaction",
            location=constraint.location,
        )


def _consequence(table: str, constraint: ast.Constraint) -> str:
    if getattr(constraint.contype, "name", "") == "CONSTR_FOREIGN":
        referenced = relation_name(constraint.pktable)
        return f"blocks writes to {table} and {referenced} while every row of {table} is checked"
    return f"blocks reads and writes while every row of {table} is checked"


RULE = Rule.for_node(
    ast.AlterTableStmt,
    ast.TransactionStmt,
    id="require-not-valid-constraint",
    summary="ADD CONSTRAINT CHECK / FOREIGN KEY without NOT VALID scans the table under a blocking lock",
    severity=Severity.WARNING,
    family=Family.LOCKING,
    reads=(Derived.ONLINE_REWRITES,),
    check=check,
    bad=(
        "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);",
        "ALTER TABLE orders ADD CONSTRAINT orders_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id);",
        "ALTER TABLE orders ADD COLUMN plan_id bigint REFERENCES plans (id);",
        "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\n"
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;",
    ),
    good=(
        "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;",
        "-- tenantdb: no-transaction\n"
        "ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;\n"
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_positive;",
        "CREATE TABLE invoices (id bigint, tenant_id uuid);\n"
        "ALTER TABLE invoices ADD CONSTRAINT invoices_tenant_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id);",
    ),
)
