"""Hand-built rows for the refresh engine's tests: one call per row, every value explicit or a plain default."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from tenantdb.bi import RefreshReport, RefreshRequest, refresh
from tenantdb.bi.reports import ReportOptions, executive
from tenantdb.bi.reports.executive import ExecutiveReport
from tenantdb.bi.reports.executive_tenant import TenantExecutiveReport
from tenantdb.db import Session

JUNE = date(2025, 6, 1)  # the month most tests allocate: 30 days
BEFORE = "2025-01-01 00:00Z"  # resources created before it cost the whole month


@dataclass
class Rows:
    """Inserts rows as the migration role (row-level security does not apply to it in the tests)."""

    session: Session
    _hosts: int = 0
    _addresses: int = 0

    def value(self, query: Any, params: Any = None) -> Any:
        return self.session.fetch_value(query, params)

    def company(self, slug: str, *, operator: bool = False) -> str:
        return str(
            self.value(
                "INSERT INTO companies (name, slug, is_platform_operator) VALUES (%s, %s, %s) RETURNING id",
                (slug.title(), slug, operator),
            )
        )

    def plan(self, name: str, price: str) -> str:
        return str(
            self.value("INSERT INTO plans (name, price_monthly) VALUES (%s, %s) RETURNING plan_id", (name, price))
        )

    def subscription(self, tenant: str, plan: str, *, status: str = "active", start: str = "2025-06-01") -> str:
        return str(
            self.value(
                "INSERT INTO subscriptions (tenant_id, plan_id, status, current_period_start, current_period_end)"
                " VALUES (%s, %s, %s, %s::timestamptz, %s::timestamptz + interval '1 month') RETURNING subscription_id",
                (tenant, plan, status, start, start),
            )
        )

    def vps(
        self,
        tenant: str,
        cost: str,
        *,
        tenancy: str = "dedicated",
        pool: str | None = None,
        status: str = "active",
        created: str = BEFORE,
        capacity: int = 1000,
        provider: str = "hetzner",
        hostname: str | None = None,
    ) -> str:
        self._hosts += 1
        return str(
            self.value(
                "INSERT INTO vps_instances (tenant_id, hostname, tenancy, status, provider, region,"
                " capacity_emails_per_hour, approximate_cost, cost_pool_id, created_at)"
                " VALUES (%s, %s, %s, %s, %s, 'eu', %s, %s, %s, %s) RETURNING vps_instance_id",
                (
                    tenant,
                    hostname or f"mx{self._hosts}.example.net",
                    tenancy,
                    status,
                    provider,
                    capacity,
                    cost,
                    pool,
                    created,
                ),
            )
        )

    def ip(self, tenant: str, vps: str, cost: str, *, status: str = "warmed", created: str = BEFORE) -> str:
        self._addresses += 1
        warmup = None if status in ("available", "retired", "burned") else created
        return str(
            self.value(
                "INSERT INTO smtp_ip_addresses (tenant_id, vps_instance_id, ip, status, warmup_started_at,"
                " approximate_cost, created_at) VALUES (%s, %s, %s::inet, %s, %s, %s, %s) RETURNING ip_id",
                (tenant, vps, f"198.51.100.{self._addresses}", status, warmup, cost, created),
            )
        )

    def pool(
        self,
        name: str,
        *,
        rule: str = "even",
        driver: str | None = None,
        fallback: str = "even",
        overhead: str = "0",
    ) -> str:
        pool = str(
            self.value(
                "INSERT INTO cost_pools (name, monthly_overhead) VALUES (%s, %s) RETURNING pool_id", (name, overhead)
            )
        )
        self.session.execute(
            "INSERT INTO allocation_rules (pool_id, effective_from, rule, driver, fallback)"
            " VALUES (%s, '2020-01-01', %s, %s, %s)",
            (pool, rule, driver, fallback),
        )
        return pool

    def member(self, tenant: str, pool: str, weight: str = "1") -> None:
        self.session.execute(
            "INSERT INTO cost_pool_members (tenant_id, pool_id, weight) VALUES (%s, %s, %s)", (tenant, pool, weight)
        )

    def sending(
        self,
        tenant: str,
        day: str,
        sent: int,
        delivered: int,
        *,
        hard: int = 0,
        soft: int = 0,
        complaints: int = 0,
    ) -> None:
        self.session.execute(
            "INSERT INTO deliverability_daily (tenant_id, day, sent, delivered, bounced_hard, bounced_soft,"
            " spam_complaints) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (tenant, day, sent, delivered, hard, soft, complaints),
        )

    def payment(self, tenant: str, subscription: str, amount: str, *, paid: str = "2025-06-03 10:00Z") -> str:
        return str(
            self.value(
                "INSERT INTO payments (tenant_id, subscription_id, amount, currency, status, billing_period_start,"
                " billing_period_end, paid_at) VALUES (%s, %s, %s, 'USD', 'succeeded', '2025-06-01Z', '2025-07-01Z',"
                " %s) RETURNING payment_id",
                (tenant, subscription, amount, paid),
            )
        )

    def ledger(
        self, tenant: str, kind: str, amount: str, *, payment: str | None = None, at: str = "2025-06-03 10:00Z"
    ) -> None:
        self.session.execute(
            "INSERT INTO billing_transactions (tenant_id, payment_id, kind, amount, currency, occurred_at)"
            " VALUES (%s, %s, %s, %s, 'USD', %s)",
            (tenant, payment, kind, amount, at),
        )

    def invoice(self, provider: str, month: date, lines: list[tuple[str, str, str]], number: str = "1") -> str:
        """An invoice whose lines are (resource reference, quantity in months, unit price); amounts rounded."""
        invoice = str(
            self.value(
                "INSERT INTO provider_invoices (provider, month, invoice_number, total) VALUES (%s, %s, %s, 0)"
                " RETURNING invoice_id",
                (provider, month, number),
            )
        )
        for line_no, (reference, quantity, price) in enumerate(lines, start=1):
            self.session.execute(
                "INSERT INTO provider_invoice_lines (invoice_id, line_no, resource_ref, quantity, unit_price, amount)"
                " VALUES (%s, %s, %s, %s, %s, round(%s::numeric * %s::numeric, 2))",
                (invoice, line_no, reference, quantity, price, quantity, price),
            )
        self.session.execute(
            "UPDATE provider_invoices SET total = (SELECT sum(amount) FROM provider_invoice_lines"
            " WHERE invoice_id = %s) WHERE invoice_id = %s",
            (invoice, invoice),
        )
        return invoice

    def host(self, vps: str) -> str:
        return str(self.value("SELECT hostname FROM vps_instances WHERE vps_instance_id = %s", (vps,)))

    def address(self, ip: str) -> str:
        return str(self.value("SELECT host(ip) FROM smtp_ip_addresses WHERE ip_id = %s", (ip,)))

    def refresh(self, *months: date) -> RefreshReport:
        return refresh(self.session, RefreshRequest(months=months or (JUNE,)))


def lines_of(session: Session, tenant: str, month: date = JUNE) -> list[dict[str, Any]]:
    names, rows = session.fetch_named(
        "SELECT * FROM bi_cost_allocation_lines WHERE tenant_id = %s AND month = %s"
        " ORDER BY category, cost_kind, resource_kind NULLS LAST, amount DESC",
        (tenant, month),
    )
    return [dict(zip(names, row, strict=True)) for row in rows]


def monthly(session: Session, tenant: str, month: date = JUNE) -> dict[str, Any]:
    names, rows = session.fetch_named(
        "SELECT * FROM bi_tenant_monthly WHERE tenant_id = %s AND month = %s", (tenant, month)
    )
    assert len(rows) == 1, rows
    return dict(zip(names, rows[0], strict=True))


def cents(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.01"))


def portfolio_executive(session: Session, options: ReportOptions) -> ExecutiveReport:
    """``executive.build`` for the whole portfolio (options without a tenant), typed as such."""
    report = executive.build(session, options)
    assert isinstance(report, ExecutiveReport), type(report)
    return report


def tenant_executive(session: Session, options: ReportOptions) -> TenantExecutiveReport:
    """``executive.build`` for one tenant (options with a tenant), typed as such."""
    report = executive.build(session, options)
    assert isinstance(report, TenantExecutiveReport), type(report)
    return report
