"""Which catalog objects a migration's statements create and remove, read from the AST.

The runner records a migration's effects in its ledger row (with the schema each created object landed in), so
``migrate verify`` can replay the ledger and report an applied migration whose objects the database does not have.
Only what the statements name is seen (and, for an index or a table constraint, the columns it uses, which a later
``DROP COLUMN`` takes it with): objects made inside ``DO`` blocks or functions are not, and a ``DROP ...
CASCADE`` or ``DROP SCHEMA`` makes every earlier expectation uncertain (the replay then stops expecting them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from pglast import ast

from tenantdb.sql.statements import Statement
from tenantdb.sql.tree import iter_nodes


class ObjectKind(StrEnum):
    RELATION = "relation"  # table, partitioned table, index, view, materialized view, sequence (one namespace)
    TYPE = "type"
    FUNCTION = "function"
    SCHEMA = "schema"
    EXTENSION = "extension"
    COLUMN = "column"  # of ``table``
    CONSTRAINT = "constraint"  # of ``table``
    TRIGGER = "trigger"  # of ``table``
    POLICY = "policy"  # of ``table``


class EffectAction(StrEnum):
    CREATE = "create"
    REMOVE = "remove"
    RENAME = "rename"  # ``obj`` becomes ``new_name`` (a renamed relation takes its columns, constraints, ...)
    ATTACH = "attach"  # ``obj`` becomes a partition of ``parent`` (whose drop then takes it)
    DETACH = "detach"  # ``obj`` is a partition no longer: dropping its former parent leaves it
    UNCERTAIN = "uncertain"  # CASCADE or DROP SCHEMA: dependents nobody named go too


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogObject:
    """A named object; ``schema`` None means "found through the search path"."""

    kind: ObjectKind
    name: str
    schema: str | None = None
    table: str | None = None  # the relation a column, constraint, trigger, policy or index belongs to

    def describe(self) -> str:
        where = f"{self.schema}." if self.schema else ""
        if self.kind is ObjectKind.RELATION:
            return f"relation {where}{self.name}" + (f" (an index on {self.table})" if self.table else "")
        owner = f"{where}{self.table}." if self.table else where
        return f"{self.kind} {owner}{self.name}"

    @property
    def belongs_to_table(self) -> bool:
        """A column, constraint, trigger, policy or index: it goes with its table."""
        return self.table is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Effect:
    action: EffectAction
    obj: CatalogObject | None = None  # None for UNCERTAIN
    new_name: str | None = None  # for RENAME
    search_path: tuple[str, ...] | None = None  # a SET search_path in force for an unqualified create
    # for the CREATE of an index or a table constraint: the columns of its table it uses, which PostgreSQL drops
    # it with (None: not known)
    columns: tuple[str, ...] | None = None
    # for the CREATE or ATTACH of a partition: the partitioned table (or index) whose drop takes it
    parent: str | None = None


_RELATION_TYPES = {
    "OBJECT_TABLE",
    "OBJECT_INDEX",
    "OBJECT_VIEW",
    "OBJECT_MATVIEW",
    "OBJECT_SEQUENCE",
    "OBJECT_FOREIGN_TABLE",
}
_TYPE_TYPES = {"OBJECT_TYPE", "OBJECT_DOMAIN"}


def effects(statements: Iterable[Statement]) -> tuple[Effect, ...]:
    """The creates, removes and renames of ``statements``, in order; an unqualified create made under the file's
    own ``SET search_path`` carries that path (``RESET`` or ``DEFAULT`` returns to the session's)."""
    found: list[Effect] = []
    search_path: tuple[str, ...] | None = None
    for statement in statements:
        node = statement.tree
        if isinstance(node, ast.VariableSetStmt) and (node.name or "").lower() == "search_path":
            kind = getattr(node.kind, "name", "")
            strings = [
                arg.val.sval
                for arg in node.args or ()
                if isinstance(arg, ast.A_Const) and isinstance(arg.val, ast.String) and arg.val.sval
            ]
            search_path = tuple(strings) if kind == "VAR_SET_VALUE" and strings else None
            continue
        for effect in _effects(node):
            unqualified = effect.action is EffectAction.CREATE and effect.obj is not None and effect.obj.schema is None
            found.append(replace(effect, search_path=search_path) if unqualified and search_path else effect)
    return tuple(found)


def _name(parts: Iterable[ast.String]) -> tuple[str | None, str]:
    names = [part.sval or "" for part in parts if isinstance(part, ast.String)]
    return (names[-2] if len(names) > 1 else None), (names[-1] if names else "")


def _create(kind: ObjectKind, name: str, schema: str | None = None, table: str | None = None) -> Effect:
    return Effect(action=EffectAction.CREATE, obj=CatalogObject(kind=kind, name=name, schema=schema, table=table))


def _remove(kind: ObjectKind, name: str, schema: str | None = None, table: str | None = None) -> Effect:
    return Effect(action=EffectAction.REMOVE, obj=CatalogObject(kind=kind, name=name, schema=schema, table=table))


def _effects(node: ast.Node) -> list[Effect]:
    handler = _HANDLERS.get(type(node))
    return handler(node) if handler is not None else []


def _relation(relation: ast.RangeVar | None) -> list[Effect]:
    """A new table, view or sequence (temporary ones leave nothing behind)."""
    if relation is None or relation.relpersistence == "t":
        return []
    return [_create(ObjectKind.RELATION, relation.relname or "", relation.schemaname)]


def _table(node: ast.CreateStmt) -> list[Effect]:
    """A new table; a partition (``PARTITION OF``) names the table whose drop takes it."""
    created = _relation(node.relation)
    parents = node.inhRelations or ()
    if created and node.partbound is not None and parents and isinstance(parents[0], ast.RangeVar):
        return [replace(created[0], parent=parents[0].relname)]
    return created


def _index(node: ast.IndexStmt) -> list[Effect]:
    if not node.idxname or node.relation is None:
        return []
    created = _create(ObjectKind.RELATION, node.idxname, node.relation.schemaname, node.relation.relname)
    return [replace(created, columns=_columns_used(node.indexParams, node.indexIncludingParams, node.whereClause))]


def _columns_used(*parts: object) -> tuple[str, ...] | None:
    """The table columns an index or constraint definition names (its keys, expressions, included columns and
    predicate); None when one of them is the whole row."""
    names: list[str] = []
    for node in iter_nodes(parts):
        if isinstance(node, ast.IndexElem) and node.name:
            names.append(node.name)
        elif isinstance(node, ast.ColumnRef):
            last = (node.fields or ())[-1:]
            if not last or not isinstance(last[0], ast.String):
                return None  # t.* or *
            names.append(last[0].sval or "")
    return tuple(dict.fromkeys(names))


def _constraint_columns(constraint: ast.Constraint) -> tuple[str, ...] | None:
    if constraint.indexname:  # ADD ... USING INDEX: the index's columns are not in the statement
        return None
    keys = [key.sval or "" for key in (*(constraint.keys or ()), *(constraint.including or ())) if key.sval]
    keys += [key.sval or "" for key in constraint.fk_attrs or () if isinstance(key, ast.String) and key.sval]
    used = _columns_used(constraint.raw_expr, constraint.exclusions, constraint.where_clause)
    return None if used is None else tuple(dict.fromkeys([*keys, *used]))


def _type(names: tuple[ast.String, ...] | None) -> list[Effect]:
    schema, name = _name(names or ())
    return [_create(ObjectKind.TYPE, name, schema)]


def _function(node: ast.CreateFunctionStmt) -> list[Effect]:
    schema, name = _name(node.funcname or ())
    return [_create(ObjectKind.FUNCTION, name, schema)]


def _owned(kind: ObjectKind, name: str | None, relation: ast.RangeVar | None) -> list[Effect]:
    """A trigger or policy of ``relation``."""
    if not name or relation is None:
        return []
    return [_create(kind, name, relation.schemaname, relation.relname)]


_PARTITION_CHANGES = frozenset({"AT_AttachPartition", "AT_DetachPartition", "AT_DetachPartitionFinalize"})


def _alter_table(node: ast.AlterTableStmt) -> list[Effect]:
    """Columns and named constraints added and dropped (``ALTER TABLE``), partitions attached and detached (``ALTER
    TABLE`` and ``ALTER INDEX``)."""
    relation = node.relation
    assert relation is not None
    schema, table = relation.schemaname, relation.relname or ""
    found: list[Effect] = []
    for cmd in node.cmds or ():
        subtype = getattr(cmd.subtype, "name", "")
        cascade = getattr(cmd.behavior, "name", "") == "DROP_CASCADE"
        if subtype == "AT_AddColumn" and isinstance(cmd.def_, ast.ColumnDef) and cmd.def_.colname:
            found.append(_create(ObjectKind.COLUMN, cmd.def_.colname, schema, table))
        elif subtype == "AT_AddConstraint" and isinstance(cmd.def_, ast.Constraint) and cmd.def_.conname:
            created = _create(ObjectKind.CONSTRAINT, cmd.def_.conname, schema, table)
            found.append(replace(created, columns=_constraint_columns(cmd.def_)))
        elif subtype == "AT_DropColumn" and cmd.name:
            found.append(_remove(ObjectKind.COLUMN, cmd.name, schema, table))
        elif subtype == "AT_DropConstraint" and cmd.name:
            found.append(_remove(ObjectKind.CONSTRAINT, cmd.name, schema, table))
        elif subtype in _PARTITION_CHANGES and isinstance(cmd.def_, ast.PartitionCmd) and cmd.def_.name is not None:
            partition = CatalogObject(
                kind=ObjectKind.RELATION, name=cmd.def_.name.relname or "", schema=cmd.def_.name.schemaname
            )
            attach = subtype == "AT_AttachPartition"
            action = EffectAction.ATTACH if attach else EffectAction.DETACH
            found.append(Effect(action=action, obj=partition, parent=table if attach else None))
        else:
            continue
        if cascade:
            found.append(Effect(action=EffectAction.UNCERTAIN))
    return found


def _rename(node: ast.RenameStmt) -> list[Effect]:
    kind = getattr(node.renameType, "name", "")
    relation = node.relation
    new = node.newname or ""
    if kind in _RELATION_TYPES and relation is not None:
        old = CatalogObject(kind=ObjectKind.RELATION, name=relation.relname or "", schema=relation.schemaname)
        return [Effect(action=EffectAction.RENAME, obj=old, new_name=new)]
    sub = {"OBJECT_COLUMN": ObjectKind.COLUMN, "OBJECT_TABCONSTRAINT": ObjectKind.CONSTRAINT}.get(kind)
    sub = sub or {"OBJECT_TRIGGER": ObjectKind.TRIGGER, "OBJECT_POLICY": ObjectKind.POLICY}.get(kind)
    if sub is not None and relation is not None and node.subname:
        old = CatalogObject(kind=sub, name=node.subname, schema=relation.schemaname, table=relation.relname)
        return [Effect(action=EffectAction.RENAME, obj=old, new_name=new)]
    if kind == "OBJECT_SCHEMA" and node.subname:
        return [Effect(action=EffectAction.UNCERTAIN)]
    if kind in _TYPE_TYPES and isinstance(node.object, tuple):
        schema, name = _name(node.object)
        old = CatalogObject(kind=ObjectKind.TYPE, name=name, schema=schema)
        return [Effect(action=EffectAction.RENAME, obj=old, new_name=new)]
    return []


def _drop(node: ast.DropStmt) -> list[Effect]:
    kind = getattr(node.removeType, "name", "")
    found: list[Effect] = []
    for target in node.objects or ():
        if kind in _RELATION_TYPES and isinstance(target, tuple):
            schema, name = _name(target)
            found.append(_remove(ObjectKind.RELATION, name, schema))
        elif kind in _TYPE_TYPES and isinstance(target, ast.TypeName):
            schema, name = _name(target.names or ())
            found.append(_remove(ObjectKind.TYPE, name, schema))
        elif kind in {"OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE"} and isinstance(
            target, ast.ObjectWithArgs
        ):
            schema, name = _name(target.objname or ())
            found.append(_remove(ObjectKind.FUNCTION, name, schema))
        elif kind == "OBJECT_SCHEMA" and isinstance(target, ast.String):
            found.append(_remove(ObjectKind.SCHEMA, target.sval or ""))
            found.append(Effect(action=EffectAction.UNCERTAIN))
        elif kind == "OBJECT_EXTENSION" and isinstance(target, ast.String):
            found.append(_remove(ObjectKind.EXTENSION, target.sval or ""))
            found.append(Effect(action=EffectAction.UNCERTAIN))  # the extension's objects go with it
        elif kind in {"OBJECT_TRIGGER", "OBJECT_POLICY"} and isinstance(target, tuple):
            *table_parts, name = [part.sval or "" for part in target if isinstance(part, ast.String)]
            table_schema = table_parts[-2] if len(table_parts) > 1 else None
            sub = ObjectKind.TRIGGER if kind == "OBJECT_TRIGGER" else ObjectKind.POLICY
            found.append(_remove(sub, name, table_schema, table_parts[-1] if table_parts else None))
    if getattr(node.behavior, "name", "") == "DROP_CASCADE":
        found.append(Effect(action=EffectAction.UNCERTAIN))
    return found


def effect_record(effect: Effect) -> dict[str, object]:
    """The JSON form kept in the ledger (the ledger's INSERT adds the search path to an unqualified create)."""
    record: dict[str, object] = {"action": effect.action.value}
    if effect.obj is not None:
        record |= {
            "kind": effect.obj.kind.value,
            "name": effect.obj.name,
            "schema": effect.obj.schema,
            "table": effect.obj.table,
        }
    if effect.new_name is not None:
        record["new_name"] = effect.new_name
    if effect.search_path is not None:
        record["search_path"] = list(effect.search_path)
    if effect.columns is not None:
        record["columns"] = list(effect.columns)
    if effect.parent is not None:
        record["parent"] = effect.parent
    return record


def effect_from_record(record: Mapping[str, object]) -> tuple[Effect, tuple[str, ...]]:
    """An effect read back from the ledger, and the search path an unqualified create ran under."""
    action = EffectAction(str(record["action"]))
    obj = None
    if "kind" in record:
        obj = CatalogObject(
            kind=ObjectKind(str(record["kind"])),
            name=str(record["name"]),
            schema=_optional(record.get("schema")),
            table=_optional(record.get("table")),
        )
    path = record.get("search_path")
    search_path = tuple(str(schema) for schema in path) if isinstance(path, list) else ()
    used = record.get("columns")
    columns = tuple(str(column) for column in used) if isinstance(used, list) else None
    effect = Effect(
        action=action,
        obj=obj,
        new_name=_optional(record.get("new_name")),
        columns=columns,
        parent=_optional(record.get("parent")),
    )
    return effect, search_path


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


_HANDLERS: dict[type, Callable[[Any], list[Effect]]] = {
    ast.CreateStmt: _table,
    ast.CreateTableAsStmt: lambda node: _relation(node.into.rel if node.into is not None else None),
    ast.ViewStmt: lambda node: _relation(node.view),
    ast.CreateSeqStmt: lambda node: _relation(node.sequence),
    ast.IndexStmt: _index,
    ast.CreateEnumStmt: lambda node: _type(node.typeName),
    ast.CreateRangeStmt: lambda node: _type(node.typeName),
    ast.CreateDomainStmt: lambda node: _type(node.domainname),
    ast.CompositeTypeStmt: lambda node: (
        [_create(ObjectKind.TYPE, node.typevar.relname or "", node.typevar.schemaname)]
        if node.typevar is not None
        else []
    ),
    ast.CreateFunctionStmt: _function,
    ast.CreateSchemaStmt: lambda node: [_create(ObjectKind.SCHEMA, node.schemaname)] if node.schemaname else [],
    ast.CreateExtensionStmt: lambda node: [_create(ObjectKind.EXTENSION, node.extname)] if node.extname else [],
    ast.CreateTrigStmt: lambda node: _owned(ObjectKind.TRIGGER, node.trigname, node.relation),
    ast.CreatePolicyStmt: lambda node: _owned(ObjectKind.POLICY, node.policy_name, node.table),
    ast.AlterTableStmt: lambda node: _alter_table(node) if node.relation is not None else [],
    ast.RenameStmt: _rename,
    ast.DropStmt: _drop,
    # objects move or go without being named
    ast.AlterObjectSchemaStmt: lambda _: [Effect(action=EffectAction.UNCERTAIN)],
    ast.DropOwnedStmt: lambda _: [Effect(action=EffectAction.UNCERTAIN)],
}
