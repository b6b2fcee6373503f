"""Split SQL text into statements with the real PostgreSQL parser (pglast), keeping character spans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pglast
from pglast import ast, parser

from tenantdb.errors import TenantdbError
from tenantdb.sql.tree import parse_trees


class SqlSyntaxError(TenantdbError):
    """PostgreSQL's parser rejected the text; ``offset`` and ``line`` point at the problem."""

    def __init__(self, message: str, *, offset: int, line: int) -> None:
        super().__init__(message)
        self.offset = offset
        self.line = line


class TransactionMode(StrEnum):
    """How a statement relates to transaction blocks."""

    ANY = "any"  # runs inside or outside a transaction block
    OUTSIDE = "outside"  # PostgreSQL refuses it inside a transaction block
    CONTROL = "control"  # BEGIN, COMMIT, SAVEPOINT, ...: the file manages its own transactions


@dataclass(frozen=True, slots=True, kw_only=True)
class ConcurrentIndexTarget:
    """The index a concurrent build or rebuild leaves behind INVALID when interrupted."""

    schema: str | None
    name: str | None
    table_schema: str | None
    table: str | None
    rebuild: bool  # REINDEX ... CONCURRENTLY (leaves <name>_ccnew) rather than CREATE INDEX


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """One SQL statement of a source text, without its trailing semicolon."""

    text: str
    start: int  # character offset in the source text
    end: int  # character offset just past the statement
    line: int  # 1-based line of ``start`` in the source text
    node: str  # pglast node name, e.g. "IndexStmt"
    transaction: TransactionMode
    concurrent_index: ConcurrentIndexTarget | None = None
    tree: Any = field(default=None, compare=False, repr=False)  # the pglast node, for the linter
    base: int = field(default=0, compare=False, repr=False)  # offset the tree's node locations count from


