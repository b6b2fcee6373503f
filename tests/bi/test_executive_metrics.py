"""Issue 13, the executive metrics: revenue risk and protection, optimization savings, efficiency, decision velocity,
the business performance score and priority actions, per customer and month (bi 0010, docs/business-metrics.md,
"Executive business metrics"), in ``executive_business_summary`` and ``tenantdb report executive [--tenant T]``.

A hand-made June 2025 with known answers: the events tables are written directly, as their owner.
"""

from __future__ import annotations

import io
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from psycopg import sql
from psycopg.conninfo import make_conninfo
from rich.console import Console

from tenantdb.bi.refresh import RefreshRequest, refresh
from tenantdb.bi.reports import ReportOptions, RevenueBasis
from tenantdb.bi.reports import executive as executive_report
from tenantdb.bi.reports.executive_tenant import TenantExecutiveReport
from tenantdb.cli import render, report_executive
from tenantdb.db import Session, connect
from tenantdb.errors import ConfigError
from tests.bi import reference as ref
from tests.bi.builders import JUNE, Rows, tenant_executive
from tests.bi.datasets import MONTH, PREVIOUS, Builder, at, clear, insert, read_back
from tests.bi.reference import Dataset
from tests.helpers import cli
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
            "INSERT INTO cost_optimization_results (tenant_id, optimization_id, month, remaining, realized)"
            " SELECT tenant_id, optimization_id, %s, %s, %s FROM cost_optimizations WHERE optimization_id = %s",
            (month, remaining, realized, optimization),
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


def refreshed_by_hand(rows: Rows, *months: date) -> None:
    """Refresh the months, then forget the events the refresh recorded from its figures (impacts, optimizations,
    efficiency, the log): a test writes its own events with known answers after this."""
    rows.refresh(*months)
    for table in ("business_events", "cost_optimization_results", "cost_optimizations", "efficiency_metrics",
                  "revenue_impacts"):  # fmt: skip
        rows.session.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))


def known_june(rows: Rows, *also: date) -> dict[str, str]:
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
    refreshed_by_hand(rows, JUNE, *also)
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
    refreshed_by_hand(rows, JUNE)
    events = Events(rows.session)
    events.impact(tenant, "-10.00", "high", "2025-06-10 10:00Z", "2025-06-10 12:00Z")
    events.impact(tenant, "-30.00", "high", "2025-06-10 10:00Z", "2025-06-10 12:00:00.000001Z")
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


# ---------------------------------------------------------------------------------------------- against the reference

EVENT_TABLES = (
    "revenue_impacts",
    "cost_optimizations",
    "cost_optimization_results",
    "efficiency_metrics",
    "strategic_decisions",
)
ROLLUPS = ("bi_cost_allocation_lines", "bi_tenant_monthly", "bi_reconciliation", "bi_refresh_state")
ONE_DATABASE = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]  # emptied between examples
NO_SHRINKING = (Phase.explicit, Phase.reuse, Phase.generate)
OCTOBER = date(2026, 10, 1)
LAST_MICROSECOND_OF_AUGUST = datetime(2026, 8, 31, 23, 59, 59, 999999, tzinfo=UTC)
# Moments around the months' edges (UTC): events are dated on both sides of each.
MOMENTS = (
    at(date(2026, 8, 3)),
    LAST_MICROSECOND_OF_AUGUST,
    at(MONTH, 0),
    at(date(2026, 9, 15), 10),
    datetime(2026, 9, 30, 23, 0, tzinfo=UTC),
    at(OCTOBER, 0),
)
# How long after its detection a loss is resolved: never, at once, just inside, exactly at, just past the 2 hours.
RESOLVED_AFTER = (
    None,
    timedelta(0),
    timedelta(hours=2) - timedelta(microseconds=1),
    timedelta(hours=2),
    timedelta(hours=2, microseconds=1),
    timedelta(hours=2, seconds=1),
    timedelta(days=3),
)
DECIDED_AFTER = (
    None,
    timedelta(minutes=30),
    timedelta(hours=47, minutes=59),
    timedelta(hours=48),
    timedelta(days=2, microseconds=1),
    timedelta(days=17, hours=5, minutes=7),
)
AMOUNTS = ("-500.00", "-0.01", "-33.33", "-100.00", "12.00", "-7.77")
SAVINGS = ("0.00", "0.01", "19.99", "150.00", "333.33")
REALIZED = ("0.00", "12.50", "-3.00", "99.99")
SCORES = (None, "0.00", "72.50", "85.00", "100.00")


