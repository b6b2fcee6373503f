"""The table locks PostgreSQL documents for a statement, read from its AST.

``tenantdb plan`` observes the locks a statement takes in ``pg_locks``; a lock mode the preview transaction
already holds from an earlier statement is not taken again and so cannot be observed. This table (the ALTER
TABLE and explicit-locking pages of the PostgreSQL documentation, ``AlterTableGetLockLevel``) fills that gap.
Statements it does not know get no entry: observation stays the source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast

from tenantdb.sql.statements import Statement

AEL = "AccessExclusiveLock"
EXCLUSIVE = "ExclusiveLock"
SRE = "ShareRowExclusiveLock"
SHARE = "ShareLock"
SUE = "ShareUpdateExclusiveLock"

# ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE (everything else takes it)
_ALTER_TABLE = {
    "AT_ValidateConstraint": SUE,
    "AT_SetStatistics": SUE,
    "AT_SetOptions": SUE,
    "AT_ResetOptions": SUE,
    "AT_ClusterOn": SUE,
    "AT_DropCluster": SUE,
    "AT_SetRelOptions": SUE,
    "AT_ResetRelOptions": SUE,
    "AT_AttachPartition": SUE,
    "AT_DetachPartitionFinalize": SUE,
    "AT_EnableTrig": SRE,
    "AT_EnableAlwaysTrig": SRE,
    "AT_EnableReplicaTrig": SRE,
    "AT_DisableTrig": SRE,
    "AT_EnableTrigAll": SRE,
    "AT_DisableTrigAll": SRE,
    "AT_EnableTrigUser": SRE,
    "AT_DisableTrigUser": SRE,
}

# the strongest first, as PostgreSQL numbers them
_STRENGTH = (AEL, EXCLUSIVE, SRE, SHARE, SUE, "RowExclusiveLock", "RowShareLock", "AccessShareLock")


@dataclass(frozen=True, slots=True, kw_only=True)
class DocumentedLock:
    """A lock the documentation says ``statement`` takes on a relation."""

    schema: str | None  # None: found through the search path
    relation: str
    mode: str


def documented_locks(statement: Statement) -> tuple[DocumentedLock, ...]:
    """The relation locks PostgreSQL documents for ``statement``, the strongest per relation (empty: unknown)."""
    node = statement.tree
    found: list[tuple[ast.RangeVar | None, str]] = []
    if isinstance(node, ast.AlterTableStmt):
        found += _alter_table(node)
    elif isinstance(node, ast.IndexStmt):
        found.append((node.relation, SUE if node.concurrent else SHARE))
    elif isinstance(node, ast.CreateTrigStmt):
        found.append((node.relation, SRE))
    elif isinstance(node, ast.CreatePolicyStmt | ast.AlterPolicyStmt):
        found.append((node.table, AEL))
    elif isinstance(node, ast.TruncateStmt):
        found += [(relation, AEL) for relation in node.relations or () if isinstance(relation, ast.RangeVar)]
    elif isinstance(node, ast.RefreshMatViewStmt):
        found.append((node.relation, EXCLUSIVE if node.concurrent else AEL))
    elif isinstance(node, ast.RenameStmt) and node.relation is not None:
        found.append((node.relation, AEL))
    elif isinstance(node, ast.CommentStmt) and _on_relation(node) and isinstance(node.object, tuple):
        found.append((_range_var(node.object), SUE))
    return _strongest(found)


def _alter_table(node: ast.AlterTableStmt) -> list[tuple[ast.RangeVar | None, str]]:
    found: list[tuple[ast.RangeVar | None, str]] = []
    for cmd in node.cmds or ():
        if not isinstance(cmd, ast.AlterTableCmd):
            continue
        subtype = getattr(cmd.subtype, "name", "")
        mode = _ALTER_TABLE.get(subtype, AEL)
        if subtype == "AT_DetachPartition" and isinstance(cmd.def_, ast.PartitionCmd) and cmd.def_.concurrent:
            mode = SUE
        constraint = cmd.def_ if isinstance(cmd.def_, ast.Constraint) else None
        if subtype == "AT_AddConstraint" and constraint is not None and _is_foreign_key(constraint):
            mode = SRE
            found.append((constraint.pktable, SRE))
        found.append((node.relation, mode))
    return found


def _on_relation(node: ast.CommentStmt) -> bool:
    return getattr(node.objtype, "name", "") in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW")


def _is_foreign_key(constraint: ast.Constraint) -> bool:
    return getattr(constraint.contype, "name", "") == "CONSTR_FOREIGN"


def _range_var(names: tuple[object, ...]) -> ast.RangeVar | None:
    """``COMMENT ON TABLE s.t`` names its object as a list of strings."""
    parts = [part.sval for part in names if isinstance(part, ast.String) and part.sval]
    if not 1 <= len(parts) <= 2 or len(parts) != len(names):
        return None
    return ast.RangeVar(schemaname=parts[0] if len(parts) == 2 else None, relname=parts[-1], inh=True)


def _strongest(found: list[tuple[ast.RangeVar | None, str]]) -> tuple[DocumentedLock, ...]:
    best: dict[tuple[str | None, str], str] = {}
    for relation, mode in found:
        if relation is None or not relation.relname:
            continue
        key = (relation.schemaname, relation.relname)
        if key not in best or _STRENGTH.index(mode) < _STRENGTH.index(best[key]):
            best[key] = mode
    return tuple(DocumentedLock(schema=schema, relation=name, mode=mode) for (schema, name), mode in best.items())


_FALSE_WORDS = frozenset({"false", "off", "0", "no"})


def waits_only_for_snapshots(statement: Statement) -> bool:
    """Whether ``statement`` locks only in SHARE UPDATE EXCLUSIVE (which no read or write waits for) and then waits
    for older snapshots: concurrent index builds, drops and rebuilds, ``DETACH PARTITION … CONCURRENTLY`` and
    ``VACUUM`` without ``FULL``. A lock_timeout there would only throw away finished work behind a long report;
    anything else (``VACUUM FULL``, ``CLUSTER``, a plain ``REINDEX``) takes locks every query waits behind."""
    node = statement.tree
    if statement.concurrent_index is not None or (isinstance(node, ast.DropStmt) and bool(node.concurrent)):
        return True
    if isinstance(node, ast.VacuumStmt):
        return not any(_is_full(option) for option in node.options or ())
    if isinstance(node, ast.AlterTableStmt):
        commands = [command for command in node.cmds or () if isinstance(command, ast.AlterTableCmd)]
        return bool(commands) and all(
            isinstance(command.def_, ast.PartitionCmd) and bool(command.def_.concurrent) for command in commands
        )
    return False


def _is_full(option: object) -> bool:
    if not isinstance(option, ast.DefElem) or option.defname != "full":
        return False
    value = getattr(option.arg, "sval", None) or getattr(option.arg, "ival", None)
    return option.arg is None or str(value).lower() not in _FALSE_WORDS
