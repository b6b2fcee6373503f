"""Do not write ``BEGIN`` while the file's own transaction is still open.

## Why

PostgreSQL has no nested transactions. A second ``BEGIN`` only raises ``WARNING: there is already a
transaction in progress``; the next ``COMMIT`` then commits everything since the first ``BEGIN``, and the
statements after it run outside any transaction (the final ``COMMIT`` just warns "there is no transaction in
progress"). A failure near the end no longer rolls back what came before, and the block you meant to be atomic
is not.

## Instead

Use one ``BEGIN ... COMMIT``. For a part that may fail on its own, use ``SAVEPOINT name`` and
``ROLLBACK TO SAVEPOINT name`` inside it.

## When this is fine

Never: the inner ``BEGIN`` does nothing, and the block structure it suggests is wrong.

## See also

``ban-unclosed-transaction``; PostgreSQL docs, BEGIN and SAVEPOINT.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.sql import opens_transaction


def check(node: ast.TransactionStmt, context: LintContext) -> Iterator[Hit]:
    if context.in_file_transaction and opens_transaction(node):
        yield Hit(
            "BEGIN inside the file's open transaction: PostgreSQL only warns, and the next COMMIT commits "
            "everything since the first BEGIN",
            hint="remove the inner BEGIN (and its COMMIT); use SAVEPOINT / ROLLBACK TO SAVEPOINT for a part "
            "that may fail",
        )


RULE = Rule.for_node(
    ast.TransactionStmt,
    id="ban-nested-transaction",
    summary="BEGIN inside an open BEGIN ... COMMIT: the inner COMMIT commits everything",
    severity=Severity.ERROR,
    family=Family.ROBUSTNESS,
    check=check,
    bad=(
        "BEGIN;\nALTER TABLE orders ADD COLUMN status text;\nBEGIN;\nUPDATE orders SET status = 'new';\n"
        "COMMIT;\nALTER TABLE orders ALTER COLUMN status SET NOT NULL;\nCOMMIT;",
    ),
    good=(
        "BEGIN;\nALTER TABLE orders ADD COLUMN status text;\nCOMMIT;\n"
        "BEGIN;\nUPDATE orders SET status = 'new';\nCOMMIT;",
        "BEGIN;\nALTER TABLE orders ADD COLUMN status text;\nSAVEPOINT backfill;\n"
        "UPDATE orders SET status = 'new';\nRELEASE SAVEPOINT backfill;\nCOMMIT;",
    ),
)
