"""End every ``BEGIN`` in a script with ``COMMIT`` (or ``ROLLBACK``) in the same script.

## Why

A script that opens a transaction and never closes it leaves the session inside it when the last statement
has run. Nothing is committed: tenantdb sees the open transaction, rolls it back and fails the migration with
"opens a transaction it never commits"; ``psql`` and most other runners roll it back silently when the
connection closes, so the migration looks applied while none of its changes are. ``COMMIT AND CHAIN`` closes
one transaction but opens the next, so it does not end the block.

## Instead

Close the block: ``BEGIN; ...; COMMIT;``. Usually the simplest fix is to drop both and let tenantdb wrap the
script in its own transaction (together with its ledger row).

## When this is fine

Never in a migration. (A ``COMMIT`` in a later file does not help: tenantdb checks at the end of every
script.)

## See also

``ban-nested-transaction``, ``ban-concurrently-in-transaction``; PostgreSQL docs, BEGIN and COMMIT.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext, Place, finding_at
from tenantdb.lint.model import Family, Finding, Hit, Rule, Severity
from tenantdb.sql import closes_transaction, opens_transaction

KEY = "ban-unclosed-transaction"


def check(node: ast.TransactionStmt, context: LintContext) -> Iterator[Hit]:
    open_blocks: dict[tuple[str, str], Place] = context.extra.setdefault(KEY, {})
    script = (str(context.path), context.section)
    if opens_transaction(node):
        open_blocks.setdefault(script, context.place())  # a nested BEGIN is ban-nested-transaction's business
    elif closes_transaction(node) and not (getattr(node.kind, "name", "") != "TRANS_STMT_PREPARE" and node.chain):
        open_blocks.pop(script, None)
    return iter(())


def finish(context: LintContext) -> Iterator[Finding]:
    open_blocks: dict[tuple[str, str], Place] = context.extra.get(KEY, {})
    for (_, section), place in sorted(open_blocks.items()):
        yield finding_at(
            RULE,
            place,
            f"BEGIN is never followed by COMMIT or ROLLBACK in this {section} script: nothing it does is committed",
            hint="end the block with COMMIT, or remove BEGIN and let tenantdb wrap the script in a transaction",
        )


RULE = Rule.for_node(
    ast.TransactionStmt,
    id="ban-unclosed-transaction",
    summary="BEGIN without COMMIT or ROLLBACK in the same script",
    severity=Severity.ERROR,
    family=Family.ROBUSTNESS,
    check=check,
    finish=finish,
    bad=(
        "BEGIN;\nALTER TABLE orders ADD COLUMN status text;",
        "BEGIN;\nALTER TABLE orders ADD COLUMN status text;\nCOMMIT AND CHAIN;\nUPDATE orders SET status = 'new';",
    ),
    good=(
        "BEGIN;\nALTER TABLE orders ADD COLUMN status text;\nCOMMIT;",
        "START TRANSACTION;\nALTER TABLE orders ADD COLUMN status text;\nROLLBACK;",
        "-- migrate:up\nBEGIN;\nCREATE TABLE notes (id bigint);\nCOMMIT;\n-- migrate:down\nDROP TABLE notes;",
    ),
)
