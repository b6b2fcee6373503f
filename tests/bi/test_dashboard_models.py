"""The dashboard's report models (revenue-health, cost-center, efficiency, decisions, benchmarks, tenant, trend) over
the hand-computed dataset of tests/bi/report_data.py, plus a few events rows: every figure, the bounded lists and
their keyset order, the options, and every model built as business_analysts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tenantdb.bi.reports import REPORTS, ReportOptions
from tenantdb.bi.reports.benchmarks import BenchmarksReport
from tenantdb.bi.reports.cost_center import CostCenterReport
from tenantdb.bi.reports.decisions import DecisionsReport
from tenantdb.bi.reports.efficiency import EfficiencyReport
from tenantdb.bi.reports.executive import store_summary
from tenantdb.bi.reports.limits import LimitStatus
from tenantdb.bi.reports.portfolio_trend import PortfolioTrendReport
from tenantdb.bi.reports.revenue_health import RevenueHealthReport
from tenantdb.bi.reports.tenant_page import AiUsage, TenantPageReport
from tenantdb.db import Session, connect
from tenantdb.errors import ConfigError, ExitCode
from tests.bi.report_data import ALPHA, BETA, GAMMA, MONTH, PREVIOUS
from tests.helpers import cli
from tests.modules.support import subscribe

D = Decimal
DASHBOARD_REPORTS = ("revenue-health", "cost-center", "efficiency", "decisions", "benchmarks", "tenant", "trend")

EVENTS = """
INSERT INTO cost_optimizations (optimization_id, tenant_id, kind, subject, month, expected_savings, status,
                                recommended_at, accepted_at, done_at) VALUES
    ('00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-00000000000b', 'reprice_unprofitable_tenant',
     'Beta Corp', '2026-09-01', 100.00, 'recommended', '2026-09-30 12:00+00', NULL, NULL),
    ('00000000-0000-4000-8000-0000000000c2', '00000000-0000-4000-8000-00000000000b', 'downsize_idle_dedicated',
     'Beta Corp', '2026-08-01', 50.00, 'done', '2026-08-10 12:00+00', '2026-08-20 12:00+00', '2026-08-25 12:00+00'),
    ('00000000-0000-4000-8000-0000000000c3', NULL, 'consolidate_idle_pool',
     'shared-eu', '2026-09-01', 40.00, 'accepted', '2026-09-10 12:00+00', '2026-09-15 12:00+00', NULL),
    ('00000000-0000-4000-8000-0000000000c4', '00000000-0000-4000-8000-00000000000a', 'raise_margin_to_target',
     'Alpha Mail', '2026-09-01', 5.00, 'dismissed', '2026-09-10 12:00+00', NULL, NULL);
INSERT INTO cost_optimization_results (tenant_id, optimization_id, month, remaining, realized) VALUES
    ('00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-0000000000c2', '2026-09-01', 20.00, 30.00);
INSERT INTO strategic_decisions (decision_id, tenant_id, title, category, opened_at, decided_at, outcome) VALUES
    ('00000000-0000-4000-8000-0000000000d1', NULL, 'Raise Scale price', 'pricing',
     '2026-09-01 00:00+00', '2026-09-03 00:00+00', 'approved'),
    ('00000000-0000-4000-8000-0000000000d2', '00000000-0000-4000-8000-00000000000b', 'Move Beta to shared',
     'infrastructure',
     '2026-08-20 00:00+00', '2026-09-10 00:00+00', 'rejected'),
    ('00000000-0000-4000-8000-0000000000d3', NULL, 'Win-back campaign', 'retention',
     '2026-09-20 00:00+00', NULL, NULL),
    ('00000000-0000-4000-8000-0000000000d4', NULL, 'New region', 'expansion',
     '2026-08-01 00:00+00', '2026-08-05 00:00+00', 'approved');
INSERT INTO efficiency_metrics (tenant_id, month, capacity, used, utilization, score) VALUES
    ('00000000-0000-4000-8000-00000000000a', '2026-09-01', 20000, 10000, 0.5, 50),
    ('00000000-0000-4000-8000-00000000000b', '2026-09-01', 1000000, 50000, 0.05, 5);
