"""Online rewrites: the same end state as a blocking statement, reached without stalling writers.

============================================  ===============================================================
statement on an existing table                rewritten to
============================================  ===============================================================
``CREATE [UNIQUE] INDEX``                     ``CREATE [UNIQUE] INDEX CONCURRENTLY`` (outside a transaction)
``ADD CONSTRAINT ... CHECK / FOREIGN KEY``    ``... NOT VALID``, then ``VALIDATE CONSTRAINT`` in its own transaction
``ALTER COLUMN c SET NOT NULL``               ``CHECK (c IS NOT NULL) NOT VALID``, ``VALIDATE``, ``SET NOT NULL``
                                              (PostgreSQL 12+ skips the scan), drop the temporary CHECK
``ADD UNIQUE / PRIMARY KEY (cols)``           ``CREATE UNIQUE INDEX CONCURRENTLY``, then ``ADD CONSTRAINT ... USING
                                              INDEX``
============================================  ===============================================================

Unnamed constraints get the name PostgreSQL would give them, so the catalog ends up identical. A statement
whose default name would not fit in 63 bytes, or that uses options the safe path cannot express
(``DEFERRABLE`` unique keys with ``INCLUDE``, ``WHERE``, ``NULLS NOT DISTINCT``, exclusion constraints), is
left as written.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace

import pglast
from pglast import ast

from tenantdb.sql.deparse import deparse
from tenantdb.sql.statements import Statement, opens_transaction, split_statements
from tenantdb.sql.tree import iter_nodes

NAMEDATALEN = 63


@dataclass(frozen=True, slots=True, kw_only=True)
class Rewrite:
    """One statement replaced by safer ones."""

    kind: str  # concurrent-index | not-valid-constraint | not-null-via-check | unique-via-concurrent-index
    original: Statement
    statements: tuple[Statement, ...]

    def describe(self) -> str:
        return f"{self.kind}: {self.original.text} -> " + "; ".join(s.text for s in self.statements)


def _emit(original: Statement, sql: str) -> Statement:
    """A statement for ``sql`` that reports the original's position in error messages."""
    (parsed,) = split_statements(sql)
    return replace(parsed, start=original.start, end=original.end, line=original.line)


