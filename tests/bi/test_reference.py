"""The reference itself, on small datasets computed by hand from docs/business-metrics.md (no database)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from uuid import UUID

from hypothesis import given, settings

from tests.bi import reference as ref
from tests.bi.datasets import BEFORE, EXAMPLES, MONTH, PREVIOUS, Builder, at, datasets, money


def lines_of(builder: Builder, tenant: object = None) -> list[ref.Line]:
    lines = ref.compute_month(builder.dataset(), MONTH).lines
    return [line for line in lines if tenant is None or line.tenant_id == tenant]


def amounts(lines: list[ref.Line]) -> list[Decimal]:
    return sorted(line.amount for line in lines)


def tenant_row(builder: Builder, tenant: object, month: date = MONTH) -> ref.TenantMonth:
    return next(row for row in ref.compute_month(builder.dataset(), month).tenants if row.tenant_id == tenant)


def test_round_cents_is_half_away_from_zero() -> None:
    assert ref.round_cents(Fraction(1, 200)) == Decimal("0.01")
    assert ref.round_cents(Fraction(-1, 200)) == Decimal("-0.01")
    assert ref.round_cents(Fraction(1, 300)) == Decimal("0.00")
    assert ref.round_cents(Fraction(2999, 1000)) == Decimal("3.00")


def test_tenant_a_is_charged_its_three_servers_not_the_fleet() -> None:
    builder = Builder()
    tenant_a = builder.company("Tenant A")
    others = builder.company("Other")
    for _ in range(3):
        builder.server(tenant_a, 150)
    for _ in range(5):
        builder.server(others, 190)
    row = tenant_row(builder, tenant_a)
    assert amounts(lines_of(builder, tenant_a)) == [money(150)] * 3
    assert row.infrastructure_cost == money(450)
    assert row.total_cost == money(450)


def test_tenant_b_revenue_is_its_payment_once_however_many_ips_and_billing_rows() -> None:
    builder = Builder()
    tenant_b = builder.company("Tenant B")
    plan = builder.plan("Pro", 299)
    subscription = builder.subscription(tenant_b, plan)
    server = builder.server(tenant_b, 100)
    for _ in range(6):
        builder.address(tenant_b, server, 3)
    payment = builder.payment(tenant_b, subscription, 1000, day=date(2026, 9, 3))
    builder.transaction(tenant_b, "charge", 1000, occurred=at(date(2026, 9, 3)), payment=payment)
    builder.transaction(tenant_b, "charge", 700, occurred=at(date(2026, 8, 3)))  # previous month
    builder.transaction(tenant_b, "charge", 500, occurred=at(date(2026, 9, 4)), currency="EUR")  # no EUR rate
    row = tenant_row(builder, tenant_b)
    assert row.recognized_revenue == money(1000)
    assert row.email_service_cost == money(18)
    assert row.infrastructure_cost == money(100)
    assert row.price_monthly == money(299)


def test_tenant_c_payments_are_never_cost() -> None:
    builder = Builder()
    tenant_c = builder.company("Tenant C")
    subscription = builder.subscription(tenant_c, builder.plan("Basic", 49))
    builder.payment(tenant_c, subscription, 500, day=date(2026, 9, 2))
    builder.payment(tenant_c, subscription, 500, day=date(2026, 9, 12), status="failed")
    row = tenant_row(builder, tenant_c)
    assert row.total_cost == money(0)
    assert row.recognized_revenue == money(0)  # no ledger row: payments are not revenue either
    assert lines_of(builder, tenant_c) == []


def test_refunds_and_credits_reduce_revenue_adjustments_add() -> None:
    builder = Builder()
    tenant = builder.company("T")
    occurred = at(date(2026, 9, 10))
    builder.transaction(tenant, "charge", "120.00", occurred=occurred)
    builder.transaction(tenant, "refund", "-20.00", occurred=occurred)
    builder.transaction(tenant, "credit", "-5.50", occurred=occurred)
    builder.transaction(tenant, "adjustment", "0.25", occurred=datetime(2026, 9, 30, 23, 59, tzinfo=BEFORE.tzinfo))
    builder.transaction(tenant, "charge", "99", occurred=datetime(2026, 10, 1, 0, 0, tzinfo=BEFORE.tzinfo))
    assert tenant_row(builder, tenant).recognized_revenue == Decimal("94.75")


def test_resource_created_mid_month_costs_its_active_days() -> None:
    builder = Builder()
    tenant = builder.company("T")
    server = builder.server(tenant, 90, created=at(date(2026, 9, 11), 23))  # days 11..30: 20 of 30
    builder.address(tenant, server, "10.00", created=at(date(2026, 9, 30)))  # 1 day of 30: 0.333.. -> 0.33
    builder.server(tenant, 90, created=at(date(2026, 10, 2)))  # not yet there
    assert amounts(lines_of(builder, tenant)) == [Decimal("0.33"), Decimal("60.00")]


def test_retired_resources_and_ips_of_retired_servers_cost_nothing() -> None:
    builder = Builder()
    tenant = builder.company("T")
    live = builder.server(tenant, 100)
    builder.address(tenant, live, 5, status="retired")
    builder.address(tenant, live, 5, status="burned")
    dead = builder.server(tenant, 100, status="retired")
    builder.address(tenant, dead, 5, status="burned")
    assert amounts(lines_of(builder, tenant)) == [money(5), money(100)]


def test_warming_ip_is_an_investment() -> None:
    builder = Builder()
    tenant = builder.company("T")
    server = builder.server(tenant, 100)
    builder.address(tenant, server, 7, status="warming")
    categories = Counter((line.cost_kind, line.category) for line in lines_of(builder, tenant))
    assert categories == {("infrastructure", "dedicated"): 1, ("email_service", "warmup_investment"): 1}
    assert all(line.rule == "dedicated" for line in lines_of(builder, tenant))


def shared_pool(builder: Builder, rule: str, cost: str, **options: object) -> tuple[UUID, UUID]:
    operator = builder.company("Platform", operator=True)
    pool = builder.pool(rule, **options)  # type: ignore[arg-type]
    server = builder.server(operator, cost, tenancy="shared", pool=pool, capacity=1)
    return pool, server


def test_even_split_gives_leftover_cents_to_the_lowest_tenant_ids() -> None:
    builder = Builder()
    pool, _ = shared_pool(builder, "even", "100.00")
    tenants = [builder.company(f"T{n}") for n in range(3)]
    for tenant in tenants:
        builder.member(pool, tenant)
    shares = {line.tenant_id: line.amount for line in lines_of(builder) if line.category == "shared"}
    assert shares == {tenants[0]: Decimal("33.34"), tenants[1]: Decimal("33.33"), tenants[2]: Decimal("33.33")}
    line = next(line for line in lines_of(builder) if line.tenant_id == tenants[0])
    assert (line.rule, line.driver_value, line.driver_total, line.unit_cost) == (
        "even",
        Fraction(1),
        Fraction(3),
        Decimal("100.00"),
    )


def test_largest_remainder_favours_the_largest_fraction_before_the_tenant_id() -> None:
    shares = ref.largest_remainder(Fraction(1), {1: Fraction(1), 2: Fraction(1), 3: Fraction(2)})
    assert shares == {1: Fraction(25, 100), 2: Fraction(25, 100), 3: Fraction(50, 100)}
    shares = ref.largest_remainder(Fraction(10, 100), {1: Fraction(1), 2: Fraction(2)})  # 0.0333.., 0.0666..
    assert shares == {1: Fraction(3, 100), 2: Fraction(7, 100)}


def test_fixed_weights_and_members_that_are_operators_are_ignored() -> None:
    builder = Builder()
    pool, _ = shared_pool(builder, "fixed_weights", "90.00")
    light, heavy = builder.company("Light"), builder.company("Heavy")
    builder.member(pool, light, 1)
    builder.member(pool, heavy, 2)
    builder.member(pool, builder.company("Other operator", operator=True), 5)
    shares = {line.tenant_id: line.amount for line in lines_of(builder) if line.category == "shared"}
    assert shares == {light: money(30), heavy: money(60)}


def test_proportional_to_cost_weighs_by_dedicated_lines_of_both_kinds() -> None:
    builder = Builder()
    pool, _ = shared_pool(builder, "proportional_to_cost", "10.00")
    small, big = builder.company("Small"), builder.company("Big")
    builder.member(pool, small)
    builder.member(pool, big)
    builder.server(small, 20)
    server = builder.server(big, 50)
    builder.address(big, server, 10, status="warming")
    lines = {line.tenant_id: line for line in lines_of(builder) if line.category == "shared"}
    assert (lines[small].amount, lines[big].amount) == (Decimal("2.50"), Decimal("7.50"))
    assert (lines[big].driver_value, lines[big].driver_total) == (Fraction(60), Fraction(80))


def test_usage_driver_charges_idle_capacity_to_the_operator() -> None:
    builder = Builder()
    pool, _ = shared_pool(builder, "usage_driver", "100.00", driver="emails_delivered")  # K = 1 x 24 x 30 = 720
    one, two = builder.company("One"), builder.company("Two")
    builder.member(pool, one)
    builder.member(pool, two)
    builder.sending(one, date(2026, 9, 5), 300, 100)
    builder.sending(two, date(2026, 9, 6), 60, 50)  # U = 360: u = 0.5
    builder.sending(two, date(2026, 8, 6), 9000, 9000)  # another month
    lines = lines_of(builder)
    idle = [line for line in lines if line.category == "idle_capacity"]
    assert [line.amount for line in idle] == [money(50)]
    assert idle[0].tenant_id == next(row["id"] for row in builder.tables["companies"] if row["is_platform_operator"])
    shares = {line.tenant_id: line.amount for line in lines if line.category == "shared"}
    assert shares == {one: Decimal("33.33"), two: Decimal("16.67")}  # 50 x 100/150 and 50 x 50/150
    assert sum(line.amount for line in lines) == money(100)


def test_all_zero_drivers_fall_back_to_even() -> None:
    builder = Builder()
    pool, _ = shared_pool(builder, "usage_driver", "100.00", driver="emails_delivered")
    one, two = builder.company("One"), builder.company("Two")
    builder.member(pool, one)
    builder.member(pool, two)
    builder.sending(one, date(2026, 9, 5), 720, 0, soft=700)  # u = 1, nothing delivered
    lines = [line for line in lines_of(builder) if line.category == "shared"]
    assert sorted(line.amount for line in lines) == [money(50), money(50)]
    assert {line.rule for line in lines} == {"fallback:even"}
    unit = ref.compute_month(builder.dataset(), MONTH).units[0]
    assert unit.fallback_used and unit.rule == "usage_driver"


def test_pool_without_members_is_all_idle() -> None:
    builder = Builder()
    pool, _ = shared_pool(builder, "even", "80.00")
    builder.member(pool, builder.company("Platform 2", operator=True))
    lines = lines_of(builder)
    assert [(line.category, line.amount) for line in lines] == [("idle_capacity", money(80))]


def test_overhead_only_pool_and_overhead_on_top_of_servers() -> None:
    builder = Builder()
    builder.company("Platform", operator=True)
    only = builder.pool("even", overhead="10.00")
    mixed = builder.pool("even", overhead="5.00")
    operator = next(row["id"] for row in builder.tables["companies"])
    builder.server(operator, "20.00", tenancy="shared", pool=mixed)
    tenant = builder.company("T")
    builder.member(only, tenant)
    builder.member(mixed, tenant)
    by_pool = {line.pool_id: line for line in lines_of(builder, tenant)}
    assert (by_pool[only].category, by_pool[only].amount, by_pool[only].resource_kind) == ("overhead", money(10), None)
    assert (by_pool[mixed].category, by_pool[mixed].amount) == ("shared", money(25))


def test_shared_ips_form_their_own_email_service_unit() -> None:
    builder = Builder()
    pool, server = shared_pool(builder, "even", "30.00")
    operator = next(row["id"] for row in builder.tables["companies"])
    builder.address(operator, server, "1.50")
    builder.address(operator, server, "1.50")
    tenant = builder.company("T")
    builder.member(pool, tenant)
    kinds = {line.cost_kind: line.amount for line in lines_of(builder, tenant)}
    assert kinds == {"infrastructure": money(30), "email_service": money(3)}


def test_latest_rule_in_effect_applies() -> None:
    builder = Builder()
    pool, _ = shared_pool(builder, "even", "30.00")
    builder.rule(pool, "fixed_weights", effective=MONTH)
    builder.rule(pool, "proportional_to_cost", effective=date(2026, 10, 1))
    one, two = builder.company("One"), builder.company("Two")
    builder.member(pool, one, 2)
    builder.member(pool, two, 1)
    shares = {line.tenant_id: line.amount for line in lines_of(builder)}
    assert shares == {one: money(20), two: money(10)}
    previous = ref.compute_month(builder.dataset(), PREVIOUS).lines
    assert {line.rule for line in previous} == {"even"}


def test_current_subscription_is_the_latest_live_one() -> None:
    builder = Builder()
    tenant = builder.company("T")
    basic, pro, gone = builder.plan("Basic", 10), builder.plan("Pro", 50), builder.plan("Gone", 500)
    builder.subscription(tenant, basic, start=date(2026, 6, 1))
    builder.subscription(tenant, pro, status="past_due", start=date(2026, 7, 1))
    builder.subscription(tenant, gone, status="canceled", start=date(2026, 8, 1))
    row = tenant_row(builder, tenant)
    assert (row.plan_name, row.price_monthly) == (builder.tables["plans"][1]["name"], money(50))
    lonely = builder.company("No plan")
    row = tenant_row(builder, lonely)
    assert (row.plan_id, row.plan_name, row.price_monthly, row.current_period_start) == (None, None, money(0), None)


def test_volume_dedicated_capacity_and_customers_only() -> None:
    builder = Builder()
    tenant = builder.company("T")
    builder.company("Platform", operator=True)
    builder.server(tenant, 10, capacity=100, created=at(date(2026, 9, 21)))  # 10 days: 100 x 24 x 10
    builder.server(tenant, 10, capacity=100, status="retired")
    builder.sending(tenant, date(2026, 9, 1), 100, 90, hard=3, soft=2, complaints=1)
    builder.sending(tenant, date(2026, 9, 30), 50, 50)
    builder.sending(tenant, date(2026, 10, 1), 1000, 1000)
    figures = ref.compute_month(builder.dataset(), MONTH)
    assert [row.tenant_id for row in figures.tenants] == [tenant]
    row = figures.tenants[0]
    volume = (row.emails_sent, row.emails_delivered, row.emails_bounced, row.spam_complaints)
    assert volume == (150, 140, 5, 1)
    assert row.dedicated_capacity == 24_000


def test_ratios() -> None:
    assert ref.gross_margin_ratio(Fraction(100), Fraction(25)) == Fraction(3, 4)
    assert ref.gross_margin_ratio(Fraction(0), Fraction(25)) is None
    assert ref.cost_efficiency_score(Fraction(-3)) == 0
    assert ref.cost_efficiency_score(None) == 0
    assert ref.cost_efficiency_score(Fraction(3, 4)) == 75
    assert ref.business_efficiency_ratio(Fraction(100), Fraction(25)) == 4
    assert ref.business_efficiency_ratio(Fraction(100), Fraction(0)) is None
    statuses = [ref.health_status(Fraction(r), Fraction(100)) for r in (201, 200, 151, 150, 101, 100, 0)]
    assert statuses == ["Excellent", "Good", "Good", "Monitor", "Monitor"] + ["Critical Action Required"] * 2
    assert ref.health_status(Fraction(0), Fraction(0)) == "Critical Action Required"


def test_risk_levels_never_call_missing_volume_acceptable() -> None:
    levels = [ref.risk_level(sent, bounced) for sent, bounced in ((0, 0), (100, 11), (100, 10), (100, 6), (100, 5))]
    assert levels == [
        "insufficient_data",
        "critical_action_required",
        "monitoring_needed",
        "monitoring_needed",
        "acceptable",
    ]
    builder = Builder()
    tenant = builder.company("T")
    builder.sending(tenant, date(2026, 9, 2), 0, 0)
    (row,) = ref.deliverability_impact(builder.dataset(), MONTH)
    assert (row.bounce_rate, row.spam_rate, row.business_risk_level) == (None, None, "insufficient_data")


def test_revenue_loss_and_potential_savings() -> None:
    assert ref.estimated_revenue_loss(10, 4) == Fraction(3, 2)
    # 1000 sent, 900 delivered, 50 bounced, 3 complaints: 0.05 x (50 - 20) + 0.25 x (3 - 0.9)
    assert ref.potential_savings(1000, 900, 50, 3) == Fraction(3, 2) + Fraction(525, 1000)
    assert ref.potential_savings(1000, 900, 10, 0) == 0


def test_views_use_price_for_the_summary_and_recognized_revenue_for_allocation() -> None:
    builder = Builder()
    tenant = builder.company("T")
    builder.subscription(tenant, builder.plan("Pro", 300))
    builder.server(tenant, 100)
    builder.transaction(tenant, "charge", 400, occurred=at(date(2026, 9, 9)))
    builder.sending(tenant, date(2026, 9, 9), 1000, 800)
    (monthly,) = ref.compute_month(builder.dataset(), MONTH).tenants
    (summary,) = ref.executive_summary([monthly], date(2026, 11, 22))
    assert (summary.monthly_subscription_revenue, summary.monthly_profit) == (money(300), money(200))
    assert (summary.gross_margin_ratio, summary.business_health_status) == (Fraction(2, 3), "Excellent")
    (allocation,) = ref.cost_allocation([monthly])
    assert (allocation.monthly_profit, allocation.business_efficiency_ratio) == (money(300), Fraction(4))
    assert allocation.cost_per_email_delivered == Fraction(1, 8)


def test_reconciliation_splits_drift_exactly() -> None:
    builder = Builder()
    tenant = builder.company("T")
    steady = builder.server(tenant, 100)
    late = builder.server(tenant, 60, created=at(date(2026, 9, 16)))  # q_m = 15/30
    address = builder.address(tenant, steady, 3)
    builder.server(tenant, 40)  # on no invoice line
    builder.server(tenant, 1000, provider="ovh")
    builder.invoice(
        "hetzner",
        MONTH,
        [
            (builder.hostname(steady), "1", "110"),  # rate drift +10
            (builder.hostname(late), "1", "60"),  # quantity drift (1 - 0.5) x 60 = +30
            (builder.ip_of(address), "1", "3"),
            ("mx-unknown.example.net", "1", "7.25"),  # unmatched
        ],
    )
    (row,) = ref.reconciliation(builder.dataset(), MONTH)
    assert (row.provider, row.modeled, row.invoiced) == ("hetzner", Fraction(173), Fraction(18025, 100))
    assert (row.rate_drift, row.quantity_drift, row.unmatched) == (Fraction(10), Fraction(30 - 40), Fraction(725, 100))
    assert row.invoiced is not None and row.rate_drift is not None and row.quantity_drift is not None
    assert row.unmatched is not None
    assert row.invoiced - row.modeled == row.rate_drift + row.quantity_drift + row.unmatched
    assert row.flagged and row.scale_factor == Fraction(18025, 17300)


def test_reconciliation_within_tolerance_is_not_flagged() -> None:
    builder = Builder()
    tenant = builder.company("T")
    server = builder.server(tenant, 100)
    builder.invoice("hetzner", MONTH, [(builder.hostname(server), "1", "102")])
    (row,) = ref.reconciliation(builder.dataset(), MONTH)
    assert not row.flagged and row.rate_drift == 2
    builder.invoice("hetzner", PREVIOUS, [(builder.hostname(server), "1", "102.01")])
    (row,) = ref.reconciliation(builder.dataset(), MONTH)  # the August invoice is not September's
    assert row.invoiced == 102


def test_health_reasons_and_the_minimum_volume_gate() -> None:
    base = {
        "tenant_id": 1,
        "month": MONTH,
        "company_name": "T",
        "plan_id": None,
        "plan_name": None,
        "price_monthly": money(0),
        "current_period_start": None,
        "current_period_end": None,
        "cash_revenue": money(0),
        "deferred_revenue": money(0),
        "unconverted_entries": 0,
        "unconverted_currencies": [],
        "infrastructure_cost": money(80),
        "email_service_cost": money(0),
        "total_cost": money(80),
        "emails_delivered": 1000,
        "emails_bounced": 45,
        "spam_complaints": 2,
        "dedicated_capacity": 100_000,
        "subscription_status": None,
    }
    row = ref.TenantMonth(recognized_revenue=money(100), emails_sent=1000, **base)  # type: ignore[arg-type]
    health = ref.tenant_health(row)
    assert health.status == "Monitor"  # 100 > 1 x 80
    assert health.reasons == (
        "margin_below_target",
        "bounce_near_limit",
        "complaints_over_limit",
        "idle_dedicated_capacity",
    )
    quiet = ref.TenantMonth(recognized_revenue=money(50), emails_sent=999, **base)  # type: ignore[arg-type]
    assert ref.tenant_health(quiet).reasons == ("margin_below_target", "unprofitable", "idle_dedicated_capacity")


def test_key_metrics() -> None:
    builder = Builder()
    one, two = builder.company("One"), builder.company("Two")
    builder.server(one, 30)
    builder.server(two, 20)
    builder.subscription(two, builder.plan("Starter", 49))  # no revenue on a paid plan: unprofitable
    three = builder.company("Three")
    builder.subscription(three, builder.plan("Free", 0))
    builder.server(three, 5)  # a free plan's cost is by design: not unprofitable
    builder.transaction(one, "charge", 100, occurred=at(date(2026, 9, 1)))
    builder.sending(one, date(2026, 9, 1), 2000, 1000, hard=100, complaints=2)
    builder.sending(two, date(2026, 9, 1), 2000, 2000)
    data = builder.dataset()
    figures = ref.compute_month(data, MONTH)
    metrics = ref.key_metrics(figures.tenants, data, MONTH, figures.lines)
    assert (metrics.revenue, metrics.cost, metrics.gross_margin_ratio) == (money(100), money(55), Fraction(9, 20))
    assert (metrics.tenants, metrics.unprofitable_tenants, metrics.overall_health) == (3, 1, "Good")
    assert metrics.cost_per_1000_delivered == Fraction(55_000, 3_000)  # $55 over 3,000 delivered
    assert metrics.revenue_at_risk == money(50)  # 0.2% complaints: half-way from 0.1% to 0.3%


def test_the_portfolio_counts_what_only_the_platform_carries() -> None:
    """Cost is the month's modeled cost: the customers' lines, the operator's idle and warm-up lines, and what no
    line carries (a shared server in no pool), so the bridge ends at revenue minus the modeled cost."""
    builder = Builder()
    operator = builder.company("Platform", operator=True)
    tenant = builder.company("T")
    pool = builder.pool("even")
    shared = builder.server(operator, 90, tenancy="shared", pool=pool)
    builder.address(operator, shared, 12, status="warming")
    builder.server(operator, 7, tenancy="shared")
    builder.member(pool, tenant)
    builder.transaction(tenant, "charge", 200, occurred=at(date(2026, 9, 1)))
    data = builder.dataset()
    figures = ref.compute_month(data, MONTH)
    metrics = ref.key_metrics(figures.tenants, data, MONTH, figures.lines)
    assert (metrics.customers_cost, metrics.customers_profit) == (money(90), money(110))
    assert (metrics.idle_capacity, metrics.warmup_investment, metrics.unallocated) == (money(0), money(12), money(7))
    assert (metrics.cost, metrics.profit) == (money(109), money(91))


def test_margin_does_not_apply_without_revenue_on_a_free_plan_a_trial_or_no_subscription() -> None:
    builder = Builder()
    free, paid = builder.plan("Free", 0), builder.plan("Pro", 50)
    tenants = {name: builder.company(name) for name in ("free", "trial", "gone", "quiet", "busy")}
    builder.subscription(tenants["free"], free)
    builder.subscription(tenants["trial"], paid, status="trialing")
    builder.subscription(tenants["quiet"], paid)
    builder.subscription(tenants["busy"], paid)
    builder.sending(tenants["busy"], date(2026, 9, 2), 5000, 5000)
    rows = {row.company_name: row for row in ref.compute_month(builder.dataset(), MONTH).tenants}
    assert {name: ref.margin_exemption(row) for name, row in rows.items()} == {
        "free": "free_plan",
        "trial": "trial",
        "gone": "no_subscription",
        "quiet": "below_min_volume",
        "busy": None,
    }
    assert ref.tenant_health(rows["busy"]).status == "Critical Action Required"
    assert ref.tenant_health(rows["free"]).status == "Not Applicable"


def test_daily_cost_covers_the_active_days() -> None:
    builder = Builder()
    tenant = builder.company("T")
    builder.server(tenant, 90, created=at(date(2026, 9, 29), 23))
    rows = ref.resource_cost_daily(builder.dataset(), MONTH)
    assert [(row.day.day, row.daily_cost) for row in rows] == [(29, Fraction(3)), (30, Fraction(3))]
    assert ref.resource_cost_daily(builder.dataset(), PREVIOUS) == []


@settings(max_examples=60, deadline=None)
@given(data=datasets())
def test_reference_lines_add_up_to_each_unit_and_drift_to_the_difference(data: ref.Dataset) -> None:
    for month in (PREVIOUS, MONTH):
        figures = ref.compute_month(data, month)
        for unit in figures.units:
            assert sum(line.amount for line in unit.lines) == unit.cost
        for result in figures.reconciliation:
            if result.invoiced is None:  # no rate to USD: nothing compared
                assert (result.rate_drift, result.quantity_drift, result.unmatched) == (None, None, None)
                assert result.flagged and result.flag_reason == "no_rate"
                continue
            assert result.rate_drift is not None and result.quantity_drift is not None
            assert result.unmatched is not None
            drift = result.rate_drift + result.quantity_drift + result.unmatched
            assert result.invoiced - result.modeled == drift
        customers = {row.tenant_id for row in figures.tenants}
        for row in figures.tenants:
            assert row.total_cost == row.infrastructure_cost + row.email_service_cost
        charged = sum(line.amount for line in figures.lines if line.tenant_id in customers)
        assert charged == sum(row.total_cost for row in figures.tenants)


def test_reconciliation_edges_example() -> None:
    data = EXAMPLES["reconciliation_edges"]()
    results = {row.provider: row for row in ref.reconciliation(data, MONTH)}
    assert (results["hetzner"].flagged, results["ovh"].flagged) == (False, True)
    aws = results["aws"]
    assert aws.modeled == Fraction(30 + 2)  # half a month of the $60 server and its $4 address; retired: 0
    assert (aws.invoiced, aws.unmatched, aws.unmatched_lines, aws.flagged) == (Fraction(102), Fraction(0), 1, True)
    # quantity drift: retired (1 - 0) x 40, half-month server (1 - 1/2) x 60, the address billed for its half
    assert (aws.rate_drift, aws.quantity_drift) == (Fraction(0), Fraction(40 + 30))
    (august,) = ref.reconciliation(data, PREVIOUS)
    assert (august.modeled, august.quantity_drift, august.scale_factor) == (Fraction(0), Fraction(60), None)


def test_a_yearly_prepayment_is_a_twelfth_of_its_amount_a_month() -> None:
    builder = Builder()
    tenant = builder.company("Prepaid")
    builder.transaction(tenant, "charge", 6000, occurred=at(date(2026, 8, 1)), period=(PREVIOUS, date(2027, 8, 1)))
    august, september = tenant_row(builder, tenant, PREVIOUS), tenant_row(builder, tenant, MONTH)
    assert (august.recognized_revenue, august.cash_revenue, august.deferred_revenue) == (
        money(500),
        money(6000),
        money(5500),
    )
    assert (september.recognized_revenue, september.cash_revenue, september.deferred_revenue) == (
        money(500),
        money(0),
        money(5000),
    )


def test_a_recognition_schedule_adds_up_to_the_amount_with_the_earliest_month_first_on_a_tie() -> None:
    schedule = ref.recognition_schedule(Fraction(-100), date(2026, 6, 1), date(2026, 9, 1))
    assert schedule == {
        date(2026, 6, 1): Fraction(-3334, 100),
        date(2026, 7, 1): Fraction(-3333, 100),
        date(2026, 8, 1): Fraction(-3333, 100),
    }
    proration = ref.recognition_schedule(Fraction(100), date(2026, 6, 16), date(2026, 7, 16))
    assert proration == {date(2026, 6, 1): Fraction(5082, 100), date(2026, 7, 1): Fraction(4918, 100)}


def test_an_entry_in_another_currency_is_converted_at_its_day_or_counted_apart() -> None:
    builder = Builder()
    tenant = builder.company("Europe")
    builder.rate(date(2026, 9, 1), "EUR", "1.1")
    builder.rate(date(2026, 9, 15), "EUR", "2")  # after the entry
    builder.transaction(tenant, "charge", 100, occurred=at(date(2026, 9, 14)), currency="EUR")
    builder.transaction(tenant, "charge", 70, occurred=at(date(2026, 9, 14)), currency="GBP")
    row = tenant_row(builder, tenant)
    assert (row.recognized_revenue, row.cash_revenue) == (money(110), money(110))
    assert (row.unconverted_entries, row.unconverted_currencies) == (1, ["GBP"])


def test_an_invoice_without_a_rate_has_no_usd_figures() -> None:
    builder = Builder()
    tenant = builder.company("Hosted")
    server = builder.server(tenant, 1190, provider="ovh")
    builder.invoice("ovh", MONTH, [(builder.hostname(server), "1", "1049.00")], currency="EUR")
    (row,) = ref.compute_month(builder.dataset(), MONTH).reconciliation
    assert (row.invoiced, row.flag_reason, row.currency, row.invoiced_original) == (
        None,
        "no_rate",
        "EUR",
        Fraction(1049),
    )
    builder.rate(date(2026, 9, 30), "EUR", "1.1")
    (row,) = ref.compute_month(builder.dataset(), MONTH).reconciliation
    assert (row.invoiced, row.rate_drift, row.flag_reason) == (
        Fraction("1153.90"),
        Fraction("-36.10"),
        "beyond_tolerance",
    )
