"""Issue 13, the executive metrics: revenue risk and protection, optimization savings, efficiency, decision velocity,
the business performance score and priority actions, per customer and month (bi 0010, docs/business-metrics.md,
"Executive business metrics"), in ``executive_business_summary`` and ``tenantdb report executive [--tenant T]``.

A hand-made June 2025 with known answers: the events tables are written directly, as their owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID, uuid4

import pytest

from tenantdb.db import Session
from tests.bi.builders import JUNE, Rows
from tests.modules.support import apply_modules

D = Decimal
MAY = date(2025, 5, 1)
JULY = date(2025, 7, 1)
EXISTING_COLUMNS = (
    "tenant_id",
    "company_name",
    "plan_name",
    "current_period_start",
    "current_period_end",
    "monthly_subscription_revenue",
    "infrastructure_costs",
    "email_service_costs",
    "gross_margin_ratio",
    "cost_efficiency_score",
    "total_operational_cost",
    "monthly_profit",
    "business_health_status",
    "dashboard_date",
    "total_infrastructure_cost",
    "total_email_service_cost",
    "margin_not_applicable_reason",
)
EXECUTIVE_COLUMNS = (
    "revenue_risk_score",
    "optimization_savings_potential",
    "optimization_actions_taken",
    "efficiency_score",
    "efficiency_trend",
    "avg_decision_time_hours",
    "strategic_decisions_made",
    "business_performance_score",
    "priority_actions_required",
)


# ---------------------------------------------------------------------------------------------- event rows


@dataclass
class Events:
    """Rows of module events' tables, written as their owner (row-level security does not apply in the tests)."""

    session: Session

    def impact(
        self,
        tenant: str,
        amount: str,
        urgency: str,
        detected: str,
        resolved: str | None = None,
        *,
        month: date = JUNE,
        kind: str = "deliverability_risk",
    ) -> UUID:
        impact_id = uuid4()
        self.session.execute(
            "INSERT INTO revenue_impacts (tenant_id, impact_id, impact_type, amount, urgency, affected_customer_value,"
            " month, detected_at, resolved_at, source) VALUES (%s, %s, %s, %s, %s, 1000, %s, %s, %s, 'application')",
            (tenant, impact_id, kind, amount, urgency, month, detected, resolved),
        )
        return impact_id

    def optimization(
        self,
        tenant: str | None,
        expected: str,
        status: str = "recommended",
        *,
        month: date = JUNE,
        done: str | None = None,
        kind: str = "downsize_idle_dedicated",
    ) -> UUID:
        optimization_id = uuid4()
        self.session.execute(
            "INSERT INTO cost_optimizations (optimization_id, tenant_id, kind, subject, month, expected_savings,"
            " status, recommended_at, accepted_at, done_at) VALUES (%s, %s, %s, %s, %s, %s, %s,"
            " %s::date + interval '1 day', CASE WHEN %s IN ('accepted', 'done') THEN %s::date + interval '2 days' END,"
            " %s)",
            (optimization_id, tenant, kind, f"subject {optimization_id}", month, expected, status, month, status,
             month, done),
        )  # fmt: skip
        return optimization_id

    def result(self, optimization: UUID, month: date, realized: str, remaining: str = "0") -> None:
        self.session.execute(
            "INSERT INTO cost_optimization_results (optimization_id, month, remaining, realized)"
            " VALUES (%s, %s, %s, %s)",
            (optimization, month, remaining, realized),
        )

    def efficiency(self, tenant: str, month: date, capacity: str, used: str, score: str | None) -> None:
        self.session.execute(
            "INSERT INTO efficiency_metrics (tenant_id, month, capacity, used, utilization, score)"
            " VALUES (%s, %s, %s, %s, %s::numeric / NULLIF(%s::numeric, 0), %s)",
            (tenant, month, capacity, used, used, capacity, score),
        )

    def decision(self, tenant: str | None, opened: str, decided: str | None = None) -> None:
        self.session.execute(
            "INSERT INTO strategic_decisions (decision_id, tenant_id, title, category, opened_at, decided_at, outcome)"
            " VALUES (%s, %s, 'a decision', 'pricing', %s, %s, CASE WHEN %s::timestamptz IS NOT NULL"
            " THEN 'approved' END)",
            (uuid4(), tenant, opened, decided, decided),
        )


