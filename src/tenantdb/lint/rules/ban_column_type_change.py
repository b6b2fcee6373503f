"""Do not change a column's type on an existing table unless the change is binary-coercible.

## Why

``ALTER COLUMN c TYPE ...`` holds ACCESS EXCLUSIVE and, unless the old values are already valid bits of the new
type, rewrites every row and rebuilds every index of the table (1.9 to 2.3 s on 2 M rows for ``int`` to
``bigint``, growing with the table; about twice the disk space meanwhile). Reads and writes stop for all of it,
and a long report in REPEATABLE READ that spans the rewrite can see the table as empty. A changed ``COLLATE``
rebuilds the column's indexes even when the rows are not rewritten.

No rewrite (reported as fine): ``varchar(n)`` to ``varchar(m)`` with m >= n, ``varchar`` to ``text``, ``text``
to ``varchar`` without a limit, ``numeric(p,s)`` to ``numeric``, ``numeric(p,s)`` to ``numeric(q,s)`` with
q >= p, each with no ``USING`` or a ``USING`` that only casts the column to the new type. Everything else is
reported, including ``int`` to ``bigint``, ``text`` to ``varchar(n)``, and ``timestamp`` to ``timestamptz``
(PostgreSQL 12+ skips that rewrite only when the session's ``TimeZone`` is UTC).

## Instead

Expand and contract: add a new column of the new type, keep it in sync with a trigger, backfill it in batches,
switch reads and writes to it, then drop the old column in a later release. For a length limit on text, add a
``CHECK (char_length(c) <= n) NOT VALID`` and validate it instead of changing the type.

## When this is fine

The table was created earlier in the same script, or it is known to be small. When the linter does not know
the column's old type, only changes to ``text``, unlimited ``varchar`` or unconstrained ``numeric`` pass.

## See also

``ban-stored-generated-column``, ``ban-volatile-default``; PostgreSQL docs, ALTER TABLE (Notes).
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import ColumnType, LintContext, column_type
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

STRINGS = frozenset({"varchar", "text"})
WIDEST = frozenset({"varchar", "text", "numeric"})  # targets that take any value of their family unchanged

SHOWN = {"int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real", "float8": "double precision"}
SHOWN |= {"bool": "boolean", "bpchar": "char"}
HINT = (
    "add a new column of the new type, sync it with a trigger, backfill in batches, switch reads, "
    "then drop the old column"
)


def check(node: ast.AlterTableStmt, context: LintContext) -> Iterator[Hit]:
    table = relation_name(node.relation)
    if getattr(node.objtype, "name", "") != "OBJECT_TABLE" or not context.is_existing_table(table):
        return
    known = context.schema.column_types.get(table, {})
    for cmd in node.cmds or ():
        if getattr(cmd.subtype, "name", "") != "AT_AlterColumnType" or not isinstance(cmd.def_, ast.ColumnDef):
            continue
        column, definition = cmd.name or "", cmd.def_
        new = column_type(definition.typeName)
        old = known.get(column)
        location = definition.typeName.location if definition.typeName else None
        if not _binary_coercible(old, new) or not _plain_using(definition.raw_default, column, new):
            was = f" (was {_show(old)})" if old else " (old type unknown)"
            yield Hit(
                f"ALTER COLUMN {column} TYPE {_show(new)}{was} rewrites {table} and rebuilds its indexes "
                "under ACCESS EXCLUSIVE",
                hint=HINT,
                location=location,
            )
        elif definition.collClause is not None:
            yield Hit(
                f"ALTER COLUMN {column} TYPE ... COLLATE rebuilds the indexes on {table}.{column} "
                "under ACCESS EXCLUSIVE",
                hint=HINT,
                location=location,
            )


def _binary_coercible(old: ColumnType | None, new: ColumnType) -> bool:
    """Whether PostgreSQL can keep the stored values as they are (no rewrite)."""
    if old is None:
        return new.name in WIDEST and not new.typmods and not new.array
    if old == new:
        return True
    if old.array or new.array or -1 in old.typmods + new.typmods:
        return False
    if old.name in STRINGS and new.name in STRINGS:
        if new.name == "text" or not new.typmods:
            return True
        return old.name == "varchar" and bool(old.typmods) and new.typmods[0] >= old.typmods[0]
    if old.name == new.name == "numeric":
        if not new.typmods:
            return True
        if not old.typmods:
            return False
        old_scale = old.typmods[1] if len(old.typmods) > 1 else 0
        new_scale = new.typmods[1] if len(new.typmods) > 1 else 0
        return new_scale == old_scale and new.typmods[0] >= old.typmods[0]
    return False


def _plain_using(expression: object, column: str, new: ColumnType) -> bool:
    """No USING, or one that is the column itself, possibly cast to the new type."""
    if expression is None:
        return True
    if isinstance(expression, ast.TypeCast):
        if column_type(expression.typeName) != new:
            return False
        expression = expression.arg
    fields = (expression.fields or ()) if isinstance(expression, ast.ColumnRef) else ()
    return bool(fields) and getattr(fields[-1], "sval", None) == column


def _show(column: ColumnType | None) -> str:
    if column is None:
        return "?"
    typmods = f"({','.join(str(mod) for mod in column.typmods)})" if column.typmods else ""
    return f"{SHOWN.get(column.name, column.name)}{typmods}{'[]' if column.array else ''}"


RULE = Rule.for_node(
    ast.AlterTableStmt,
    id="ban-column-type-change",
    summary="ALTER COLUMN TYPE on an existing table rewrites it under ACCESS EXCLUSIVE",
    severity=Severity.WARNING,
    family=Family.LOCKING,
    check=check,
    bad=(
        "ALTER TABLE orders ALTER COLUMN id TYPE bigint;",
        "ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);",
    ),
    good=(
        "ALTER TABLE orders ALTER COLUMN note TYPE text;",
        "CREATE TABLE notes (id integer, body text);\nALTER TABLE notes ALTER COLUMN id TYPE bigint;",
    ),
)