"""


@pytest.fixture
def dsn(report_data_dsn: str) -> str:
    """Here every test's database holds every module and the report dataset (a copy, tests/database_cache.py)."""
    return report_data_dsn


@pytest.fixture
def reports(dsn: str) -> Iterator[Session]:
    with connect(dsn) as session:
        with session.transaction():
            session.run_script(EVENTS)
        yield session


def build(session: Session, name: str, **options: Any) -> Any:
    return REPORTS[name](session, ReportOptions(**options))


def test_every_dashboard_model_is_registered_and_states_its_month(reports: Session) -> None:
    for name in DASHBOARD_REPORTS:
        report = build(reports, name, tenant="beta-corp")
        assert report.report == name
        assert report.scope.month == MONTH, name


@pytest.mark.parametrize("name", DASHBOARD_REPORTS)
def test_every_dashboard_model_builds_as_business_analysts(reports: Session, name: str) -> None:
    as_owner = build(reports, name, tenant="beta-corp")
    reports.execute("SET ROLE business_analysts")
    try:
        as_analyst = build(reports, name, tenant="beta-corp")
    finally:
        reports.execute("RESET ROLE")
    assert as_analyst == as_owner


def test_revenue_health_uses_the_executive_reports_revenue_at_risk(reports: Session) -> None:
    report = build(reports, "revenue-health")
    assert isinstance(report, RevenueHealthReport)
    executive = build(reports, "executive")
    p = report.portfolio
    assert (p.tenants, p.revenue, p.revenue_at_risk, p.at_risk_tenants) == (3, D("399.00"), D("59.80"), 1)
    assert p.revenue_at_risk == executive.key_metrics.revenue_at_risk
    assert p.bounce_rate == D("0.056198")  # 3,400 / 60,500
    assert p.spam_rate == D("0.001163")  # 65 / 55,880
    rows = {t.tenant_id: t for t in report.tenants}
    beta, alpha, gamma = rows[BETA], rows[ALPHA], rows[GAMMA]
    assert (beta.bounce_rate, beta.spam_rate) == (D("0.060000"), D("0.001304"))
    assert (beta.bounce_status, beta.spam_status) == (LimitStatus.OVER_LIMIT, LimitStatus.OVER_LIMIT)
    assert (alpha.bounce_status, alpha.spam_status) == (LimitStatus.WITHIN, LimitStatus.WITHIN)
    assert (gamma.bounce_status, gamma.spam_status) == (LimitStatus.BELOW_MIN_VOLUME, LimitStatus.BELOW_MIN_VOLUME)
    assert beta.revenue_at_risk == D("59.80") and alpha.revenue_at_risk == D("0.00")
    assert report.tenants[0].tenant_id == BETA  # largest revenue at risk first
    assert report.tenants_total == 3
    assert [(m.month, m.revenue, m.revenue_at_risk, m.at_risk_tenants) for m in report.trend] == [
        (PREVIOUS, D("399.00"), D("0.00"), 0),
        (MONTH, D("399.00"), D("59.80"), 1),
    ]


def test_lists_are_bounded_by_the_limit_in_their_keyset_order(reports: Session) -> None:
    report = build(reports, "revenue-health", limit=2)
    assert len(report.tenants) == 2 and report.tenants_total == 3
    keys = [(-t.revenue_at_risk, t.tenant_id) for t in build(reports, "revenue-health").tenants]
    assert keys == sorted(keys)
    assert len(build(reports, "benchmarks", limit=1).tenants) == 1
    assert len(build(reports, "efficiency", limit=1).tenants) == 1


@pytest.mark.parametrize(("option", "value"), [("limit", 0), ("limit", 1001), ("months", 0), ("months", 61)])
def test_a_limit_or_months_out_of_range_is_a_clear_error(reports: Session, option: str, value: int) -> None:
    with pytest.raises(ConfigError, match=f"^{option} {value}: expected 1 to") as refused:
        build(reports, "revenue-health", **{option: value})
    assert refused.value.option == option


