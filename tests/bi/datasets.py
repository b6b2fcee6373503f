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

from hypothesis import strategies as st
from psycopg import sql

from tenantdb.db import Session
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

    def plan(self, name: str, price: str | int, currency: str = "USD") -> uuid.UUID:
        plan_id = self.new_id()
        self.add(
            "plans",
            {"plan_id": plan_id, "name": f"{name} {self.counter}", "price_monthly": money(price), "currency": currency},
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
        self,
        tenant: uuid.UUID,
        subscription: uuid.UUID,
        amount: str | int,
        *,
        day: date,
        status: str = "succeeded",
        period: tuple[datetime, datetime] | None = None,
    ) -> uuid.UUID:
        """A payment for ``period`` (by default the calendar month of ``day``, as the demo bills)."""
        payment_id = self.new_id()
        start, end = period or (at(day.replace(day=1), 0), at(next_month(day.replace(day=1)), 0))
        self.add(
            "payments",
            {
                "tenant_id": tenant,
                "payment_id": payment_id,
                "subscription_id": subscription,
                "amount": money(amount),
                "currency": "USD",
                "status": status,
                "billing_period_start": start,
                "billing_period_end": end,
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
        period: tuple[date, date] | None = None,
    ) -> uuid.UUID:
        """A ledger entry; ``period`` is its service period ``[start, end)`` in UTC days."""
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
                "service_period_start": period[0] if period else None,
                "service_period_end": period[1] if period else None,
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
        fallback: str = "even",
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
        fallback: str = "even",
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

    def invoice(
        self, provider: str, month: date, lines: list[tuple[str, str, str]], *, currency: str = "USD"
    ) -> uuid.UUID:
        """``lines`` are (resource reference, quantity, unit price); amount = quantity x price, total = sum."""
        invoice_id = self.new_id()
        total = Decimal(0)
        for line_no, (reference, quantity, price) in enumerate(lines, start=1):
            amount = money(Decimal(quantity) * Decimal(price))
            total += amount
            self.add(
                "provider_invoice_lines",
                {
                    "invoice_id": invoice_id,
                    "line_no": line_no,
                    "resource_ref": reference,
                    "quantity": Decimal(quantity),
                    "unit_price": Decimal(price),
                    "amount": amount,
                },
            )
        self.add(
            "provider_invoices",
            {
                "invoice_id": invoice_id,
                "provider": provider,
                "month": month,
                "invoice_number": f"INV-{self.counter}",
                "total": total,
                "currency": currency,
            },
        )
        return invoice_id

    def rate(self, day: date, base: str, value: str, quote: str = "USD") -> None:
        """An exchange rate: on ``day`` one ``base`` is ``value`` ``quote``."""
        self.add(
            "fx_rates",
            {"rate_date": day, "base_currency": base, "quote_currency": quote, "rate": Decimal(value)},
        )

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


# ---------------------------------------------------------------------------------------------------- database

INSERT_ORDER = (
    "companies",
    "plans",
    "subscriptions",
    "payments",
    "billing_transactions",
    "cost_pools",
    "allocation_rules",
    "cost_pool_members",
    "vps_instances",
    "smtp_ip_addresses",
    "deliverability_daily",
    "provider_invoices",
    "provider_invoice_lines",
    "fx_rates",
)


def insert(session: Session, data: Dataset) -> None:
    """Insert every row of the dataset, one multi-row INSERT per table, in one transaction."""
    with session.transaction():
        for table in INSERT_ORDER:
            rows: tuple[Row, ...] = getattr(data, table)
            if not rows:
                continue
            columns = list(rows[0])
            row_values = sql.SQL("({})").format(sql.SQL(", ").join(sql.Placeholder() * len(columns)))
            statement = sql.SQL("INSERT INTO {} ({}) VALUES {}").format(
                sql.Identifier(table),
                sql.SQL(", ").join(map(sql.Identifier, columns)),
                sql.SQL(", ").join([row_values] * len(rows)),
            )
            session.execute(statement, [row[column] for row in rows for column in columns])


def read_back(session: Session) -> Dataset:
    """The base tables as ``SELECT *`` returns them: what the reference computes from."""
    tables = {}
    for table in INSERT_ORDER:
        columns, rows = session.fetch_named(sql.SQL("SELECT * FROM {}").format(sql.Identifier(table)))
        tables[table] = tuple(dict(zip(columns, row, strict=True)) for row in rows)
    return Dataset(**tables)


def clear(session: Session, extra: tuple[str, ...] = ()) -> None:
    """Empty the base tables (and ``extra`` ones, e.g. the rollups) between hypothesis examples."""
    present = [
        table
        for table in (*INSERT_ORDER, *extra)
        if session.fetch_value("SELECT to_regclass(%s) IS NOT NULL", (table,))
    ]
    session.execute(sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, present))))


