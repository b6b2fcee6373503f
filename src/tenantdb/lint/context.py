"""What the linter knows while it reads migrations in order: the schema so far and the current statement."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pglast import ast

from tenantdb.lint.model import Finding, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name
from tenantdb.sql import Rewrite, Statement, line_of, rewrite_statements
from tenantdb.sql.tree import all_nodes

TENANT_COLUMN = "tenant_id"


@dataclass(frozen=True, slots=True)
class Place:
    """Where something was declared: file, line, and the statement."""

    path: Path | None
    line: int
    statement: str


@dataclass(frozen=True, slots=True)
class ColumnType:
    """A declared column type: its name as the linter spells it, integer modifiers (-1: not a plain integer)."""

    name: str
    typmods: tuple[int, ...] = ()
    array: bool = False


@dataclass(slots=True)
class SchemaKnowledge:
    """The schema as the forward (up) migrations read so far have shaped it."""

    tables: dict[str, Place] = field(default_factory=dict)
    views: dict[str, Place] = field(default_factory=dict)
    matviews: dict[str, Place] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> column -> type name
    tenant_tables: dict[str, Place] = field(default_factory=dict)
    rls_enabled: dict[str, Place] = field(default_factory=dict)
    rls_forced: set[str] = field(default_factory=set)
    policies: dict[str, list[Place]] = field(default_factory=dict)
    roles: set[str] = field(default_factory=set)
    column_types: dict[str, dict[str, ColumnType]] = field(default_factory=dict)  # table -> column -> full type
    indexes: dict[str, str] = field(default_factory=dict)  # index -> table
    # table -> name of a CHECK (c IS NOT NULL) -> (c, validated)
    not_null_checks: dict[str, dict[str, tuple[str, bool]]] = field(default_factory=dict)
    unique_columns: dict[str, set[str]] = field(default_factory=dict)  # table -> columns that alone are a key
    primary_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)  # table -> primary key columns
    # table -> referenced table -> ON DELETE action as pg_constraint spells it ('a' no action, 'c' cascade, ...)
    foreign_keys: dict[str, dict[str, str]] = field(default_factory=dict)
    inserted_strings: dict[str, set[str]] = field(default_factory=dict)  # table -> string literals migrations inserted

    def copy(self) -> SchemaKnowledge:
        return SchemaKnowledge(
            tables=dict(self.tables),
            views=dict(self.views),
            matviews=dict(self.matviews),
            columns={table: dict(cols) for table, cols in self.columns.items()},
            tenant_tables=dict(self.tenant_tables),
            rls_enabled=dict(self.rls_enabled),
            rls_forced=set(self.rls_forced),
            policies={table: list(places) for table, places in self.policies.items()},
            roles=set(self.roles),
            column_types={table: dict(cols) for table, cols in self.column_types.items()},
            indexes=dict(self.indexes),
            not_null_checks={table: dict(checks) for table, checks in self.not_null_checks.items()},
            unique_columns={table: set(cols) for table, cols in self.unique_columns.items()},
            primary_keys=dict(self.primary_keys),
            foreign_keys={table: dict(parents) for table, parents in self.foreign_keys.items()},
            inserted_strings={table: set(values) for table, values in self.inserted_strings.items()},
        )


@dataclass(slots=True)
class LintContext:
    """Handed to every check: the statement being checked and everything known around it."""

    pg_version: int
    schema: SchemaKnowledge = field(default_factory=SchemaKnowledge)
    path: Path | None = None
    source: str = ""
    section: str = "up"  # up | down | verify
    transactional: bool = True  # the runner wraps the script in a transaction
    in_file_transaction: bool = False  # inside the file's own BEGIN ... COMMIT
    created_here: set[str] = field(default_factory=set)  # tables created earlier in this script
    statement: Statement | None = None
    archive: bool = True  # the runner archives what DROP TABLE/COLUMN, TRUNCATE and DELETE destroy
    online: bool = True  # the runner rewrites blocking statements on existing tables (tenantdb.sql.rewrite)
    script: tuple[Statement, ...] = ()  # every statement of the script being read
    extra: dict[str, Any] = field(default_factory=dict)  # per-run scratch space for rules' finish hooks
    database: str | None = None  # the database the project is configured to migrate, when a DSN names it

    def is_existing_table(self, name: str) -> bool:
        """A table that existed before this script (not created earlier in it)."""
        return bool(name) and name not in self.created_here

    def online_rewrite(self) -> Rewrite | None:
        """How the runner rewrites the current statement online, or None when it runs as written."""
        return None if self.statement is None else self._rewrites().get(self.statement.start)

    def in_transaction(self) -> bool:
        """The runner runs the current statement in a transaction: the file's own, or the one it wraps the script
        in (which it does not when it splits the script for an online rewrite)."""
        return self.in_file_transaction or (self.transactional and not self._rewrites())

    def _rewrites(self) -> dict[int, Rewrite]:
        """The runner's online rewrites of the current script, by the start of the statement they replace."""
        if not self.online or self.section == "verify":
            return {}
        key = f"rewrites:{self.path}:{self.section}"
        rewrites: dict[int, Rewrite] | None = self.extra.get(key)
        if rewrites is None:
            _, found = rewrite_statements(self.script, lambda _table: True)
            rewrites = {rewrite.original.start: rewrite for rewrite in found}
            self.extra[key] = rewrites
        return rewrites

    def rewritten(self, hit: Hit, kind: str) -> Hit:
        """``hit`` as info when the runner rewrites the current statement online with ``kind``, else as it is."""
        rewrite = self.online_rewrite()
        if rewrite is None or kind not in rewrite.kind.split(","):
            return hit
        safe = "; ".join(statement.text for statement in rewrite.statements)
        return replace(
            hit,
            message=f"{hit.message}: the runner rewrites this to {safe} (online rewrites are on)",
            severity=Severity.INFO,
        )

    def place(self) -> Place:
        statement = self.statement
        return Place(
            path=self.path, line=statement.line if statement else 1, statement=statement.text if statement else ""
        )

    def finding(self, rule: Rule, hit: Hit) -> Finding:
        """A finding for the current statement, on the line of the offending node when it is known."""
        statement = self.statement
        line = statement.line if statement else 1
        column = 1
        if statement is not None and hit.location is not None and hit.location >= 0:
            offset = statement.base + hit.location
            if statement.start <= offset <= statement.end:
                line = line_of(self.source, offset)
                column = offset - self.source.rfind("\n", 0, offset)
        return Finding(
            rule=rule.id,
            severity=hit.severity or rule.severity,
            category=rule.category,
            message=hit.message,
            path=self.path,
            line=line,
            column=column,
            statement=statement.text if statement else "",
            hint=hit.hint,
        )


