"""Do not run ``VACUUM FULL`` or ``CLUSTER`` in a migration.

## Why

Both rewrite the whole table into a new file and rebuild its indexes while holding ACCESS EXCLUSIVE: nothing
can read or write the table until the rewrite ends, which on a large table means minutes to hours. They also
need room for a full second copy of the table and its indexes. ``VACUUM FULL`` or ``CLUSTER`` without a table
does this to every table in turn.

## Instead

Reclaim space online with ``pg_repack`` (or ``pg_squeeze``), run outside the migration: it rebuilds the table
in the background and takes ACCESS EXCLUSIVE only briefly to swap files. Plain ``VACUUM`` (no ``FULL``) makes
space reusable without blocking reads or writes. To keep rows in index order, ``pg_repack --order-by``.

## When this is fine

The table was created earlier in the same script, or it is small and you accept the outage.

## See also

``ban-lock-table``; PostgreSQL docs, VACUUM and CLUSTER; pg_repack.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

FALSE = frozenset({"false", "off", "0", "no"})
HINT = "use pg_repack outside the migration; plain VACUUM does not block reads or writes"


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    if isinstance(node, ast.VacuumStmt):
        if not node.is_vacuumcmd or not _full(node):
            return
        relations = [
            item.relation for item in node.rels or () if isinstance(item, ast.VacuumRelation) and item.relation
        ]
        verb = "VACUUM FULL"
    elif isinstance(node, ast.ClusterStmt):
        relations, verb = [node.relation] if node.relation else [], "CLUSTER"
    else:
        return
    tables = [relation_name(relation) for relation in relations]
    if tables and not any(context.is_existing_table(table) for table in tables):
        return
    what = ", ".join(tables) if tables else "every table"
    yield Hit(
        f"{verb} rewrites {what} under ACCESS EXCLUSIVE: reads and writes stop until it ends",
        hint=HINT,
        location=relations[0].location if relations else None,
    )


def _full(node: ast.VacuumStmt) -> bool:
    for option in node.options or ():
        if option.defname == "full":
            if option.arg is None:
                return True
            value = getattr(option.arg, "sval", None) or getattr(option.arg, "ival", None)
            return str(value).lower() not in FALSE
    return False


RULE = Rule.for_node(
    ast.VacuumStmt,
    ast.ClusterStmt,
    id="ban-vacuum-full",
    summary="VACUUM FULL / CLUSTER rewrites the table under ACCESS EXCLUSIVE",
    severity=Severity.WARNING,
    family=Family.LOCKING,
    check=check,
    bad=("VACUUM FULL orders;", "CLUSTER orders USING orders_pkey;"),
    good=("VACUUM (ANALYZE) orders;", "VACUUM (FULL false) orders;"),
)
