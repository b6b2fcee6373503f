"""What a migration's statements declare, for generated documentation: tables, columns, keys and comments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pglast import ast

from tenantdb.sql.deparse import deparse
from tenantdb.sql.statements import Statement


@dataclass(slots=True)
class ColumnDoc:
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    comment: str | None = None


@dataclass(slots=True)
class TableDoc:
    name: str
    columns: list[ColumnDoc] = field(default_factory=list)
    primary_key: tuple[str, ...] = ()
    foreign_keys: list[str] = field(default_factory=list)  # "(tenant_id, user_id) -> users (tenant_id, user_id)"
    comment: str | None = None
    partitioned_by: str | None = None
    row_security: bool = False
    policies: list[str] = field(default_factory=list)

    @property
    def tenant_owned(self) -> bool:
        return any(column.name == "tenant_id" for column in self.columns)


def _print(node: ast.Node | None) -> str:
    return deparse(node) if node is not None else ""


def _type(type_name: ast.TypeName | None) -> str:
    if type_name is None:
        return ""
    text = _print(type_name)
    return text.removeprefix("pg_catalog.")


def describe(statements: Iterable[Statement]) -> dict[str, TableDoc]:
    """Tables as the statements leave them (in order: later ALTERs and COMMENTs apply)."""
    tables: dict[str, TableDoc] = {}
    for statement in statements:
        node = statement.tree
        if isinstance(node, ast.CreateStmt) and node.relation is not None:
            if node.partbound is not None:
                continue  # a partition (CREATE TABLE ... PARTITION OF): documented with its table
            tables[node.relation.relname or ""] = _table(node)
        elif isinstance(node, ast.AlterTableStmt) and node.relation is not None:
            doc = tables.get(node.relation.relname or "")
            if doc is not None:
                _alter(doc, node)
        elif isinstance(node, ast.CommentStmt):
            _comment(tables, node)
        elif isinstance(node, ast.CreatePolicyStmt) and node.table is not None:
            doc = tables.get(node.table.relname or "")
            if doc is not None:
                roles = ", ".join(getattr(role, "rolename", None) or "PUBLIC" for role in node.roles or ())
                kind = "" if node.permissive else "restrictive, "
                doc.policies.append(f"{node.policy_name} ({kind}{node.cmd_name or 'all'}, to {roles or 'PUBLIC'})")
        elif isinstance(node, ast.DropStmt) and getattr(node.removeType, "name", "") == "OBJECT_TABLE":
            for names in node.objects or ():
                tables.pop(getattr(names[-1], "sval", ""), None)
    return tables


def _table(node: ast.CreateStmt) -> TableDoc:
    assert node.relation is not None
    doc = TableDoc(name=node.relation.relname or "")
    if node.partspec is not None:
        strategy = str(getattr(node.partspec.strategy, "name", "")).rsplit("_", 1)[-1].lower()
        keys = ", ".join(element.name or _print(element.expr) for element in node.partspec.partParams or ())
        doc.partitioned_by = f"{strategy} ({keys})"
    for element in node.tableElts or ():
        if isinstance(element, ast.ColumnDef):
            doc.columns.append(_column(doc, element))
        elif isinstance(element, ast.Constraint):
            _constraint(doc, element, [])
    return doc


def _column(doc: TableDoc, element: ast.ColumnDef) -> ColumnDoc:
    column = ColumnDoc(name=element.colname or "", type=_type(element.typeName))
    for constraint in element.constraints or ():
        kind = getattr(constraint.contype, "name", "")
        if kind in ("CONSTR_NOTNULL", "CONSTR_PRIMARY"):
            column.not_null = True
        if kind == "CONSTR_DEFAULT":
            column.default = _print(constraint.raw_expr)
        _constraint(doc, constraint, [column.name])
    return column


def _constraint(doc: TableDoc, constraint: ast.Constraint, columns: list[str]) -> None:
    kind = getattr(constraint.contype, "name", "")
    if kind == "CONSTR_PRIMARY":
        doc.primary_key = tuple(getattr(key, "sval", "") for key in constraint.keys or ()) or tuple(columns)
    elif kind == "CONSTR_FOREIGN" and constraint.pktable is not None:
        local = [getattr(attr, "sval", "") for attr in constraint.fk_attrs or ()] or columns
        remote = [getattr(attr, "sval", "") for attr in constraint.pk_attrs or ()]
        target = constraint.pktable.relname or ""
        remote_text = f" ({', '.join(remote)})" if remote else ""
        doc.foreign_keys.append(f"({', '.join(local)}) -> {target}{remote_text}")


def _alter(doc: TableDoc, node: ast.AlterTableStmt) -> None:
    for cmd in node.cmds or ():
        subtype = getattr(cmd.subtype, "name", "")
        if subtype == "AT_AddColumn" and isinstance(cmd.def_, ast.ColumnDef):
            doc.columns.append(_column(doc, cmd.def_))
        elif subtype == "AT_AddConstraint" and isinstance(cmd.def_, ast.Constraint):
            _constraint(doc, cmd.def_, [])
        elif subtype == "AT_DropColumn":
            doc.columns = [column for column in doc.columns if column.name != cmd.name]
        elif subtype == "AT_EnableRowSecurity":
            doc.row_security = True


def _comment(tables: dict[str, TableDoc], node: ast.CommentStmt) -> None:
    kind = getattr(node.objtype, "name", "")
    names: list[str] = (
        [getattr(part, "sval", "") for part in node.object or ()] if isinstance(node.object, tuple) else []
    )
    if kind == "OBJECT_TABLE" and isinstance(node.object, tuple) and names:
        if (doc := tables.get(names[-1])) is not None:
            doc.comment = node.comment
    elif kind == "OBJECT_COLUMN" and len(names) >= 2 and (doc := tables.get(names[-2])) is not None:
        for column in doc.columns:
            if column.name == names[-1]:
                column.comment = node.comment
