"""Keep names of tables, columns, indexes, constraints, views and policies within 63 bytes.

## Why

PostgreSQL keeps at most 63 bytes of an identifier (``NAMEDATALEN - 1``) and silently cuts the rest, with only
a NOTICE (``identifier ... will be truncated to ...``) that migration runners rarely show. Two names that
differ only after byte 63 — ``..._tenant_id_created_at_idx`` and ``..._tenant_id_created_at_brin`` — become the
same name: the second ``CREATE INDEX IF NOT EXISTS`` silently does nothing, a second ``CREATE`` fails with
``already exists``, and the name in the catalog no longer matches the one in the code, ORM models or later
migrations that spell it out. Bytes count, not characters: ``é`` is two bytes in UTF-8.

## Instead

Shorten the name to at most 63 bytes (abbreviate the table part of index and constraint names:
``ord_tenant_created_idx``).

## When this is fine

Never intended; names PostgreSQL generates itself (an unnamed index or constraint) are shortened by
PostgreSQL sensibly and are not reported. Down sections, which restore names that existed, are not checked.

A hazard, not an opinion: truncation makes two names collide silently, so a later ``CREATE ... IF NOT
EXISTS`` does nothing or a ``CREATE`` fails.

## See also

PostgreSQL docs, "Identifiers and Key Words" (``NAMEDATALEN``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast, parser

from tenantdb.lint.context import LintContext
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

MAX_BYTES = 63  # NAMEDATALEN - 1
RENAMED = {"TABCONSTRAINT": "constraint", "MATVIEW": "materialized view"}


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    statement = context.statement
    if context.section == "down" or statement is None:
        return
    # the parser has already cut long names to 63 bytes, or up to 3 fewer so as not to split a character
    defined = {(kind, name) for kind, name in _defined(node) if len(name.encode()) > MAX_BYTES - 4}
    if not defined:
        return
    written = _long_identifiers(statement.text)
    for kind, name in sorted(defined):
        match = next(((offset, full) for offset, full in written if _truncate(full) == name), None)
        if match is None:
            continue
        offset, full = match
        size = len(full.encode())
        yield Hit(
            f"{kind} name {full} is {size} bytes: PostgreSQL silently truncates it to 63 "
            f"(dropping {full.encode()[MAX_BYTES:].decode(errors='replace')!r}), so names that differ only there "
            "collide",
            hint="shorten it to at most 63 bytes",
            location=statement.start - statement.base + offset,
        )


def _defined(node: Any) -> Iterator[tuple[str, str]]:
    """``(kind, name)`` of every name a statement gives to a new or renamed object."""
    if isinstance(node, ast.CreateStmt):
        yield "table", relation_name(node.relation)
        yield from _elements(node.tableElts or ())
    elif isinstance(node, ast.AlterTableStmt):
        for cmd in node.cmds or ():
            if getattr(cmd.subtype, "name", "") in ("AT_AddColumn", "AT_AddConstraint"):
                yield from _elements((cmd.def_,))
    elif isinstance(node, ast.IndexStmt):
        yield "index", node.idxname or ""
    elif isinstance(node, ast.ViewStmt):
        yield "view", relation_name(node.view)
    elif isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
        yield (
            RENAMED.get(getattr(node.objtype, "name", "").removeprefix("OBJECT_"), "table"),
            relation_name(node.into.rel),
        )
    elif isinstance(node, ast.CreatePolicyStmt):
        yield "policy", node.policy_name or ""
    elif isinstance(node, ast.RenameStmt):
        kind = getattr(node.renameType, "name", "").removeprefix("OBJECT_")
        yield RENAMED.get(kind, kind.lower().replace("_", " ")), node.newname or ""


def _elements(elements: Any) -> Iterator[tuple[str, str]]:
    for element in elements:
        if isinstance(element, ast.ColumnDef):
            yield "column", element.colname or ""
            yield from _elements(element.constraints or ())
        elif isinstance(element, ast.Constraint):
            yield "constraint", element.conname or ""


def _long_identifiers(text: str) -> list[tuple[int, str]]:
    """``(offset, name as PostgreSQL reads it)`` of every identifier token longer than 63 bytes."""
    found = []
    for token in parser.scan(text):
        if token.name != "IDENT":
            continue
        raw = text[token.start : token.end + 1]
        if raw.startswith('"'):
            name = raw[1:-1].replace('""', '"')
        else:  # unquoted identifiers are folded to lower case, ASCII letters only
            name = "".join(char.lower() if "A" <= char <= "Z" else char for char in raw)
        if len(name.encode()) > MAX_BYTES:
            found.append((token.start, name))
    return found


def _truncate(name: str) -> str:
    """What PostgreSQL keeps: the first 63 bytes, without splitting a character."""
    return name.encode()[:MAX_BYTES].decode(errors="ignore")


RULE = Rule.for_node(
    ast.CreateStmt,
    ast.AlterTableStmt,
    ast.IndexStmt,
    ast.ViewStmt,
    ast.CreateTableAsStmt,
    ast.CreatePolicyStmt,
    ast.RenameStmt,
    id="ban-long-identifier",
    summary="identifiers longer than 63 bytes are silently truncated",
    severity=Severity.WARNING,
    family=Family.REJECTED,
    check=check,
    bad=(
        "CREATE INDEX CONCURRENTLY subscription_invoice_line_items_tenant_id_created_at_status_open_idx\n"
        "    ON subscription_invoice_line_items (tenant_id, created_at, status);",
        "ALTER TABLE orders ADD CONSTRAINT orders_tenant_id_fulfillment_warehouse_id_fkey_to_warehouses_tenant_id\n"
        "    FOREIGN KEY (tenant_id, fulfillment_warehouse_id) REFERENCES warehouses (tenant_id, id);",
    ),
    good=(
        "CREATE INDEX CONCURRENTLY sili_tenant_created_status_idx\n"
        "    ON subscription_invoice_line_items (tenant_id, created_at, status);",
        "CREATE TABLE subscription_invoice_line_items_with_a_name_of_exactly_63_bytes (id bigint);",
    ),
)