def finding_at(rule: Rule, place: Place, message: str, hint: str | None = None) -> Finding:
    """A finding at a remembered place (for checks that decide after reading everything)."""
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        category=rule.category,
        message=message,
        path=place.path,
        line=place.line,
        statement=place.statement,
        hint=hint,
    )


def observe(context: LintContext, node: Any) -> None:
    """Update what the linter knows after a statement ran."""
    place = context.place()
    schema = context.schema
    _remember_created(context, node)
    _remember_inserted(schema, node)
    if isinstance(node, ast.CreateStmt):
        _observe_create_table(context, node, place)
    elif isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
        name = relation_name(node.into.rel)
        if getattr(node.objtype, "name", "") == "OBJECT_MATVIEW":
            schema.matviews[name] = place
        else:
            schema.tables[name] = place
            context.created_here.add(name)
            if TENANT_COLUMN in _output_names(node):  # rollups built with CREATE TABLE AS hold tenant rows too
                schema.tenant_tables[name] = place
    elif isinstance(node, ast.IndexStmt) and node.idxname:
        schema.indexes[node.idxname] = relation_name(node.relation)
    elif isinstance(node, ast.ViewStmt):
        schema.views[relation_name(node.view)] = place
    elif isinstance(node, ast.AlterTableStmt):
        _observe_alter_table(context, node, place)
    elif isinstance(node, ast.CreatePolicyStmt):
        schema.policies.setdefault(relation_name(node.table), []).append(place)
    elif isinstance(node, ast.CreateRoleStmt) and node.role:
        schema.roles.add(node.role)
    elif isinstance(node, ast.DropStmt):
        _observe_drop(schema, node)
    elif isinstance(node, ast.RenameStmt) and getattr(node.renameType, "name", "") in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
        _observe_type_rename(schema, node)


def _observe_create_table(context: LintContext, node: ast.CreateStmt, place: Place) -> None:
    schema = context.schema
    name = relation_name(node.relation)
    schema.tables[name] = place
    context.created_here.add(name)
    columns = {
        column.colname: _type_name(column.typeName)
        for column in node.tableElts or ()
        if isinstance(column, ast.ColumnDef) and column.colname
    }
    schema.columns[name] = columns
    schema.column_types[name] = {
        column.colname: column_type(column.typeName)
        for column in node.tableElts or ()
        if isinstance(column, ast.ColumnDef) and column.colname
    }
    # temporary tables vanish with the session: they need no policy
    if TENANT_COLUMN in columns and getattr(node.relation, "relpersistence", "") != "t":
        schema.tenant_tables[name] = place
    schema.unique_columns[name] = _unique_columns(node.tableElts or ())
    schema.primary_keys[name] = primary_key(node.tableElts or ())
    schema.foreign_keys[name] = dict(foreign_keys(node.tableElts or ()))


