"""``tenantdb report explain --tenant T``: every allocation line of a tenant's month, from rule to amount.

The rollup holds one line per tenant, cost kind and category of its dedicated resources (and warming IPs of a
pool); the per-resource detail is computed live for the one tenant, from the same resource costs, and replaces
each such line whose amount its resources add up to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from tenantdb.bi.reports.common import ReportOptions, ReportScope, query, resolve_scope, scope_params
from tenantdb.bi.reports.figures import rows_as
from tenantdb.bi.statements import month_resources_query
from tenantdb.db import Session
from tenantdb.errors import ConfigError


@dataclass(frozen=True, slots=True, kw_only=True)
class AllocationLine:
    """One line of ``bi_cost_allocation_lines``: ``amount`` is the tenant's share of ``unit_cost`` by the rule."""

    line_id: UUID | int
    category: str
    cost_kind: str
    pool_id: UUID | None
    pool_name: str | None
    resource_kind: str | None
    resource_id: UUID | None
    resource_name: str | None
    rule: str
    driver: str | None
    driver_value: Decimal | None
    driver_total: Decimal | None
    share: Decimal | None
    unit_cost: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryTotal:
    category: str
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class ExplainReport:
    report: str
    scope: ReportScope
    tenant_id: UUID
    company_name: str
    slug: str
    plan_name: str | None
    recognized_revenue: Decimal | None  # on the report's basis
    deferred_revenue: Decimal | None  # billed but not yet recognized at the month's end
    total_cost: Decimal | None
    lines_total: Decimal
    balanced: bool
    categories: tuple[CategoryTotal, ...]
    lines: tuple[AllocationLine, ...]


# The categories whose stored lines aggregate resources (bi/sql/month_resource_lines.sql).
RESOURCE_CATEGORIES = ("dedicated", "warmup_investment")


def _key(line: AllocationLine) -> tuple[str, str, str, UUID | None]:
    return (line.cost_kind, line.category, line.rule, line.pool_id)


def _with_detail(stored: Sequence[AllocationLine], detail: Sequence[AllocationLine]) -> tuple[AllocationLine, ...]:
    """The stored lines, each resource line replaced by its resources' live lines when they add up to it exactly
    (they do unless the resources changed since the month's refresh; then the stored line stays, as refreshed)."""
    by_key: dict[tuple[str, str, str, UUID | None], list[AllocationLine]] = {}
    for line in detail:
        by_key.setdefault(_key(line), []).append(line)
    lines: list[AllocationLine] = []
    for line in stored:
        resources = by_key.get(_key(line), []) if line.category in RESOURCE_CATEGORIES else []
        if resources and sum((r.amount for r in resources), Decimal(0)) == line.amount:
            lines.extend(resources)
        else:
            lines.append(line)
    return tuple(lines)


def resolve_tenant(session: Session, name: str) -> tuple[UUID, str, str]:
    """A company by id, slug or name; several companies of that name is an error naming their slugs."""
    rows = session.fetch_all(query("explain_tenant"), {"tenant": name.strip()})
    if not rows:
        raise ConfigError(
            f"no tenant {name!r} on {session.database}",
            hint="name a tenant by its id, its slug or its name; `tenantdb report executive` lists tenants",
        )
    exact = [row for row in rows if row[3] == 0]
    if not exact and len(rows) > 1:
        slugs = ", ".join(row[2] for row in rows[:10])
        raise ConfigError(f"{len(rows)} tenants are named {name!r}", hint=f"name one by its slug: {slugs}")
    tenant_id, company_name, slug, _ = (exact or rows)[0]
    return tenant_id, company_name, slug


def build(session: Session, options: ReportOptions) -> ExplainReport:
    if not options.tenant:
        raise ConfigError("explain needs a tenant", remedy="tenant", hint="with an id, slug or name")
    scope = resolve_scope(session, options)
    tenant_id, company_name, slug = resolve_tenant(session, options.tenant)
    params = scope_params(scope) | {"tenant_id": tenant_id}
    columns, rows = session.fetch_named(query("explain_lines"), params)
    stored = rows_as(AllocationLine, columns, rows)
    columns, rows = session.fetch_named(
        "WITH resources AS (" + month_resources_query() + ")\n" + query("explain_resource_lines"), params
    )
    lines = _with_detail(stored, rows_as(AllocationLine, columns, rows))
    month_row = session.fetch_one(query("explain_tenant_month"), params)
    revenue, deferred, total_cost, plan_name = month_row if month_row else (None, None, None, None)
    lines_total = sum((line.amount for line in lines), Decimal(0))
    categories: dict[str, Decimal] = {}
    for line in lines:
        categories[line.category] = categories.get(line.category, Decimal(0)) + line.amount
    return ExplainReport(
        report="explain",
        scope=scope,
        tenant_id=tenant_id,
        company_name=company_name,
        slug=slug,
        plan_name=plan_name,
        recognized_revenue=revenue,
        deferred_revenue=deferred,
        total_cost=total_cost,
        lines_total=lines_total,
        balanced=total_cost is None or lines_total == total_cost,
        categories=tuple(CategoryTotal(category=c, amount=a) for c, a in sorted(categories.items())),
        lines=lines,
    )