def event_stream(draw: st.DrawFn, builder: Builder, tenant: UUID | None) -> None:
    """A customer's (or, with no tenant, the platform's) impacts, optimizations, results and decisions."""
    if tenant is not None:
        for _ in range(draw(st.integers(0, 6))):
            detected = draw(st.sampled_from(MOMENTS[:-1]))
            after = draw(st.sampled_from(RESOLVED_AFTER))
            builder.add(
                "revenue_impacts",
                {
                    "tenant_id": tenant,
                    "impact_id": builder.new_id(),
                    "impact_type": "deliverability_risk",
                    "amount": Decimal(draw(st.sampled_from(AMOUNTS))),
                    "urgency": draw(st.sampled_from(("low", "medium", "high", "critical"))),
                    "affected_customer_value": Decimal("1000.00"),
                    "month": draw(st.sampled_from((PREVIOUS, MONTH))),
                    "detected_at": detected,
                    "resolved_at": None if after is None else detected + after,
                    "source": "application",
                },
            )
        for month in draw(st.sets(st.sampled_from((PREVIOUS, MONTH)))):
            builder.add(
                "efficiency_metrics",
                {
                    "tenant_id": tenant,
                    "month": month,
                    "capacity": Decimal(draw(st.sampled_from(("0", "1000", "250000")))),
                    "used": Decimal(draw(st.sampled_from(("0", "725", "90000")))),
                    "utilization": None,
                    "score": None if (score := draw(st.sampled_from(SCORES))) is None else Decimal(score),
                },
            )
    for _ in range(draw(st.integers(0, 5))):
        status = draw(st.sampled_from(("recommended", "accepted", "done", "dismissed")))
        month = draw(st.sampled_from((PREVIOUS, MONTH)))
        optimization = builder.new_id()
        builder.add(
            "cost_optimizations",
            {
                "optimization_id": optimization,
                "tenant_id": tenant,
                "kind": "downsize_idle_dedicated",
                "subject": f"server {optimization}",
                "month": month,
                "expected_savings": Decimal(draw(st.sampled_from(SAVINGS))),
                "status": status,
                "recommended_at": at(month),
                "done_at": draw(st.sampled_from(MOMENTS)) if status == "done" else None,
            },
        )
        for measured in draw(st.sets(st.sampled_from((PREVIOUS, MONTH, OCTOBER)), max_size=2)):
            builder.add(
                "cost_optimization_results",
                {
                    "tenant_id": tenant,
                    "optimization_id": optimization,
                    "month": measured,
                    "remaining": Decimal("0.00"),
                    "realized": Decimal(draw(st.sampled_from(REALIZED))),
                },
            )
    for _ in range(draw(st.integers(0, 4))):
        opened = draw(st.sampled_from(MOMENTS))
        after = draw(st.sampled_from(DECIDED_AFTER))
        builder.add(
            "strategic_decisions",
            {
                "decision_id": builder.new_id(),
                "tenant_id": tenant,
                "title": "a decision",
                "category": "pricing",
                "opened_at": opened,
                "decided_at": None if after is None else opened + after,
                "outcome": None if after is None else "approved",
            },
        )


@st.composite
def event_streams(draw: st.DrawFn) -> Dataset:
    """Customers with revenue and cost in August and September 2026, and random events of every kind around the
    months' edges and the 2-hour response target."""
    builder = Builder(seed=draw(st.integers(0, 2**16)))
    operator = builder.company("Platform", operator=True)
    if draw(st.booleans()):
        builder.server(operator, "40.00")  # the platform's own: the portfolio's cost is more than the customers'
    for n in range(draw(st.integers(1, 4))):
        tenant = builder.company(f"Customer {n}")
        cost = draw(st.sampled_from(("0", "19.99", "150.00")))
        if cost != "0":
            builder.server(tenant, cost)
        for month in draw(st.sets(st.sampled_from((PREVIOUS, MONTH)))):
            builder.transaction(
                tenant, "charge", draw(st.sampled_from(("0.01", "99.00", "1000.00"))), occurred=at(month)
            )
        event_stream(draw, builder, tenant)
    event_stream(draw, builder, None)  # the platform's: pools, invoices, company-wide decisions
    event_stream(draw, builder, operator)
    return builder.dataset()


def insert_events(session: Session, data: Dataset) -> None:
    """The events tables' rows of ``data``, as their owner."""
    with session.transaction():
        for table in EVENT_TABLES:
            for row in getattr(data, table):
                statement = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                    sql.Identifier(table),
                    sql.SQL(", ").join(map(sql.Identifier, row)),
                    sql.SQL(", ").join(sql.Placeholder() * len(row)),
                )
                session.execute(statement, list(row.values()))