def test_trend_covers_the_last_n_months(reports: Session) -> None:
    report = build(reports, "trend", months=1)
    assert isinstance(report, PortfolioTrendReport)
    assert [m.month for m in report.months] == [MONTH]
    months = build(reports, "trend").months
    assert [(m.month, m.revenue, m.cost, m.profit) for m in months][-1] == (
        MONTH,
        D("399.00"),
        D("362.50"),
        D("36.50"),
    )
    assert months[-1].gross_margin_ratio == D("0.091479")
    assert months[-1].cost_per_1000_delivered == D("6.4871")
    assert [m.month for m in months] == [PREVIOUS, MONTH]


def test_cost_center_identified_taken_realized(reports: Session) -> None:
    report = build(reports, "cost-center")
    assert isinstance(report, CostCenterReport)
    assert len(report.months) == 12  # every month of the window, with zeros before the first action
    months = [(m.month, m.identified, m.taken, m.realized) for m in report.months[-2:]]
    assert months == [(PREVIOUS, D("50.00"), D("50.00"), D("0.00")), (MONTH, D("145.00"), D("40.00"), D("30.00"))]
    last = report.months[-1]
    assert (last.identified_cumulative, last.taken_cumulative, last.realized_cumulative) == (
        D("195.00"),
        D("90.00"),
        D("30.00"),
    )
    kinds = {k.kind: (k.actions, k.identified, k.taken, k.realized) for k in report.kinds}
    assert kinds["reprice_unprofitable_tenant"] == (1, D("100.00"), D("0.00"), D("0.00"))
    assert kinds["consolidate_idle_pool"] == (1, D("40.00"), D("40.00"), D("0.00"))
    assert kinds["downsize_idle_dedicated"] == (0, D("0.00"), D("0.00"), D("30.00"))
    assert [(a.kind, a.expected_savings, a.status, a.tenant_id) for a in report.open_actions] == [
        ("reprice_unprofitable_tenant", D("100.00"), "recommended", BETA),
        ("consolidate_idle_pool", D("40.00"), "accepted", None),
    ]
    assert all(a.age_days >= 0 for a in report.open_actions) and report.open_actions_total == 2


def test_efficiency_pools_dedicated_and_cost_per_thousand(reports: Session) -> None:
    report = build(reports, "efficiency")
    assert isinstance(report, EfficiencyReport)
    pools = {p.pool_name: p for p in report.pools}
    shared = pools["shared-eu"]
    assert (shared.cost, shared.idle_cost, shared.idle_share, shared.utilization) == (
        D("92.50"),
        D("40.00"),
        D("0.432432"),
        D("0.567568"),
    )
    assert pools["ops-overhead"].utilization == D("1.000000")
    d = report.dedicated
    assert (d.tenants, d.capacity, d.used, d.utilization) == (2, 1_020_000, 60_000, D("0.058824"))
    assert report.portfolio_cost_per_1000_delivered == D("6.4871")
    assert [t.tenant_id for t in report.tenants] == [GAMMA, BETA, ALPHA]  # most expensive first
    assert report.tenants[0].cost_per_1000_delivered == D("32.8947")
    assert [m.month for m in report.trend] == [PREVIOUS, MONTH]
    assert report.trend[-1].cost_per_1000_delivered == D("6.4871")
    m = report.efficiency_metrics
    assert m is not None and (m.tenants, m.capacity, m.used, m.score) == (2, D(1_020_000), D(60_000), D("5.88"))


def test_decisions_velocity_outcomes_and_list(reports: Session) -> None:
    report = build(reports, "decisions")
    assert isinstance(report, DecisionsReport)
    assert (report.opened, report.decided, report.open_at_month_end) == (2, 2, 1)
    assert (report.median_days, report.p90_days) == (D("11.50"), D("19.10"))
    assert [(o.outcome, o.decisions) for o in report.outcomes] == [("approved", 1), ("rejected", 1), ("deferred", 0)]
    assert len(report.trend) == 12 and report.trend[0].opened == 0
    assert [(m.month, m.opened, m.decided, m.median_days) for m in report.trend[-2:]] == [
        (PREVIOUS, 2, 1, D("4.00")),
        (MONTH, 2, 2, D("11.50")),
    ]
    assert [d.title for d in report.decisions] == ["Win-back campaign", "Raise Scale price", "Move Beta to shared"]
    assert report.decisions[2].days_to_decide == D("21.00") and report.decisions[0].days_to_decide is None


