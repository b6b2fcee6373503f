"""Guard every statement of a script that is meant to be re-run, or none: a half-guarded script stops half-applied.

## Why

A script that writes ``CREATE TABLE IF NOT EXISTS``, ``CREATE OR REPLACE VIEW``, ``ADD COLUMN IF NOT EXISTS`` or a
``DO`` block that checks ``pg_policies`` first is written to be run again — after a failure half-way through,
or on a database where part of it already ran. Its unguarded statements defeat that: on the second run
``ADD CONSTRAINT`` fails with ``constraint ... already exists``, ``CREATE VIEW`` with ``relation ... already
exists``, ``CREATE POLICY`` with ``policy ... already exists``, and the script stops where it stopped the first
time, half-applied, with the guards of the statements before it having proved nothing.

## Instead

Guard each one: ``ADD COLUMN IF NOT EXISTS``, ``CREATE OR REPLACE VIEW``, ``CREATE INDEX IF NOT EXISTS``,
``CREATE TABLE IF NOT EXISTS``; for what has no ``IF NOT EXISTS`` (constraints, policies) drop it first with
``IF EXISTS`` or check the catalog in a ``DO`` block. Better still, let tenantdb version the script: a
migration it applied is never run twice, and a transactional one is never half-applied.

## When this is fine

A file with no guard at all is an ordinary versioned migration and is not reported. A script counts as written
to be re-run when it creates a table or a new view with ``IF NOT EXISTS`` / ``OR REPLACE`` or checks the
catalog in a ``DO`` block — or when it guards more statements than it
leaves unguarded: an ``ADD COLUMN IF NOT EXISTS`` or a ``DROP TABLE IF EXISTS`` here and there is habit.
``CREATE OR REPLACE FUNCTION``, ``CREATE EXTENSION IF NOT EXISTS`` and ``CREATE SCHEMA IF NOT EXISTS`` are common
in versioned migrations too, so they do not count; nor does ``CREATE OR REPLACE VIEW`` of a view created in an
earlier migration (the only way to redefine it), nor a ``DO`` block that checks ``pg_roles`` (a role is shared by
every database of the server, so versioned migrations check for it too).

## See also

``require-if-not-exists-outside-transaction``; PostgreSQL docs, CREATE TABLE / CREATE INDEX (``IF NOT
EXISTS``), CREATE VIEW (``OR REPLACE``), ALTER TABLE (``IF EXISTS``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pglast import ast

from tenantdb.lint.bodies import embedded_trees
from tenantdb.lint.context import LintContext, Place, finding_at
from tenantdb.lint.model import Derived, Family, Finding, Hit, Rule, Severity
from tenantdb.lint.walk import iter_nodes, relation_name

Key = tuple[str, ...]
# roles, databases and tablespaces belong to the server: a versioned migration checks for them because another
# database of the same server may have created them, not because it is meant to be re-run
CLUSTER_CATALOGS = frozenset({"pg_roles", "pg_authid", "pg_user", "pg_database", "pg_tablespace", "pg_auth_members"})


# guards that show a script written to be re-run; IF NOT EXISTS on ADD COLUMN / CREATE INDEX is often mere habit
STRONG = frozenset({"table", "view", "do"})


@dataclass(slots=True)
class _Script:
    guards: int = 0
    strong: bool = False
    dropped: set[Key] = field(default_factory=set)
    unguarded: list[tuple[Place, str]] = field(default_factory=list)


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if context.section != "up" or context.statement is None or node is not context.statement.tree:
        return iter(())
    scripts: dict[str, _Script] = context.extra.setdefault("rerun-guards", {})
    script = scripts.setdefault(str(context.path), _Script())
    for guarded, key, what in _parts(node, context):
        if guarded:
            script.guards += 1
            script.strong |= key[0] in STRONG
            if key[0] == "drop":
                script.dropped.add(key[1:])
        elif key in script.dropped:
            pass  # dropped IF EXISTS before: re-created on every run (a redefinition, or a re-run guard)
        else:
            script.unguarded.append((context.place(), what))
    return iter(())


def _parts(node: Any, context: LintContext) -> Iterator[tuple[bool, Key, str]]:
    """``(guarded, object key, description)`` of each part of a statement that fails when run twice."""
    if isinstance(node, ast.CreateStmt):
        name = relation_name(node.relation)
        yield bool(node.if_not_exists), ("table", name), f"CREATE TABLE {name}"
    elif isinstance(node, ast.IndexStmt) and node.idxname:
        yield bool(node.if_not_exists), ("index", node.idxname), f"CREATE INDEX {node.idxname}"
    elif isinstance(node, ast.ViewStmt):
        name = relation_name(node.view)
        if not (node.replace and name in context.schema.views):  # OR REPLACE of a known view redefines it
            yield bool(node.replace), ("view", name), f"CREATE VIEW {name}"
    elif isinstance(node, ast.CreatePolicyStmt):
        table = relation_name(node.table)
        yield False, ("policy", table, node.policy_name or ""), f"CREATE POLICY {node.policy_name} ON {table}"
    elif isinstance(node, ast.AlterTableStmt):
        yield from _alter_table_parts(node)
    elif isinstance(node, ast.DropStmt) and node.missing_ok:
        kind = getattr(node.removeType, "name", "").removeprefix("OBJECT_").lower()
        for names in node.objects or ():
            parts = tuple(getattr(part, "sval", "") for part in names) if isinstance(names, tuple) else ()
            if parts:
                yield True, ("drop", kind, *parts[-2:]) if kind == "policy" else ("drop", kind, parts[-1]), ""
    elif isinstance(node, ast.DoStmt) and _checks_catalog(node, context):
        yield True, ("do",), ""


def _alter_table_parts(node: ast.AlterTableStmt) -> Iterator[tuple[bool, Key, str]]:
    table = relation_name(node.relation)
    for cmd in node.cmds or ():
        subtype = getattr(cmd.subtype, "name", "")
        if subtype == "AT_AddColumn" and isinstance(cmd.def_, ast.ColumnDef):
            column = cmd.def_.colname or ""
            yield bool(cmd.missing_ok), ("column", table, column), f"ALTER TABLE {table} ADD COLUMN {column}"
        elif subtype == "AT_AddConstraint" and isinstance(cmd.def_, ast.Constraint) and cmd.def_.conname:
            name = cmd.def_.conname
            yield False, ("constraint", table, name), f"ALTER TABLE {table} ADD CONSTRAINT {name}"
        elif subtype == "AT_DropConstraint" and cmd.missing_ok and cmd.name:
            yield True, ("drop", "constraint", table, cmd.name), ""


def _checks_catalog(node: ast.DoStmt, context: LintContext) -> bool:
    """A DO block that tests ``[NOT] EXISTS`` before acting, on something other than cluster-wide objects."""
    text = context.statement.text if context.statement else ""
    for tree in embedded_trees(node, text):
        for link in iter_nodes(tree):
            if isinstance(link, ast.SubLink) and getattr(link.subLinkType, "name", "") == "EXISTS_SUBLINK":
                read = {relation_name(n) for n in iter_nodes(link.subselect) if isinstance(n, ast.RangeVar)}
                if read - CLUSTER_CATALOGS:
                    return True
    return False


def finish(context: LintContext) -> Iterator[Finding]:
    scripts: dict[str, _Script] = context.extra.get("rerun-guards", {})
    for script in scripts.values():
        if not script.strong and script.guards <= len(script.unguarded):
            continue  # a guard here and there is habit, not a script written to be re-run
        for place, what in script.unguarded:
            yield finding_at(
                RULE,
                place,
                f"{what} is not guarded in a script that guards other statements: run again, it fails "
                "with 'already exists' and leaves the script half-applied",
                hint="guard it (IF NOT EXISTS, OR REPLACE, DROP ... IF EXISTS first, or a catalog check in a DO "
                "block), or drop the guards and let tenantdb version the file",
            )


RULE = Rule.for_node(
    ast.CreateStmt,
    ast.IndexStmt,
    ast.ViewStmt,
    ast.CreatePolicyStmt,
    ast.AlterTableStmt,
    ast.DropStmt,
    ast.DoStmt,
    id="require-consistent-rerun-guards",
    summary="a script that guards some statements for re-runs leaves others unguarded",
    severity=Severity.WARNING,
    family=Family.ROBUSTNESS,
    reads=(Derived.FUNCTION_BODIES,),
    check=check,
    finish=finish,
    bad=(
        "CREATE TABLE IF NOT EXISTS email_costs (tenant_id uuid NOT NULL, cost numeric(10,2) NOT NULL);\n"
        "ALTER TABLE email_costs ADD CONSTRAINT email_costs_cost_nonnegative CHECK (cost >= 0);",
        "CREATE OR REPLACE VIEW company_costs AS SELECT tenant_id, cost FROM email_costs;\n"
        "CREATE POLICY email_costs_isolation ON email_costs USING (tenant_id = current_setting('app.tenant')::uuid);",
    ),
    good=(
        "CREATE TABLE IF NOT EXISTS email_costs (tenant_id uuid NOT NULL, cost numeric(10,2) NOT NULL);\n"
        "ALTER TABLE email_costs DROP CONSTRAINT IF EXISTS email_costs_cost_nonnegative,\n"
        "    ADD CONSTRAINT email_costs_cost_nonnegative CHECK (cost >= 0);\n"
        "ALTER TABLE email_costs ADD COLUMN IF NOT EXISTS currency text;",
        "CREATE TABLE email_costs (tenant_id uuid NOT NULL, cost numeric(10,2) NOT NULL);\n"
        "ALTER TABLE email_costs ADD CONSTRAINT email_costs_cost_nonnegative CHECK (cost >= 0);",
        "ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text;\n"
        "ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;",
        "DROP VIEW IF EXISTS order_totals;\n"
        "CREATE VIEW order_totals AS SELECT tenant_id, sum(total) FROM orders GROUP BY 1;\n"
        "ALTER TABLE orders ADD COLUMN discount numeric(10,2);",
        "DO $$\nBEGIN\n    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reporting') THEN\n"
        "        CREATE ROLE reporting NOLOGIN;\n    END IF;\nEND\n$$;\n"
        "CREATE TABLE reports (tenant_id uuid NOT NULL, body text);",
    ),
)
