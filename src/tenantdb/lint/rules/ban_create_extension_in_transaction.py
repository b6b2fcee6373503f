"""Create extensions in their own non-transactional migration, not inside a transactional one.

## Why

``CREATE EXTENSION`` needs privileges the migration role usually lacks (superuser, or a trusted extension plus
CREATE on the database), and which extensions are installable differs between servers: bundled into a
transactional migration, it makes the whole migration fail on one environment and pass on another, and a
failure rolls back every other statement with it. While the transaction stays open after it, the
extension's objects stay locked, and a concurrent ``CREATE EXTENSION`` of the same extension (another
database's migration, a second runner) waits for it and then fails. Extension scripts may also run long
(building their own tables and indexes) inside the migration's locks.

## Instead

Put ``CREATE EXTENSION IF NOT EXISTS ...`` alone in a migration with ``-- tenantdb: no-transaction`` (each
statement commits on its own, so a failure leaves nothing half-applied), or have the administrator create it
once per database, before the migrations run.

## When this is fine

A file that runs statement by statement (``-- tenantdb: no-transaction``, a statement that forces it, or a
script the runner splits for an online rewrite) is not reported; inside the file's own ``BEGIN ... COMMIT`` it
is.

## See also

``ban-concurrently-in-transaction``; PostgreSQL docs, CREATE EXTENSION (trusted extensions).
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Derived, Family, Hit, Rule, Severity


def check(node: ast.CreateExtensionStmt, context: LintContext) -> Iterator[Hit]:
    if not context.in_transaction():
        return
    yield Hit(
        f"CREATE EXTENSION {node.extname} inside a transactional migration: where the role may not create it, "
        "the whole migration fails and rolls back, and its locks are held until the transaction ends",
        hint=f"move CREATE EXTENSION IF NOT EXISTS {node.extname} to its own migration with "
        "-- tenantdb: no-transaction, or have an administrator create it before migrating",
    )


RULE = Rule.for_node(
    ast.CreateExtensionStmt,
    id="ban-create-extension-in-transaction",
    summary="CREATE EXTENSION inside a transactional migration",
    severity=Severity.WARNING,
    family=Family.ROBUSTNESS,
    reads=(Derived.ONLINE_REWRITES,),
    check=check,
    bad=("CREATE EXTENSION IF NOT EXISTS pg_trgm;",),
    good=("-- tenantdb: no-transaction\nCREATE EXTENSION IF NOT EXISTS pg_trgm;",),
)