def _observe_type_rename(schema: SchemaKnowledge, node: ast.RenameStmt) -> None:
    """``ALTER TYPE t RENAME TO t__`` (the old half of an enum swap): the columns of type t now have type t__."""
    names = node.object if isinstance(node.object, tuple) else ()
    old = str(getattr(names[-1], "sval", "")).lower() if names else ""
    new = (node.newname or "").lower()
    if not old or not new:
        return
    for columns in schema.columns.values():
        for column, type_name in columns.items():
            if type_name == old:
                columns[column] = new
    for types in schema.column_types.values():
        for column, declared in types.items():
            if declared.name == old:
                types[column] = replace(declared, name=new)


def _remember_inserted(schema: SchemaKnowledge, node: Any) -> None:
    """The string literals of ``INSERT ... VALUES``: rows the migrations wrote themselves, not users."""
    if isinstance(node, ast.InsertStmt) and isinstance(node.selectStmt, ast.SelectStmt):
        values = schema.inserted_strings.setdefault(relation_name(node.relation), set())
        for row in node.selectStmt.valuesLists or ():
            values.update(str(v.val.sval) for v in row if isinstance(v, ast.A_Const) and isinstance(v.val, ast.String))


def _observe_alter_table(context: LintContext, node: ast.AlterTableStmt, place: Place) -> None:
    schema = context.schema
    table = relation_name(node.relation)
    for cmd in node.cmds or ():
        name = getattr(cmd.subtype, "name", "")
        if name in ("AT_AddConstraint", "AT_AddColumn") and (key := primary_key((cmd.def_,))):
            schema.primary_keys[table] = key
        if name in ("AT_AddConstraint", "AT_AddColumn"):
            schema.foreign_keys.setdefault(table, {}).update(foreign_keys((cmd.def_,)))
        if name == "AT_EnableRowSecurity":
            schema.rls_enabled[table] = place
        elif name == "AT_ForceRowSecurity":
            schema.rls_forced.add(table)
        elif name == "AT_DisableRowSecurity":
            schema.rls_enabled.pop(table, None)
        elif name == "AT_AddConstraint" and isinstance(cmd.def_, ast.Constraint) and _is_key(cmd.def_):
            schema.unique_columns.setdefault(table, set()).update(_single_key(cmd.def_))
        elif name == "AT_AddColumn" and isinstance(cmd.def_, ast.ColumnDef) and cmd.def_.colname:
            schema.columns.setdefault(table, {})[cmd.def_.colname] = _type_name(cmd.def_.typeName)
            schema.column_types.setdefault(table, {})[cmd.def_.colname] = column_type(cmd.def_.typeName)
            if cmd.def_.colname == TENANT_COLUMN:
                schema.tenant_tables[table] = place
        elif name == "AT_AlterColumnType" and cmd.name and isinstance(cmd.def_, ast.ColumnDef):
            schema.columns.setdefault(table, {})[cmd.name] = _type_name(cmd.def_.typeName)
            schema.column_types.setdefault(table, {})[cmd.name] = column_type(cmd.def_.typeName)
        else:
            _observe_not_null_check(schema, table, cmd, name)


def not_null_check(table: str, constraint: ast.Constraint) -> tuple[str, str] | None:
    """``(name, column)`` of an enforced ``CHECK (column IS NOT NULL)`` (unnamed: PostgreSQL's default name)."""
    test = constraint.raw_expr
    if getattr(constraint.contype, "name", "") != "CONSTR_CHECK" or not constraint.is_enforced:
        return None
    if not isinstance(test, ast.NullTest) or getattr(test.nulltesttype, "name", "") != "IS_NOT_NULL":
        return None
    fields = test.arg.fields if isinstance(test.arg, ast.ColumnRef) else ()
    column = getattr(fields[-1], "sval", "") if fields and len(fields) == 1 else ""
    return (constraint.conname or f"{table}_{column}_check", column) if column else None


