"""Orphaned references: ``*_id`` columns that point at a table's key by name but have no foreign key.

A column ``<x>_id`` refers to the table ``<x>``, ``<x>s``, ``<x>es`` or (for ``<x>`` ending in ``y``)
``<x minus y>ies`` — in the column's own schema, else the one schema that has such a table — when that table
has a primary or unique key on ``<x>_id`` or ``id`` of the same type. When both tables have ``tenant_id`` and
the target's key is ``(tenant_id, <that column>)``, the reference is the pair, so a row pointing at another
tenant's key is an orphan too. ``[verify] orphans_map`` names targets the rule cannot guess; ``orphans_ignore``
skips columns. A column that is part of any foreign key is never checked: the constraint already holds.

Each reference costs one anti-join over the referencing table (no per-row round trips).
"""

from __future__ import annotations

from collections.abc import Iterable

from tenantdb.config import VerifySettings
from tenantdb.db import ReferenceTarget, Session, TableFacts, count_orphans, reference_catalog
from tenantdb.errors import DatabaseError
from tenantdb.verify.model import Violation

TENANT = "tenant_id"
SAMPLES = 5


def find_references(
    tables: dict[tuple[str, str], TableFacts], settings: VerifySettings
) -> tuple[list[ReferenceTarget], list[Violation]]:
    """The unenforced references to check, and problems with ``orphans_map`` entries."""
    references: list[ReferenceTarget] = []
    problems: list[Violation] = []
    unused = set(settings.orphans_map)
    for (schema, name), table in sorted(tables.items()):
        for column in table.columns:
            if column in table.foreign_key_columns or _named(settings.orphans_ignore, schema, name, column):
                continue
            mapped = _mapped(settings, schema, name, column)
            unused -= {f"{name}.{column}", f"{schema}.{name}.{column}"}
            if mapped is not None:
                found = _explicit(tables, table, column, mapped)
                if isinstance(found, str):
                    problems.append(
                        Violation(check="orphans-config", subject=f"{schema}.{name}.{column}", message=found)
                    )
                else:
                    references.append(found)
                continue
            if not column.endswith("_id") or column == "_id":
                continue
            guessed = _guess(tables, table, column)
            if guessed is not None:
                references.append(guessed)
    for key in sorted(unused):  # a misspelt column would otherwise go unchecked without a word
        problems.append(Violation(check="orphans-config", subject=key, message=f"orphans_map: {key} names no column"))
    return references, problems


def orphan_violations(session: Session, settings: VerifySettings) -> tuple[int, list[Violation]]:
    """Count the orphans of every unenforced reference: (references checked, violations)."""
    if not settings.orphans:
        return 0, []
    references, violations = find_references(reference_catalog(session), settings)
    for reference in references:
        subject = f"{reference.schema}.{reference.table}.{reference.columns[-1]}"
        target = f"{reference.target_schema}.{reference.target_table} ({', '.join(reference.target_columns)})"
        try:
            found = count_orphans(session, reference, SAMPLES)
        except DatabaseError as error:
            violations.append(
                Violation(check="verify-error", subject=subject, message=f"orphans check failed: {error.message}")
            )
            continue
        if found.rows:
            violations.append(
                Violation(
                    check="orphaned-reference",
                    subject=subject,
                    message=f"{found.rows} row(s) reference {target} values that do not exist (no foreign key "
                    f"enforces it), e.g. {', '.join(found.samples)}",
                    columns=("orphans", "samples"),
                    row=(found.rows, found.samples),
                )
            )
    return len(references), violations


def _named(names: Iterable[str], schema: str, table: str, column: str) -> bool:
    return f"{table}.{column}" in names or f"{schema}.{table}.{column}" in names


def _mapped(settings: VerifySettings, schema: str, table: str, column: str) -> str | None:
    return settings.orphans_map.get(f"{schema}.{table}.{column}") or settings.orphans_map.get(f"{table}.{column}")


def _explicit(
    tables: dict[tuple[str, str], TableFacts], table: TableFacts, column: str, mapped: str
) -> ReferenceTarget | str:
    *qualifier, target_name, target_column = mapped.split(".")
    target = _lookup(tables, qualifier[0] if qualifier else table.schema, [target_name], exact_schema=bool(qualifier))
    if target is None or target_column not in target.columns:
        return f"orphans_map: {mapped} does not exist"
    if target.columns[target_column] != table.columns[column]:
        return f"orphans_map: {column} and {mapped} have different types"
    found = _reference(table, column, target, [target_column], require_key=False)
    return found if found is not None else f"orphans_map: {mapped} is the column itself"


def _guess(tables: dict[tuple[str, str], TableFacts], table: TableFacts, column: str) -> ReferenceTarget | None:
    stem = column.removesuffix("_id")
    names = [stem, stem + "s", stem + "es"] + ([stem[:-1] + "ies"] if stem.endswith("y") else [])
    target = _lookup(tables, table.schema, names, exact_schema=False)
    if target is None:
        return None
    return _reference(table, column, target, [column, "id"], require_key=True)


def _lookup(
    tables: dict[tuple[str, str], TableFacts], schema: str, names: list[str], *, exact_schema: bool
) -> TableFacts | None:
    """The first of ``names`` in ``schema``; else (unless exact) the one table of those names in another schema."""
    for name in names:
        if (schema, name) in tables:
            return tables[schema, name]
    if exact_schema:
        return None
    elsewhere = [facts for (other, name), facts in tables.items() if name in names and other != schema]
    return elsewhere[0] if len(elsewhere) == 1 else None


def _reference(
    table: TableFacts, column: str, target: TableFacts, candidates: list[str], *, require_key: bool
) -> ReferenceTarget | None:
    """The composite tenant reference when both tables carry tenant_id, else a single-column one."""
    keys = set(target.unique_keys)
    tenant_pair = (
        TENANT in table.columns
        and TENANT in target.columns
        and column != TENANT
        and table.columns[TENANT] == target.columns[TENANT]
    )
    for key_column in candidates:
        if target.columns.get(key_column) != table.columns[column]:
            continue
        if tenant_pair and (TENANT, key_column) in keys:
            return _make(table, (TENANT, column), target, (TENANT, key_column))
        if (key_column,) in keys or not require_key:
            return _make(table, (column,), target, (key_column,))
    return None


def _make(
    table: TableFacts, columns: tuple[str, ...], target: TableFacts, target_columns: tuple[str, ...]
) -> ReferenceTarget | None:
    if (table.schema, table.name, columns) == (target.schema, target.name, target_columns):
        return None  # the table's own key, not a reference
    return ReferenceTarget(
        schema=table.schema,
        table=table.name,
        columns=columns,
        target_schema=target.schema,
        target_table=target.name,
        target_columns=target_columns,
    )