def test_benchmarks_limits_percentiles_and_distributions(reports: Session) -> None:
    report = build(reports, "benchmarks")
    assert isinstance(report, BenchmarksReport)
    rows = {t.tenant_id: t for t in report.tenants}
    alpha, beta, gamma = rows[ALPHA], rows[BETA], rows[GAMMA]
    assert (alpha.margin_rank, beta.margin_rank, gamma.margin_rank) == (D("1.0000"), D("0.0000"), None)
    assert (alpha.cost_per_1000_rank, beta.cost_per_1000_rank, gamma.cost_per_1000_rank) == (
        D("0.0000"),
        D("0.5000"),
        D("1.0000"),
    )
    assert (alpha.bounce_rank, beta.bounce_rank, gamma.bounce_rank) == (D("0.0000"), D("0.5000"), D("1.0000"))
    assert (alpha.spam_rank, beta.spam_rank, gamma.spam_rank) == (D("0.5000"), D("1.0000"), D("0.0000"))
    assert beta.bounce_status == LimitStatus.OVER_LIMIT and beta.spam_status == LimitStatus.OVER_LIMIT
    dist = {d.metric: d for d in report.distributions}
    assert set(dist) == {"gross_margin_ratio", "cost_per_1000_delivered", "bounce_rate", "spam_rate"}
    bounce = dist["bounce_rate"]
    assert bounce.tenants == 3 and bounce.p50 == D("0.060000")
    assert sum(b.tenants for b in bounce.bins) == 3
    assert [b.tenants for b in bounce.bins if b.lower == D("0.05")] == [1]  # Beta's 6%
    assert report.limits.bounce_review == D("0.05") and report.limits.complaints_never == D("0.003")


def test_tenant_page_explains_health_and_trend(reports: Session) -> None:
    report = build(reports, "tenant", tenant="beta-corp")
    assert isinstance(report, TenantPageReport)
    assert report.allocation.balanced and report.allocation.lines_total == D("280.00")
    assert report.health is not None
    assert report.health.business_health_status == "Monitor"
    assert set(report.health.reasons) == {
        "margin_below_target",
        "bounce_over_limit",
        "complaints_over_limit",
        "idle_dedicated_capacity",
    }
    assert [(m.month, m.revenue, m.cost, m.emails_delivered) for m in report.trend] == [
        (PREVIOUS, D("299.00"), D("200.00"), 39000),
        (MONTH, D("299.00"), D("280.00"), 46000),
    ]
    assert report.trend[-1].gross_margin_ratio == D("0.063545")
    assert report.trend[-1].cost_per_1000_delivered == D("6.0870")


def test_tenant_page_shows_ai_usage_against_the_plans_limits(reports: Session) -> None:
    beta = reports.fetch_value("SELECT id FROM companies WHERE slug = 'beta-corp'")
    usage = build(reports, "tenant", tenant="beta-corp").ai_usage
    assert (usage.sessions_created, usage.subscribed) == (0, False)  # no subscription: refused
    subscribe(reports, beta, {"ai_sessions_per_month": 100, "ai_concurrent_sessions": 5})
    portfolio = reports.fetch_value(
        "INSERT INTO portfolios (tenant_id, name) VALUES (%s, 'P') RETURNING portfolio_id", (beta,)
    )
    for _ in range(2):  # created now: queued, and counted in the current month
        reports.execute(
            "INSERT INTO ai_analysis_sessions (tenant_id, portfolio_id, analysis_type, model)"
            " VALUES (%s, %s, 'risk', 'm')",
            (beta, portfolio),
        )
    reports.execute(
        "INSERT INTO ai_session_usage (tenant_id, month, sessions_created) VALUES (%s, %s, 42)", (beta, MONTH)
    )
    report = build(reports, "tenant", tenant="beta-corp")
    assert report.ai_usage == AiUsage(
        month=MONTH,
        sessions_created=42,
        sessions_per_month=100,
        active_sessions=2,
        concurrent_sessions=5,
        subscribed=True,
    )