@pytest.fixture(scope="module")
def metrics_database(pg_server: Any) -> Iterator[str]:
    """One database with every module applied for the whole file's random examples."""
    name = f"t_exec_{secrets.token_hex(6)}"
    with connect(pg_server.dsn) as server:
        server.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier("template0"))
        )
    dsn = make_conninfo(pg_server.dsn, dbname=name)
    with connect(dsn) as session:
        apply_modules(session, "bi")
    yield dsn
    with connect(pg_server.dsn) as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def metrics_session(metrics_database: str) -> Iterator[Session]:
    with connect(metrics_database) as session:
        yield session


def rounded_close(expected: Fraction | None, got: Any, scale: int) -> bool:
    """``got`` is ``expected`` rounded to ``scale`` decimals (either neighbour on an exact tie)."""
    if expected is None or got is None:
        return expected is None and got is None
    return abs(Fraction(got) - expected) <= Fraction(1, 2 * 10**scale) + Fraction(1, 10**12)


def unrounded_close(expected: Fraction | None, got: Any) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    return abs(Fraction(got) - expected) <= Fraction(1, 10**15)


def metric_problems(expected: ref.ExecutiveMetrics, got: dict[str, Any], ratio_places: int | None = None) -> list[str]:
    """The metrics that differ: money to the cent, counts exactly, rounded figures at their scale, ratios to 1e-15
    (or, as a report shows them, rounded to ``ratio_places``)."""

    def ratio(name: str) -> bool:
        wanted = getattr(expected, name)
        if ratio_places is None:
            return unrounded_close(wanted, got[name])
        return rounded_close(wanted, got[name], ratio_places)

    checks = {
        "revenue_at_risk": expected.revenue_at_risk == got["revenue_at_risk"],
        "revenue_risk_score": rounded_close(expected.revenue_risk_score, got["revenue_risk_score"], 2),
        "revenue_protection_rate": ratio("revenue_protection_rate"),
        "optimization_savings_potential": expected.optimization_savings_potential
        == got["optimization_savings_potential"],
        "optimization_savings_realized": expected.optimization_savings_realized == got["optimization_savings_realized"],
        "optimization_actions_taken": expected.optimization_actions_taken == got["optimization_actions_taken"],
        "optimization_savings_rate": ratio("optimization_savings_rate"),
        "efficiency_score": expected.efficiency_score == got["efficiency_score"],
        "efficiency_trend": expected.efficiency_trend == got["efficiency_trend"],
        "avg_decision_time_hours": rounded_close(expected.avg_decision_time_hours, got["avg_decision_time_hours"], 2),
        "strategic_decisions_made": expected.strategic_decisions_made == got["strategic_decisions_made"],
        "gross_margin_ratio": ratio("gross_margin_ratio"),
        "business_performance_score": rounded_close(
            expected.business_performance_score, got["business_performance_score"], 2
        ),
        "priority_actions_required": expected.priority_actions_required == got["priority_actions_required"],
    }
    return [
        f"{name}: expected {getattr(expected, name)!r}, got {got[name]!r}" for name, same in checks.items() if not same
    ]


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=ONE_DATABASE, phases=NO_SHRINKING)
@given(data=event_streams())
def test_the_executive_metrics_equal_the_reference_on_random_event_streams(
    metrics_session: Session, data: Dataset
) -> None:
    session = metrics_session
    clear(session, (*EVENT_TABLES, *ROLLUPS))
    insert(session, data)
    refresh(session, RefreshRequest(months=(PREVIOUS, MONTH)))
    # the refresh's own events: the stream under test replaces them
    session.execute(
        sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(map(sql.Identifier, ("business_events", *EVENT_TABLES))))
    )
    insert_events(session, data)
    base = read_back(session)
    events = {table: getattr(data, table) for table in EVENT_TABLES}
    full = replace(base, **events)
    problems = []
    for month in (PREVIOUS, MONTH):
        names, found = session.fetch_named("SELECT * FROM bi_executive_metrics WHERE month = %s", (month,))
        got = {row[0]: dict(zip(names, row, strict=True)) for row in found}
        expected_rows = ref.tenant_monthly(full, month)
        assert set(got) == {row.tenant_id for row in expected_rows}
        for row in expected_rows:
            problems += [
                f"{month:%Y-%m} {row.company_name}: {problem}"
                for problem in metric_problems(ref.executive_metrics(full, row), got[row.tenant_id])
            ]
        # the portfolio's block of the report, against the reference's key metrics of the month
        figures = ref.compute_month(full, month)
        key = ref.key_metrics(list(figures.tenants), full, month, figures.lines)
        portfolio = ref.portfolio_executive_metrics(
            full, month, Fraction(key.revenue), Fraction(key.customers_cost), Fraction(key.cost)
        )
        report = executive_report.build_live(session, ReportOptions(month=month))
        assert report.executive_metrics is not None
        shown = {name: getattr(report.executive_metrics, name) for name in EXECUTIVE_COLUMNS}
        shown |= {
            name: getattr(report.executive_metrics, name)
            for name in ("revenue_at_risk", "revenue_protection_rate", "optimization_savings_realized",
                         "optimization_savings_rate", "gross_margin_ratio")
        }  # fmt: skip
        problems += [f"{month:%Y-%m} portfolio: {problem}" for problem in metric_problems(portfolio, shown, 6)]
    # the executive view shows the reporting month's (September's) metrics of every customer
    columns = ", ".join(EXECUTIVE_COLUMNS)
    view = rows_of(session, f"SELECT tenant_id, {columns} FROM executive_business_summary")
    assert view == rows_of(session, f"SELECT tenant_id, {columns} FROM bi_executive_metrics WHERE month = %s", MONTH)
    assert not problems, "\n".join(problems)


