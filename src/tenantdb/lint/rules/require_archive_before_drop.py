"""Archive the data a down migration destroys before dropping, truncating or deleting it.

## Why

A down section runs long after its up section: between the two, the application wrote real rows into the
tables and columns the migration created — invoices, payments, usage that billing depends on. ``DROP TABLE``,
``ALTER TABLE ... DROP COLUMN``, ``TRUNCATE`` and ``DELETE`` without ``WHERE`` in the down section destroy that
history the moment someone rolls back to fix an unrelated bug, and re-applying the migration brings back the
table but not the rows. PostgreSQL has no undo after ``COMMIT``; a backup restore takes the whole database back.

## Instead

Copy the data out first, in the same down section:

```sql
CREATE TABLE archive_invoices_20240301 AS SELECT * FROM invoices;
DROP TABLE invoices;
```

(``INSERT INTO archive_... SELECT`` or ``COPY ... TO`` count as well). Archiving for down migrations is coming to
tenantdb itself; until then write it out as above.

## When this is fine

The table or column held only derived data that the up section can rebuild (a cache, a rollup recomputed from
detail rows) or the rows the up section itself inserted (seed data): suppress with that reason. Dropping objects
that hold no data (views, indexes, functions, policies, types) is never flagged, nor are tables created earlier
in the same down section. Archives into temporary tables do not count: they vanish with the session.

## See also

``require-rls-on-tenant-table``; PostgreSQL docs, CREATE TABLE AS, COPY.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext, drop_targets
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import iter_nodes, relation_name

ARCHIVED = "require-archive-before-drop:archived"
SUPPRESS = "or suppress with a reason if it held only derived data"


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if context.section != "down":
        return
    archived: set[str] = context.extra.setdefault(ARCHIVED, {}).setdefault((context.path, context.section), set())
    copied = _copied_tables(node)
    if copied is not None:
        archived |= copied
        return
    verb, targets, location = _destroyed(node, context)
    lost = [(table, column) for table, column in targets if table not in archived and context.is_existing_table(table)]
    if not lost:
        return
    table, column = lost[0]
    archive = (
        f"archive_{table}_{column} AS SELECT <key columns>, {column}" if column else f"archive_{table} AS SELECT *"
    )
    others = " (likewise for the others)" if len(lost) > 1 else ""
    names = ", ".join(f"{table}.{column}" if column else table for table, column in lost)
    yield Hit(
        f"down section {verb} {names}: data written since the up section ran (e.g. billing history) is lost for good",
        hint=f"archive first: CREATE TABLE {archive} FROM {table};{others} {SUPPRESS}",
        location=location,
    )


def _copied_tables(node: Any) -> set[str] | None:
    """Tables an archiving statement reads (None when the node does not archive anything)."""
    if isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
        if getattr(node.objtype, "name", "") != "OBJECT_TABLE" or node.into.skipData:
            return None
        if node.into.rel is not None and node.into.rel.relpersistence == "t":
            return None  # a temporary table is gone with the session
        return _read(node.query)
    if isinstance(node, ast.InsertStmt) and node.selectStmt is not None:
        return _read(node.selectStmt) | _read(node.withClause)
    if isinstance(node, ast.CopyStmt) and not node.is_from:
        return {relation_name(node.relation)} if node.relation is not None else _read(node.query)
    return None


def _read(query: Any) -> set[str]:
    found = {relation_name(item) for item in iter_nodes(query) if isinstance(item, ast.RangeVar)}
    found |= {relation_name(d.relation) for d in iter_nodes(query) if isinstance(d, ast.DeleteStmt)}
    return found


def _destroyed(node: Any, context: LintContext) -> tuple[str, list[tuple[str, str]], int | None]:
    """What the statement does, the (table, column or "") it destroys, and where."""
    if isinstance(node, ast.DropStmt) and getattr(node.removeType, "name", "") == "OBJECT_TABLE":
        return "drops table", [(name, "") for name in drop_targets(node) if name], None
    if isinstance(node, ast.TruncateStmt):
        relations = [r for r in node.relations or () if isinstance(r, ast.RangeVar)]
        return "truncates", [(relation_name(r), "") for r in relations], relations[0].location if relations else None
    if isinstance(node, ast.DeleteStmt) and node.whereClause is None and not _moved_into_archive(context):
        relation = node.relation
        return "deletes every row of", [(relation_name(relation), "")], relation.location if relation else None
    if isinstance(node, ast.AlterTableStmt) and getattr(node.objtype, "name", "") == "OBJECT_TABLE":
        table = relation_name(node.relation)
        columns = [
            str(cmd.name) for cmd in node.cmds or () if getattr(cmd.subtype, "name", "") == "AT_DropColumn" and cmd.name
        ]
        return "drops column", [(table, column) for column in columns], None
    return "", [], None


def _moved_into_archive(context: LintContext) -> bool:
    """``WITH gone AS (DELETE FROM t RETURNING *) INSERT INTO archive_t SELECT * FROM gone``."""
    tree = context.statement.tree if context.statement is not None else None
    return isinstance(tree, ast.InsertStmt) and tree.withClause is not None


RULE = Rule.for_node(
    ast.DropStmt,
    ast.AlterTableStmt,
    ast.TruncateStmt,
    ast.DeleteStmt,
    ast.CreateTableAsStmt,
    ast.InsertStmt,
    ast.CopyStmt,
    id="require-archive-before-drop",
    summary="a down section drops, truncates or deletes data without archiving it",
    severity=Severity.ERROR,
    family=Family.DATA_LOSS,
    check=check,
    bad=(
        "-- migrate:up\n"
        "CREATE TABLE invoices (tenant_id uuid NOT NULL, invoice_id uuid NOT NULL, total numeric(12,2) NOT NULL);\n"
        "-- migrate:down\n"
        "DROP TABLE invoices;\n",
        "-- migrate:up\n"
        "ALTER TABLE subscriptions ADD COLUMN discount numeric(5,2);\n"
        "-- migrate:down\n"
        "ALTER TABLE subscriptions DROP COLUMN discount;\n",
    ),
    good=(
        "-- migrate:up\n"
        "CREATE TABLE invoices (tenant_id uuid NOT NULL, invoice_id uuid NOT NULL, total numeric(12,2) NOT NULL);\n"
        "-- migrate:down\n"
        "CREATE TABLE archive_invoices AS SELECT * FROM invoices;\n"
        "DROP TABLE invoices;\n",
        "-- migrate:up\n"
        "CREATE VIEW tenant_totals AS SELECT 1 AS tenant_id;\n"
        "CREATE INDEX CONCURRENTLY subscriptions_status_idx ON subscriptions (status);\n"
        "-- migrate:down\n"
        "DROP VIEW tenant_totals;\n"
        "DROP INDEX CONCURRENTLY subscriptions_status_idx;\n",
        "CREATE TABLE scratch (id int);\nDROP TABLE scratch;",
    ),
)