def _observe_not_null_check(schema: SchemaKnowledge, table: str, cmd: ast.AlterTableCmd, subtype: str) -> None:
    """Remember CHECK (c IS NOT NULL) constraints and whether they are validated (they make SET NOT NULL cheap)."""
    checks = schema.not_null_checks.get(table, {})
    if subtype == "AT_AddConstraint" and isinstance(cmd.def_, ast.Constraint):
        found = not_null_check(table, cmd.def_)
        if found is not None:
            schema.not_null_checks.setdefault(table, {})[found[0]] = (found[1], not cmd.def_.skip_validation)
    elif subtype == "AT_ValidateConstraint" and cmd.name in checks:
        checks[cmd.name] = (checks[cmd.name][0], True)
    elif subtype == "AT_DropConstraint" and cmd.name:
        checks.pop(cmd.name, None)


def _observe_drop(schema: SchemaKnowledge, node: ast.DropStmt) -> None:
    kind = getattr(node.removeType, "name", "")
    targets = {getattr(names[-1], "sval", "") for names in node.objects or () if isinstance(names, tuple) and names}
    registry = {"OBJECT_TABLE": schema.tables, "OBJECT_VIEW": schema.views, "OBJECT_MATVIEW": schema.matviews}
    for name in targets:
        if kind in registry:
            registry[kind].pop(name, None)
        if kind == "OBJECT_INDEX":
            schema.indexes.pop(name, None)
        if kind == "OBJECT_TABLE":
            schema.columns.pop(name, None)
            schema.tenant_tables.pop(name, None)
            schema.rls_enabled.pop(name, None)
            schema.rls_forced.discard(name)
            schema.policies.pop(name, None)
            schema.column_types.pop(name, None)
            schema.not_null_checks.pop(name, None)
            schema.unique_columns.pop(name, None)
            schema.primary_keys.pop(name, None)
            schema.foreign_keys.pop(name, None)
            schema.inserted_strings.pop(name, None)
            if name in schema.indexes.values():  # rebuilt only when the table had indexes (drops are frequent)
                schema.indexes = {index: table for index, table in schema.indexes.items() if table != name}


def primary_key(elements: Any) -> tuple[str, ...]:
    """The PRIMARY KEY columns declared among table elements (column definitions and table constraints)."""
    for element in elements:
        if isinstance(element, ast.ColumnDef) and element.colname:
            constraints = element.constraints or ()
            if any(getattr(c.contype, "name", "") == "CONSTR_PRIMARY" for c in constraints):
                return (element.colname,)
        elif isinstance(element, ast.Constraint) and getattr(element.contype, "name", "") == "CONSTR_PRIMARY":
            return tuple(getattr(key, "sval", "") for key in element.keys or ())
    return ()


def foreign_keys(elements: Any) -> Iterator[tuple[str, str]]:
    """``(referenced table, ON DELETE action)`` of every foreign key among table elements."""
    for element in elements:
        constraints = element.constraints or () if isinstance(element, ast.ColumnDef) else (element,)
        for constraint in constraints:
            if isinstance(constraint, ast.Constraint) and getattr(constraint.contype, "name", "") == "CONSTR_FOREIGN":
                yield relation_name(constraint.pktable), constraint.fk_del_action or "a"


def new_columns(node: Any) -> Iterator[tuple[str, ast.ColumnDef]]:
    """``(table, column definition)`` of every column a CREATE TABLE or ALTER TABLE ... ADD COLUMN adds."""
    if isinstance(node, ast.CreateStmt):
        table = relation_name(node.relation)
        yield from ((table, e) for e in node.tableElts or () if isinstance(e, ast.ColumnDef) and e.colname)
    elif isinstance(node, ast.AlterTableStmt) and getattr(node.objtype, "name", "") == "OBJECT_TABLE":
        table = relation_name(node.relation)
        for cmd in node.cmds or ():
            if getattr(cmd.subtype, "name", "") == "AT_AddColumn" and isinstance(cmd.def_, ast.ColumnDef):
                yield table, cmd.def_


def drop_targets(node: ast.DropStmt) -> list[str]:
    """Unqualified names of what a DROP removes (``s.orders`` is ``orders``; functions and types by name)."""
    names = []
    for target in node.objects or ():
        parts = target.names if isinstance(target, ast.TypeName) else target
        parts = target.objname if isinstance(target, ast.ObjectWithArgs) else parts
        parts = parts if isinstance(parts, tuple) else (parts,)
        names.append(getattr(parts[-1], "sval", "") if parts else "")
    return names


def created_in_script(context: LintContext) -> set[tuple[str, str]]:
    """``(object type, name)`` of what the current script created so far, e.g. ``("OBJECT_SCHEMA", "staging")``."""
    created: set[tuple[str, str]] = context.extra.setdefault(f"created:{context.path}:{context.section}", set())
    return created