def rows_of(session: Session, text: str, *params: Any) -> list[tuple[Any, ...]]:
    return sorted(session.fetch_all(text, params or None), key=repr)


# ---------------------------------------------------------------------------------------------- the reports


def test_the_tenant_executive_summary_has_the_plans_structure_with_measured_values(rows: Rows) -> None:
    known_june(rows, MAY)  # May for the trend
    report = executive_report.build(rows.session, ReportOptions(month=JUNE, tenant="alpha"))
    assert isinstance(report, TenantExecutiveReport)
    assert (report.company_name, report.overall_health) == ("Alpha", "Excellent")
    k = report.key_metrics
    assert (k.revenue, k.revenue_at_risk, k.revenue_risk_score) == (D("1000.00"), D("80.00"), D("8.00"))
    assert k.revenue_protection_rate == D("0.526316")  # reports round ratios to 6 decimals
    assert (k.optimization_savings_potential, k.optimization_savings_realized) == (D("100.00"), D("12.50"))
    assert (k.optimization_actions_taken, k.optimization_savings_rate) == (2, D("0.125"))
    assert (k.efficiency_score, k.efficiency_trend) == (D("72.50"), D("-7.50"))
    assert (k.strategic_decisions_made, k.avg_decision_time_hours) == (2, D("204.00"))
    assert (k.gross_margin_ratio, k.business_performance_score) == (D("0.9"), ALPHA_SCORE)
    assert (k.priority_actions_required, k.open_recommendations, k.open_urgent_losses) == (3, 2, 1)
    targets = {t.kpi: (t.actual, t.target, t.met) for t in k.targets}
    assert targets == {
        "revenue_protection_rate": (D("0.526316"), D("0.95"), False),
        "optimization_savings_rate": (D("0.125"), D("0.10"), True),
        "efficiency_score": (D("72.50"), D(85), False),
        "avg_decision_time_hours": (D("204.00"), D(48), False),
        "gross_margin_ratio": (D("0.9"), D("0.70"), True),
    }
    assert [(a.code, a.dollars_per_month, a.urgency) for a in report.critical_alerts] == [
        ("revenue_loss_unresolved", D("30.00"), "critical")
    ]
    assert [(a.kind, a.status, a.expected_savings) for a in report.recommended_actions] == [
        ("downsize_idle_dedicated", "accepted", D("60.00")),
        ("downsize_idle_dedicated", "recommended", D("40.00")),
    ]
    assert report.trend is not None
    assert report.trend.previous_month == MAY
    assert (report.trend.revenue_risk_score, report.trend.efficiency_score) == (D("-92.00"), D("-7.50"))


def test_the_portfolio_executive_report_gains_the_kpi_block(rows: Rows) -> None:
    known_june(rows)
    report = executive_report.build(rows.session, ReportOptions(month=JUNE))
    assert isinstance(report, executive_report.ExecutiveReport)
    k = report.executive_metrics
    assert k is not None
    assert (k.revenue, k.revenue_at_risk, k.revenue_risk_score) == (D("1300.00"), D("80.00"), D("6.15"))
    assert (k.optimization_savings_potential, k.optimization_savings_realized) == (D("100.00"), D("12.50"))
    assert (k.efficiency_score, k.efficiency_trend, k.priority_actions_required) == (D("72.50"), D("-7.50"), 3)
    assert k.optimization_savings_rate == D("0.041667")  # 12.50 of the month's whole cost, 300.00
    assert k.gross_margin_ratio == D("0.769231")  # the customers' margin
    expected = ref.performance_score(
        {
            "revenue_protection_rate": Fraction(200, 380),
            "optimization_savings_rate": Fraction(1250, 30000),
            "efficiency_score": Fraction(145, 2),
            "avg_decision_time_hours": Fraction(204),
            "gross_margin_ratio": Fraction(1000, 1300),
        }
    )
    assert rounded_close(expected, k.business_performance_score, 2)
    assert executive_report.build(rows.session, ReportOptions(month=JUNE)) == executive_report.build_live(
        rows.session, ReportOptions(month=JUNE)
    )