# ---------------------------------------------------------------------------------------------------- strategies

PROVIDERS = ("hetzner", "ovh", "aws")
SERVER_STATUSES = ("provisioning", "active", "active", "draining", "retired")
IP_STATUSES = ("available", "warming", "warmed", "warmed", "burned", "retired")
CREATED = (
    BEFORE,
    at(date(2026, 8, 20)),  # mid-August
    at(date(2026, 9, 1), 0),  # the first second of September
    at(date(2026, 9, 16), 23),  # mid-September, late in the day
    at(date(2026, 9, 30)),  # the last day
    at(date(2026, 10, 3)),  # after both months
)
OCCURRED = (
    at(date(2026, 8, 5)),
    at(date(2026, 9, 1), 0),
    at(date(2026, 9, 14)),
    datetime(2026, 9, 30, 23, 59, 59, tzinfo=UTC),
    datetime(2026, 10, 1, tzinfo=UTC),
)
SEND_DAYS = (date(2026, 8, 3), date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 15), date(2026, 9, 30))
# Service periods of ledger entries [start, end): none (recognized when dated), a month, a yearly prepayment, a
# proration across a month's end, a refund of an earlier month, a single day, a period before both months.
SERVICE_PERIODS = (
    None,
    None,
    (date(2026, 9, 1), date(2026, 10, 1)),
    (date(2026, 8, 1), date(2027, 8, 1)),
    (date(2026, 8, 16), date(2026, 9, 16)),
    (date(2026, 8, 1), date(2026, 9, 1)),
    (date(2026, 9, 30), date(2026, 10, 1)),
    (date(2026, 7, 1), date(2026, 8, 1)),
)
# Exchange rates to USD: days around the months' ends and entries' dates, values with up to 4 decimals.
RATE_DAYS = (date(2026, 7, 31), date(2026, 8, 5), date(2026, 8, 31), date(2026, 9, 14), date(2026, 9, 30))
RATES = ("1.1", "1.0837", "0.9", "1.2719")
# Billing periods of payments (None: the calendar month of the payment), which their ledger entries inherit.
PAYMENT_PERIODS = (
    None,
    None,
    (at(date(2026, 8, 3), 0), at(date(2026, 9, 2), 0)),  # 30 days across a month's end
    (at(date(2026, 8, 1), 0), at(date(2027, 8, 1), 0)),  # a year
    (at(date(2026, 9, 1), 6), at(date(2026, 9, 1), 18)),  # less than a day: its first day
)

CAPACITIES = st.sampled_from((1, 7, 40, 150, 1000))  # K = capacity x 24 x days: 720 to 744,000 e-mails a month
costs = st.sampled_from(["0", "0.01", "3.33", "5", "7.77", "19.99", "150", "333.33", "1234.56"])