def created_relation_here(context: LintContext, name: str) -> bool:
    """A table, view or materialized view named ``name`` was created earlier in the current script."""
    created = created_in_script(context)
    return name in context.created_here or any((kind, name) in created for kind in _RELATION_KINDS)


_RELATION_KINDS = ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW")


def _remember_created(context: LintContext, node: Any) -> None:
    kind, name = _created_object(node)
    if kind and name:
        created_in_script(context).add((kind, name))


def _created_object(node: Any) -> tuple[str, str]:
    if isinstance(node, ast.CreateStmt):
        return "OBJECT_TABLE", relation_name(node.relation)
    if isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
        return getattr(node.objtype, "name", ""), relation_name(node.into.rel)
    if isinstance(node, ast.ViewStmt):
        return "OBJECT_VIEW", relation_name(node.view)
    if isinstance(node, ast.CreateSchemaStmt):
        return "OBJECT_SCHEMA", node.schemaname or ""
    if isinstance(node, ast.CreateSeqStmt):
        return "OBJECT_SEQUENCE", relation_name(node.sequence)
    if isinstance(node, ast.IndexStmt):
        return "OBJECT_INDEX", node.idxname or ""
    if isinstance(node, ast.CompositeTypeStmt):
        return "OBJECT_TYPE", relation_name(node.typevar)
    if isinstance(node, ast.CreateEnumStmt):
        return "OBJECT_TYPE", getattr(node.typeName[-1], "sval", "") if node.typeName else ""
    if isinstance(node, ast.CreateDomainStmt):
        return "OBJECT_DOMAIN", getattr(node.domainname[-1], "sval", "") if node.domainname else ""
    return "", ""


def _is_key(constraint: ast.Constraint) -> bool:
    return getattr(constraint.contype, "name", "") in ("CONSTR_PRIMARY", "CONSTR_UNIQUE")


def _single_key(constraint: ast.Constraint) -> set[str]:
    """The column of a one-column PRIMARY KEY / UNIQUE table constraint (empty for composite keys)."""
    keys = constraint.keys or ()
    return {getattr(keys[0], "sval", "")} if len(keys) == 1 else set()


def _unique_columns(elements: Any) -> set[str]:
    """Columns of a CREATE TABLE that are a key on their own (PRIMARY KEY or UNIQUE, column or table constraint)."""
    found: set[str] = set()
    for element in elements:
        if isinstance(element, ast.ColumnDef) and element.colname:
            if any(_is_key(c) for c in element.constraints or () if isinstance(c, ast.Constraint)):
                found.add(element.colname)
        elif isinstance(element, ast.Constraint) and _is_key(element):
            found |= _single_key(element)
    return found


def _output_names(node: ast.CreateTableAsStmt) -> set[str]:
    """Column names of a CREATE TABLE AS: the explicit list, else the query's output names."""
    if node.into is not None and node.into.colNames:
        return {getattr(name, "sval", "") for name in node.into.colNames}
    query = node.query
    names = set()
    for target in getattr(query, "targetList", None) or ():
        if isinstance(target, ast.ResTarget) and target.name:
            names.add(target.name)
        elif isinstance(target, ast.ResTarget) and isinstance(target.val, ast.ColumnRef) and target.val.fields:
            names.add(getattr(target.val.fields[-1], "sval", ""))
    return names


def _type_name(type_name: ast.TypeName | None) -> str:
    if type_name is None:
        return ""
    names = [getattr(part, "sval", "") for part in type_name.names or ()]
    return names[-1].lower() if names else ""


def column_type(type_name: ast.TypeName | None) -> ColumnType:
    """A declared type with its modifiers: ``varchar(20)`` is ``ColumnType("varchar", (20,))``."""
    if type_name is None:
        return ColumnType("")
    typmods = tuple(getattr(getattr(mod, "val", None), "ival", -1) for mod in type_name.typmods or ())
    return ColumnType(_type_name(type_name), typmods, bool(type_name.arrayBounds))


_LAST_WALK: list[tuple[Statement, list[ast.Node]]] = []  # one entry, replaced whole (safe across threads)


def nodes_of(statement: Statement) -> list[ast.Node]:
    """Every node of a statement's tree, depth first: walked once, then the same list for the engine and rules."""
    last = _LAST_WALK[0] if _LAST_WALK else None
    if last is not None and last[0] is statement:
        return last[1]
    nodes = all_nodes(statement.tree)
    _LAST_WALK[:] = [(statement, nodes)]
    return nodes
