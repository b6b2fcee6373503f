"""The tables a data-changing statement writes to, read from the AST (writable CTEs included)."""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast

from tenantdb.sql.statements import Statement
from tenantdb.sql.tree import iter_nodes

DATA_CHANGES = ("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt")


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetTable:
    schema: str | None  # None: found through the search path
    table: str


def written_tables(statement: Statement) -> tuple[TargetTable, ...]:
    """Every table an INSERT, UPDATE, DELETE or MERGE in ``statement`` writes to, in order, without repeats."""
    found: list[TargetTable] = []
    for node in iter_nodes(statement.tree):
        if isinstance(node, ast.InsertStmt | ast.UpdateStmt | ast.DeleteStmt | ast.MergeStmt):
            relation = node.relation
            if relation is not None and relation.relname:
                target = TargetTable(schema=relation.schemaname, table=relation.relname)
                if target not in found:
                    found.append(target)
    return tuple(found)


def changes_data_only(statement: Statement) -> bool:
    """A query or a data change (no DDL, no transaction control): what feature switches may run."""
    return statement.node in (*DATA_CHANGES, "SelectStmt")
