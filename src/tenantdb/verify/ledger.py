"""Hold the ledger against the database: every object an applied migration created must still exist.

The runner records in each ledger row what the migration's statements created, removed and renamed (with the
schema each created object was found in). Replaying those records over the applied migrations, in the order they
were applied, gives the objects the ledger claims exist; each one missing is a contradiction: a migration marked
applied whose work is not (or no longer) in the database. A removal nobody named (``CASCADE``, ``DROP SCHEMA``,
``SET SCHEMA``) makes every earlier claim uncertain, so the replay stops expecting those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from tenantdb.db import AppliedMigration, Session, locate_objects
from tenantdb.sql.effects import CatalogObject, EffectAction, ObjectKind, effect_from_record
from tenantdb.verify.model import Violation


@dataclass(frozen=True, slots=True, kw_only=True)
class Claim:
    """An object the ledger says exists, and the migration that created it."""

    obj: CatalogObject
    label: str  # source/version_name of the creating migration
    version: str
    search_path: tuple[str, ...] = ()  # where an unqualified name was looked up when it was created
    columns: tuple[str, ...] | None = None  # an index or constraint: the columns of its table it uses (None: unknown)
    parent: str | None = None  # a partition (created or attached): the partitioned table whose drop takes it

    def candidates(self) -> list[CatalogObject]:
        """Where the object may be: its schema, or each schema of the search path it was created under."""
        if self.obj.schema is not None or not self.search_path:
            return [self.obj]
        return [replace(self.obj, schema=schema) for schema in self.search_path]


def ledger_claims(applied: Sequence[AppliedMigration]) -> list[Claim]:
    """The objects the applied migrations' recorded effects leave, replayed in the order they were applied."""
    claims: list[Claim] = []
    for row in applied:
        label = f"{row.version}_{row.name}" if row.source == "project" else f"{row.source}/{row.version}_{row.name}"
        for record in row.catalog_effects or ():
            effect, search_path = effect_from_record(record)
            obj = effect.obj
            if effect.action is EffectAction.UNCERTAIN:
                claims.clear()
            elif obj is None:
                continue
            elif effect.action is EffectAction.CREATE:
                claims = [claim for claim in claims if not _same(claim.obj, obj)]
                claim = Claim(obj=obj, label=label, version=row.version, search_path=search_path)
                claims.append(replace(claim, columns=effect.columns, parent=effect.parent))
            elif effect.action is EffectAction.REMOVE:
                claims = _without_removed(claims, obj)
            elif effect.action is EffectAction.RENAME and effect.new_name is not None:
                claims = [_renamed(claim, obj, effect.new_name) for claim in claims]
            elif effect.action in (EffectAction.ATTACH, EffectAction.DETACH):
                claims = [replace(claim, parent=effect.parent) if _same(claim.obj, obj) else claim for claim in claims]
    return claims


def ledger_contradictions(session: Session, claims: Sequence[Claim]) -> list[Violation]:
    """A violation for every claimed object (:func:`ledger_claims`) the database does not have. An object of a table
    (an index, a column...) is expected only while its table exists: a table that is gone is its own claim's to
    report, or went the way it came, unseen (made by a function, dropped with a partitioned table)."""
    candidates = [(index, obj) for index, claim in enumerate(claims) for obj in claim.candidates()]
    tables = [
        (index, CatalogObject(kind=ObjectKind.RELATION, name=obj.table, schema=obj.schema))
        for index, obj in candidates
        if obj.table is not None
    ]
    located = locate_objects(
        session,
        [
            {"kind": o.kind.value, "name": o.name, "schema": o.schema, "table": o.table}
            for _, o in (*candidates, *tables)
        ],
    )
    present = {
        index for (index, _), schema in zip(candidates, located[: len(candidates)], strict=True) if schema is not None
    }
    table_found = {index for (index, _), schema in zip(tables, located[len(candidates) :], strict=True) if schema}
    violations = []
    for index, claim in enumerate(claims):
        if index in present or (claim.obj.table is not None and index not in table_found):
            continue
        violations.append(
            Violation(
                check="ledger-contradiction",
                subject=claim.version,
                message=f"the ledger says {claim.label} is applied, but the {claim.obj.describe()} it creates "
                "does not exist: recreate it, or roll the migration back and apply it again",
            )
        )
    return violations


def _matches(expected: str | None, given: str | None) -> bool:
    """An unqualified name in a statement may mean any schema."""
    return given is None or expected is None or expected == given


def _same(claimed: CatalogObject, named: CatalogObject) -> bool:
    return (
        claimed.kind == named.kind
        and claimed.name == named.name
        and _matches(claimed.schema, named.schema)
        and (claimed.table == named.table or named.table is None or claimed.table is None)
    )


def _belongs_to(claimed: CatalogObject, removed: CatalogObject) -> bool:
    """A removed relation takes its columns, constraints, triggers and policies; a removed schema its objects."""
    if removed.kind is ObjectKind.RELATION:
        return claimed.belongs_to_table and claimed.table == removed.name and _matches(claimed.schema, removed.schema)
    if removed.kind is ObjectKind.SCHEMA:
        return claimed.schema == removed.name
    return False


def _without_removed(claims: list[Claim], removed: CatalogObject) -> list[Claim]:
    """The claims left once ``removed`` is gone, with what goes with it: a dropped partitioned table takes its
    partitions, and each of them what belongs to it."""
    gone = [removed]
    while gone:
        obj = gone.pop()
        kept = []
        for claim in claims:
            if _same(claim.obj, obj) or _goes_with(claim, obj):
                if claim.obj is not obj and claim.parent is not None:
                    gone.append(claim.obj)
            else:
                kept.append(claim)
        claims = kept
    return claims


def _goes_with(claim: Claim, removed: CatalogObject) -> bool:
    """Whether removing ``removed`` takes the claimed object too: what belongs to a removed relation or schema, the
    partitions of a dropped partitioned table, and the indexes and constraints of a table that use a dropped column
    of it (all of them when the columns are not known: ledger rows written before they were recorded)."""
    if _belongs_to(claim.obj, removed):
        return True
    partitioned = removed.kind is ObjectKind.RELATION and claim.parent is not None and claim.parent == removed.name
    if partitioned and _matches(claim.obj.schema, removed.schema):
        return True
    if removed.kind is not ObjectKind.COLUMN or claim.obj.kind not in (ObjectKind.RELATION, ObjectKind.CONSTRAINT):
        return False
    on_table = claim.obj.table is not None and claim.obj.table == removed.table
    if not on_table or not _matches(claim.obj.schema, removed.schema):
        return False
    return claim.columns is None or removed.name in claim.columns


def _renamed(claim: Claim, old: CatalogObject, new_name: str) -> Claim:
    obj = claim.obj
    if old.kind is ObjectKind.RELATION and claim.parent == old.name:  # a partition follows its renamed parent
        claim = replace(claim, parent=new_name)
    if old.kind is ObjectKind.COLUMN and claim.columns and obj.table == old.table and old.name in claim.columns:
        columns = tuple(new_name if column == old.name else column for column in claim.columns)
        return replace(claim, columns=columns)
    if _same(obj, old):
        return replace(claim, obj=replace(obj, name=new_name))
    moved_with_table = old.kind is ObjectKind.RELATION and obj.belongs_to_table and obj.table == old.name
    if moved_with_table and _matches(obj.schema, old.schema):
        return replace(claim, obj=replace(obj, table=new_name))
    return claim
