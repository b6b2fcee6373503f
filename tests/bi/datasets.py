"""Datasets for the unit-economics correctness suite: a row builder, the explicit examples, hypothesis strategies.

Rows are plain dicts keyed by column name, the shape ``SELECT *`` returns, so the same dataset feeds the
reference directly (tests/bi/test_reference.py) and is inserted into PostgreSQL for the SQL side
(tests/bi/test_correctness.py). Every row respects the CHECK and FOREIGN KEY constraints of the modules.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from tests.bi.reference import Dataset, next_month

Row = dict[str, Any]

MONTH = date(2026, 9, 1)  # 30 days; the suite's reporting month
PREVIOUS = date(2026, 8, 1)  # 31 days
BEFORE = datetime(2026, 7, 15, tzinfo=UTC)  # resources created before both months


def at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def money(value: str | int | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@dataclass
class Builder:
    """Accumulates valid rows; ids are deterministic UUIDs so tie-breaks by tenant_id are predictable."""

    seed: int = 0
    counter: int = 0
    tables: dict[str, list[Row]] = field(default_factory=lambda: {name: [] for name in Dataset.__dataclass_fields__})

    def new_id(self) -> uuid.UUID:
        self.counter += 1
        return uuid.UUID(int=(self.seed << 64) | self.counter)

    def add(self, table: str, row: Row) -> Row:
        self.tables[table].append(row)
        return row

    def dataset(self) -> Dataset:
        return Dataset(**{name: tuple(rows) for name, rows in self.tables.items()})

    # -- core and billing

    def company(self, name: str, *, operator: bool = False) -> uuid.UUID:
        company_id = self.new_id()
        slug = f"{name.lower().replace(' ', '-')[:40]}-{self.counter}"
        self.add(
            "companies",
            {"id": company_id, "name": name, "slug": slug, "status": "active", "is_platform_operator": operator},
        )
        return company_id

    def plan(self, name: str, price: str | int) -> uuid.UUID:
        plan_id = self.new_id()
        self.add(
            "plans",
            {"plan_id": plan_id, "name": f"{name} {self.counter}", "price_monthly": money(price), "currency": "USD"},
        )
        return plan_id

    def subscription(
        self, tenant: uuid.UUID, plan: uuid.UUID, *, status: str = "active", start: date = PREVIOUS
    ) -> uuid.UUID:
        subscription_id = self.new_id()
        begin = at(start, 0)
        self.add(
            "subscriptions",
            {
                "tenant_id": tenant,
                "subscription_id": subscription_id,
                "plan_id": plan,
                "status": status,
                "current_period_start": begin,
                "current_period_end": begin + timedelta(days=30),
                "canceled_at": begin + timedelta(days=1) if status == "canceled" else None,
            },
        )
        return subscription_id

    def payment(
        self, tenant: uuid.UUID, subscription: uuid.UUID, amount: str | int, *, day: date, status: str = "succeeded"
    ) -> uuid.UUID:
        payment_id = self.new_id()
        self.add(
            "payments",
            {
                "tenant_id": tenant,
                "payment_id": payment_id,
                "subscription_id": subscription,
                "amount": money(amount),
                "currency": "USD",
                "status": status,
                "billing_period_start": at(day, 0),
                "billing_period_end": at(day, 0) + timedelta(days=30),
                "paid_at": at(day) if status in ("succeeded", "refunded") else None,
            },
        )
        return payment_id

    def transaction(
        self,
        tenant: uuid.UUID,
        kind: str,
        amount: str | int,
        *,
        occurred: datetime,
        payment: uuid.UUID | None = None,
        currency: str = "USD",
    ) -> uuid.UUID:
        transaction_id = self.new_id()
        self.add(
            "billing_transactions",
            {
                "tenant_id": tenant,
                "transaction_id": transaction_id,
                "payment_id": payment,
                "kind": kind,
                "amount": money(amount),
                "currency": currency,
                "occurred_at": occurred,
            },
        )
        return transaction_id

    # -- infrastructure

    def server(
        self,
        tenant: uuid.UUID,
        cost: str | int,
        *,
        tenancy: str = "dedicated",
        status: str = "active",
        provider: str = "hetzner",
        capacity: int = 1000,
        created: datetime = BEFORE,
        pool: uuid.UUID | None = None,
    ) -> uuid.UUID:
        server_id = self.new_id()
        self.add(
            "vps_instances",
            {
                "tenant_id": tenant,
                "vps_instance_id": server_id,
                "hostname": f"mx{self.counter}.example.net",
                "tenancy": tenancy,
                "status": status,
                "provider": provider,
                "region": "eu-central",
                "capacity_emails_per_hour": capacity,
                "created_at": created,
                "approximate_cost": money(cost),
                "cost_pool_id": pool,
            },
        )
        return server_id

    def address(
        self,
        tenant: uuid.UUID,
        server: uuid.UUID,
        cost: str | int,
        *,
        status: str = "warmed",
        created: datetime = BEFORE,
    ) -> uuid.UUID:
        ip_id = self.new_id()
        self.add(
            "smtp_ip_addresses",
            {
                "tenant_id": tenant,
                "ip_id": ip_id,
                "vps_instance_id": server,
                "ip": f"10.{(self.counter >> 16) & 255}.{(self.counter >> 8) & 255}.{self.counter & 255}",
                "status": status,
                "warmup_started_at": created if status in ("warming", "warmed") else None,
                "created_at": created,
                "approximate_cost": money(cost),
            },
        )
        return ip_id

    def sending(
        self,
        tenant: uuid.UUID,
        day: date,
        sent: int,
        delivered: int,
        *,
        hard: int = 0,
        soft: int = 0,
        complaints: int = 0,
    ) -> None:
        self.add(
            "deliverability_daily",
            {
                "tenant_id": tenant,
                "day": day,
                "sent": sent,
                "delivered": delivered,
                "bounced_hard": hard,
                "bounced_soft": soft,
                "spam_complaints": complaints,
                "blocked": 0,
            },
        )

    # -- cost tracking

    def pool(
        self,
        rule: str = "even",
        *,
        driver: str | None = None,
        fallback: str | None = None,
        overhead: str | int = 0,
        effective: date = PREVIOUS,
    ) -> uuid.UUID:
        pool_id = self.new_id()
        self.add(
            "cost_pools", {"pool_id": pool_id, "name": f"pool {self.counter}", "monthly_overhead": money(overhead)}
        )
        self.rule(pool_id, rule, driver=driver, fallback=fallback, effective=effective)
        return pool_id

    def rule(
        self,
        pool: uuid.UUID,
        rule: str,
        *,
        driver: str | None = None,
        fallback: str | None = None,
        effective: date = PREVIOUS,
    ) -> None:
        if rule == "usage_driver" and driver is None:
            driver = "emails_delivered"
        self.add(
            "allocation_rules",
            {"pool_id": pool, "effective_from": effective, "rule": rule, "driver": driver, "fallback": fallback},
        )

    def member(self, pool: uuid.UUID, tenant: uuid.UUID, weight: str | int = 1) -> None:
        self.add("cost_pool_members", {"pool_id": pool, "tenant_id": tenant, "weight": Decimal(str(weight))})

    def invoice(self, provider: str, month: date, lines: list[tuple[str, str, str]]) -> uuid.UUID:
        """``lines`` are (resource reference, quantity, unit price); amount = quantity x price, total = sum."""
        invoice_id = self.new_id()
        total = Decimal(0)
        for reference, quantity, price in lines:
            amount = money(Decimal(quantity) * Decimal(price))
            total += amount
            self.add(
                "provider_invoice_lines",
                {
                    "invoice_id": invoice_id,
                    "line_id": self.new_id(),
                    "resource_ref": reference,
                    "quantity": Decimal(quantity),
                    "unit_price": Decimal(price),
                    "amount": amount,
                },
            )
        self.add("provider_invoices", {"invoice_id": invoice_id, "provider": provider, "month": month, "total": total})
        return invoice_id

    def hostname(self, server: uuid.UUID) -> str:
        return str(next(row["hostname"] for row in self.tables["vps_instances"] if row["vps_instance_id"] == server))

    def ip_of(self, address: uuid.UUID) -> str:
        return str(next(row["ip"] for row in self.tables["smtp_ip_addresses"] if row["ip_id"] == address))


def month_days(month: date) -> list[date]:
    days, day = [], month
    while day < next_month(month):
        days.append(day)
        day += timedelta(days=1)
    return days
