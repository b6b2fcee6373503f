"""Detach partitions of existing tables with ``CONCURRENTLY`` (PostgreSQL 14+).

## Why

``ALTER TABLE parent DETACH PARTITION child`` takes ACCESS EXCLUSIVE on both the parent and the partition:
every query on the partitioned table, whichever partition it touches, waits for the detach, and waits behind
any long query already running on it.

## Instead

``ALTER TABLE parent DETACH PARTITION child CONCURRENTLY;`` takes SHARE UPDATE EXCLUSIVE on the parent and the
partition and runs in two transactions, waiting for older transactions on the parent instead of blocking new
queries. It cannot run in a transaction block (tenantdb runs such a file statement by statement) and is not
allowed when the parent has a default partition. If it is interrupted, the partition stays "pending detach"
and blocks any other detach: finish it with ``ALTER TABLE parent DETACH PARTITION child FINALIZE``.

## When this is fine

The parent was created earlier in the same script, the parent has a default partition, or it runs on
PostgreSQL 13 or older, where there is no concurrent form.

## See also

``ban-lock-table``; PostgreSQL docs, ALTER TABLE (``DETACH PARTITION``).
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name


def check(node: ast.AlterTableStmt, context: LintContext) -> Iterator[Hit]:
    parent = relation_name(node.relation)
    if context.pg_version < 14 or not context.is_existing_table(parent):
        return
    for cmd in node.cmds or ():
        detach = cmd.def_
        if getattr(cmd.subtype, "name", "") != "AT_DetachPartition" or not isinstance(detach, ast.PartitionCmd):
            continue
        if detach.concurrent:
            continue
        child = relation_name(detach.name)
        yield Hit(
            f"DETACH PARTITION {child} takes ACCESS EXCLUSIVE on {parent} and {child}: every query on {parent} waits",
            hint=f"ALTER TABLE {parent} DETACH PARTITION {child} CONCURRENTLY; (outside a transaction, "
            "no default partition)",
            location=detach.name.location if detach.name else None,
        )


RULE = Rule.for_node(
    ast.AlterTableStmt,
    id="require-concurrent-detach-partition",
    summary="DETACH PARTITION without CONCURRENTLY locks the whole partitioned table",
    severity=Severity.WARNING,
    family=Family.LOCKING,
    check=check,
    bad=("ALTER TABLE events DETACH PARTITION events_2023;",),
    good=(
        "ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;",
        "CREATE TABLE staging (id bigint, at date) PARTITION BY RANGE (at);\n"
        "CREATE TABLE staging_2023 PARTITION OF staging FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');\n"
        "ALTER TABLE staging DETACH PARTITION staging_2023;",
    ),
)
