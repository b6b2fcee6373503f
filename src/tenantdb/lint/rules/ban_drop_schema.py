"""Do not drop a schema in a forward migration without an explicit decision.

## Why

``DROP SCHEMA s CASCADE`` deletes every table, view, function, type and sequence in it — all tenants' data —
and every object elsewhere that depends on them, without listing any of it. Only a restore from backup brings
the data back. Without ``CASCADE`` it fails unless the schema is empty; it still takes the schema's grants
with it, and code that creates objects in it fails — or, when it relies on a ``search_path`` that names the
schema first, silently creates them in the next schema instead.

## Instead

Drop the objects in the schema one by one in earlier migrations (each reviewed on its own, data archived
first), then drop the empty schema without ``CASCADE``, with a suppression that says why:
``-- tenantdb: ignore[ban-drop-schema] emptied in 0041``.

## When this is fine

The schema was created earlier in the same script (a staging schema for a data migration). Drops in down
sections are covered by the data-loss rules instead; ``DROP SCHEMA public CASCADE`` is always an error
(``ban-drop-schema-public-cascade``).

## See also

``ban-drop-cascade``, ``ban-drop-table``, ``ban-drop-schema-public-cascade``; PostgreSQL docs, DROP SCHEMA.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext, created_in_script, drop_targets
from tenantdb.lint.model import Family, Hit, Rule, Severity


def check(node: ast.DropStmt, context: LintContext) -> Iterator[Hit]:
    if context.section == "down" or getattr(node.removeType, "name", "") != "OBJECT_SCHEMA":
        return
    cascade = getattr(node.behavior, "name", "") == "DROP_CASCADE"
    created = created_in_script(context)
    for schema in drop_targets(node):
        if ("OBJECT_SCHEMA", schema) in created or (cascade and schema == "public"):
            continue  # created here, or ban-drop-schema-public-cascade reports it as an error
        what = "and everything in it, for every tenant" if cascade else "and its grants (it fails unless empty)"
        yield Hit(
            f"DROP SCHEMA {schema} removes the schema {what}",
            hint="drop its objects one by one in reviewed migrations first, then the empty schema without CASCADE",
        )


RULE = Rule.for_node(
    ast.DropStmt,
    id="ban-drop-schema",
    summary="DROP SCHEMA removes a schema and, with CASCADE, everything in it",
    severity=Severity.WARNING,
    family=Family.DESTRUCTIVE,
    check=check,
    bad=("DROP SCHEMA reporting CASCADE;", "DROP SCHEMA IF EXISTS legacy;"),
    good=(
        "CREATE SCHEMA staging;\nCREATE TABLE staging.import (id bigint);\nDROP SCHEMA staging CASCADE;",
        "-- migrate:up\nCREATE SCHEMA reporting;\n-- migrate:down\nDROP SCHEMA reporting CASCADE;",
    ),
)
