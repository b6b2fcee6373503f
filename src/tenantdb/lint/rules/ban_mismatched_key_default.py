"""Give a key column the type of the values it holds and of the column it references.

## Why

``id varchar(36) PRIMARY KEY DEFAULT gen_random_uuid()`` and ``id text DEFAULT uuid_generate_v4()`` are
accepted: the uuid is converted to text on insert. But the key is now text. A ``uuid`` column cannot
reference it — ``FOREIGN KEY ... REFERENCES`` fails with ``foreign key constraint ... cannot be implemented``,
"Key columns ... are of incompatible types: uuid and text" — every join with a uuid needs a cast, and a
comparison that casts the key column cannot use its index. It also takes 37 bytes instead of 16 and accepts any
string. Other combinations are rejected outright: an ``integer`` or ``bigint`` column defaulting to a uuid
function (``column "id" is of type integer but default expression is of type uuid``), a ``uuid`` column
defaulting to ``nextval(...)``, an identity column that is not an integer type, and a foreign key between
columns of incompatible types (uuid and text, uuid and integer, text and integer, numeric referencing bigint).

## Instead

Declare the column with the type of its values: ``id uuid PRIMARY KEY DEFAULT gen_random_uuid()``, and give
every referencing column the referenced column's type (``customer_id uuid REFERENCES customers``).

## When this is fine

A text column that deliberately stores uuids as strings and is never referenced or compared with uuids; write
the conversion explicitly (``DEFAULT gen_random_uuid()::text``) and it is not reported. Types the linter does
not know (domains, enums, extension types) are not checked.

## See also

``ban-column-type-change``; PostgreSQL docs, CREATE TABLE (``REFERENCES``) and "UUID Type".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pglast import ast

from tenantdb.lint.context import ColumnType, LintContext, column_type, new_columns, primary_key
from tenantdb.lint.model import Family, Hit, Rule, Severity
from tenantdb.lint.walk import function_name, relation_name

UUID_FUNCTIONS = frozenset(
    {"gen_random_uuid", "uuidv4", "uuidv7", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v3"}
    | {"uuid_generate_v4", "uuid_generate_v5", "uuid_generate_v7"}
)
SERIALS = frozenset({"serial", "serial4", "serial2", "smallserial", "bigserial", "serial8"})
INTEGERS = frozenset({"int2", "int4", "int8"})
GROUPS = {  # within a group PostgreSQL accepts a foreign key either way (shared operators or implicit casts)
    **dict.fromkeys(INTEGERS | SERIALS, "integer"),
    "numeric": "numeric",
    **dict.fromkeys(("float4", "float8"), "float"),
    **dict.fromkeys(("text", "varchar", "bpchar"), "text"),
    **dict.fromkeys(("date", "timestamp", "timestamptz"), "datetime"),
    "uuid": "uuid",
    "bool": "boolean",
    "bytea": "bytea",
}
WIDENING = {"integer": 0, "numeric": 1, "float": 2}  # an implicit cast goes from lower to higher
SHOWN = {"int2": "smallint", "int4": "integer", "int8": "bigint", "bpchar": "char", "bool": "boolean"}


def check(node: Any, context: LintContext) -> Iterator[Hit]:
    table = relation_name(node.relation)
    own = {column.colname or "": column_type(column.typeName) for _, column in new_columns(node)}
    for _, column in new_columns(node):
        kind = own[column.colname or ""]
        for constraint in column.constraints or ():
            yield from _constraint(table, column.colname or "", kind, constraint)
            if getattr(constraint.contype, "name", "") == "CONSTR_FOREIGN":
                yield from _foreign_key(node, context, own, constraint, (column.colname or "",))
    for element in _table_constraints(node):
        if getattr(element.contype, "name", "") == "CONSTR_FOREIGN":
            fk_columns = tuple(getattr(name, "sval", "") for name in element.fk_attrs or ())
            yield from _foreign_key(node, context, own, element, fk_columns)
    if isinstance(node, ast.AlterTableStmt):
        yield from _set_default(node, context, table)


def _table_constraints(node: Any) -> Iterator[ast.Constraint]:
    if isinstance(node, ast.CreateStmt):
        yield from (e for e in node.tableElts or () if isinstance(e, ast.Constraint))
    else:
        for cmd in node.cmds or ():
            if getattr(cmd.subtype, "name", "") == "AT_AddConstraint" and isinstance(cmd.def_, ast.Constraint):
                yield cmd.def_


def _constraint(table: str, column: str, kind: ColumnType, constraint: ast.Constraint) -> Iterator[Hit]:
    contype = getattr(constraint.contype, "name", "")
    if contype == "CONSTR_DEFAULT":
        expression = constraint.raw_expr
        yield from _default(table, column, kind, expression, getattr(expression, "location", constraint.location))
    elif contype == "CONSTR_IDENTITY" and kind.name in GROUPS and kind.name not in INTEGERS | SERIALS:
        yield Hit(
            f"{table}.{column} is {_show(kind)} but GENERATED AS IDENTITY: PostgreSQL rejects it "
            "(identity columns must be smallint, integer or bigint)",
            hint=f"{column} bigint GENERATED ALWAYS AS IDENTITY, or {column} uuid DEFAULT gen_random_uuid()",
            location=constraint.location,
        )


def _set_default(node: ast.AlterTableStmt, context: LintContext, table: str) -> Iterator[Hit]:
    known = context.schema.column_types.get(table, {})
    for cmd in node.cmds or ():
        if getattr(cmd.subtype, "name", "") == "AT_ColumnDefault" and cmd.def_ is not None and cmd.name in known:
            yield from _default(table, cmd.name, known[cmd.name], cmd.def_, getattr(cmd.def_, "location", None))


def _default(table: str, column: str, kind: ColumnType, expression: Any, location: int | None) -> Iterator[Hit]:
    value = _default_type(expression)
    group, value_group = GROUPS.get(kind.name), GROUPS.get(value or "")
    if kind.array or group is None or value_group is None or group == value_group or "uuid" not in (group, value_group):
        return
    what = f"{function_name(expression)}()" if isinstance(expression, ast.FuncCall) else f"a {_show(value)} value"
    if group == "text":
        yield Hit(
            f"{table}.{column} is {_show(kind)} but defaults to {what}, a uuid: uuid columns cannot reference it "
            "(incompatible types) and comparisons with uuids need casts that skip its index",
            hint=f"{column} uuid DEFAULT {what}",
            location=location,
        )
    else:
        yield Hit(
            f"{table}.{column} is {_show(kind)} but defaults to {what}: PostgreSQL rejects it (column is of type "
            f"{_show(kind)} but default expression is of type {_show(value)})",
            hint=f"declare {column} as {_show(value)}, or give it a default of its own type",
            location=location,
        )


def _default_type(expression: Any) -> str | None:
    """The type a default expression evaluates to, when it is obvious: uuid generators, nextval(), casts."""
    if isinstance(expression, ast.FuncCall):
        name = function_name(expression)
        return "uuid" if name in UUID_FUNCTIONS else "int8" if name == "nextval" else None
    if isinstance(expression, ast.TypeCast):
        return column_type(expression.typeName).name
    return None


def _foreign_key(
    node: Any, context: LintContext, own: Mapping[str, ColumnType], constraint: ast.Constraint, columns: tuple[str, ...]
) -> Iterator[Hit]:
    table = relation_name(node.relation)
    target = relation_name(constraint.pktable)
    local = {**context.schema.column_types.get(table, {}), **own}
    if target == table and isinstance(node, ast.CreateStmt):
        remote, key = own, primary_key(node.tableElts or ())
    else:
        remote, key = context.schema.column_types.get(target, {}), context.schema.primary_keys.get(target, ())
    referenced = tuple(getattr(name, "sval", "") for name in constraint.pk_attrs or ()) or key
    for column, other in zip(columns, referenced, strict=False):
        mine, theirs = local.get(column), remote.get(other)
        if mine is None or theirs is None or mine.array or theirs.array:
            continue
        if {mine.name, theirs.name} <= GROUPS.keys() and not _compatible(GROUPS[mine.name], GROUPS[theirs.name]):
            yield Hit(
                f"foreign key {table}.{column} ({_show(mine)}) references {target}.{other} ({_show(theirs)}): "
                "PostgreSQL rejects it (incompatible types)",
                hint=f"declare {table}.{column} as {_show(theirs)}",
                location=constraint.location,
            )


def _compatible(referencing: str, referenced: str) -> bool:
    """Whether a foreign key from a column of one group to a key of the other can be implemented."""
    if referencing == referenced:
        return True
    if referencing in WIDENING and referenced in WIDENING:  # integer -> numeric works, numeric -> bigint does not
        return WIDENING[referencing] <= WIDENING[referenced]
    return False


def _show(kind: ColumnType | str | None) -> str:
    name = kind.name if isinstance(kind, ColumnType) else kind or "?"
    typmods = f"({','.join(map(str, kind.typmods))})" if isinstance(kind, ColumnType) and kind.typmods else ""
    return SHOWN.get(name, name) + typmods


RULE = Rule.for_node(
    ast.CreateStmt,
    ast.AlterTableStmt,
    id="ban-mismatched-key-default",
    summary="a key whose type differs from its default or from the column it references",
    severity=Severity.ERROR,
    family=Family.REJECTED,
    check=check,
    bad=(
        "CREATE TABLE customers (id varchar(36) PRIMARY KEY DEFAULT gen_random_uuid(), name text);",
        "CREATE TABLE customers (id bigint PRIMARY KEY DEFAULT uuid_generate_v4());",
        "CREATE TABLE customers (id uuid PRIMARY KEY DEFAULT gen_random_uuid());\n"
        "CREATE TABLE orders (id uuid PRIMARY KEY, customer_id varchar(36) REFERENCES customers);",
    ),
    good=(
        "CREATE TABLE customers (id uuid PRIMARY KEY DEFAULT gen_random_uuid());\n"
        "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id uuid REFERENCES customers (id));",
        "CREATE TABLE tokens (id bigint PRIMARY KEY, value text NOT NULL DEFAULT gen_random_uuid()::text);",
        "CREATE TABLE accounts (id bigint PRIMARY KEY);\n"
        "CREATE TABLE invoices (id bigint PRIMARY KEY, account_id integer REFERENCES accounts);",
    ),
)
