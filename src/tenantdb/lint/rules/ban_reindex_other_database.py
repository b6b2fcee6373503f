"""Do not name a database in ``REINDEX DATABASE`` / ``REINDEX SYSTEM``: PostgreSQL only reindexes the current one.

## Why

``REINDEX DATABASE customer_prod`` works only when the migration is connected to ``customer_prod``; anywhere
else — staging, a developer's copy, the test database tenantdb creates — it fails with ``can only reindex the
currently open database``, and the migration stops. A name copied from production turns a maintenance step
into a failure on every other environment. The linter cannot know which database the runner will connect to:
an explicit name is reported unless it is the database the project's DSN names (``--dsn``, ``TENANTDB_DSN``,
``DATABASE_URL`` or ``[database].dsn``).

## Instead

On PostgreSQL 16 and later, leave the name out: ``REINDEX DATABASE`` (and ``REINDEX SYSTEM``) reindex the
current database. Better, reindex what needs it: ``REINDEX INDEX CONCURRENTLY <index>`` or ``REINDEX TABLE
CONCURRENTLY <table>``, which do not block writes.

## When this is fine

On PostgreSQL 15 and older the name is required; then it must be the database every environment uses (the
same name everywhere). Suppress with that reason.

## See also

``require-concurrent-reindex``, ``ban-concurrently-in-transaction``; PostgreSQL docs, REINDEX.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity

KINDS = {"REINDEX_OBJECT_DATABASE": "DATABASE", "REINDEX_OBJECT_SYSTEM": "SYSTEM"}


def check(node: ast.ReindexStmt, context: LintContext) -> Iterator[Hit]:
    kind = KINDS.get(getattr(node.kind, "name", ""))
    if kind is None or not node.name or node.name == context.database:
        return
    hint = (
        f"write REINDEX {kind} without a name (PostgreSQL 16+), or reindex the tables or indexes that need it"
        if context.pg_version >= 16
        else "the name must be the database the runner connects to in every environment; prefer REINDEX TABLE"
    )
    yield Hit(
        f"REINDEX {kind} {node.name} fails on every database not named {node.name} "
        "(PostgreSQL only reindexes the current database)",
        hint=hint,
    )


RULE = Rule.for_node(
    ast.ReindexStmt,
    id="ban-reindex-other-database",
    summary="REINDEX DATABASE/SYSTEM naming a database fails everywhere else",
    severity=Severity.WARNING,
    family=Family.REJECTED,
    check=check,
    bad=("-- tenantdb: no-transaction\nREINDEX DATABASE customer_prod;",),
    good=(
        "-- tenantdb: no-transaction\nREINDEX DATABASE;",
        "-- tenantdb: no-transaction\nREINDEX TABLE CONCURRENTLY email_stats;",
    ),
)