def test_tenant_page_needs_a_tenant(reports: Session) -> None:
    with pytest.raises(ConfigError, match="tenant"):
        build(reports, "tenant")


@pytest.mark.parametrize("name", DASHBOARD_REPORTS)
def test_tenantdb_report_renders_each_model_as_a_table_json_and_csv(reports: Session, dsn: str, name: str) -> None:
    base = (
        "report",
        name,
        "--month",
        f"{MONTH:%Y-%m}",
        "--dsn",
        dsn,
        *(("--tenant", "beta-corp") * (name == "tenant")),
    )
    table = cli(*base)
    assert table.returncode == 0, table.stderr
    assert f"{MONTH:%Y-%m}" in table.stdout
    document = cli(*base, "--json")
    assert document.returncode == 0, document.stderr
    assert json.loads(document.stdout)["report"] == name
    rows = cli(*base, "--csv")
    assert rows.returncode == 0, rows.stderr
    assert len(rows.stdout.splitlines()) >= 2  # a header, then rows


def test_a_bad_limit_on_the_command_line_is_bad_input_naming_it(reports: Session, dsn: str) -> None:
    done = cli("report", "benchmarks", "--limit", "5000", "--dsn", dsn)
    assert done.returncode == ExitCode.BAD_INPUT and "--limit 5000" in done.stderr


# Each list, the id of a row, and the model's list and total fields.
PAGED = (
    ("revenue-health", "tenants", "tenant_id", "tenants_total"),
    ("efficiency", "tenants", "tenant_id", "tenants_total"),
    ("benchmarks", "tenants", "tenant_id", "tenants_total"),
    ("cost-center", "open_actions", "optimization_id", "open_actions_total"),
    ("decisions", "decisions", "decision_id", "decisions_total"),
)


@pytest.mark.parametrize(("name", "rows", "key", "total"), PAGED)
def test_paging_with_the_keyset_cursor_lists_every_row_once_in_order(
    reports: Session, name: str, rows: str, key: str, total: str
) -> None:
    whole = getattr(build(reports, name), rows)
    paged: list[Any] = []
    after = None
    while True:
        page = build(reports, name, limit=1, after=after)
        assert getattr(page, total) == len(whole)
        if not getattr(page, rows):
            break
        paged.extend(getattr(page, rows))
        after = getattr(paged[-1], key)
    assert paged == list(whole) and len(whole) >= 2


def test_the_cursor_on_the_command_line_pages_and_a_bad_one_is_bad_input(reports: Session, dsn: str) -> None:
    base = ("report", "revenue-health", "--dsn", dsn, "--limit", "1", "--json")
    first = json.loads(cli(*base).stdout)["tenants"]
    second = json.loads(cli(*base, "--after", first[0]["tenant_id"]).stdout)["tenants"]
    assert [first[0]["tenant_id"], second[0]["tenant_id"]] == [str(BETA), str(ALPHA)]
    done = cli(*base, "--after", "x'; DROP TABLE companies; --")
    assert done.returncode == ExitCode.BAD_INPUT and "--after" in done.stdout  # --json: the error as JSON


def test_the_trend_reads_the_stored_totals_when_current_and_computes_them_otherwise(reports: Session) -> None:
    live = build(reports, "trend").months
    with reports.transaction():
        reports.execute(
            "INSERT INTO bi_refresh_state (month, definitions, duration_ms) VALUES (%s, 'x', 1), (%s, 'x', 1)",
            (PREVIOUS, MONTH),
        )
        assert store_summary(reports, PREVIOUS) and store_summary(reports, MONTH)
    assert build(reports, "trend").months == live  # the same figures, stored
    with reports.transaction():  # a marker proves which path was read
        reports.execute(
            "UPDATE bi_month_summary SET totals = jsonb_set(totals, '{0,revenue}', '12345.67') WHERE month = %s",
            (MONTH,),
        )
    assert build(reports, "trend").months[-1].revenue == D("12345.67")
    with reports.transaction():  # the month refreshed since its summary: computed live again
        reports.execute(
            "UPDATE bi_refresh_state SET refreshed_at = now() + interval '1 minute' WHERE month = %s", (MONTH,)
        )
    assert build(reports, "trend").months == live
