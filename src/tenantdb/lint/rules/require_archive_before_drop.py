"""Do not let a down section destroy data that tenantdb cannot archive.

## Why

A down section runs long after its up section: between the two, the application wrote real rows into the
tables and columns the migration created — invoices, payments, usage that billing depends on. tenantdb's runner
copies what ``DROP TABLE``, ``ALTER TABLE ... DROP COLUMN``, ``TRUNCATE`` and ``DELETE`` destroy into a
per-migration archive schema, in the same transaction, and puts tables and columns back when the migration is
applied again. It cannot archive what ``DROP SCHEMA ... CASCADE``, ``DROP TYPE`` / ``DROP DOMAIN ... CASCADE``
(every column of that type goes with it) or ``DROP OWNED`` remove, so those are flagged in down sections. With
the archive turned off (``[runner] archive = false``), every destructive statement of a down section is flagged.

## Instead

Drop the tables one by one (each is archived), and the type or schema without ``CASCADE`` once it is empty. With
the archive off, copy the data out first, in the same down section:

```sql
CREATE TABLE archive_invoices_20240301 AS SELECT * FROM invoices;
DROP TABLE invoices;
```

(``INSERT INTO archive_... SELECT`` or ``COPY ... TO`` count as well).

## When this is fine

The objects held only derived data that the up section can rebuild (a cache, a rollup recomputed from detail
rows): suppress with that reason. Dropping objects that hold no data (views, indexes, functions, policies) is
never flagged, nor are tables created earlier in the same down section. Archives into temporary tables do not
count: they vanish with the session.

## See also

``tenantdb archive list``; ``ban-drop-cascade``; PostgreSQL docs, CREATE TABLE AS, COPY.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext, drop_targets
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import dotted, iter_nodes, relation_name

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
    if context.archive:
        yield from _beyond_the_archive(node)
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


def _beyond_the_archive(node: Any) -> Iterator[Hit]:
    """What the runner's archive cannot keep: whole schemas, columns of a dropped type, owned objects."""
    if isinstance(node, ast.DropOwnedStmt):
        yield Hit(
            "down section runs DROP OWNED: every table of the role goes, and tenantdb cannot archive them",
            hint="drop the tables one by one (tenantdb archives each), then the role's remaining objects",
        )
        return
    if not isinstance(node, ast.DropStmt) or getattr(node.behavior, "name", "") != "DROP_CASCADE":
        return
    kind = getattr(node.removeType, "name", "")
    what = {"OBJECT_SCHEMA": "schema", "OBJECT_TYPE": "type", "OBJECT_DOMAIN": "domain"}.get(kind)
    if what is None:
        return
    names = ", ".join(
        dotted(name) if isinstance(name, tuple) else getattr(name, "sval", "") for name in node.objects or ()
    )
    consequence = "every table in it" if what == "schema" else "every column of that type"
    yield Hit(
        f"down section drops {what} {names} with CASCADE: {consequence} goes too, beyond what tenantdb archives",
        hint=f"drop the tables (or columns) first, each is archived, then DROP {what.upper()} {names} without CASCADE",
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
    ast.DropOwnedStmt,
    ast.AlterTableStmt,
    ast.TruncateStmt,
    ast.DeleteStmt,
    ast.CreateTableAsStmt,
    ast.InsertStmt,
    ast.CopyStmt,
    id="require-archive-before-drop",
    summary="a down section destroys data the archive cannot keep (or any data, with the archive off)",
    severity=Severity.ERROR,
    family=Family.DATA_LOSS,
    check=check,
    bad=(
        "-- migrate:up\nCREATE SCHEMA billing;\n-- migrate:down\nDROP SCHEMA billing CASCADE;\n",
        "-- migrate:up\nCREATE TYPE plan_tier AS ENUM ('free', 'pro');\n"
        "ALTER TABLE subscriptions ADD COLUMN tier plan_tier;\n"
        "-- migrate:down\nDROP TYPE plan_tier CASCADE;\n",
    ),
    good=(
        "-- migrate:up\n"
        "CREATE TABLE invoices (tenant_id uuid NOT NULL, invoice_id uuid NOT NULL, total numeric(12,2) NOT NULL);\n"
        "-- migrate:down\n"
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