def quote_identifier(name: str) -> str:
    """Quote an identifier the way PostgreSQL's quote_ident does."""
    plain = name and (name[0].isalpha() or name[0] == "_") and all(c.isalnum() or c == "_" for c in name)
    if plain and name == name.lower() and name.isascii() and not _is_keyword(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def _is_keyword(name: str) -> bool:
    from pglast.keywords import RESERVED_KEYWORDS

    return name in RESERVED_KEYWORDS


def _table_sql(relation: ast.RangeVar) -> str:
    parts = [relation.schemaname, relation.relname]
    return ".".join(quote_identifier(part) for part in parts if part)


def default_constraint_name(table: str, columns: list[str], label: str) -> str | None:
    """PostgreSQL's default name (makeObjectName) when it fits without truncation, else None."""
    name = "_".join([table, *columns, label]) if columns else f"{table}_{label}"
    return name if len(name.encode("utf-8")) <= NAMEDATALEN else None


NameTaken = Callable[[str, str], bool]


def _never_taken(table: str, name: str) -> bool:
    return False


def online_rewrite(
    statement: Statement, is_existing_table: Callable[[str], bool], name_taken: NameTaken = _never_taken
) -> Rewrite | None:
    """The non-blocking equivalent of ``statement``, or None when it is fine as it is.

    ``name_taken(table, name)`` tells whether a constraint or index name is in use: PostgreSQL would then pick
    another default name, so an unnamed constraint whose default name is taken is left as written.
    """
    node = statement.tree
    if isinstance(node, ast.IndexStmt):
        return _rewrite_index(statement, node, is_existing_table)
    if isinstance(node, ast.AlterTableStmt) and getattr(node.objtype, "name", "") == "OBJECT_TABLE":
        return _rewrite_alter_table(statement, node, is_existing_table, name_taken)
    return None


def _rewrite_index(statement: Statement, node: ast.IndexStmt, is_existing: Callable[[str], bool]) -> Rewrite | None:
    if node.concurrent or node.relation is None or not is_existing(node.relation.relname or ""):
        return None
    rewritten = copy.copy(node)  # only the top-level flag changes: the children are shared, never modified
    rewritten.concurrent = True
    return Rewrite(kind="concurrent-index", original=statement, statements=(_emit(statement, deparse(rewritten)),))


def _rewrite_alter_table(
    statement: Statement, node: ast.AlterTableStmt, is_existing: Callable[[str], bool], name_taken: NameTaken
) -> Rewrite | None:
    """Keep the other subcommands together in one ALTER TABLE, run first, then the safe paths.

    PostgreSQL itself runs an ALTER TABLE's subcommands in passes (columns are added before constraints are
    added), so running the untouched subcommands first keeps the statement's meaning.
    """
    relation = node.relation
    if relation is None or node.missing_ok or not any(_may_have_safe_path(cmd) for cmd in node.cmds or ()):
        return None  # decided from the statement alone: no catalog lookup for an ALTER with nothing to rewrite
    if not is_existing(relation.relname or ""):
        return None
    table = relation.relname or ""
    untouched: list[ast.AlterTableCmd] = []
    safe_steps: list[str] = []
    kinds: list[str] = []
    for cmd in node.cmds or ():
        safe = _safe_path(table, _table_sql(relation), cmd, name_taken)
        if safe is None:
            untouched.append(cmd)
        else:
            kinds.append(safe[0])
            safe_steps.extend(safe[1])
    if not kinds:
        return None
    steps = []
    if untouched:
        rest = copy.copy(node)
        rest.cmds = tuple(untouched)
        steps.append(deparse(rest))
    statements = tuple(_emit(statement, sql) for sql in [*steps, *safe_steps])
    return Rewrite(kind=",".join(dict.fromkeys(kinds)), original=statement, statements=statements)


def _may_have_safe_path(cmd: object) -> bool:
    """Whether :func:`_safe_path` may rewrite the subcommand (the kinds it looks at, before any name lookup)."""
    if not isinstance(cmd, ast.AlterTableCmd):
        return False
    subtype = getattr(cmd.subtype, "name", "")
    return (subtype == "AT_SetNotNull" and bool(cmd.name)) or (
        subtype == "AT_AddConstraint" and isinstance(cmd.def_, ast.Constraint)
    )


def _safe_path(
    table: str, table_sql: str, cmd: ast.AlterTableCmd, name_taken: NameTaken
) -> tuple[str, list[str]] | None:
    subtype = getattr(cmd.subtype, "name", "")
    if subtype == "AT_SetNotNull" and cmd.name:
        return _not_null_via_check(table, table_sql, cmd.name, name_taken)
    if subtype != "AT_AddConstraint" or not isinstance(cmd.def_, ast.Constraint):
        return None
    constraint = cmd.def_
    kind = getattr(constraint.contype, "name", "")
    if kind in ("CONSTR_CHECK", "CONSTR_FOREIGN") and not constraint.skip_validation:
        return _not_valid_then_validate(table, table_sql, constraint, kind, name_taken)
    if kind in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") and not constraint.indexname:
        return _unique_via_concurrent_index(table, table_sql, constraint, kind, name_taken)
    return None


def _not_valid_then_validate(
    table: str, table_sql: str, constraint: ast.Constraint, kind: str, name_taken: NameTaken
) -> tuple[str, list[str]] | None:
    name = constraint.conname or _default_check_or_fk_name(table, constraint, kind)
    if name is None or constraint.is_no_inherit or (not constraint.conname and name_taken(table, name)):
        return None
    added = copy.copy(constraint)
    added.conname = name
    added.skip_validation = True
    added.initially_valid = False
    add = deparse(_alter(table_sql, added))
    validate = f"ALTER TABLE {table_sql} VALIDATE CONSTRAINT {quote_identifier(name)}"
    return "not-valid-constraint", [add, validate]


def _default_check_or_fk_name(table: str, constraint: ast.Constraint, kind: str) -> str | None:
    if kind == "CONSTR_FOREIGN":
        columns = [getattr(column, "sval", "") for column in constraint.fk_attrs or ()]
        return default_constraint_name(table, columns, "fkey")
    columns = sorted(
        {
            getattr(ref.fields[-1], "sval", "")
            for ref in _column_refs(constraint.raw_expr)
            if ref.fields and isinstance(ref.fields[-1], ast.String)
        }
    )
    return default_constraint_name(table, columns if len(columns) == 1 else [], "check")


def _column_refs(expression: object) -> list[ast.ColumnRef]:
    return [node for node in iter_nodes(expression) if isinstance(node, ast.ColumnRef)]


def _unique_via_concurrent_index(
    table: str, table_sql: str, constraint: ast.Constraint, kind: str, name_taken: NameTaken
) -> tuple[str, list[str]] | None:
    if constraint.including or constraint.where_clause or constraint.nulls_not_distinct or constraint.options:
        return None
    columns = [getattr(key, "sval", "") for key in constraint.keys or ()]
    if not columns or not all(columns):
        return None
    label = "pkey" if kind == "CONSTR_PRIMARY" else "key"
    name = constraint.conname or default_constraint_name(table, [] if label == "pkey" else columns, label)
    if name is None or (not constraint.conname and name_taken(table, name)):
        return None
    column_list = ", ".join(quote_identifier(column) for column in columns)
    build = f"CREATE UNIQUE INDEX CONCURRENTLY {quote_identifier(name)} ON {table_sql} ({column_list})"
    keyword = "PRIMARY KEY" if kind == "CONSTR_PRIMARY" else "UNIQUE"
    deferrable = " DEFERRABLE" if constraint.deferrable else ""
    deferrable += " INITIALLY DEFERRED" if constraint.initdeferred else ""
    quoted = quote_identifier(name)
    attach = f"ALTER TABLE {table_sql} ADD CONSTRAINT {quoted} {keyword} USING INDEX {quoted}"
    return "unique-via-concurrent-index", [build, attach + deferrable]


def _not_null_via_check(table: str, table_sql: str, column: str, name_taken: NameTaken) -> tuple[str, list[str]] | None:
    name = default_constraint_name(table, [column], "not_null_tmp")
    if name is None or name_taken(table, name):
        return None
    quoted, check = quote_identifier(column), quote_identifier(name)
    return "not-null-via-check", [
        f"ALTER TABLE {table_sql} ADD CONSTRAINT {check} CHECK ({quoted} IS NOT NULL) NOT VALID",
        f"ALTER TABLE {table_sql} VALIDATE CONSTRAINT {check}",
        f"ALTER TABLE {table_sql} ALTER COLUMN {quoted} SET NOT NULL",
        f"ALTER TABLE {table_sql} DROP CONSTRAINT {check}",
    ]


def _alter(table_sql: str, constraint: ast.Constraint) -> ast.AlterTableStmt:
    (parsed,) = pglast.parse_sql(f"ALTER TABLE {table_sql} ADD CONSTRAINT placeholder CHECK (true)")
    statement = parsed.stmt
    assert isinstance(statement, ast.AlterTableStmt) and statement.cmds
    statement.cmds[0].def_ = constraint
    return statement


def created_relation(statement: Statement) -> str | None:
    """The table a statement creates (CREATE TABLE, CREATE TABLE AS), if any."""
    node = statement.tree
    if isinstance(node, ast.CreateStmt) and node.relation is not None:
        return node.relation.relname
    if isinstance(node, ast.CreateTableAsStmt) and node.into is not None and node.into.rel is not None:
        return node.into.rel.relname
    return None


def rewrite_statements(
    statements: tuple[Statement, ...],
    is_existing_table: Callable[[str], bool],
    name_taken: NameTaken = _never_taken,
) -> tuple[tuple[Statement, ...], tuple[Rewrite, ...]]:
    """Apply :func:`online_rewrite` to a script, where that keeps the script's meaning.

    Tables the script itself creates are never rewritten for; nothing inside the file's own ``BEGIN ...
    COMMIT`` is rewritten (it must stay one transaction); and a script with transaction-scoped statements
    (``SET LOCAL``, ``LOCK``, ``set_config(..., true)``, cursors) is left whole, because a rewrite runs the
    script statement by statement.
    """
    if any(_transaction_scoped(statement) for statement in statements):
        return statements, ()
    created: set[str] = set()
    output: list[Statement] = []
    rewrites: list[Rewrite] = []
    in_block = False

    def existing(name: str) -> bool:
        return name not in created and is_existing_table(name)

    for statement in statements:
        node = statement.tree
        if isinstance(node, ast.TransactionStmt):
            in_block = opens_transaction(node)
        rewrite = None if in_block else online_rewrite(statement, existing, name_taken)
        if rewrite is None:
            output.append(statement)
        else:
            rewrites.append(rewrite)
            output.extend(rewrite.statements)
        if (name := created_relation(statement)) is not None:
            created.add(name)
    return tuple(output), tuple(rewrites)


def _transaction_scoped(statement: Statement) -> bool:
    """Statements whose effect ends with the transaction, so splitting the script would change them."""
    node = statement.tree
    if isinstance(node, ast.VariableSetStmt):
        return bool(node.is_local) or (node.name or "").startswith("TRANSACTION")
    if isinstance(node, ast.LockStmt | ast.DeclareCursorStmt | ast.ConstraintsSetStmt):
        return True
    spelled = statement.text.lower()
    if "set_config" not in spelled and "u&" not in spelled:  # the call is named in the text (or Unicode-escaped)
        return False
    for call in iter_nodes(node):
        if isinstance(call, ast.FuncCall) and call.funcname and getattr(call.funcname[-1], "sval", "") == "set_config":
            args = call.args or ()
            if len(args) == 3 and not _is_false(args[2]):
                return True
    return False


def _is_false(node: object) -> bool:
    value = getattr(node, "val", None)
    return isinstance(value, ast.Boolean) and not value.boolval
