"""Keep the old values before an ``UPDATE`` overwrites existing rows, or the rollback cannot bring them back.

## Why

``UPDATE companies SET plan_name = 'enterprise' WHERE name LIKE 'Acme%'`` in an up section replaces values that
existed before the migration. Its ``-- migrate:down`` can only guess what they were (``SET plan_name =
'starter'`` is wrong for every company that was on another plan), so rolling back corrupts data instead of
restoring it. tenantdb archives what ``DROP TABLE``, ``DROP COLUMN``, ``TRUNCATE`` and ``DELETE`` destroy and
restores it on rollback, but an ``UPDATE`` overwrites values in place: there is nothing to archive automatically.

## Instead

Copy the key and the old values first, in the same migration, and restore from the copy in the down section::

    -- migrate:up
    CREATE TABLE companies_plan_before_0003 AS
        SELECT company_id, plan_name FROM companies WHERE name LIKE 'Acme%';
    UPDATE companies SET plan_name = 'enterprise' WHERE name LIKE 'Acme%';
    -- migrate:down
    UPDATE companies c SET plan_name = b.plan_name FROM companies_plan_before_0003 b
        WHERE b.company_id = c.company_id;
    DROP TABLE companies_plan_before_0003;   -- tenantdb archives the copy before dropping it

## When this is fine

Backfilling a column added earlier in the same script (its old values are all NULL or its default, and the
down drops the column) or renamed in it (the script gives the column a new meaning, and the old values are not
what the new name says) and updating a table created in the same script are not reported; neither is an
``UPDATE`` after the script copied the table (``CREATE TABLE ... AS SELECT ... FROM`` it, or ``INSERT INTO`` a
table the script created ``SELECT ... FROM`` it). Filling NULLs (``SET phone = '' WHERE phone IS NULL``: the
old value is known, NULL) and bookkeeping timestamps (``updated_at``, ``modified_at``) are not reported either.
A value that is derived and can be recomputed may be suppressed with that reason.

## See also

``ban-down-deletes-new-rows``, ``require-archive-before-drop``; DESIGN.md "State in the database" (archive).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast
from pglast.enums import BoolExprType, NullTestType

from tenantdb.lint.context import LintContext, new_columns
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import iter_nodes, relation_name

# timestamps a data migration touches as a matter of course; their old values are not what a rollback restores
BOOKKEEPING = frozenset({"updated_at", "modified_at", "updated_on", "last_modified", "last_modified_at"})


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if context.section != "up":
        return
    key = f"irreversible-update:{context.path}"
    added: set[tuple[str, str]] = context.extra.setdefault(f"{key}:added", set())
    copied: set[str] = context.extra.setdefault(f"{key}:copied", set())
    if isinstance(node, ast.AlterTableStmt):
        added.update((table, column.colname or "") for table, column in new_columns(node))
    elif isinstance(node, ast.RenameStmt) and getattr(node.renameType, "name", "") == "OBJECT_COLUMN":
        added.add((relation_name(node.relation), node.newname or ""))  # the script gives it a new meaning
    elif isinstance(node, ast.CreateTableAsStmt) or (
        isinstance(node, ast.InsertStmt) and not context.is_existing_table(relation_name(node.relation))
    ):  # a copy into a table this script created
        source = node.query if isinstance(node, ast.CreateTableAsStmt) else node.selectStmt
        copied.update(relation_name(n) for n in iter_nodes(source) if isinstance(n, ast.RangeVar))
    elif isinstance(node, ast.UpdateStmt):
        table = relation_name(node.relation)
        if not context.is_existing_table(table) or table in copied:
            return
        columns = [target.name for target in node.targetList or () if isinstance(target, ast.ResTarget)]
        known = _null_only(node.whereClause) | BOOKKEEPING
        if not columns or all((table, column) in added or column in known for column in columns):
            return
        shown = ", ".join(str(column) for column in columns)
        yield Hit(
            f"UPDATE {table} overwrites {shown} of rows that existed before this migration and nothing keeps "
            "the old values: the rollback cannot restore them (tenantdb archives deleted rows, not updated values)",
            hint=f"copy the key and {shown} of the rows it changes into a table of their own first "
            f"({table}_before_<version>, CREATE TABLE ... AS), and restore from it in the down section",
            location=node.relation.location if node.relation else None,
        )


def _null_only(where: Any) -> set[str]:
    """Columns the WHERE restricts to ``IS NULL`` (in a top-level AND): their old value is known to be NULL."""
    conditions = where.args or () if isinstance(where, ast.BoolExpr) and where.boolop == BoolExprType.AND_EXPR else ()
    found = set()
    for condition in conditions or (where,):
        if isinstance(condition, ast.NullTest) and condition.nulltesttype == NullTestType.IS_NULL:
            fields = condition.arg.fields if isinstance(condition.arg, ast.ColumnRef) else ()
            found.add(str(getattr(fields[-1], "sval", ""))) if fields else None
    return found


RULE = Rule.for_node(
    ast.UpdateStmt,
    ast.AlterTableStmt,
    ast.RenameStmt,
    ast.CreateTableAsStmt,
    ast.InsertStmt,
    id="ban-irreversible-update",
    summary="UPDATE of existing rows with no copy of the old values for the rollback",
    severity=Severity.WARNING,
    family=Family.DATA_LOSS,
    check=check,
    bad=(
        "-- migrate:up\nUPDATE companies SET plan_name = 'enterprise' WHERE name LIKE 'Acme%';\n"
        "-- migrate:down\nUPDATE companies SET plan_name = 'starter' WHERE name LIKE 'Acme%';",
    ),
    good=(
        "-- migrate:up\nCREATE TABLE companies_plan_before_0003 AS\n"
        "    SELECT company_id, plan_name FROM companies WHERE name LIKE 'Acme%';\n"
        "UPDATE companies SET plan_name = 'enterprise' WHERE name LIKE 'Acme%';\n"
        "-- migrate:down\nUPDATE companies c SET plan_name = b.plan_name FROM companies_plan_before_0003 b\n"
        "    WHERE b.company_id = c.company_id;",
        "-- migrate:up\nUPDATE companies SET phone = '', updated_at = now() WHERE phone IS NULL;\n"
        "ALTER TABLE companies ALTER COLUMN phone SET NOT NULL;",
        "-- migrate:up\nALTER TABLE companies ADD COLUMN seats integer;\nUPDATE companies SET seats = 5;\n"
        "-- migrate:down\nALTER TABLE companies DROP COLUMN seats;",
    ),
)