def line_of(source: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return source.count("\n", 0, offset) + 1


def split_statements(source: str, start: int = 0, end: int | None = None) -> tuple[Statement, ...]:
    """Split ``source[start:end]`` into statements; spans and lines refer to the whole ``source``."""
    end = len(source) if end is None else end
    chunk = source[start:end]
    try:
        raws = parse_trees(chunk)
    except parser.ParseError as error:
        message, index = error.args[0], error.args[1] if len(error.args) > 1 else 0
        offset = start + int(index)
        raise SqlSyntaxError(str(message), offset=offset, line=line_of(source, offset)) from None
    statements = []
    counted, line = 0, 1  # lines counted incrementally: one pass over the source, not one per statement
    for raw in raws:
        node = raw.stmt
        assert node is not None
        begin = start + (raw.stmt_location or 0)
        stop = begin + raw.stmt_len if raw.stmt_len else end
        text = source[begin:stop].strip().rstrip(";").rstrip()
        line += source.count("\n", counted, begin)
        counted = begin
        statements.append(
            Statement(
                text=text,
                start=begin,
                end=begin + len(text),
                line=line,
                node=type(raw.stmt).__name__,
                transaction=transaction_mode(node),
                concurrent_index=concurrent_index_target(node),
                tree=node,
                base=start,
            )
        )
    return tuple(statements)


def transaction_mode(node: ast.Node) -> TransactionMode:
    """Whether PostgreSQL accepts ``node`` inside a transaction block."""
    if isinstance(node, ast.TransactionStmt):
        return TransactionMode.CONTROL
    if _must_run_outside_transaction(node):
        return TransactionMode.OUTSIDE
    return TransactionMode.ANY


_OPENING = frozenset({"TRANS_STMT_BEGIN", "TRANS_STMT_START"})
_CLOSING = frozenset({"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"})


def opens_transaction(node: object) -> bool:
    """``BEGIN`` or ``START TRANSACTION``: a file's own transaction block starts here."""
    return isinstance(node, ast.TransactionStmt) and getattr(node.kind, "name", "") in _OPENING


def closes_transaction(node: object) -> bool:
    """``COMMIT``, ``ROLLBACK`` or ``PREPARE TRANSACTION``: the block ends (savepoints stay inside it)."""
    return isinstance(node, ast.TransactionStmt) and getattr(node.kind, "name", "") in _CLOSING


def resumes_at(statements: Sequence[Statement], failed: Statement) -> int:
    """Where a statement-by-statement run resumes after ``failed`` (by position in ``statements``): at it, or at the
    ``BEGIN`` of the file's own transaction block it is in, which rolled back with it."""
    index = next((i for i, statement in enumerate(statements) if statement is failed), 0)
    for before in range(index - 1, -1, -1):
        if opens_transaction(statements[before].tree):
            return before
        if closes_transaction(statements[before].tree):
            return index
    return index


def _must_run_outside_transaction(node: ast.Node) -> bool:
    if isinstance(node, ast.IndexStmt | ast.DropStmt):
        return bool(node.concurrent)
    if isinstance(node, ast.ReindexStmt):
        return _has_option(node.params, "concurrently") or node.kind in _REINDEX_MANY
    if isinstance(node, ast.VacuumStmt):
        return bool(node.is_vacuumcmd)
    if isinstance(node, ast.ClusterStmt):
        return node.relation is None
    if isinstance(node, ast.AlterTableStmt):
        return any(isinstance(cmd.def_, ast.PartitionCmd) and bool(cmd.def_.concurrent) for cmd in node.cmds or ())
    return isinstance(node, _NEVER_IN_TRANSACTION)


_NEVER_IN_TRANSACTION = (
    ast.AlterSystemStmt,
    ast.CreatedbStmt,
    ast.DropdbStmt,
    ast.CreateTableSpaceStmt,
    ast.DropTableSpaceStmt,
    ast.CreateSubscriptionStmt,
    ast.DropSubscriptionStmt,
)

_REINDEX_MANY = {
    pglast.enums.ReindexObjectType.REINDEX_OBJECT_SCHEMA,
    pglast.enums.ReindexObjectType.REINDEX_OBJECT_SYSTEM,
    pglast.enums.ReindexObjectType.REINDEX_OBJECT_DATABASE,
}


def _has_option(options: tuple[ast.DefElem, ...] | None, name: str) -> bool:
    return any(option.defname == name for option in options or ())


QualifiedName = tuple[str | None, str]
"""``(schema or None, name)`` of a relation as a statement names it."""


def index_dropped_concurrently(statement: Statement) -> QualifiedName | None:
    """``(schema, name)`` of the index a ``DROP INDEX CONCURRENTLY`` without ``IF EXISTS`` removes (PostgreSQL
    drops one at a time concurrently); None for any other statement."""
    node = statement.tree
    if not isinstance(node, ast.DropStmt) or not node.concurrent or node.missing_ok:
        return None
    objects = node.objects or ()
    if getattr(node.removeType, "name", "") != "OBJECT_INDEX" or len(objects) != 1:
        return None
    parts = [getattr(part, "sval", None) for part in objects[0]]
    if not parts or not all(isinstance(part, str) for part in parts):
        return None
    return (parts[-2] if len(parts) > 1 else None), str(parts[-1])


def partition_detached_concurrently(statement: Statement) -> tuple[QualifiedName, QualifiedName] | None:
    """``(table, partition)`` of an ``ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY``; None otherwise."""
    node = statement.tree
    if not isinstance(node, ast.AlterTableStmt) or node.relation is None or len(node.cmds or ()) != 1:
        return None
    command = (node.cmds or ())[0]
    partition = getattr(command, "def_", None)
    if getattr(command.subtype, "name", "") != "AT_DetachPartition" or not isinstance(partition, ast.PartitionCmd):
        return None
    if not partition.concurrent or partition.name is None or partition.name.relname is None:
        return None
    table, child = node.relation, partition.name
    return (table.schemaname, str(table.relname)), (child.schemaname, str(child.relname))


def concurrent_index_target(node: ast.Node) -> ConcurrentIndexTarget | None:
    """The index an interrupted ``CREATE INDEX CONCURRENTLY`` / ``REINDEX ... CONCURRENTLY`` leaves behind."""
    if isinstance(node, ast.IndexStmt) and node.concurrent and node.relation is not None:
        relation = node.relation
        return ConcurrentIndexTarget(
            schema=relation.schemaname,
            name=node.idxname,
            table_schema=relation.schemaname,
            table=relation.relname,
            rebuild=False,
        )
    if (
        isinstance(node, ast.ReindexStmt)
        and _has_option(node.params, "concurrently")
        and node.kind == pglast.enums.ReindexObjectType.REINDEX_OBJECT_INDEX
        and node.relation is not None
    ):
        return ConcurrentIndexTarget(
            schema=node.relation.schemaname,
            name=node.relation.relname,
            table_schema=None,
            table=None,
            rebuild=True,
        )
    return None