def known_june(rows: Rows) -> dict[str, str]:
    """Alpha (revenue 1,000.00, cost 100.00) with every kind of event, and beta (300.00 against 200.00) with none.

    Alpha's June: negative impacts of 200 (high, resolved in exactly 2 h: protected), 100 (critical, resolved in 2 h
    and 1 s: not protected), 50 (medium, open) and 30 (critical, open), a gain of 500 and May's open loss of 1,000
    (neither counts); optimizations recommended 40, accepted 60, done 25 (in June) and dismissed 10, May's done 15
    (done in June: taken in June, realized 12.50 measured on June), May's open 99 (not June's); efficiency 72.50
    (May: 80.00); decisions of 24 h and 384 h decided in June, one still open, one decided in May.
    """
    rows.company("platform-operator", operator=True)
    alpha, beta = rows.company("alpha"), rows.company("beta")
    plan = rows.plan("Growth", "300.00")
    for tenant, dedicated, paid in ((alpha, "100.00", "1000.00"), (beta, "200.00", "300.00")):
        rows.subscription(tenant, plan)
        rows.vps(tenant, dedicated)
        rows.ledger(tenant, "charge", paid)
    events = Events(rows.session)
    events.impact(alpha, "-200.00", "high", "2025-06-10 10:00Z", "2025-06-10 12:00Z")
    events.impact(alpha, "-100.00", "critical", "2025-06-11 10:00Z", "2025-06-11 12:00:01Z")
    events.impact(alpha, "-50.00", "medium", "2025-06-12 10:00Z")
    events.impact(alpha, "-30.00", "critical", "2025-06-13 10:00Z")
    events.impact(alpha, "500.00", "low", "2025-06-14 10:00Z", kind="upgrade")
    events.impact(alpha, "-1000.00", "critical", "2025-05-14 10:00Z", month=MAY)
    events.optimization(alpha, "40.00")
    events.optimization(alpha, "60.00", "accepted")
    done = events.optimization(alpha, "25.00", "done", done="2025-06-20 09:00Z")
    events.optimization(alpha, "10.00", "dismissed")
    earlier = events.optimization(alpha, "15.00", "done", month=MAY, done="2025-06-02 09:00Z")
    events.optimization(alpha, "99.00", month=MAY)
    events.result(earlier, JUNE, "12.50", "2.50")
    events.result(done, JULY, "25.00")
    events.efficiency(alpha, JUNE, "1000", "725", "72.50")
    events.efficiency(alpha, MAY, "1000", "800", "80.00")
    events.decision(alpha, "2025-06-01 00:00Z", "2025-06-02 00:00Z")
    events.decision(alpha, "2025-05-20 00:00Z", "2025-06-05 00:00Z")
    events.decision(alpha, "2025-06-03 00:00Z")
    events.decision(alpha, "2025-05-01 00:00Z", "2025-05-03 00:00Z")
    rows.refresh(JUNE)
    return {"alpha": alpha, "beta": beta}


# Alpha's performance: protection 200/380 of 0.95 (weight 25), savings 12.50/100.00 = 12.5% of 10% (20), efficiency
# 72.5 of 85 (20), decision time 48 of 204 h (15), margin 90% of 70% (20).
ALPHA_SCORE = D("74.44")
BETA_SCORE = D("47.62")  # only the margin: (1/3) / 0.70


@pytest.fixture
def rows(session: Session) -> Rows:
    apply_modules(session, "bi")
    return Rows(session)


def summary(session: Session) -> dict[str, dict[str, Any]]:
    names, found = session.fetch_named("SELECT * FROM executive_business_summary")
    return {row[1]: dict(zip(names, row, strict=True)) for row in found}


