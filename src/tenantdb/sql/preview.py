"""What ``tenantdb plan`` runs in place of statements that cannot run inside its rolled-back transaction."""

from __future__ import annotations

import copy
from dataclasses import dataclass

from pglast import ast

from tenantdb.sql.deparse import deparse
from tenantdb.sql.statements import Statement, TransactionMode


@dataclass(frozen=True, slots=True, kw_only=True)
class OutsideStatement:
    """A statement that runs outside a transaction: its documented lock and a runnable stand-in."""

    lock: str  # the lock PostgreSQL documents for the concurrent form, on the table
    table: str | None
    stand_in: str | None  # same effect, runnable in a transaction (None: nothing to preview)


def outside_statement(statement: Statement) -> OutsideStatement | None:
    """For a statement that cannot run in a transaction, how the preview treats it (None for the others)."""
    if statement.transaction is not TransactionMode.OUTSIDE:
        return None
    node = copy.deepcopy(statement.tree)
    if isinstance(node, ast.IndexStmt):
        node.concurrent = False
        table = node.relation.relname if node.relation else None
        return OutsideStatement(lock="ShareUpdateExclusiveLock", table=table, stand_in=deparse(node))
    if isinstance(node, ast.DropStmt):
        node.concurrent = False
        return OutsideStatement(lock="ShareUpdateExclusiveLock", table=None, stand_in=deparse(node))
    if isinstance(node, ast.ReindexStmt):
        node.params = tuple(p for p in node.params or () if p.defname != "concurrently") or None
        table = node.relation.relname if node.relation else None
        return OutsideStatement(lock="ShareUpdateExclusiveLock", table=table, stand_in=deparse(node))
    if isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            if isinstance(cmd.def_, ast.PartitionCmd):
                cmd.def_.concurrent = False
        table = node.relation.relname if node.relation else None
        return OutsideStatement(lock="ShareUpdateExclusiveLock", table=table, stand_in=deparse(node))
    if isinstance(node, ast.VacuumStmt):
        return OutsideStatement(lock="ShareUpdateExclusiveLock", table=None, stand_in=None)
    return OutsideStatement(lock="", table=None, stand_in=None)
