"""Independent reference for docs/business-metrics.md: plain Python over the raw rows of the base tables.

Written from the definitions page only, never from the SQL of the ``cost_tracking`` and ``bi`` modules, so the
correctness suite compares two independent implementations. Money is exact (``Fraction`` inside, ``Decimal``
cents out); ratios stay exact ``Fraction``s. A row is a mapping from column name to the value psycopg returns for
``SELECT *``.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Any

Row = Mapping[str, Any]

REPORTING_CURRENCY = "USD"
INFRASTRUCTURE = "infrastructure"
EMAIL_SERVICE = "email_service"
CUSTOMER_SUBSCRIPTION_STATUSES = frozenset({"active", "trialing", "past_due"})
BOUNCE_COST = Fraction(5, 100)
COMPLAINT_COST = Fraction(25, 100)


@dataclass(frozen=True, slots=True, kw_only=True)
class Dataset:
    """The raw rows of every base table the definitions read (``SELECT *``)."""

    companies: tuple[Row, ...] = ()
    plans: tuple[Row, ...] = ()
    subscriptions: tuple[Row, ...] = ()
    billing_transactions: tuple[Row, ...] = ()
    payments: tuple[Row, ...] = ()
    vps_instances: tuple[Row, ...] = ()
    smtp_ip_addresses: tuple[Row, ...] = ()
    deliverability_daily: tuple[Row, ...] = ()
    cost_pools: tuple[Row, ...] = ()
    allocation_rules: tuple[Row, ...] = ()
    cost_pool_members: tuple[Row, ...] = ()
    provider_invoices: tuple[Row, ...] = ()
    provider_invoice_lines: tuple[Row, ...] = ()
    fx_rates: tuple[Row, ...] = ()
    # module events (issue 13): what the executive metrics read
    revenue_impacts: tuple[Row, ...] = ()
    cost_optimizations: tuple[Row, ...] = ()
    cost_optimization_results: tuple[Row, ...] = ()
    efficiency_metrics: tuple[Row, ...] = ()
    strategic_decisions: tuple[Row, ...] = ()


# ---------------------------------------------------------------------------------------------------- arithmetic


def exact(value: Any) -> Fraction:
    """A numeric column value (Decimal, int, None = 0) as an exact fraction."""
    if value is None:
        return Fraction(0)
    return Fraction(value)


def round_cents(value: Fraction) -> Decimal:
    """Round to cents, half away from zero (PostgreSQL's numeric ``round(x, 2)``)."""
    cents = floor(abs(value) * 100 + Fraction(1, 2))
    signed = cents if value >= 0 else -cents
    return Decimal(signed).scaleb(-2)


def floor_cents(value: Fraction) -> Fraction:
    return Fraction(floor(value * 100), 100)


def month_start(value: date) -> date:
    return date(value.year, value.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def days_in_month(month: date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def utc_date(value: datetime | date) -> date:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.date()
    return value


def in_month(value: datetime | date, month: date) -> bool:
    return month <= utc_date(value) < next_month(month)


# ---------------------------------------------------------------------------------------------------- resources


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
    """A server or an IP address with what the definitions need of it for one month."""

    kind: str  # 'vps' | 'ip'
    resource_id: Any
    tenant_id: Any
    server_id: Any
    reference: str  # hostname, or the IP address in text
    provider: str
    tenancy: str
    pool_id: Any
    status: str
    approximate_cost: Fraction
    active_days: int
    days: int
    capacity_per_hour: int

    @property
    def cost_kind(self) -> str:
        return INFRASTRUCTURE if self.kind == "vps" else EMAIL_SERVICE

    @property
    def monthly_cost(self) -> Fraction:
        return self.approximate_cost * self.active_days / self.days

    @property
    def capacity(self) -> int:
        """E-mails the server could send in its active days of the month (0 for an IP)."""
        return self.capacity_per_hour * 24 * self.active_days if self.kind == "vps" else 0


def active_days(created_at: datetime | date, cost_bearing: bool, month: date) -> int:
    """Days ``d`` of the month with ``d >= created_at::date`` (UTC) while cost-bearing."""
    if not cost_bearing:
        return 0
    first = max(month, utc_date(created_at))
    end = next_month(month)
    return max(0, (end - first).days)


def ip_text(value: Any) -> str:
    """An inet value as text without the host mask (``host(ip)``)."""
    text = str(value)
    return text.split("/", 1)[0]


def resources(data: Dataset, month: date) -> list[Resource]:
    days = days_in_month(month)
    servers = {(row["tenant_id"], row["vps_instance_id"]): row for row in data.vps_instances}
    result: list[Resource] = []
    for server in data.vps_instances:
        bearing = server["status"] != "retired"
        result.append(
            Resource(
                kind="vps",
                resource_id=server["vps_instance_id"],
                tenant_id=server["tenant_id"],
                server_id=server["vps_instance_id"],
                reference=server["hostname"],
                provider=server["provider"],
                tenancy=server["tenancy"],
                pool_id=server.get("cost_pool_id"),
                status=server["status"],
                approximate_cost=exact(server["approximate_cost"]),
                active_days=active_days(server["created_at"], bearing, month),
                days=days,
                capacity_per_hour=int(server["capacity_emails_per_hour"]),
            )
        )
    for address in data.smtp_ip_addresses:
        server = servers[(address["tenant_id"], address["vps_instance_id"])]
        bearing = address["status"] != "retired" and server["status"] != "retired"
        result.append(
            Resource(
                kind="ip",
                resource_id=address["ip_id"],
                tenant_id=address["tenant_id"],
                server_id=server["vps_instance_id"],
                reference=ip_text(address["ip"]),
                provider=server["provider"],
                tenancy=server["tenancy"],
                pool_id=server.get("cost_pool_id"),
                status=address["status"],
                approximate_cost=exact(address["approximate_cost"]),
                active_days=active_days(address["created_at"], bearing, month),
                days=days,
                capacity_per_hour=0,
            )
        )
    return result


@dataclass(frozen=True, slots=True, kw_only=True)
class DailyCost:
    """One row of view ``resource_cost_daily``: a resource's cost on one of its active days."""

    tenant_id: Any
    resource_kind: str
    resource_id: Any
    cost_kind: str
    day: date
    daily_cost: Fraction


def resource_cost_daily(data: Dataset, month: date) -> list[DailyCost]:
    """``approximate_cost / days_in_month`` for each active day of each resource in the month."""
    rows = []
    end = next_month(month)
    for resource in resources(data, month):
        first = end - timedelta(days=resource.active_days)
        for offset in range(resource.active_days):
            rows.append(
                DailyCost(
                    tenant_id=resource.tenant_id,
                    resource_kind=resource.kind,
                    resource_id=resource.resource_id,
                    cost_kind=resource.cost_kind,
                    day=first + timedelta(days=offset),
                    daily_cost=resource.approximate_cost / resource.days,
                )
            )
    return rows


# ---------------------------------------------------------------------------------------------------- allocation


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """One row of ``bi_cost_allocation_lines`` (without ``line_id``)."""

    tenant_id: Any
    month: date
    pool_id: Any
    resource_kind: str | None
    resource_id: Any
    cost_kind: str
    category: str
    rule: str
    driver: str | None
    driver_value: Fraction | None
    driver_total: Fraction | None
    unit_cost: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Unit:
    """An allocation unit (pool, month, cost kind) with the numbers that produced its lines."""

    pool_id: Any
    cost_kind: str
    cost: Decimal
    rule: str
    applied_rule: str
    fallback_used: bool
    idle: Decimal
    utilization: Fraction | None
    lines: tuple[Line, ...]


def is_operator(company: Row) -> bool:
    return bool(company.get("is_platform_operator"))


def customer_ids(data: Dataset) -> set[Any]:
    return {row["id"] for row in data.companies if not is_operator(row)}


def dedicated_lines(data: Dataset, month: date) -> list[Line]:
    """One line per cost-bearing dedicated resource with active days in the month."""
    lines = []
    for resource in resources(data, month):
        if resource.tenancy != "dedicated" or resource.active_days == 0:
            continue
        warming = resource.kind == "ip" and resource.status == "warming"
        amount = round_cents(resource.monthly_cost)
        lines.append(
            Line(
                tenant_id=resource.tenant_id,
                month=month,
                pool_id=None,
                resource_kind=resource.kind,
                resource_id=resource.resource_id,
                cost_kind=resource.cost_kind,
                category="warmup_investment" if warming else "dedicated",
                rule="dedicated",
                driver=None,
                driver_value=None,
                driver_total=None,
                unit_cost=amount,  # numeric(12,2) stores the unrounded monthly cost rounded to cents
                amount=amount,
            )
        )
    return lines


def current_rule(data: Dataset, pool_id: Any, month: date) -> Row | None:
    """The pool's rule with the latest ``effective_from <= month``."""
    candidates = [
        row for row in data.allocation_rules if row["pool_id"] == pool_id and utc_date(row["effective_from"]) <= month
    ]
    return max(candidates, key=lambda row: utc_date(row["effective_from"]), default=None)


def largest_remainder(total: Fraction, weights: Mapping[Any, Fraction]) -> dict[Any, Fraction]:
    """Split ``total`` (whole cents) by weights; leftover cents go to the largest remainders, ties by key."""
    weight_sum = sum(weights.values(), Fraction(0))
    shares = {key: total * weight / weight_sum for key, weight in weights.items()}
    base = {key: floor_cents(share) for key, share in shares.items()}
    leftover = (total - sum(base.values(), Fraction(0))) * 100
    assert leftover.denominator == 1 and 0 <= leftover <= len(weights), leftover
    order = sorted(weights, key=lambda key: (-(shares[key] - base[key]), key))
    for key in order[: int(leftover)]:
        base[key] += Fraction(1, 100)
    return base


def tenant_volume(data: Dataset, tenant_id: Any, month: date, column: str) -> int:
    return sum(
        int(row[column])
        for row in data.deliverability_daily
        if row["tenant_id"] == tenant_id and in_month(row["day"], month)
    )


def pool_operator(data: Dataset, pool_servers: Sequence[Resource]) -> Any:
    """The owner of the pool's servers, else a platform operator (the smallest id: any one will do)."""
    owners = sorted({server.tenant_id for server in pool_servers})
    if owners:
        return owners[0]
    operators = sorted(row["id"] for row in data.companies if is_operator(row))
    return operators[0] if operators else None


def allocation_units(data: Dataset, month: date) -> list[Unit]:
    """Every allocation unit of the month with its lines (dedicated lines are not units)."""
    everything = resources(data, month)
    dedicated = dedicated_lines(data, month)
    customers = customer_ids(data)
    units = []
    for pool in data.cost_pools:
        pool_id = pool["pool_id"]
        members = sorted(
            row["tenant_id"]
            for row in data.cost_pool_members
            if row["pool_id"] == pool_id and row["tenant_id"] in customers
        )
        in_pool = [r for r in everything if r.tenancy == "shared" and r.pool_id == pool_id]
        servers = [r for r in in_pool if r.kind == "vps"]
        rule_row = current_rule(data, pool_id, month)
        for cost_kind in (INFRASTRUCTURE, EMAIL_SERVICE):
            kind_resources = [
                r for r in in_pool if r.cost_kind == cost_kind and r.active_days > 0 and not is_warming(r)
            ]
            overhead = exact(pool.get("monthly_overhead")) if cost_kind == INFRASTRUCTURE else Fraction(0)
            if not kind_resources and overhead == 0:
                continue
            cost = round_cents(sum((r.monthly_cost for r in kind_resources), overhead))
            if cost == 0:
                continue  # nothing to allocate: the page's lines of a zero unit would all be 0.00
            unit = allocate_unit(
                data,
                month,
                pool_id=pool_id,
                cost_kind=cost_kind,
                cost=cost,
                overhead_only=sum(r.monthly_cost for r in kind_resources) == 0,  # its only cost is the overhead
                members=members,
                servers=servers,
                rule_row=rule_row,
                dedicated=dedicated,
            )
            units.append(unit)
    return units


def is_warming(resource: Resource) -> bool:
    return resource.kind == "ip" and resource.status == "warming"


def shared_warmup_lines(data: Dataset, month: date) -> list[Line]:
    """A warming IP on a shared server is an investment, never shared or idle cost: one line per address to the
    platform operator that owns it, outside the pool's allocation units. (The page says only that a warming IP's
    cost "is reported with category warmup_investment, never as waste or idle capacity"; who bears it in a
    pool is not written down. This reading keeps it out of every customer's share.)"""
    lines = []
    for resource in resources(data, month):
        if resource.tenancy != "shared" or not is_warming(resource) or resource.active_days == 0:
            continue
        amount = round_cents(resource.monthly_cost)
        lines.append(
            Line(
                tenant_id=resource.tenant_id,
                month=month,
                pool_id=resource.pool_id,
                resource_kind="ip",
                resource_id=resource.resource_id,
                cost_kind=EMAIL_SERVICE,
                category="warmup_investment",
                rule="warmup_investment",
                driver=None,
                driver_value=None,
                driver_total=None,
                unit_cost=amount,
                amount=amount,
            )
        )
    return lines


def allocate_unit(
    data: Dataset,
    month: date,
    *,
    pool_id: Any,
    cost_kind: str,
    cost: Decimal,
    overhead_only: bool,
    members: Sequence[Any],
    servers: Sequence[Resource],
    rule_row: Row | None,
    dedicated: Sequence[Line],
) -> Unit:
    rule = str(rule_row["rule"]) if rule_row is not None else "even"
    driver = rule_row.get("driver") if rule_row is not None else None
    fallback = str((rule_row.get("fallback") if rule_row is not None else None) or "even")
    total = Fraction(cost)
    utilization: Fraction | None = None
    if not members:
        idle = total
    elif rule == "usage_driver":
        capacity = sum(server.capacity for server in servers)
        used = sum(tenant_volume(data, tenant, month, "sent") for tenant in members)
        utilization = Fraction(1) if capacity == 0 else min(Fraction(1), Fraction(used, capacity))
        idle = Fraction(round_cents(total * (1 - utilization)))
    else:
        idle = Fraction(0)
    lines: list[Line] = []
    operator = pool_operator(data, servers)
    resource_kind = "vps" if cost_kind == INFRASTRUCTURE else "ip"
    if idle != 0:  # a zero idle line (a pool of nothing without members) says nothing
        lines.append(
            Line(
                tenant_id=operator,
                month=month,
                pool_id=pool_id,
                resource_kind=None,
                resource_id=None,
                cost_kind=cost_kind,
                category="idle_capacity",
                rule=rule,
                driver=driver,
                driver_value=None,
                driver_total=None,
                unit_cost=cost,
                amount=round_cents(idle),
            )
        )
    applied, fallback_used = rule, False
    if members:
        weights = weights_for(data, month, rule, driver, pool_id, members, dedicated)
        if sum(weights.values(), Fraction(0)) == 0:
            # The lines say so: rule = 'fallback:<rule>' (allocation_rules.fallback's column comment).
            applied, fallback_used = f"fallback:{fallback}", True
            weights = weights_for(data, month, fallback, driver, pool_id, members, dedicated)
            if sum(weights.values(), Fraction(0)) == 0:  # the page does not say; split evenly
                weights = weights_for(data, month, "even", driver, pool_id, members, dedicated)
        weight_sum = sum(weights.values(), Fraction(0))
        shares = largest_remainder(total - idle, weights)
        for tenant in members:
            lines.append(
                Line(
                    tenant_id=tenant,
                    month=month,
                    pool_id=pool_id,
                    resource_kind=None if overhead_only else resource_kind,
                    resource_id=None,
                    cost_kind=cost_kind,
                    category="overhead" if overhead_only else "shared",
                    rule=applied,
                    driver=driver_name(fallback if fallback_used else rule, driver),
                    driver_value=weights[tenant],
                    driver_total=weight_sum,
                    unit_cost=cost,
                    amount=round_cents(shares[tenant]),
                )
            )
    return Unit(
        pool_id=pool_id,
        cost_kind=cost_kind,
        cost=cost,
        rule=rule,
        applied_rule=applied,
        fallback_used=fallback_used,
        idle=round_cents(idle),
        utilization=utilization,
        lines=tuple(lines),
    )


def driver_name(rule: str, driver: str | None) -> str:
    """The page names only usage drivers; the others are named after what they weigh by."""
    return {
        "even": "even",
        "fixed_weights": "weight",
        "proportional_to_cost": "dedicated_cost",
    }.get(rule, driver or "emails_delivered")


def weights_for(
    data: Dataset,
    month: date,
    rule: str,
    driver: str | None,
    pool_id: Any,
    members: Sequence[Any],
    dedicated: Sequence[Line],
) -> dict[Any, Fraction]:
    if rule == "even":
        return {tenant: Fraction(1) for tenant in members}
    if rule == "fixed_weights":
        weights = {(row["pool_id"], row["tenant_id"]): exact(row.get("weight")) for row in data.cost_pool_members}
        return {tenant: weights[(pool_id, tenant)] for tenant in members}
    if rule == "proportional_to_cost":
        return {
            tenant: sum((Fraction(line.amount) for line in dedicated if line.tenant_id == tenant), Fraction(0))
            for tenant in members
        }
    if rule == "usage_driver":
        column = {"emails_delivered": "delivered", "emails_sent": "sent"}[driver or "emails_delivered"]
        return {tenant: Fraction(tenant_volume(data, tenant, month, column)) for tenant in members}
    raise ValueError(f"unknown allocation rule {rule!r}")


def allocation_lines(data: Dataset, month: date) -> list[Line]:
    """Every line of ``bi_cost_allocation_lines`` for the month."""
    lines = dedicated_lines(data, month) + shared_warmup_lines(data, month)
    for unit in allocation_units(data, month):
        lines.extend(unit.lines)
    return lines


# ---------------------------------------------------------------------------------------------------- per tenant


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantMonth:
    """One row of ``bi_tenant_monthly`` (without ``refreshed_at``)."""

    tenant_id: Any
    month: date
    company_name: str
    plan_id: Any
    plan_name: str | None
    price_monthly: Decimal | None
    current_period_start: datetime | None
    current_period_end: datetime | None
    recognized_revenue: Decimal
    cash_revenue: Decimal
    deferred_revenue: Decimal
    unconverted_entries: int
    unconverted_currencies: list[str]
    infrastructure_cost: Decimal
    email_service_cost: Decimal
    total_cost: Decimal
    emails_sent: int
    emails_delivered: int
    emails_bounced: int
    spam_complaints: int
    dedicated_capacity: int
    subscription_status: str | None


def current_subscription(data: Dataset, tenant_id: Any) -> Row | None:
    """Status active, trialing or past_due with the latest ``current_period_start`` (ties: subscription_id)."""
    candidates = [
        row
        for row in data.subscriptions
        if row["tenant_id"] == tenant_id and row["status"] in CUSTOMER_SUBSCRIPTION_STATUSES
    ]
    return max(candidates, key=lambda row: (row["current_period_start"], row["subscription_id"]), default=None)


# ---------------------------------------------------------------------------------------------------- currencies


def rate_to_usd(data: Dataset, currency: str, day: date) -> Fraction | None:
    """The latest rate of the pair (currency, USD) on or before ``day``; None without one."""
    rates = [
        row
        for row in data.fx_rates
        if row["base_currency"] == currency
        and row["quote_currency"] == REPORTING_CURRENCY
        and utc_date(row["rate_date"]) <= day
    ]
    latest = max(rates, key=lambda row: utc_date(row["rate_date"]), default=None)
    return None if latest is None else exact(latest["rate"])


def plan_price(data: Dataset, plan: Row | None, month: date) -> Decimal | None:
    """The plan's list price in USD at the latest rate on or before the month's last day; 0 without a plan,
    None without a rate."""
    if plan is None:
        return Decimal("0.00")
    if plan["currency"] == REPORTING_CURRENCY:
        return round_cents(exact(plan["price_monthly"]))
    rate = rate_to_usd(data, plan["currency"], next_month(month) - timedelta(days=1))
    return None if rate is None else round_cents(exact(plan["price_monthly"]) * rate)


def in_usd(data: Dataset, amount: Any, currency: str, day: date) -> Fraction | None:
    """An amount in USD: as is, or converted at the day's rate and rounded to the cent; None without a rate."""
    if currency == REPORTING_CURRENCY:
        return exact(amount)
    rate = rate_to_usd(data, currency, day)
    return None if rate is None else Fraction(round_cents(exact(amount) * rate))


# ---------------------------------------------------------------------------------------------------- revenue


def service_period(data: Dataset, entry: Row) -> tuple[date, date] | None:
    """The UTC days ``[start, end)`` an entry is recognized over: its own service period, else the billing period of
    the payment it settles (at least one day), else None (recognized the day it occurred)."""
    if entry.get("service_period_start") is not None:
        return utc_date(entry["service_period_start"]), utc_date(entry["service_period_end"])
    if entry.get("payment_id") is None:
        return None
    payment = next(
        row
        for row in data.payments
        if row["tenant_id"] == entry["tenant_id"] and row["payment_id"] == entry["payment_id"]
    )
    start, end = utc_date(payment["billing_period_start"]), utc_date(payment["billing_period_end"])
    return start, max(end, start + timedelta(days=1))


def recognition_schedule(amount: Fraction, start: date, end: date) -> dict[date, Fraction]:
    """An amount spread over the months of ``[start, end)``: each month weighs the share of it the period covers
    (days covered / days in the month); whole cents by largest remainder, ties to the earliest month."""
    weights: dict[date, Fraction] = {}
    month = month_start(start)
    while month < end:
        covered = (min(end, next_month(month)) - max(start, month)).days
        weights[month] = Fraction(covered, days_in_month(month))
        month = next_month(month)
    pieces = largest_remainder(abs(amount), weights)
    sign = 1 if amount >= 0 else -1
    return {month: sign * piece for month, piece in pieces.items()}


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """A ledger entry as revenue: its amount in USD (None without a rate), when it occurred, its service period."""

    currency: str
    amount: Fraction | None
    occurred_on: date
    period: tuple[date, date] | None

    def touches(self, month: date) -> bool:
        """Whether the entry moves the month's cash, recognized or deferred revenue: it occurred in the month, its
        service period overlaps the month, or it was billed and is recognized on different sides of the month's
        end."""
        end = next_month(month)
        if month <= self.occurred_on < end:
            return True
        if self.period is None:
            return False
        start, stop = self.period
        return (start < end and stop > month) or ((self.occurred_on < end) != (stop <= end))


def revenue_entries(data: Dataset, tenant_id: Any) -> list[Entry]:
    return [
        Entry(
            currency=row["currency"],
            amount=in_usd(data, row["amount"], row["currency"], utc_date(row["occurred_at"])),
            occurred_on=utc_date(row["occurred_at"]),
            period=service_period(data, row),
        )
        for row in data.billing_transactions
        if row["tenant_id"] == tenant_id
    ]


def cash_revenue(data: Dataset, tenant_id: Any, month: date) -> Fraction:
    """The ledger as dated: the entries that occurred in the month (in USD)."""
    return sum(
        (
            entry.amount
            for entry in revenue_entries(data, tenant_id)
            if entry.amount is not None and month <= entry.occurred_on < next_month(month)
        ),
        Fraction(0),
    )


def recognized_revenue(data: Dataset, tenant_id: Any, month: date) -> Fraction:
    """Each entry's piece for the month of its service period, or the whole entry in the month it occurred."""
    total = Fraction(0)
    for entry in revenue_entries(data, tenant_id):
        if entry.amount is None:
            continue
        if entry.period is None:
            total += entry.amount if month <= entry.occurred_on < next_month(month) else 0
        else:
            total += recognition_schedule(entry.amount, *entry.period).get(month, Fraction(0))
    return total


def deferred_revenue(data: Dataset, tenant_id: Any, month: date) -> Fraction:
    """At the month's end: billed up to then minus recognized up to then."""
    end = next_month(month)
    billed = recognized = Fraction(0)
    for entry in revenue_entries(data, tenant_id):
        if entry.amount is None:
            continue
        billed += entry.amount if entry.occurred_on < end else 0
        if entry.period is None:
            recognized += entry.amount if entry.occurred_on < end else 0
        else:
            schedule = recognition_schedule(entry.amount, *entry.period)
            recognized += sum((piece for when, piece in schedule.items() if when < end), Fraction(0))
    return billed - recognized


def unconverted(data: Dataset, tenant_id: Any, month: date) -> list[str]:
    """The currencies of the entries touching the month that have no rate to USD, one per entry."""
    return [
        entry.currency for entry in revenue_entries(data, tenant_id) if entry.amount is None and entry.touches(month)
    ]


def tenant_monthly(data: Dataset, month: date, lines: Sequence[Line] | None = None) -> list[TenantMonth]:
    """``bi_tenant_monthly`` for the month: one row per customer."""
    lines = allocation_lines(data, month) if lines is None else lines
    cost: dict[tuple[Any, str], Fraction] = defaultdict(Fraction)
    for line in lines:
        cost[(line.tenant_id, line.cost_kind)] += Fraction(line.amount)
    plans = {row["plan_id"]: row for row in data.plans}
    everything = resources(data, month)
    rows = []
    for company in sorted(data.companies, key=lambda row: row["id"]):
        if is_operator(company):
            continue
        tenant = company["id"]
        subscription = current_subscription(data, tenant)
        plan = plans[subscription["plan_id"]] if subscription is not None else None
        infrastructure = cost[(tenant, INFRASTRUCTURE)]
        email = cost[(tenant, EMAIL_SERVICE)]
        rows.append(
            TenantMonth(
                tenant_id=tenant,
                month=month,
                company_name=company["name"],
                plan_id=plan["plan_id"] if plan is not None else None,
                plan_name=plan["name"] if plan is not None else None,
                price_monthly=plan_price(data, plan, month),
                current_period_start=subscription["current_period_start"] if subscription is not None else None,
                current_period_end=subscription["current_period_end"] if subscription is not None else None,
                recognized_revenue=round_cents(recognized_revenue(data, tenant, month)),
                cash_revenue=round_cents(cash_revenue(data, tenant, month)),
                deferred_revenue=round_cents(deferred_revenue(data, tenant, month)),
                unconverted_entries=len(unconverted(data, tenant, month)),
                unconverted_currencies=sorted(
                    set(unconverted(data, tenant, month))
                    | ({plan["currency"]} if plan is not None and plan_price(data, plan, month) is None else set())
                ),
                infrastructure_cost=round_cents(infrastructure),
                email_service_cost=round_cents(email),
                total_cost=round_cents(infrastructure + email),
                emails_sent=tenant_volume(data, tenant, month, "sent"),
                emails_delivered=tenant_volume(data, tenant, month, "delivered"),
                emails_bounced=tenant_volume(data, tenant, month, "bounced_hard")
                + tenant_volume(data, tenant, month, "bounced_soft"),
                spam_complaints=tenant_volume(data, tenant, month, "spam_complaints"),
                dedicated_capacity=sum(
                    r.capacity for r in everything if r.tenant_id == tenant and r.tenancy == "dedicated"
                ),
                subscription_status=subscription["status"] if subscription is not None else None,
            )
        )
    return rows


# ---------------------------------------------------------------------------------------------------- ratios


def gross_margin_ratio(revenue: Fraction, cost: Fraction) -> Fraction | None:
    return None if revenue == 0 else (revenue - cost) / revenue


def cost_efficiency_score(ratio: Fraction | None) -> Fraction:
    return Fraction(0) if ratio is None else max(Fraction(0), min(Fraction(100), ratio * 100))


def business_efficiency_ratio(revenue: Fraction, cost: Fraction) -> Fraction | None:
    return None if cost == 0 else revenue / cost


def per(numerator: Fraction | int, denominator: int) -> Fraction | None:
    return None if denominator == 0 else Fraction(numerator) / denominator


NO_REVENUE_BY_DESIGN = ("free_plan", "trial")


def margin_exemption(row: TenantMonth, minimum_volume: int = 1000) -> str | None:
    """Why margin does not apply to the customer's month (only without revenue), or None."""
    if row.recognized_revenue != 0:
        return None
    if row.plan_id is None:
        return "no_subscription"
    if row.subscription_status == "trialing":
        return "trial"
    if row.price_monthly == 0:
        return "free_plan"
    if row.emails_sent < minimum_volume:
        return "below_min_volume"
    return None


def health_status(revenue: Fraction, cost: Fraction, exemption: str | None = None) -> str:
    if exemption is not None:
        return "Not Applicable"
    if revenue > 2 * cost:
        return "Excellent"
    if revenue > Fraction(3, 2) * cost:
        return "Good"
    if revenue > cost:
        return "Monitor"
    return "Critical Action Required"


def risk_level(sent: int, bounced: int) -> str:
    if sent == 0:
        return "insufficient_data"
    rate = Fraction(bounced, sent)
    if rate > Fraction(10, 100):
        return "critical_action_required"
    if rate > Fraction(5, 100):
        return "monitoring_needed"
    return "acceptable"


def revenue_at_risk(row: TenantMonth, minimum_volume: int = 1000) -> Decimal:
    """The share of the month's revenue at risk, in cents: 0 within the limits (bounce 5%, spam 0.1%) or below the
    minimum volume, growing linearly to all of it at the suspension limits (bounce 10%, spam 0.3%)."""
    revenue = Fraction(row.recognized_revenue)
    if revenue <= 0 or row.emails_sent == 0 or row.emails_sent < minimum_volume:
        return Decimal("0.00")
    bounce = (Fraction(row.emails_bounced, row.emails_sent) - Fraction(5, 100)) / Fraction(5, 100)
    spam = Fraction(0)
    if row.emails_delivered > 0:
        spam = (Fraction(row.spam_complaints, row.emails_delivered) - Fraction(1, 1000)) / Fraction(2, 1000)
    return round_cents(revenue * min(Fraction(1), max(Fraction(0), bounce, spam)))


def estimated_revenue_loss(bounced: int, complaints: int) -> Fraction:
    return BOUNCE_COST * bounced + COMPLAINT_COST * complaints


def potential_savings(sent: int, delivered: int, bounced: int, complaints: int) -> Fraction:
    excess_bounces = max(Fraction(0), bounced - Fraction(2, 100) * sent)
    excess_complaints = max(Fraction(0), complaints - Fraction(1, 1000) * delivered)
    return BOUNCE_COST * excess_bounces + COMPLAINT_COST * excess_complaints


# ---------------------------------------------------------------------------------------------------- views


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutiveRow:
    """``executive_business_summary``: revenue is the plan's monthly price."""

    tenant_id: Any
    company_name: str
    plan_name: str | None
    current_period_start: datetime | None
    current_period_end: datetime | None
    monthly_subscription_revenue: Decimal | None
    infrastructure_costs: Decimal
    email_service_costs: Decimal
    gross_margin_ratio: Fraction | None
    cost_efficiency_score: Fraction
    total_operational_cost: Decimal
    monthly_profit: Decimal | None
    business_health_status: str
    dashboard_date: date
    total_infrastructure_cost: Decimal
    total_email_service_cost: Decimal
    margin_not_applicable_reason: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CostAllocationRow:
    """``business_cost_allocation``: revenue is recognized revenue of the month."""

    tenant_id: Any
    company_name: str
    plan_name: str | None
    price_monthly: Decimal | None
    total_infrastructure_cost: Decimal
    total_email_service_cost: Decimal
    cost_per_email_delivered: Fraction | None
    total_monthly_cost: Decimal
    monthly_profit: Decimal
    business_efficiency_ratio: Fraction | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliverabilityRow:
    """``deliverability_business_impact``: one row per tenant and day."""

    company_id: Any
    tracking_date: date
    emails_sent: int
    emails_bounced: int
    emails_spam: int
    bounce_rate: Fraction | None
    spam_rate: Fraction | None
    estimated_revenue_loss: Fraction
    business_risk_level: str
    potential_savings: Fraction


def executive_summary(monthly: Iterable[TenantMonth], today: date) -> list[ExecutiveRow]:
    """Margin and profit on the plan's price; the health status is the reports' (recognized revenue)."""
    rows = []
    for row in monthly:
        cost = Fraction(row.total_cost)
        price = None if row.price_monthly is None else Fraction(row.price_monthly)  # None: no rate to USD
        ratio = None if price is None else gross_margin_ratio(price, cost)
        exemption = margin_exemption(row)
        rows.append(
            ExecutiveRow(
                tenant_id=row.tenant_id,
                company_name=row.company_name,
                plan_name=row.plan_name,
                current_period_start=row.current_period_start,
                current_period_end=row.current_period_end,
                monthly_subscription_revenue=row.price_monthly,
                infrastructure_costs=row.infrastructure_cost,
                email_service_costs=row.email_service_cost,
                gross_margin_ratio=ratio,
                cost_efficiency_score=cost_efficiency_score(ratio),
                total_operational_cost=row.total_cost,
                monthly_profit=None if row.price_monthly is None else row.price_monthly - row.total_cost,
                business_health_status=health_status(Fraction(row.recognized_revenue), cost, exemption),
                dashboard_date=today,
                total_infrastructure_cost=row.infrastructure_cost,
                total_email_service_cost=row.email_service_cost,
                margin_not_applicable_reason=exemption,
            )
        )
    return rows


def cost_allocation(monthly: Iterable[TenantMonth]) -> list[CostAllocationRow]:
    rows = []
    for row in monthly:
        revenue, cost = Fraction(row.recognized_revenue), Fraction(row.total_cost)
        rows.append(
            CostAllocationRow(
                tenant_id=row.tenant_id,
                company_name=row.company_name,
                plan_name=row.plan_name,
                price_monthly=row.price_monthly,
                total_infrastructure_cost=row.infrastructure_cost,
                total_email_service_cost=row.email_service_cost,
                cost_per_email_delivered=per(cost, row.emails_delivered),
                total_monthly_cost=row.total_cost,
                monthly_profit=row.recognized_revenue - row.total_cost,
                business_efficiency_ratio=business_efficiency_ratio(revenue, cost),
            )
        )
    return rows


def deliverability_impact(data: Dataset, month: date) -> list[DeliverabilityRow]:
    customers = customer_ids(data)
    rows = []
    for day in data.deliverability_daily:
        if day["tenant_id"] not in customers or not in_month(day["day"], month):
            continue
        sent, delivered = int(day["sent"]), int(day["delivered"])
        bounced = int(day["bounced_hard"]) + int(day["bounced_soft"])
        complaints = int(day["spam_complaints"])
        rows.append(
            DeliverabilityRow(
                company_id=day["tenant_id"],
                tracking_date=day["day"],
                emails_sent=sent,
                emails_bounced=bounced,
                emails_spam=complaints,
                bounce_rate=per(bounced, sent),
                spam_rate=per(complaints, delivered),
                estimated_revenue_loss=estimated_revenue_loss(bounced, complaints),
                business_risk_level=risk_level(sent, bounced),
                potential_savings=potential_savings(sent, delivered, bounced, complaints),
            )
        )
    return sorted(rows, key=lambda row: (row.company_id, row.tracking_date))


# ---------------------------------------------------------------------------------------------------- reconciliation


@dataclass(frozen=True, slots=True, kw_only=True)
class Reconciliation:
    """One row of ``bi_reconciliation`` (exact; the table rounds money to cents). Without a rate to USD for one of
    the provider's invoices, the USD figures are None and the row is flagged ``no_rate``."""

    provider: str
    month: date
    currency: str
    invoiced_original: Fraction | None
    fx_rate: Fraction | None
    modeled: Fraction
    invoiced: Fraction | None
    rate_drift: Fraction | None
    quantity_drift: Fraction | None
    unmatched: Fraction | None
    unmatched_lines: int
    scale_factor: Fraction | None
    flagged: bool
    flag_reason: str | None


def reconciliation(data: Dataset, month: date, tolerance: Fraction = Fraction(2, 100)) -> list[Reconciliation]:
    """Per provider with an invoice for the month: modeled vs invoiced (in USD at the rate of the month's last
    day), drift split, scale factor, flag and its reason."""
    everything = resources(data, month)
    last_day = next_month(month) - timedelta(days=1)
    invoices = [row for row in data.provider_invoices if utc_date(row["month"]) == month]
    results = []
    for provider in sorted({row["provider"] for row in invoices}):
        own = [r for r in everything if r.provider == provider]
        by_reference: dict[str, list[Resource]] = defaultdict(list)
        for resource in own:
            by_reference[resource.reference].append(resource)
        mine = [row for row in invoices if row["provider"] == provider]
        currencies = sorted({row["currency"] for row in mine})
        rates = {c: None if c == REPORTING_CURRENCY else rate_to_usd(data, c, last_day) for c in currencies}
        lines = [
            (row, invoice["currency"])
            for invoice in mine
            for row in data.provider_invoice_lines
            if row["invoice_id"] == invoice["invoice_id"]
        ]
        modeled = sum((r.monthly_cost for r in own), Fraction(0))
        original = sum((exact(row["amount"]) for row, _ in lines), Fraction(0)) if len(currencies) == 1 else None
        single_rate = rates[currencies[0]] if len(currencies) == 1 else None
        if any(c != REPORTING_CURRENCY and rates[c] is None for c in currencies):
            results.append(
                Reconciliation(
                    provider=provider,
                    month=month,
                    currency=",".join(currencies),
                    invoiced_original=original,
                    fx_rate=None,
                    modeled=modeled,
                    invoiced=None,
                    rate_drift=None,
                    quantity_drift=None,
                    unmatched=None,
                    unmatched_lines=0,
                    scale_factor=None,
                    flagged=True,
                    flag_reason="no_rate",
                )
            )
            continue
        invoiced = rate = quantity = unmatched = Fraction(0)
        unmatched_lines = 0
        matched: set[tuple[str, Any]] = set()
        for line, currency in lines:
            amount = exact(line["amount"])
            if currency != REPORTING_CURRENCY:
                amount = Fraction(round_cents(amount * exact(rates[currency])))
            invoiced += amount
            candidates = by_reference.get(str(line["resource_ref"]), [])
            if not candidates:
                unmatched += amount
                unmatched_lines += 1
                continue
            resource = candidates[0]
            matched.add((resource.kind, resource.resource_id))
            q_i = exact(line["quantity"])
            q_m, p_m = Fraction(resource.active_days, resource.days), resource.approximate_cost
            rate += amount - p_m * q_i
            quantity += (q_i - q_m) * p_m
        for resource in own:
            if (resource.kind, resource.resource_id) not in matched:
                quantity -= resource.monthly_cost
        reason = None
        if unmatched_lines:
            reason = "unmatched_lines"
        elif abs(invoiced - modeled) > tolerance * modeled:
            reason = "beyond_tolerance"
        results.append(
            Reconciliation(
                provider=provider,
                month=month,
                currency=",".join(currencies),
                invoiced_original=original,
                fx_rate=single_rate,
                modeled=modeled,
                invoiced=invoiced,
                rate_drift=rate,
                quantity_drift=quantity,
                unmatched=unmatched,
                unmatched_lines=unmatched_lines,
                scale_factor=None if modeled == 0 else invoiced / modeled,
                flagged=reason is not None,
                flag_reason=reason,
            )
        )
    return results


# ---------------------------------------------------------------------------------------------------- reports


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantHealth:
    """A customer's health in the reports (recognized revenue) with its reason codes."""

    tenant_id: Any
    status: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyMetrics:
    """The executive summary's key metrics of a month: the customers' recognized revenue against the portfolio's
    cost, the modeled cost of the month (every resource's monthly cost plus the pools' overhead, each cost kind
    rounded to the cent), and the bridge from the customers' margin to the company's: idle capacity, warm-up
    investment and the platform's own resources are the lines charged to platform operators, unallocated is the
    modeled cost no line carries. Revenue at risk is the sum of the customers' bounded shares."""

    tenants: int
    revenue: Decimal
    deferred_revenue: Decimal
    infrastructure_cost: Decimal
    email_service_cost: Decimal
    cost: Decimal
    profit: Decimal
    gross_margin_ratio: Fraction | None
    customers_cost: Decimal
    customers_profit: Decimal
    idle_capacity: Decimal
    warmup_investment: Decimal
    platform_resources: Decimal
    unallocated: Decimal
    emails_sent: int
    emails_delivered: int
    cost_per_1000_delivered: Fraction | None
    revenue_at_risk: Decimal
    unprofitable_tenants: int
    overall_health: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportFigures:
    """A customer's month as the reports show it: every ratio on recognized revenue, and its reason codes."""

    tenant_id: Any
    recognized_revenue: Decimal
    total_cost: Decimal
    profit: Decimal
    gross_margin_ratio: Fraction | None
    cost_efficiency_score: Fraction
    business_efficiency_ratio: Fraction | None
    business_health_status: str
    margin_not_applicable_reason: str | None
    bounce_rate: Fraction | None
    spam_rate: Fraction | None
    business_risk_level: str
    below_min_volume: bool
    estimated_revenue_loss: Fraction
    revenue_at_risk: Decimal
    potential_savings: Fraction
    cost_per_email_delivered: Fraction | None
    cost_per_1000_delivered: Fraction | None
    dedicated_capacity: int
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Thresholds:
    margin_target: Fraction = Fraction(30, 100)
    minimum_volume: int = 1000
    bounce_near: Fraction = Fraction(4, 100)
    bounce_over: Fraction = Fraction(5, 100)
    complaints_near: Fraction = Fraction(8, 10000)
    complaints_over: Fraction = Fraction(1, 1000)
    idle_below: Fraction = Fraction(20, 100)


def tenant_health(row: TenantMonth, thresholds: Thresholds = Thresholds()) -> TenantHealth:
    revenue, cost = Fraction(row.recognized_revenue), Fraction(row.total_cost)
    reasons = []
    margin = gross_margin_ratio(revenue, cost)
    exemption = margin_exemption(row, thresholds.minimum_volume)
    if exemption not in NO_REVENUE_BY_DESIGN:  # the free tier's and trials' cost is no margin problem
        if (margin is not None and margin < thresholds.margin_target) or (revenue == 0 and cost > 0):
            reasons.append("margin_below_target")
        if cost > revenue:
            reasons.append("unprofitable")
    if exemption is None and revenue <= 0:  # a paid plan where margin applies brought nothing
        reasons.append("no_revenue")
    if row.emails_sent >= thresholds.minimum_volume:
        bounce = Fraction(row.emails_bounced, row.emails_sent)
        if bounce > thresholds.bounce_over:
            reasons.append("bounce_over_limit")
        elif bounce > thresholds.bounce_near:
            reasons.append("bounce_near_limit")
        spam = per(row.spam_complaints, row.emails_delivered)
        if spam is not None and spam > thresholds.complaints_over:
            reasons.append("complaints_over_limit")
        elif spam is not None and spam > thresholds.complaints_near:
            reasons.append("complaints_near_limit")
    if row.dedicated_capacity > 0 and Fraction(row.emails_sent, row.dedicated_capacity) < thresholds.idle_below:
        reasons.append("idle_dedicated_capacity")
    status = health_status(revenue, cost, exemption)
    return TenantHealth(tenant_id=row.tenant_id, status=status, reasons=tuple(reasons))


def report_figures(row: TenantMonth, thresholds: Thresholds = Thresholds()) -> ReportFigures:
    revenue, cost = Fraction(row.recognized_revenue), Fraction(row.total_cost)
    ratio = gross_margin_ratio(revenue, cost)
    return ReportFigures(
        tenant_id=row.tenant_id,
        recognized_revenue=row.recognized_revenue,
        total_cost=row.total_cost,
        profit=row.recognized_revenue - row.total_cost,
        gross_margin_ratio=ratio,
        cost_efficiency_score=cost_efficiency_score(ratio),
        business_efficiency_ratio=business_efficiency_ratio(revenue, cost),
        business_health_status=tenant_health(row, thresholds).status,
        margin_not_applicable_reason=margin_exemption(row, thresholds.minimum_volume),
        bounce_rate=per(row.emails_bounced, row.emails_sent),
        spam_rate=per(row.spam_complaints, row.emails_delivered),
        business_risk_level=risk_level(row.emails_sent, row.emails_bounced),
        below_min_volume=row.emails_sent < thresholds.minimum_volume,
        estimated_revenue_loss=estimated_revenue_loss(row.emails_bounced, row.spam_complaints),
        revenue_at_risk=revenue_at_risk(row, thresholds.minimum_volume),
        potential_savings=potential_savings(
            row.emails_sent, row.emails_delivered, row.emails_bounced, row.spam_complaints
        ),
        cost_per_email_delivered=per(cost, row.emails_delivered),
        cost_per_1000_delivered=per(cost * 1000, row.emails_delivered),
        dedicated_capacity=row.dedicated_capacity,
        reasons=tenant_health(row, thresholds).reasons,
    )


def modeled_cost(data: Dataset, month: date) -> dict[str, Decimal]:
    """The month's modeled cost by kind: every resource's monthly cost, plus the pools' overhead for
    infrastructure, each kind rounded to the cent once."""
    exact_cost = {INFRASTRUCTURE: Fraction(0), EMAIL_SERVICE: Fraction(0)}
    for resource in resources(data, month):
        exact_cost[resource.cost_kind] += resource.monthly_cost
    exact_cost[INFRASTRUCTURE] += sum((exact(pool.get("monthly_overhead")) for pool in data.cost_pools), Fraction(0))
    return {kind: round_cents(value) for kind, value in exact_cost.items()}


def key_metrics(
    monthly: Sequence[TenantMonth], data: Dataset, month: date, lines: Sequence[Line], minimum_volume: int = 1000
) -> KeyMetrics:
    revenue = sum((Fraction(row.recognized_revenue) for row in monthly), Fraction(0))
    customers_cost = sum((Fraction(row.total_cost) for row in monthly), Fraction(0))
    operators = {row["id"] for row in data.companies if is_operator(row)}
    platform = [line for line in lines if line.tenant_id in operators]

    def charged(*categories: str, other: bool = False) -> Fraction:
        return sum((Fraction(line.amount) for line in platform if (line.category in categories) != other), Fraction(0))

    idle = charged("idle_capacity")
    warmup = charged("warmup_investment")
    own = charged("idle_capacity", "warmup_investment", other=True)
    modeled = modeled_cost(data, month)
    cost = Fraction(modeled[INFRASTRUCTURE] + modeled[EMAIL_SERVICE])
    delivered = sum(row.emails_delivered for row in monthly)
    return KeyMetrics(
        tenants=len(monthly),
        revenue=round_cents(revenue),
        deferred_revenue=sum((row.deferred_revenue for row in monthly), Decimal("0.00")),
        infrastructure_cost=modeled[INFRASTRUCTURE],
        email_service_cost=modeled[EMAIL_SERVICE],
        cost=round_cents(cost),
        profit=round_cents(revenue - cost),
        gross_margin_ratio=gross_margin_ratio(revenue, cost),
        customers_cost=round_cents(customers_cost),
        customers_profit=round_cents(revenue - customers_cost),
        idle_capacity=round_cents(idle),
        warmup_investment=round_cents(warmup),
        platform_resources=round_cents(own),
        unallocated=round_cents(cost - customers_cost - idle - warmup - own),
        emails_sent=sum(row.emails_sent for row in monthly),
        emails_delivered=delivered,
        cost_per_1000_delivered=per(cost * 1000, delivered),
        revenue_at_risk=sum((revenue_at_risk(row, minimum_volume) for row in monthly), Decimal("0.00")),
        unprofitable_tenants=sum(
            1
            for row in monthly
            if row.total_cost > row.recognized_revenue
            and margin_exemption(row, minimum_volume) not in NO_REVENUE_BY_DESIGN
        ),
        overall_health=health_status(revenue, cost),
    )


# ---------------------------------------------------------------------------------------------------- everything


@dataclass(frozen=True, slots=True, kw_only=True)
class MonthFigures:
    """Everything the definitions page defines for one month."""

    month: date
    lines: tuple[Line, ...]
    units: tuple[Unit, ...]
    tenants: tuple[TenantMonth, ...]
    reconciliation: tuple[Reconciliation, ...]


def compute_month(data: Dataset, month: date) -> MonthFigures:
    month = month_start(month)
    units = allocation_units(data, month)
    lines = dedicated_lines(data, month) + shared_warmup_lines(data, month)
    lines += [line for unit in units for line in unit.lines]
    return MonthFigures(
        month=month,
        lines=tuple(lines),
        units=tuple(units),
        tenants=tuple(tenant_monthly(data, month, lines)),
        reconciliation=tuple(reconciliation(data, month)),
    )


# ---------------------------------------------------------------------------------------------------- executive metrics


RESPONSE_TARGET = timedelta(hours=2)  # a loss resolved within it of its detection (exactly 2 h included) is protected
OPEN_RECOMMENDATION = frozenset({"recommended", "accepted"})
URGENT = frozenset({"high", "critical"})


@dataclass(frozen=True, slots=True, kw_only=True)
class KpiTarget:
    """One of the plan's KPI targets: ``above`` / ``between`` (its lower end) / ``below``, its weight in the score."""

    target: Fraction
    target_max: Fraction | None
    direction: str
    weight: int


KPI_TARGETS = {
    "revenue_protection_rate": KpiTarget(target=Fraction(95, 100), target_max=None, direction="above", weight=25),
    "optimization_savings_rate": KpiTarget(
        target=Fraction(10, 100), target_max=Fraction(15, 100), direction="between", weight=20
    ),
    "efficiency_score": KpiTarget(target=Fraction(85), target_max=None, direction="above", weight=20),
    "avg_decision_time_hours": KpiTarget(target=Fraction(48), target_max=None, direction="below", weight=15),
    "gross_margin_ratio": KpiTarget(target=Fraction(70, 100), target_max=None, direction="above", weight=20),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ExecutiveMetrics:
    """A customer's (or the portfolio's) executive metrics of a month; ratios, hours and the score exact."""

    revenue_at_risk: Decimal
    revenue_risk_score: Fraction
    revenue_protection_rate: Fraction | None
    optimization_savings_potential: Decimal
    optimization_savings_realized: Decimal
    optimization_actions_taken: int
    optimization_savings_rate: Fraction | None
    efficiency_score: Fraction | None
    efficiency_trend: Fraction | None
    avg_decision_time_hours: Fraction | None
    strategic_decisions_made: int
    gross_margin_ratio: Fraction | None
    business_performance_score: Fraction | None  # exact: the SQL rounds it to 2 decimals
    open_recommendations: int
    open_urgent_losses: int

    @property
    def priority_actions_required(self) -> int:
        return self.open_recommendations + self.open_urgent_losses


def attainment(kpi: str, actual: Fraction | None) -> Fraction | None:
    """0 to 1: actual / target clamped (above, or a range's lower end), target / actual for a KPI to be below."""
    if actual is None:
        return None
    goal = KPI_TARGETS[kpi]
    if goal.direction == "below":
        return Fraction(1) if actual <= goal.target else goal.target / actual
    return min(Fraction(1), max(Fraction(0), actual / goal.target))


def performance_score(actuals: Mapping[str, Fraction | None]) -> Fraction | None:
    """100 x the weighted attainment of the KPIs with an actual, the missing ones re-weighted; None without any."""
    parts = [(KPI_TARGETS[kpi].weight, attainment(kpi, actual)) for kpi, actual in actuals.items()]
    present = [(weight, part) for weight, part in parts if part is not None]
    if not present:
        return None
    return 100 * sum((weight * part for weight, part in present), Fraction(0)) / sum(weight for weight, _ in present)


def risk_score(at_risk: Fraction, revenue: Fraction) -> Fraction:
    if at_risk <= 0:
        return Fraction(0)
    if revenue <= 0:
        return Fraction(100)
    return min(Fraction(100), 100 * at_risk / revenue)


def in_utc_month(moment: datetime | None, month: date) -> bool:
    return moment is not None and in_month(moment, month)


def previous_month(month: date) -> date:
    return month_start(month - timedelta(days=1))


def _events_of(rows: Iterable[Row], tenants: set[Any] | None) -> list[Row]:
    """The rows of one customer (``tenants`` = {its id}) or of everyone (None: the portfolio)."""
    return [row for row in rows if tenants is None or row["tenant_id"] in tenants]


def _executive(
    data: Dataset,
    month: date,
    tenants: set[Any] | None,
    revenue: Fraction,
    cost: Fraction,
    margin: Fraction | None,
    efficiency: Callable[[date], Fraction | None],
) -> ExecutiveMetrics:
    impacts = [row for row in _events_of(data.revenue_impacts, tenants) if row["month"] == month]
    losses = [row for row in impacts if row["amount"] < 0]
    at_risk = sum((-exact(row["amount"]) for row in losses if row["resolved_at"] is None), Fraction(0))
    protected = sum(
        (
            -exact(row["amount"])
            for row in losses
            if row["resolved_at"] is not None and row["resolved_at"] - row["detected_at"] <= RESPONSE_TARGET
        ),
        Fraction(0),
    )
    lost = sum((-exact(row["amount"]) for row in losses), Fraction(0))
    optimizations = _events_of(data.cost_optimizations, tenants)
    mine = {row["optimization_id"] for row in optimizations}
    of_month = [row for row in optimizations if row["month"] == month]
    open_ones = [row for row in of_month if row["status"] in OPEN_RECOMMENDATION]
    results = [
        row for row in data.cost_optimization_results if row["optimization_id"] in mine and row["month"] == month
    ]
    realized = sum((exact(row["realized"]) for row in results), Fraction(0))
    decided = [row for row in _events_of(data.strategic_decisions, tenants) if in_utc_month(row["decided_at"], month)]
    hours = [
        Fraction((row["decided_at"] - row["opened_at"]) // timedelta(microseconds=1), 3_600_000_000) for row in decided
    ]
    now, before = efficiency(month), efficiency(previous_month(month))
    savings_rate = realized / cost if cost > 0 and (of_month or results) else None
    protection = protected / lost if lost else None
    average = sum(hours, Fraction(0)) / len(hours) if hours else None
    return ExecutiveMetrics(
        revenue_at_risk=round_cents(at_risk),
        revenue_risk_score=risk_score(at_risk, revenue),
        revenue_protection_rate=protection,
        optimization_savings_potential=round_cents(
            sum((exact(row["expected_savings"]) for row in open_ones), Fraction(0))
        ),
        optimization_savings_realized=round_cents(realized),
        optimization_actions_taken=sum(1 for row in optimizations if in_utc_month(row["done_at"], month)),
        optimization_savings_rate=savings_rate,
        efficiency_score=now,
        efficiency_trend=None if now is None or before is None else now - before,
        avg_decision_time_hours=average,
        strategic_decisions_made=len(decided),
        gross_margin_ratio=margin,
        business_performance_score=performance_score(
            {
                "revenue_protection_rate": protection,
                "optimization_savings_rate": savings_rate,
                "efficiency_score": now,
                "avg_decision_time_hours": average,
                "gross_margin_ratio": margin,
            }
        ),
        open_recommendations=len(open_ones),
        open_urgent_losses=sum(1 for row in losses if row["resolved_at"] is None and row["urgency"] in URGENT),
    )


def executive_metrics(data: Dataset, row: TenantMonth) -> ExecutiveMetrics:
    """``bi_executive_metrics`` of one customer's month: its events against its recognized revenue and cost."""
    revenue, cost = Fraction(row.recognized_revenue), Fraction(row.total_cost)

    def score(month: date) -> Fraction | None:
        found = [r for r in data.efficiency_metrics if r["tenant_id"] == row.tenant_id and r["month"] == month]
        return None if not found or found[0]["score"] is None else exact(found[0]["score"])

    margin = (revenue - cost) / revenue if revenue > 0 else None
    return _executive(data, row.month, {row.tenant_id}, revenue, cost, margin, score)


def portfolio_executive_metrics(
    data: Dataset, month: date, revenue: Fraction, customers_cost: Fraction, cost: Fraction
) -> ExecutiveMetrics:
    """The portfolio's executive metrics: every row of the month (customers' and the platform's), the customers'
    revenue, the portfolio cost for the savings rate, the customers' margin, the capacity-weighted efficiency."""

    def score(of: date) -> Fraction | None:
        rows = [r for r in data.efficiency_metrics if r["month"] == of and r["score"] is not None and r["capacity"] > 0]
        capacity = sum((exact(r["capacity"]) for r in rows), Fraction(0))
        if not capacity:
            return None
        weighted = sum((exact(r["score"]) * exact(r["capacity"]) for r in rows), Fraction(0)) / capacity
        return Fraction(round_cents(weighted))

    margin = (revenue - customers_cost) / revenue if revenue > 0 else None
    return _executive(data, month, None, revenue, cost, margin, score)
