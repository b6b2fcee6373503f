"""The tables a data-changing statement writes to, read from the AST (writable CTEs included)."""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast

from tenantdb.sql.statements import Statement
from tenantdb.sql.tree import iter_nodes

DATA_CHANGES = ("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt")

# Statements that never write rows to tables (the runner records nothing for a transaction made only of them).
_ROWLESS = frozenset(
    {
        "AlterEnumStmt",
        "AlterSeqStmt",
        "AlterTableStmt",
        "CommentStmt",
        "CompositeTypeStmt",
        "CreateEnumStmt",
        "CreateExtensionStmt",
        "CreateFunctionStmt",
        "CreatePolicyStmt",
        "CreateRoleStmt",
        "CreateSchemaStmt",
        "CreateSeqStmt",
        "CreateStmt",
        "CreateTrigStmt",
        "DefineStmt",
        "DropStmt",
        "GrantRoleStmt",
        "GrantStmt",
        "IndexStmt",
        "RenameStmt",
        "ReindexStmt",
        "TransactionStmt",
        "VacuumStmt",
        "ViewStmt",
    }
)


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


def may_write_rows(statement: Statement) -> bool:
    """False for DDL that never writes rows; True for everything else (DML, functions, CREATE TABLE AS, ...)."""
    return statement.node not in _ROWLESS


def named_relations(statement: Statement) -> tuple[TargetTable, ...]:
    """Every relation ``statement`` names (the tables, views and indexes whose locks it may wait for), in order."""
    found: list[TargetTable] = []
    for node in iter_nodes(statement.tree):
        targets: list[TargetTable] = []
        if isinstance(node, ast.RangeVar) and node.relname:
            targets.append(TargetTable(schema=node.schemaname, table=node.relname))
        elif isinstance(node, ast.DropStmt):
            for name in node.objects or ():
                parts = (
                    [part.sval for part in name if isinstance(part, ast.String) and part.sval]
                    if isinstance(name, tuple)
                    else []
                )
                if 1 <= len(parts) <= 2:
                    targets.append(TargetTable(schema=parts[0] if len(parts) == 2 else None, table=parts[-1]))
        found += [target for target in targets if target not in found]
    return tuple(found)
