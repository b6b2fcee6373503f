"""The refresh engine on hand-built rows: every allocated cent accounted for, as docs/business-metrics.md says."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tenantdb.db import Session
from tests import recipes
from tests.bi.builders import JUNE, Rows, lines_of, monthly

dsn = recipes.database_fixture(recipes.modules_applied(["bi"]))  # every test starts with bi applied


@pytest.fixture
def rows(session: Session) -> Rows:
    return Rows(session)


def unit_sums(session: Session) -> list[tuple[object, ...]]:
    """Every allocation unit (pool, kind) whose lines do not add up to its cost."""
    return session.fetch_all(
        "SELECT pool_id, cost_kind, sum(amount), min(unit_cost), max(unit_cost) FROM bi_cost_allocation_lines"
        " WHERE pool_id IS NOT NULL AND category <> 'warmup_investment' GROUP BY month, pool_id, cost_kind"
        " HAVING sum(amount) <> min(unit_cost) OR min(unit_cost) <> max(unit_cost)"
    )


def amounts(session: Session, pool: str, cost_kind: str = "infrastructure") -> dict[str, Decimal]:
    rows = session.fetch_all(
        "SELECT tenant_id::text, amount FROM bi_cost_allocation_lines WHERE pool_id = %s AND cost_kind = %s"
        " AND category IN ('shared', 'overhead')",
        (pool, cost_kind),
    )
    return {str(tenant): amount for tenant, amount in rows}


def test_a_tenant_pays_for_its_own_servers_only(rows: Rows) -> None:
    """The classic wrong join charges every tenant for every active server: 3 VPS at $150 are $450, not more."""
    a, b = rows.company("tenant-a"), rows.company("tenant-b")
    for _ in range(3):
        rows.vps(a, "150.00")
    rows.vps(b, "150.00")
    rows.vps(b, "500.00")
    rows.vps(b, "99.00", status="retired")  # a retired server costs nothing
    rows.vps(b, "150.00", created="2025-06-16 08:00Z")  # 15 of June's 30 days
    rows.refresh()
    assert monthly(rows.session, a)["infrastructure_cost"] == Decimal("450.00")
    assert monthly(rows.session, b)["infrastructure_cost"] == Decimal("725.00")
    # one line for the three servers (the rollup's grain): the count, and the sum of their rounded costs
    assert [(line["driver_value"], line["amount"]) for line in lines_of(rows.session, a)] == [(3, Decimal("450.00"))]
    assert {line["rule"] for line in lines_of(rows.session, a)} == {"dedicated"}


def test_a_payment_is_revenue_once_and_never_cost(rows: Rows) -> None:
    """A $1,000 payment stays $1,000 beside several addresses and ledger rows (no fan-out), and is not a cost."""
    tenant = rows.company("acme")
    plan = rows.plan("Scale", "299.00")
    subscription = rows.subscription(tenant, plan)
    server = rows.vps(tenant, "100.00")
    for _ in range(4):
        rows.ip(tenant, server, "5.00")
    payment = rows.payment(tenant, subscription, "1000.00")
    rows.ledger(tenant, "charge", "1000.00", payment=payment)
    rows.ledger(tenant, "adjustment", "25.00")
    rows.ledger(tenant, "credit", "-25.00")
    rows.ledger(tenant, "charge", "40.00", at="2025-05-31 23:59:59Z")  # May's, not June's
    rows.sending(tenant, "2025-06-10", 1000, 900)
    rows.refresh()
    figures = monthly(rows.session, tenant)
    assert figures["recognized_revenue"] == Decimal("1000.00")
    assert (figures["infrastructure_cost"], figures["email_service_cost"], figures["total_cost"]) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("120.00"),
    )
    allocation = rows.session.fetch_one(
        "SELECT price_monthly, total_monthly_cost, monthly_profit, business_efficiency_ratio,"
        " cost_per_email_delivered FROM business_cost_allocation WHERE tenant_id = %s",
        (tenant,),
    )
    assert allocation is not None
    price, cost, profit, efficiency, per_email = allocation
    assert (price, cost, profit) == (Decimal("299.00"), Decimal("120.00"), Decimal("880.00"))
    assert round(efficiency, 12) == Decimal("8.333333333333") and round(per_email, 12) == Decimal("0.133333333333")
    summary = rows.session.fetch_one(
        "SELECT monthly_subscription_revenue, monthly_profit, gross_margin_ratio, business_health_status"
        " FROM executive_business_summary WHERE tenant_id = %s",
        (tenant,),
    )
    assert summary is not None
    assert summary[:2] == (Decimal("299.00"), Decimal("179.00")) and summary[3] == "Excellent"
    assert round(summary[2], 12) == round(Decimal(179) / Decimal(299), 12)


def test_largest_remainder_gives_leftover_cents_by_remainder_then_tenant_id(rows: Rows) -> None:
    operator = rows.company("platform-operator", operator=True)
    pool = rows.pool("shared")
    rows.vps(operator, "100.00", tenancy="shared", pool=pool)
    members = sorted(rows.company(f"customer-{n}") for n in range(3))
    for member in members:
        rows.member(member, pool)
    rows.refresh()
    first = amounts(rows.session, pool)
    assert [first[member] for member in members] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    rows.refresh()
    assert amounts(rows.session, pool) == first  # the same rows, the same cents


def test_every_unit_adds_up_to_its_cost_to_the_cent(rows: Rows) -> None:
    operator = rows.company("platform-operator", operator=True)
    customers = [rows.company(f"customer-{n}") for n in range(7)]
    usage = rows.pool("usage", rule="usage_driver", driver="emails_delivered", overhead="13.13")
    fixed = rows.pool("fixed", rule="fixed_weights")
    proportional = rows.pool("proportional", rule="proportional_to_cost")
    overhead = rows.pool("overhead", overhead="1000.01")
    server = rows.vps(operator, "99.99", tenancy="shared", pool=usage, capacity=10)
    for _ in range(3):
        rows.ip(operator, server, "3.33")
    rows.vps(operator, "77.77", tenancy="shared", pool=fixed)
    rows.vps(operator, "55.55", tenancy="shared", pool=proportional)
    for n, customer in enumerate(customers, start=1):
        rows.member(customer, usage)
        rows.member(customer, fixed, weight=f"{n}.5")
        rows.member(customer, proportional)
        rows.member(customer, overhead)
        rows.sending(customer, "2025-06-05", 1000 * n, 997 * n - 3)
        rows.vps(customer, f"{11 * n}.17")
    rows.refresh()
    assert unit_sums(rows.session) == []
    categories = rows.session.fetch_all(
        "SELECT DISTINCT category, rule FROM bi_cost_allocation_lines WHERE pool_id = %s", (overhead,)
    )
    assert categories == [("overhead", "even")]
    weights = rows.session.fetch_all(
        "SELECT driver, driver_value, driver_total FROM bi_cost_allocation_lines WHERE pool_id = %s AND tenant_id = %s",
        (proportional, customers[2]),
    )
    assert weights == [("dedicated_cost", Decimal("33.17"), Decimal(sum(Decimal(f"{11 * n}.17") for n in range(1, 8))))]


def test_zero_drivers_fall_back_and_the_lines_say_so(rows: Rows) -> None:
    operator = rows.company("platform-operator", operator=True)
    fixed = rows.pool("fixed", rule="fixed_weights")
    bounced = rows.pool("bounced", rule="usage_driver", driver="emails_delivered", fallback="fixed_weights")
    rows.vps(operator, "90.00", tenancy="shared", pool=fixed)
    rows.vps(operator, "60.00", tenancy="shared", pool=bounced, capacity=1)  # K = 720 e-mails in June
    a, b = rows.company("a"), rows.company("b")
    rows.member(a, fixed, weight="0")
    rows.member(b, fixed, weight="0")
    rows.member(a, bounced, weight="1")
    rows.member(b, bounced, weight="2")
    rows.sending(a, "2025-06-02", 400, 0, hard=400)  # sent, none delivered: the driver is 0, the use is not
    rows.sending(b, "2025-06-02", 500, 0, hard=500)
    rows.refresh()
    assert amounts(rows.session, fixed) == {a: Decimal("45.00"), b: Decimal("45.00")}
    assert {line["rule"] for line in lines_of(rows.session, a) if line["pool_id"] is not None} == {
        "fallback:even",
        "fallback:fixed_weights",
    }
    assert amounts(rows.session, bounced) == {a: Decimal("20.00"), b: Decimal("40.00")}  # 900 >= 720: no idle
    assert unit_sums(rows.session) == []


def test_a_pool_without_members_is_idle_and_a_usage_pool_has_an_idle_line(rows: Rows) -> None:
    operator = rows.company("platform-operator", operator=True)
    empty = rows.pool("empty", rule="usage_driver", driver="emails_sent")
    usage = rows.pool("usage", rule="usage_driver", driver="emails_delivered")
    rows.vps(operator, "80.00", tenancy="shared", pool=empty)
    rows.vps(operator, "100.00", tenancy="shared", pool=usage, capacity=1000)  # K = 720,000 in June
    a, b = rows.company("a"), rows.company("b")
    rows.member(a, usage)
    rows.member(b, usage)
    rows.sending(a, "2025-06-03", 150_000, 100_000)
    rows.sending(b, "2025-06-04", 30_000, 20_000)  # U = 180,000: a quarter of K is used
    rows.refresh()
    idle = rows.session.fetch_all(
        "SELECT pool_id::text, tenant_id::text, amount, driver_value, driver_total FROM bi_cost_allocation_lines"
        " WHERE category = 'idle_capacity' ORDER BY amount"
    )
    assert idle == [
        (usage, operator, Decimal("75.00"), Decimal(180_000), Decimal(720_000)),
        (empty, operator, Decimal("80.00"), Decimal(0), Decimal(24_000 * 30)),
    ]
    assert amounts(rows.session, usage) == {a: Decimal("20.83"), b: Decimal("4.17")}
    assert rows.session.fetch_value("SELECT count(*) FROM bi_tenant_monthly WHERE tenant_id = %s", (operator,)) == 0


def test_warming_addresses_are_an_investment_never_idle(rows: Rows) -> None:
    operator = rows.company("platform-operator", operator=True)
    pool = rows.pool("shared", rule="usage_driver", driver="emails_sent")
    shared = rows.vps(operator, "100.00", tenancy="shared", pool=pool)
    rows.ip(operator, shared, "4.00", status="warming")
    rows.ip(operator, shared, "6.00")
    customer = rows.company("customer")
    own = rows.vps(customer, "50.00")
    rows.ip(customer, own, "3.00", status="warming")
    rows.ip(customer, own, "2.00", status="retired")
    rows.refresh()
    mine = [(line["category"], line["rule"], line["amount"]) for line in lines_of(rows.session, customer)]
    assert mine == [("dedicated", "dedicated", Decimal("50.00")), ("warmup_investment", "dedicated", Decimal("3.00"))]
    platform = rows.session.fetch_all(
        "SELECT category, rule, cost_kind, amount FROM bi_cost_allocation_lines WHERE tenant_id = %s ORDER BY 1, 3",
        (operator,),
    )
    assert platform == [
        ("idle_capacity", "idle_capacity", "email_service", Decimal("6.00")),  # the warmed address only
        ("idle_capacity", "idle_capacity", "infrastructure", Decimal("100.00")),
        ("warmup_investment", "platform_investment", "email_service", Decimal("4.00")),
    ]


def test_reconciliation_splits_the_drift_exactly(rows: Rows) -> None:
    tenant = rows.company("acme")
    drifting = rows.vps(tenant, "100.00")
    half = rows.vps(tenant, "50.00")
    address = rows.ip(tenant, drifting, "5.00")
    rows.vps(tenant, "70.00", provider="ovh")
    rows.invoice(
        "hetzner",
        JUNE,
        [(rows.host(drifting), "1", "105.00"), (rows.host(half), "0.5", "50.00"), ("backup-storage", "1", "19.00")],
    )
    rows.refresh()
    found = rows.session.fetch_all(
        "SELECT provider, modeled, invoiced, rate_drift, quantity_drift, unmatched, scale_factor, flagged"
        " FROM bi_reconciliation"
    )
    assert found == [
        (
            "hetzner",
            Decimal(155),
            Decimal("149.00"),
            Decimal(5),
            Decimal(-30),
            Decimal("19.00"),
            Decimal("0.96129032258064516129"),
            True,
        )
    ]
    _, modeled, invoiced, rate, quantity, unmatched, _, _ = found[0]
    assert invoiced - modeled == rate + quantity + unmatched
    assert rows.address(address) == "198.51.100.1"  # not invoiced: its whole cost is quantity drift


def test_a_month_within_tolerance_is_not_flagged(rows: Rows) -> None:
    tenant = rows.company("acme")
    server = rows.vps(tenant, "100.00")
    rows.invoice("hetzner", JUNE, [(rows.host(server), "1", "101.99")])
    rows.refresh()
    assert rows.session.fetch_value("SELECT flagged FROM bi_reconciliation") is False
    rows.session.execute("UPDATE provider_invoice_lines SET unit_price = 102.01, amount = 102.01")
    rows.session.execute("UPDATE provider_invoices SET total = 102.01")
    rows.refresh()
    assert rows.session.fetch_value("SELECT flagged FROM bi_reconciliation") is True


def test_resource_cost_daily_adds_up_to_the_monthly_cost(rows: Rows) -> None:
    """The lowest grain: a resource's days of a month add up to its monthly cost (to the cent)."""
    tenant = rows.company("acme")
    server = rows.vps(tenant, "150.00", created="2025-06-16 08:00Z")
    rows.ip(tenant, server, "4.50", created="2025-06-21 00:00Z")
    rows.vps(tenant, "99.00", status="retired")
    found = rows.session.fetch_all(
        "SELECT resource_kind, cost_kind, count(*), round(sum(daily_cost), 2) FROM resource_cost_daily"
        " WHERE day >= '2025-06-01' AND day < '2025-07-01' GROUP BY 1, 2 ORDER BY 1"
    )
    assert found == [("ip", "email_service", 10, Decimal("1.50")), ("vps", "infrastructure", 15, Decimal("75.00"))]
