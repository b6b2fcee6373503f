"""What the linter knows while it reads migrations in order: the schema so far and the current statement."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pglast import ast

from tenantdb.lint.model import Finding, Hit, Rule
from tenantdb.lint.walk import iter_nodes, relation_name
from tenantdb.sql import Statement, line_of

TENANT_COLUMN = "tenant_id"


@dataclass(frozen=True, slots=True)
class Place:
    """Where something was declared: file, line, and the statement."""

    path: Path | None
    line: int
    statement: str


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
    extra: dict[str, Any] = field(default_factory=dict)  # per-run scratch space for rules' finish hooks

    def is_existing_table(self, name: str) -> bool:
        """A table that existed before this script (not created earlier in it)."""
        return bool(name) and name not in self.created_here

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
            severity=rule.severity,
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
    if isinstance(node, ast.CreateStmt):
        name = relation_name(node.relation)
        schema.tables[name] = place
        context.created_here.add(name)
        columns = {
            column.colname: _type_name(column.typeName)
            for column in node.tableElts or ()
            if isinstance(column, ast.ColumnDef) and column.colname
        }
        schema.columns[name] = columns
        if TENANT_COLUMN in columns:
            schema.tenant_tables[name] = place
    elif isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
        name = relation_name(node.into.rel)
        if getattr(node.objtype, "name", "") == "OBJECT_MATVIEW":
            schema.matviews[name] = place
        else:
            schema.tables[name] = place
            context.created_here.add(name)
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


def _observe_alter_table(context: LintContext, node: ast.AlterTableStmt, place: Place) -> None:
    schema = context.schema
    table = relation_name(node.relation)
    for cmd in node.cmds or ():
        name = getattr(cmd.subtype, "name", "")
        if name == "AT_EnableRowSecurity":
            schema.rls_enabled[table] = place
        elif name == "AT_ForceRowSecurity":
            schema.rls_forced.add(table)
        elif name == "AT_AddColumn" and isinstance(cmd.def_, ast.ColumnDef) and cmd.def_.colname:
            schema.columns.setdefault(table, {})[cmd.def_.colname] = _type_name(cmd.def_.typeName)
            if cmd.def_.colname == TENANT_COLUMN:
                schema.tenant_tables[table] = place


def _observe_drop(schema: SchemaKnowledge, node: ast.DropStmt) -> None:
    kind = getattr(node.removeType, "name", "")
    targets = {getattr(names[-1], "sval", "") for names in node.objects or () if isinstance(names, tuple) and names}
    registry = {"OBJECT_TABLE": schema.tables, "OBJECT_VIEW": schema.views, "OBJECT_MATVIEW": schema.matviews}
    for name in targets:
        if kind in registry:
            registry[kind].pop(name, None)
        if kind == "OBJECT_TABLE":
            schema.columns.pop(name, None)
            schema.tenant_tables.pop(name, None)
            schema.rls_enabled.pop(name, None)
            schema.rls_forced.discard(name)
            schema.policies.pop(name, None)


def _type_name(type_name: ast.TypeName | None) -> str:
    if type_name is None:
        return ""
    names = [getattr(part, "sval", "") for part in type_name.names or ()]
    return names[-1].lower() if names else ""


def nodes_of(statement: Statement) -> list[ast.Node]:
    """Every node of a statement's tree (cached on first use by the engine)."""
    return list(iter_nodes(statement.tree))
