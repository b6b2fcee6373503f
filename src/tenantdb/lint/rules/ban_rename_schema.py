"""Do not rename an existing schema.

## Why

``ALTER SCHEMA ... RENAME TO`` renames the namespace of every table, view, function and type in it at once.
Running code that qualifies names with the schema, or sets ``search_path`` to it, fails with ``relation ...
does not exist`` or silently finds nothing from the moment it commits; role ``search_path`` settings, function
``SET search_path`` clauses and grants written with the old name in scripts keep pointing at a schema that no
longer exists.

## Instead

Leave the schema's name alone. If the name really must change, create the new schema, move objects with
``ALTER TABLE ... SET SCHEMA`` one at a time behind compatibility views in the old schema, move the code over,
and drop the old schema later.

## When this is fine

The schema was created earlier in the same script, or nothing uses it yet.

## See also

``ban-rename-table``, ``ban-rename-column``, ``ban-drop-schema``.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext, created_in_script
from tenantdb.lint.model import Family, Hit, Rule, Severity


def check(node: ast.RenameStmt, context: LintContext) -> Iterator[Hit]:
    if context.section != "up" or getattr(node.renameType, "name", "") != "OBJECT_SCHEMA":
        return
    schema = node.subname or ""
    if ("OBJECT_SCHEMA", schema) in created_in_script(context):
        return
    yield Hit(
        f"renaming schema {schema} to {node.newname} renames every object in it: running code, search_path "
        f"settings and functions that name {schema} fail from the moment this commits",
        hint="keep the schema's name; move objects one at a time with ALTER ... SET SCHEMA behind "
        "compatibility views if it must change",
    )


RULE = Rule.for_node(
    ast.RenameStmt,
    id="ban-rename-schema",
    summary="ALTER SCHEMA ... RENAME breaks every query that names the schema",
    severity=Severity.WARNING,
    family=Family.ROBUSTNESS,
    check=check,
    bad=("ALTER SCHEMA billing RENAME TO invoicing;",),
    good=("CREATE SCHEMA staging;\nALTER SCHEMA staging RENAME TO billing;",),
)
