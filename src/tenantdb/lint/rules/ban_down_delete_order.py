"""Delete children before their parents in a rollback: a parent deleted first fails on the rows that reference it.

## Why

``DELETE FROM plans WHERE name = 'enterprise'`` followed by ``DELETE FROM subscriptions WHERE plan_id = ...`` in a
``-- migrate:down`` section: while subscriptions still reference the plan, the first ``DELETE`` fails with
``violates foreign key constraint`` (the foreign key is ``NO ACTION`` or ``RESTRICT``), and the rollback stops
— usually during an incident, when the rollback is needed most. Tests on an empty database pass, because no
child row exists there.

## Instead

Delete in the reverse order of the foreign keys: children first, then their parents::

    DELETE FROM subscriptions WHERE plan_id = 42;
    DELETE FROM plans WHERE plan_id = 42;

## When this is fine

When the foreign key is ``ON DELETE CASCADE`` or ``SET NULL`` the parent's delete handles the children (and the
later child ``DELETE`` finds nothing); it is not reported. Foreign keys are known from the migrations read.

## See also

``ban-down-deletes-new-rows``; PostgreSQL docs, "Foreign Keys" (``ON DELETE``).
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from tenantdb.lint.context import LintContext, Place, finding_at
from tenantdb.lint.model import Family, Finding, Hit, Rule, Severity
from tenantdb.lint.walk import relation_name

BLOCKING = frozenset({"a", "r"})  # NO ACTION, RESTRICT
_KEY = "down-deletes"


def check(node: ast.DeleteStmt, context: LintContext) -> Iterator[Hit]:
    if context.section != "down":
        return iter(())
    table = relation_name(node.relation)
    state: dict[str, dict[str, Place]] = context.extra.setdefault(_KEY, {})
    deleted = state.setdefault(f"{context.path}", {})
    late: list[tuple[Place, str, str]] = context.extra.setdefault(f"{_KEY}:late", [])
    for parent, action in context.schema.foreign_keys.get(table, {}).items():
        if parent in deleted and action in BLOCKING and parent != table:
            late.append((deleted[parent], parent, table))
    deleted.setdefault(table, context.place())
    return iter(())


def finish(context: LintContext) -> Iterator[Finding]:
    for place, parent, child in context.extra.get(f"{_KEY}:late", []):
        yield finding_at(
            RULE,
            place,
            f"the rollback deletes {parent} before its child {child}: rows of {child} still reference them, so "
            "the DELETE fails on a foreign key violation and the rollback stops",
            hint=f"delete the rows of {child} first, then those of {parent}",
        )


RULE = Rule.for_node(
    ast.DeleteStmt,
    id="ban-down-delete-order",
    summary="a rollback deletes a parent table's rows before its children's",
    severity=Severity.ERROR,
    family=Family.REJECTED,
    check=check,
    finish=finish,
    bad=(
        "-- migrate:up\nCREATE TABLE plans (plan_id bigint PRIMARY KEY);\n"
        "CREATE TABLE subscriptions (tenant_id uuid, plan_id bigint REFERENCES plans);\n"
        "-- migrate:down\nDELETE FROM plans WHERE plan_id = 42;\nDELETE FROM subscriptions WHERE plan_id = 42;",
    ),
    good=(
        "-- migrate:up\nCREATE TABLE plans (plan_id bigint PRIMARY KEY);\n"
        "CREATE TABLE subscriptions (tenant_id uuid, plan_id bigint REFERENCES plans);\n"
        "-- migrate:down\nDELETE FROM subscriptions WHERE plan_id = 42;\nDELETE FROM plans WHERE plan_id = 42;",
        "-- migrate:up\nCREATE TABLE plans (plan_id bigint PRIMARY KEY);\n"
        "CREATE TABLE subscriptions (tenant_id uuid, plan_id bigint REFERENCES plans ON DELETE CASCADE);\n"
        "-- migrate:down\nDELETE FROM plans WHERE plan_id = 42;\nDELETE FROM subscriptions WHERE plan_id = 42;",
    ),
)