def test_a_tenant_nobody_has_is_a_clear_error(rows: Rows) -> None:
    known_june(rows)
    with pytest.raises(ConfigError, match="no tenant 'nobody'"):
        executive_report.build(rows.session, ReportOptions(month=JUNE, tenant="nobody"))


def test_report_executive_tenant_prints_json_and_text_for_80_columns(
    rows: Rows, dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    known_june(rows)
    done = cli("report", "executive", "--tenant", "alpha", "--month", "2025-06", "--dsn", dsn, "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert list(document) == [
        "report",
        "scope",
        "tenant_id",
        "company_name",
        "slug",
        "plan_name",
        "overall_health",
        "margin_not_applicable_reason",
        "key_metrics",
        "critical_alerts",
        "recommended_actions",
        "trend",
    ]
    assert document["key_metrics"]["business_performance_score"] == 74.44
    assert {t["kpi"]: t["target"] for t in document["key_metrics"]["targets"]}["revenue_protection_rate"] == 0.95
    portfolio = json.loads(cli("report", "executive", "--month", "2025-06", "--dsn", dsn, "--json").stdout)
    assert portfolio["executive_metrics"]["priority_actions_required"] == 3
    table = cli("report", "executive", "-t", "alpha", "--month", "2025-06", "--dsn", dsn, "--csv").stdout.splitlines()
    assert table[0] == "kpi,actual,target,target_max,direction,weight,unit,attainment,met"
    assert table[1] == "revenue_protection_rate,0.526316,0.95,,above,25,ratio,0.554017,false"
    unknown = cli("report", "executive", "--tenant", "nobody", "--month", "2025-06", "--dsn", dsn)
    assert unknown.returncode != 0
    assert "no tenant 'nobody'" in unknown.stderr

    screen = io.StringIO()
    console = Console(file=screen, width=80, force_terminal=True, color_system=None, highlight=False)
    monkeypatch.setenv("COLUMNS", "80")  # tables and prose fit cli.render.output_width()
    monkeypatch.setattr(render, "stdout", console)
    report = tenant_executive(rows.session, ReportOptions(month=JUNE, tenant="alpha"))
    report_executive.show_tenant_executive(report)
    text = screen.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    for label in ("revenue protection", "optimization savings", "efficiency", "decisions", "target", "95.0%"):
        assert label in text, label


def test_the_tenant_summary_measures_against_the_reports_revenue_basis(rows: Rows) -> None:
    rows.company("platform-operator", operator=True)
    tenant = rows.company("prepaid")
    rows.vps(tenant, "50.00")
    rows.session.execute(
        "INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at, service_period_start,"
        " service_period_end) VALUES (%s, 'charge', 1200, 'USD', '2025-06-01 10:00Z', '2025-06-01', '2026-06-01')",
        (tenant,),
    )  # a year paid in June: 100.00 recognized in June, 1,200.00 of cash
    Events(rows.session).impact(tenant, "-60.00", "high", "2025-06-10 10:00Z")
    rows.refresh(JUNE)
    recognized = executive_report.build(rows.session, ReportOptions(month=JUNE, tenant="prepaid"))
    cash = executive_report.build(rows.session, ReportOptions(month=JUNE, tenant="prepaid", basis=RevenueBasis.CASH))
    assert isinstance(recognized, TenantExecutiveReport) and isinstance(cash, TenantExecutiveReport)
    assert (recognized.key_metrics.revenue, recognized.key_metrics.revenue_risk_score) == (D("100.00"), D("60.00"))
    assert (cash.key_metrics.revenue, cash.key_metrics.revenue_risk_score) == (D("1200.00"), D("5.00"))
    assert (recognized.key_metrics.gross_margin_ratio, cash.key_metrics.gross_margin_ratio) == (D("0.5"), D("0.958333"))
    assert (
        recognized.key_metrics.business_performance_score
        == summary(rows.session)["Prepaid"]["business_performance_score"]
    )