@st.composite
def sending_day(draw: st.DrawFn) -> tuple[int, int, int, int, int]:
    """(sent, delivered, hard, soft, complaints) within deliverability_daily's CHECKs: zero volume, random
    volume, and days exactly on the page's thresholds (bounce 4%/5%/10%, complaints 0.08%/0.1%)."""
    if draw(st.booleans()):
        sent = 10_000
        bounced = draw(st.sampled_from((200, 400, 401, 500, 501, 1000, 1001)))
        delivered = sent - bounced
        complaints = draw(st.sampled_from((0, delivered * 8 // 10_000, delivered * 9 // 10_000, delivered // 1000)))
        hard = draw(st.integers(0, bounced))
        return sent, delivered, hard, bounced - hard, complaints
    sent = draw(st.one_of(st.just(0), st.integers(1, 60), st.integers(500, 40_000)))
    delivered = draw(st.integers(0, sent))
    hard = draw(st.integers(0, sent - delivered))
    soft = draw(st.integers(0, sent - delivered - hard))
    complaints = draw(st.one_of(st.just(0), st.integers(0, min(delivered, max(1, delivered // 500)))))
    return sent, delivered, hard, soft, complaints


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    """A random valid dataset over August and September 2026 exercising every definition on the page."""
    builder = Builder(seed=draw(st.integers(0, 2**16)))
    operator = builder.company("Platform", operator=True)
    customers = [builder.company(f"Customer {n}") for n in range(draw(st.integers(1, 6)))]
    priced_in = draw(st.sampled_from(("USD", "EUR")))  # a plan priced in euros is converted like every amount
    plans = [
        builder.plan(name, price, currency)
        for name, price, currency in (("Basic", "0", "USD"), ("Pro", "99.00", "USD"), ("Scale", "1499.99", priced_in))
    ]
    for tenant in customers:
        customer(draw, builder, tenant, plans)
    for _ in range(draw(st.integers(0, 3))):
        shared_pool_of(draw, builder, operator, customers)
    for provider in PROVIDERS:
        for month in draw(st.sets(st.sampled_from((PREVIOUS, MONTH)))):
            invoice_of(draw, builder, provider, month)
    for currency in ("EUR", "GBP"):  # some rates, on some days; sometimes none (amounts flagged, never summed)
        for day in draw(st.sets(st.sampled_from(RATE_DAYS), max_size=3)):
            builder.rate(day, currency, draw(st.sampled_from(RATES)))
    return builder.dataset()


def customer(draw: st.DrawFn, builder: Builder, tenant: uuid.UUID, plans: list[uuid.UUID]) -> None:
    subscriptions = []
    starts = draw(st.lists(st.sampled_from(SEND_DAYS), max_size=3, unique=True))
    for start in starts:
        status = draw(st.sampled_from(("active", "trialing", "past_due", "canceled", "paused")))
        subscriptions.append(builder.subscription(tenant, draw(st.sampled_from(plans)), status=status, start=start))
    for subscription in subscriptions:
        for _ in range(draw(st.integers(0, 2))):
            day = draw(st.sampled_from(SEND_DAYS))
            amount = draw(st.sampled_from(("1000.00", "49.50", "0.00", "6000.00")))
            status = draw(st.sampled_from(("succeeded", "refunded", "failed", "pending")))
            period = draw(st.sampled_from(PAYMENT_PERIODS))
            paid = builder.payment(tenant, subscription, amount, day=day, status=status, period=period)
            if status in ("succeeded", "refunded") and amount != "0.00":
                settled = draw(st.sampled_from((at(day), at(day), at(date(2026, 10, 2)))))  # some settle late
                builder.transaction(tenant, "charge", amount, occurred=settled, payment=paid)
                if status == "refunded":
                    builder.transaction(tenant, "refund", "-" + amount, occurred=at(day, 18), payment=paid)
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(("charge", "credit", "adjustment", "adjustment")))
        amount = draw(st.sampled_from(("12.34", "0.01", "250.00", "300.00", "225.00", "150.00", "6000.00")))
        signed = "-" + amount if kind == "credit" or (kind == "adjustment" and draw(st.booleans())) else amount
        currency = draw(st.sampled_from(("USD", "USD", "USD", "EUR", "GBP")))
        service = draw(st.sampled_from(SERVICE_PERIODS))
        builder.transaction(
            tenant, kind, signed, occurred=draw(st.sampled_from(OCCURRED)), currency=currency, period=service
        )
    for _ in range(draw(st.integers(0, 3))):
        server = builder.server(
            tenant,
            draw(costs),
            status=draw(st.sampled_from(SERVER_STATUSES)),
            provider=draw(st.sampled_from(PROVIDERS)),
            capacity=draw(CAPACITIES),
            created=draw(st.sampled_from(CREATED)),
        )
        addresses_of(draw, builder, tenant, server)
    for day in draw(st.lists(st.sampled_from(SEND_DAYS), max_size=4, unique=True)):
        sent, delivered, hard, soft, complaints = draw(sending_day())
        builder.sending(tenant, day, sent, delivered, hard=hard, soft=soft, complaints=complaints)


def addresses_of(draw: st.DrawFn, builder: Builder, tenant: uuid.UUID, server: uuid.UUID) -> None:
    server_row = next(row for row in builder.tables["vps_instances"] if row["vps_instance_id"] == server)
    for _ in range(draw(st.integers(0, 3))):
        status = draw(st.sampled_from(IP_STATUSES))
        if server_row["status"] == "retired" and status in ("available", "warming", "warmed"):
            status = "burned"  # the email_infra verify block: no live address on a retired server
        builder.address(tenant, server, draw(costs), status=status, created=draw(st.sampled_from(CREATED)))


def shared_pool_of(draw: st.DrawFn, builder: Builder, operator: uuid.UUID, customers: list[uuid.UUID]) -> None:
    rule = draw(st.sampled_from(("even", "fixed_weights", "proportional_to_cost", "usage_driver", "usage_driver")))
    driver = draw(st.sampled_from(("emails_delivered", "emails_sent"))) if rule == "usage_driver" else None
    fallback = draw(st.sampled_from(("even", "fixed_weights")))
    overhead = draw(st.sampled_from(("0", "0", "45.00", "99.99")))
    pool = builder.pool(rule, driver=driver, fallback=fallback, overhead=overhead)
    if draw(st.booleans()):  # a new rule from September on
        later = draw(st.sampled_from(("even", "fixed_weights", "proportional_to_cost", "usage_driver")))
        builder.rule(pool, later, driver="emails_sent" if later == "usage_driver" else None, effective=MONTH)
    members = draw(st.lists(st.sampled_from(customers), unique=True, max_size=len(customers))) if customers else []
    weights = [draw(st.sampled_from(("0", "1", "2", "0.5", "3"))) for _ in members]
    if members and all(weight == "0" for weight in weights):
        weights[0] = "1"  # the page does not say what a fallback to all-zero fixed weights gives
    for tenant, weight in zip(members, weights, strict=True):
        builder.member(pool, tenant, weight)
    for _ in range(draw(st.integers(0, 2))):  # none: an overhead-only pool, or a pool of nothing
        server = builder.server(
            operator,
            draw(costs),
            tenancy="shared",
            status=draw(st.sampled_from(SERVER_STATUSES)),
            provider=draw(st.sampled_from(PROVIDERS)),
            capacity=draw(CAPACITIES),
            created=draw(st.sampled_from(CREATED)),
            pool=pool,
        )
        addresses_of(draw, builder, operator, server)


def invoice_of(draw: st.DrawFn, builder: Builder, provider: str, month: date) -> None:
    """Lines for some of the provider's resources with rate and quantity drift, and some unmatched lines."""
    servers = [row for row in builder.tables["vps_instances"] if row["provider"] == provider]
    server_ids = {row["vps_instance_id"] for row in servers}
    references = [(row["hostname"], row["approximate_cost"]) for row in servers]
    references += [
        (str(row["ip"]), row["approximate_cost"])
        for row in builder.tables["smtp_ip_addresses"]
        if row["vps_instance_id"] in server_ids
    ]
    chosen = draw(st.lists(st.sampled_from(references), unique=True)) if references else []
    lines = []
    for reference, cost in chosen:
        quantity = draw(st.sampled_from(("1", "1", "0.5", "0.25", "2", "0")))
        price = max(Decimal(0), cost + draw(st.sampled_from((Decimal(0), Decimal(0), Decimal(4), Decimal("-0.04")))))
        if Decimal(quantity) * price != money(Decimal(quantity) * price):
            quantity = "1"  # keep quantity x price in whole cents, so the drift identity is exact
        lines.append((reference, quantity, str(price)))
    for n in range(draw(st.integers(0, 2))):
        lines.append((f"unknown-{n}.{provider}.example", "1", draw(st.sampled_from(("12.00", "0.00")))))
    builder.invoice(provider, month, lines, currency=draw(st.sampled_from(("USD", "USD", "EUR"))))


# ---------------------------------------------------------------------------------------------------- examples


def example_tenants_abc() -> Dataset:
    """Issue 6's examples: A has 3 servers at $150 in a fleet of 20 ($450, not the fleet's total); B has a
    $1,000 payment next to 6 IPs and several billing rows ($1,000 revenue, not a multiple); C's payments are never
    cost (its cost is its share of a usage-driven pool with B, whose idle capacity goes to the operator)."""
    builder = Builder(seed=1)
    operator = builder.company("Platform", operator=True)
    tenant_a, tenant_b, tenant_c = (builder.company(f"Tenant {name}") for name in "ABC")
    pro = builder.plan("Pro", "299.00")
    for _ in range(3):
        builder.server(tenant_a, 150)
    fleet = builder.company("Fleet")
    for _ in range(17):
        builder.server(fleet, 150)
    subscription_b = builder.subscription(tenant_b, pro)
    server_b = builder.server(tenant_b, 100)
    for status in ("warmed", "warmed", "warming", "available", "burned", "retired"):
        builder.address(tenant_b, server_b, "4.50", status=status)
    payment = builder.payment(tenant_b, subscription_b, 1000, day=date(2026, 9, 2))
    builder.transaction(tenant_b, "charge", 1000, occurred=at(date(2026, 9, 2)), payment=payment)
    builder.transaction(tenant_b, "charge", 1000, occurred=at(date(2026, 8, 2)))
    subscription_c = builder.subscription(tenant_c, pro)
    for day in (date(2026, 9, 3), date(2026, 9, 17)):
        paid = builder.payment(tenant_c, subscription_c, 750, day=day)
        builder.transaction(tenant_c, "charge", 750, occurred=at(day), payment=paid)
    builder.transaction(tenant_c, "credit", "-50.00", occurred=at(date(2026, 9, 20)))
    pool = builder.pool("usage_driver", driver="emails_delivered", overhead="30.00")
    shared = builder.server(operator, "200.00", tenancy="shared", pool=pool, capacity=2)
    builder.address(operator, shared, "6.00")
    builder.address(operator, shared, "6.00", status="warming")
    for tenant in (tenant_b, tenant_c):
        builder.member(pool, tenant)
    builder.sending(tenant_a, date(2026, 9, 4), 900, 850, hard=20, soft=10, complaints=1)
    builder.sending(tenant_b, date(2026, 9, 4), 300, 290, hard=5)
    return builder.dataset()


def example_null_bounce_rates() -> Dataset:
    """Days without volume: NULL bounce and spam rates, risk insufficient_data, never acceptable."""
    builder = Builder(seed=2)
    builder.company("Platform", operator=True)
    quiet, silent = builder.company("Quiet"), builder.company("Silent")
    builder.sending(quiet, date(2026, 9, 5), 0, 0)
    builder.sending(quiet, date(2026, 9, 6), 10, 0, hard=10)  # bounce rate 100%, spam rate NULL
    builder.sending(silent, date(2026, 9, 7), 0, 0)
    builder.sending(silent, date(2026, 8, 7), 100, 100)
    return builder.dataset()


def example_fallbacks_and_idle() -> Dataset:
    """Every zero-driver and idle case: all-zero usage (fallback fixed_weights), a pool without members, an
    overhead-only pool with a second platform operator among its members, and months without any payment."""
    builder = Builder(seed=3)
    operator = builder.company("Platform", operator=True)
    one, two, three = (builder.company(name) for name in ("One", "Two", "Three"))
    zero = builder.pool("usage_driver", driver="emails_delivered", fallback="fixed_weights")
    builder.server(operator, "99.99", tenancy="shared", pool=zero, capacity=1)
    builder.member(zero, one, 1)
    builder.member(zero, two, 2)
    builder.sending(one, date(2026, 9, 8), 400, 0, soft=400)  # sends, delivers nothing
    empty = builder.pool("even")
    builder.server(operator, "10.00", tenancy="shared", pool=empty)
    overhead = builder.pool("proportional_to_cost", overhead="100.00")
    for tenant in (one, two, three, builder.company("Platform 2", operator=True)):
        builder.member(overhead, tenant)  # an operator member is never charged (the page: customers only)
    builder.server(three, "12.34")
    return builder.dataset()


def example_reconciliation_edges() -> Dataset:
    """Invoices on the tolerance's edge (+2% is within it, +2.01% is not), a retired server still billed, a
    half-month server billed whole, an IP billed by address, and an unmatched line of $0 (still flagged)."""
    builder = Builder(seed=6)
    builder.company("Platform", operator=True)
    tenant = builder.company("Hosted")
    within, beyond = builder.server(tenant, 100, provider="hetzner"), builder.server(tenant, 100, provider="ovh")
    builder.invoice("hetzner", MONTH, [(builder.hostname(within), "1", "102.00")])
    builder.invoice("ovh", MONTH, [(builder.hostname(beyond), "1", "102.01")])
    retired = builder.server(tenant, 40, provider="aws", status="retired")
    half = builder.server(tenant, 60, provider="aws", created=at(date(2026, 9, 16)))
    address = builder.address(tenant, half, "4.00", created=at(date(2026, 9, 16)))
    lines = [(builder.hostname(retired), "1", "40.00"), (builder.hostname(half), "1", "60.00")]
    lines += [(builder.ip_of(address), "0.5", "4.00"), ("nothing.aws.example", "1", "0.00")]
    builder.invoice("aws", MONTH, lines)
    builder.invoice("aws", PREVIOUS, [(builder.hostname(half), "1", "60.00")])  # before it existed
    return builder.dataset()


EXAMPLES = {
    "tenants_abc": example_tenants_abc,
    "null_bounce_rates": example_null_bounce_rates,
    "fallbacks_and_idle": example_fallbacks_and_idle,
    "reconciliation_edges": example_reconciliation_edges,
}