def test_executive_business_summary_carries_the_executive_metrics(rows: Rows) -> None:
    known_june(rows)
    views = summary(rows.session)
    alpha = {column: views["Alpha"][column] for column in EXECUTIVE_COLUMNS}
    assert alpha == {
        "revenue_risk_score": D("8.00"),  # 80.00 still open of 1,000.00
        "optimization_savings_potential": D("100.00"),
        "optimization_actions_taken": 2,
        "efficiency_score": D("72.50"),
        "efficiency_trend": D("-7.50"),
        "avg_decision_time_hours": D("204.00"),
        "strategic_decisions_made": 2,
        "business_performance_score": ALPHA_SCORE,
        "priority_actions_required": 3,  # two open recommendations, one open critical loss
    }
    assert abs(Fraction(views["Alpha"]["revenue_protection_rate"]) - Fraction(200, 380)) < Fraction(1, 10**15)
    assert views["Alpha"]["optimization_savings_realized"] == D("12.50")
    beta = {column: views["Beta"][column] for column in EXECUTIVE_COLUMNS}
    assert beta == {
        "revenue_risk_score": D("0.00"),
        "optimization_savings_potential": D("0.00"),
        "optimization_actions_taken": 0,
        "efficiency_score": None,
        "efficiency_trend": None,
        "avg_decision_time_hours": None,
        "strategic_decisions_made": 0,
        "business_performance_score": BETA_SCORE,
        "priority_actions_required": 0,
    }
    assert views["Beta"]["revenue_protection_rate"] is None  # no negative impact: nothing to protect


def test_the_existing_columns_stay_first_and_in_order(rows: Rows) -> None:
    names, _ = rows.session.fetch_named("SELECT * FROM executive_business_summary LIMIT 0")
    assert tuple(names[: len(EXISTING_COLUMNS)]) == EXISTING_COLUMNS
    assert set(EXECUTIVE_COLUMNS) <= set(names[len(EXISTING_COLUMNS) :])


def test_a_loss_resolved_in_exactly_two_hours_is_protected_one_second_later_is_not(rows: Rows) -> None:
    rows.company("platform-operator", operator=True)
    tenant = rows.company("gamma")
    rows.ledger(tenant, "charge", "100.00")
    events = Events(rows.session)
    events.impact(tenant, "-10.00", "high", "2025-06-10 10:00Z", "2025-06-10 12:00Z")
    events.impact(tenant, "-30.00", "high", "2025-06-10 10:00Z", "2025-06-10 12:00:00.000001Z")
    rows.refresh(JUNE)
    rate = rows.session.fetch_value(
        "SELECT revenue_protection_rate FROM bi_executive_metrics WHERE tenant_id = %s AND month = %s", (tenant, JUNE)
    )
    assert rate == D("0.25")


def test_the_kpi_targets_are_the_plans_defined_once(rows: Rows) -> None:
    names, found = rows.session.fetch_named("SELECT * FROM tenantdb_bi_kpi_targets() ORDER BY kpi")
    targets = {row[0]: dict(zip(names, row, strict=True)) for row in found}
    assert {kpi: (t["target"], t["target_max"], t["direction"], t["weight"]) for kpi, t in targets.items()} == {
        "avg_decision_time_hours": (D(48), None, "below", 15),
        "efficiency_score": (D(85), None, "above", 20),
        "gross_margin_ratio": (D("0.70"), None, "above", 20),
        "optimization_savings_rate": (D("0.10"), D("0.15"), "between", 20),
        "revenue_protection_rate": (D("0.95"), None, "above", 25),
    }


def test_tenant_roles_still_cannot_read_the_executive_view_and_analysts_read_every_customer(rows: Rows) -> None:
    known_june(rows)
    for view in ("executive_business_summary", "bi_executive_metrics"):
        for role in ("application_service", "tenant_api"):
            assert not rows.session.fetch_value("SELECT has_table_privilege(%s, %s, 'SELECT')", (role, view))
        assert rows.session.fetch_value("SELECT has_table_privilege('business_analysts', %s, 'SELECT')", (view,))
    assert rows.session.fetch_value(
        "SELECT reloptions @> ARRAY['security_invoker=true'] FROM pg_class WHERE oid = 'bi_executive_metrics'::regclass"
    )
    with rows.session.transaction():
        rows.session.execute("SET LOCAL ROLE business_analysts")
        analysts = summary(rows.session)
    assert analysts["Alpha"]["business_performance_score"] == ALPHA_SCORE
    assert set(analysts) == {"Alpha", "Beta"}
