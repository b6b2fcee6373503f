"""Which data a statement destroys, read from the AST, so the runner can archive it first.

Covered: ``DROP TABLE`` (and ``CASCADE``), ``ALTER TABLE ... DROP COLUMN``, ``TRUNCATE`` (and ``CASCADE``), and
``DELETE`` (the rows its ``WHERE`` selects). Not covered, and reported by the linter instead: ``DROP SCHEMA
... CASCADE``, ``DROP TYPE ... CASCADE``, ``DROP OWNED``, lossy ``ALTER COLUMN TYPE ... USING``, ``UPDATE``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from enum import StrEnum

from pglast import ast

from tenantdb.sql.deparse import deparse
from tenantdb.sql.statements import Statement


class DestructionKind(StrEnum):
    TABLE = "table"  # the whole table goes away
    COLUMN = "column"  # one column goes away
    ROWS = "rows"  # rows go away (TRUNCATE, DELETE); the table stays


@dataclass(frozen=True, slots=True, kw_only=True)
class Destruction:
    """Data a statement is about to destroy."""

    kind: DestructionKind
    schema: str | None
    table: str
    column: str | None = None
    selection: str | None = None  # for DELETE: a SELECT returning exactly the rows it deletes
    cascade: bool = False


def destructions(statement: Statement) -> tuple[Destruction, ...]:
    """The data ``statement`` destroys, in the order it destroys it."""
    node = statement.tree
    if isinstance(node, ast.DropStmt) and getattr(node.removeType, "name", "") == "OBJECT_TABLE":
        cascade = getattr(node.behavior, "name", "") == "DROP_CASCADE"
        return tuple(_table(names, DestructionKind.TABLE, cascade) for names in node.objects or ())
    if isinstance(node, ast.AlterTableStmt) and node.relation is not None:
        return tuple(
            Destruction(
                kind=DestructionKind.COLUMN,
                schema=node.relation.schemaname,
                table=node.relation.relname or "",
                column=cmd.name,
                cascade=getattr(cmd.behavior, "name", "") == "DROP_CASCADE",
            )
            for cmd in node.cmds or ()
            if getattr(cmd.subtype, "name", "") == "AT_DropColumn" and cmd.name
        )
    if isinstance(node, ast.TruncateStmt):
        cascade = getattr(node.behavior, "name", "") == "DROP_CASCADE"
        return tuple(
            Destruction(
                kind=DestructionKind.ROWS, schema=relation.schemaname, table=relation.relname or "", cascade=cascade
            )
            for relation in node.relations or ()
        )
    if isinstance(node, ast.DeleteStmt) and node.relation is not None:
        return (_deleted_rows(node),)
    return ()


def _table(names: tuple[ast.String, ...], kind: DestructionKind, cascade: bool) -> Destruction:
    parts = [part.sval for part in names]
    return Destruction(kind=kind, schema=parts[-2] if len(parts) > 1 else None, table=parts[-1] or "", cascade=cascade)


def _deleted_rows(node: ast.DeleteStmt) -> Destruction:
    relation = node.relation
    assert relation is not None
    if node.withClause is not None or node.whereClause is None:
        selection = None  # every row (a CTE could select anything: archiving the whole table is the safe superset)
    else:
        alias = relation.alias.aliasname if relation.alias else relation.relname
        every_column = ast.ColumnRef(fields=(ast.String(sval=alias or ""), ast.A_Star()))
        query = ast.SelectStmt(
            targetList=(ast.ResTarget(val=every_column),),
            fromClause=(copy.deepcopy(relation), *copy.deepcopy(node.usingClause or ())),
            whereClause=copy.deepcopy(node.whereClause),
        )
        selection = deparse(query)
    return Destruction(
        kind=DestructionKind.ROWS, schema=relation.schemaname, table=relation.relname or "", selection=selection
    )
