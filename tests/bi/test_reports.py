"""Report models over a small hand-computed dataset (tests/bi/report_data.py): every number, option and error."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import pytest

from tenantdb.bi.reports import REPORTS, ReportOptions, parse_month
from tenantdb.bi.reports.cost_optimization import CostOptimizationReport
from tenantdb.bi.reports.cost_per_email import CostPerEmailReport
from tenantdb.bi.reports.deliverability import DeliverabilityReport
from tenantdb.bi.reports.executive import ExecutiveReport
from tenantdb.bi.reports.explain import ExplainReport
from tenantdb.bi.reports.plans import PlansReport
from tenantdb.bi.reports.reconciliation import ReconciliationReport
from tenantdb.db import Session, connect
from tenantdb.errors import ConfigError, DatabaseStateError
from tests.bi.report_data import ALPHA, BETA, GAMMA, MONTH, PREVIOUS

D = Decimal


@pytest.fixture
def reports(report_data_dsn: str) -> Iterator[Session]:
    with connect(report_data_dsn) as session:
        yield session


def build(session: Session, name: str, **options: object) -> object:
    return REPORTS[name](session, ReportOptions(**options))  # type: ignore[arg-type]


def executive(session: Session, **options: object) -> ExecutiveReport:
    report = build(session, "executive", **options)
    assert isinstance(report, ExecutiveReport)
    return report


def test_every_report_states_the_month_and_revenue_basis(reports: Session) -> None:
    for name in REPORTS:
        report = build(reports, name, tenant="beta-corp")
        scope = report.scope  # type: ignore[attr-defined]
        assert (scope.month, scope.revenue_basis) == (MONTH, "recognized_revenue"), name
        assert "recognized revenue" in scope.revenue_basis_note


def test_executive_key_metrics_and_trend(reports: Session) -> None:
    report = executive(reports)
    k = report.key_metrics
    # The platform's whole cost: the customers' 322.50 and the operator's 40.00 of idle capacity
    assert (k.tenants, k.revenue, k.cost, k.profit) == (3, D("399.00"), D("362.50"), D("36.50"))
    assert (k.customers_cost, k.customers_profit, k.idle_capacity, k.unallocated) == (
        D("322.50"),
        D("76.50"),
        D("40.00"),
        D("0.00"),
    )
    assert (k.infrastructure_cost, k.email_service_cost) == (D("220.00"), D("142.50"))
    assert k.gross_margin_ratio == D("0.091479")  # (399 - 362.50) / 399
    assert k.cost_per_1000_delivered == D("6.4871")  # 362.50 * 1000 / 55,880
    assert k.revenue_at_risk == D("59.80")  # Beta's 6% bounces: 20% of its 299.00 (Gamma is below the volume)
    assert (k.unprofitable_tenants, k.unprofitable_loss) == (1, D("12.50"))
    assert report.overall_health == "Monitor"  # 399 > 362.50 but not 1.5 x
    assert [(line.line, line.amount) for line in report.bridge] == [
        ("customers' margin", D("76.50")),
        ("idle capacity", D("-40.00")),
        ("warm-up investment", D("0.00")),
        ("platform's own resources", D("0.00")),
        ("unallocated", D("0.00")),
        ("company margin", D("36.50")),
    ]
    assert report.previous_month is not None and report.previous_month.month == PREVIOUS
    assert report.previous_month.unallocated == D("137.50")  # August has no lines: 362.50 - 225.00
    assert report.trend is not None
    assert (report.trend.revenue, report.trend.cost, report.trend.profit) == (D("0.00"), D("0.00"), D("0.00"))
    assert report.trend.gross_margin_ratio == D("0")


def test_executive_health_reasons_alerts_and_actions(reports: Session) -> None:
    report = executive(reports)
    assert {h.name: h.tenants for h in report.health} == {
        "Critical Action Required": 0,
        "Monitor": 1,
        "Good": 0,
        "Excellent": 1,
        "Not Applicable": 1,
    }
    tenants = {t.tenant_id: t for t in report.tenants}
    assert set(tenants) == {BETA, GAMMA} and report.tenants_needing_attention == 2
    gamma = tenants[GAMMA]  # no subscription and no revenue: margin does not apply, its cost still needs attention
    assert (gamma.business_health_status, gamma.margin_not_applicable_reason) == ("Not Applicable", "no_subscription")
    beta = tenants[BETA]
    assert beta.reasons == (
        "margin_below_target",
        "bounce_over_limit",
        "complaints_over_limit",
        "idle_dedicated_capacity",
    )
    assert (beta.gross_margin_ratio, beta.bounce_rate, beta.spam_rate) == (D("0.063545"), D("0.06"), D("0.001304"))
    assert (beta.business_risk_level, beta.dedicated_utilization) == ("monitoring_needed", D("0.05"))
    assert {(a.code, a.subject, a.dollars_per_month) for a in report.alerts} == {
        ("unprofitable_tenants", "1 tenant(s)", D("12.50")),
        ("complaints_over_limit", "Beta Corp", D("165.00")),
        ("invoice_drift", "hetzner", D("10.00")),
    }
    assert [(a.kind, a.subject, a.dollars_per_month) for a in report.actions] == [
        ("downsize_idle_dedicated", "Beta Corp", D("142.50")),  # its 150.00 server x 95% idle
        ("fix_deliverability", "Beta Corp", D("103.50")),  # 0.05 x (3,000 - 1,000) + 0.25 x (60 - 46)
        ("raise_margin_to_target", "Beta Corp", D("70.70")),  # 30% of 299 - 19
        ("consolidate_idle_pool", "shared-eu", D("40.00")),  # 40 of 92.50 idle
        ("reprice_unprofitable_tenant", "Gamma Tiny", D("12.50")),
        ("review_invoice_drift", "hetzner", D("10.00")),
        ("fix_deliverability", "Alpha Mail", D("5.00")),
    ]
    assert [a.rank for a in report.actions] == list(range(1, 8))


def test_minimum_volume_gates_deliverability_reasons_only(reports: Session) -> None:
    gamma = next(t for t in executive(reports).tenants if t.tenant_id == GAMMA)
    assert gamma.below_min_volume and gamma.business_risk_level == "critical_action_required"
    assert gamma.reasons == ("margin_below_target", "unprofitable")
    ungated = next(t for t in executive(reports, min_volume=0).tenants if t.tenant_id == GAMMA)
    assert ungated.reasons == ("margin_below_target", "unprofitable", "bounce_over_limit")


def test_margin_target_option(reports: Session) -> None:
    beta = next(t for t in executive(reports, margin_target=D("0.05")).tenants if t.tenant_id == BETA)
    assert "margin_below_target" not in beta.reasons
    alpha = next(t for t in executive(reports, margin_target=D("0.8")).tenants if t.tenant_id == ALPHA)
    assert alpha.reasons == ("margin_below_target",)


def test_plans_with_the_spread_of_margins(reports: Session) -> None:
    report = build(reports, "plans")
    assert isinstance(report, PlansReport)
    plans = {p.plan_name: p for p in report.plans}
    assert [p.plan_name for p in report.plans] == [None, "Growth", "Scale"]
    scale = plans["Scale"]
    assert (scale.tenants, scale.revenue, scale.cost, scale.profit) == (1, D("299.00"), D("280.00"), D("19.00"))
    assert scale.margin_min == scale.margin_median == scale.margin_max == D("0.063545")
    none = plans[None]
    assert (none.unprofitable_tenants, none.tenants_with_margin, none.margin_median) == (1, 0, None)
    assert executive(reports).plans == report.plans


def test_cost_per_email_per_tenant_and_plan(reports: Session) -> None:
    report = build(reports, "cost-per-email")
    assert isinstance(report, CostPerEmailReport)
    rows = {t.tenant_id: t for t in report.tenants}
    assert rows[ALPHA].cost_per_email_delivered == D("0.003158")  # 30 / 9,500
    assert rows[ALPHA].cost_per_1000_delivered == D("3.1579")
    assert rows[GAMMA].cost_per_1000_delivered == D("32.8947")  # 12.50 * 1000 / 380
    assert [t.tenant_id for t in report.tenants] == [GAMMA, BETA, ALPHA]  # most expensive first
    assert {p.plan_name: p.cost_per_1000_delivered for p in report.plans}["Scale"] == D("6.0870")


def test_deliverability_levels_and_money(reports: Session) -> None:
    report = build(reports, "deliverability")
    assert isinstance(report, DeliverabilityReport)
    assert (report.revenue_at_risk, report.potential_savings) == (D("59.80"), D("113.00"))  # Beta: 20% of 299.00
    assert report.tenants_below_min_volume == 1
    assert {r.risk_level: r.tenants for r in report.risk_levels} == {
        "critical_action_required": 1,
        "monitoring_needed": 1,
        "acceptable": 1,
        "insufficient_data": 0,
    }
    beta = next(t for t in report.tenants if t.tenant_id == BETA)
    assert beta.reasons == ("bounce_over_limit", "complaints_over_limit")
    assert (beta.estimated_revenue_loss, beta.potential_savings) == (D("165.00"), D("103.50"))


def test_cost_optimization_savings(reports: Session) -> None:
    report = build(reports, "cost-optimization")
    assert isinstance(report, CostOptimizationReport)
    assert report.total_dollars_per_month == D("384.20")
    assert [t.tenant_id for t in report.idle_dedicated] == [BETA]
    idle = report.idle_dedicated[0]
    assert (idle.dedicated_server_cost, idle.idle_cost, idle.dedicated_utilization) == (
        D("150.00"),
        D("142.50"),
        D("0.05"),
    )
    assert [t.tenant_id for t in report.unprofitable] == [GAMMA]
    pools = {p.pool_name: p for p in report.pools}
    assert (pools["shared-eu"].pool_cost, pools["shared-eu"].idle_share, pools["shared-eu"].high_idle) == (
        D("92.50"),
        D("0.432432"),
        True,
    )
    assert (pools["ops-overhead"].members, pools["ops-overhead"].high_idle) == (1, False)


def test_reconciliation_defaults_to_the_latest_reconciled_month(reports: Session) -> None:
    report = build(reports, "reconciliation")
    assert isinstance(report, ReconciliationReport)
    assert report.scope.month == MONTH
    assert [p.provider for p in report.providers] == ["hetzner", "ovh"]
    hetzner = report.providers[0]
    assert hetzner.rate_drift is not None and hetzner.quantity_drift is not None and hetzner.unmatched is not None
    assert hetzner.difference == hetzner.rate_drift + hetzner.quantity_drift + hetzner.unmatched == D("10.00")
    assert (hetzner.scale_factor, hetzner.flagged, report.flagged_providers) == (D("1.058824"), True, 1)
    august = build(reports, "reconciliation", month=PREVIOUS)
    assert [p.flagged for p in august.providers] == [False]  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["beta-corp", str(BETA), str(BETA).upper(), " beta-corp "])
def test_explain_lines_sum_to_the_tenant_cost(reports: Session, name: str) -> None:
    report = build(reports, "explain", tenant=name)
    assert isinstance(report, ExplainReport)
    assert report.tenant_id == BETA and report.total_cost == D("280.00")
    assert sum(line.amount for line in report.lines) == report.lines_total == D("280.00") and report.balanced
    assert [(line.category, line.resource_name or line.pool_name) for line in report.lines] == [
        ("dedicated", "mta1.beta.example"),
        ("dedicated", "192.0.2.10"),
        ("shared", "shared-eu"),
        ("overhead", "ops-overhead"),
    ]
    shared = report.lines[2]
    assert (shared.rule, shared.driver, shared.driver_value, shared.driver_total) == (
        "usage_driver",
        "emails_delivered",
        D(46000),
        D(55880),
    )
    assert shared.share == D("0.823193") and shared.unit_cost == D("92.50")


def test_explain_by_name_and_the_platform_operator(reports: Session) -> None:
    alpha = build(reports, "explain", tenant="alpha mail")
    assert isinstance(alpha, ExplainReport) and alpha.tenant_id == ALPHA and alpha.balanced
    operator = build(reports, "explain", tenant="platform-operator")
    assert isinstance(operator, ExplainReport)
    assert operator.total_cost is None and operator.lines_total == D("40.00")  # idle capacity, not a customer


def test_explain_errors(reports: Session) -> None:
    with pytest.raises(ConfigError, match="no tenant 'nobody'"):
        build(reports, "explain", tenant="nobody")
    with pytest.raises(ConfigError, match="2 tenants are named 'Beta Corp'") as raised:
        build(reports, "explain", tenant="Beta Corp")
    assert "beta-corp-eu" in (raised.value.hint or "")
    with pytest.raises(ConfigError, match="needs a tenant"):
        build(reports, "explain")


def test_month_errors(reports: Session) -> None:
    with pytest.raises(ConfigError, match="no rollups for 2025-01") as raised:
        build(reports, "executive", month=parse_month("2025-01"))
    assert "2026-08, 2026-09" in (raised.value.hint or "")
    with pytest.raises(ConfigError, match="no reconciliation for 2026-07"):
        build(reports, "reconciliation", month=parse_month("2026-07"))
    for text in ("2026-13", "2026-9", "Sept", "2026-00"):
        with pytest.raises(ConfigError, match="expected a month like"):
            parse_month(text)
    assert parse_month(" 2026-09 ") == MONTH


def test_bad_thresholds_are_refused(reports: Session) -> None:
    with pytest.raises(ConfigError, match="expected a ratio below 1") as refused:
        build(reports, "executive", margin_target=D("1.5"))
    assert refused.value.option == "margin_target"
    with pytest.raises(ConfigError, match="expected 0 or more e-mails") as refused:
        build(reports, "executive", min_volume=-1)
    assert refused.value.option == "min_volume"


def test_without_rollups_the_error_says_what_to_run(dsn: str, modules_dsn: str) -> None:
    with connect(dsn) as session, pytest.raises(DatabaseStateError, match="module bi is not applied"):
        build(session, "executive")
    with connect(modules_dsn) as session:
        with pytest.raises(ConfigError, match="no rollups yet") as raised:
            build(session, "plans")
        assert "tenantdb bi refresh" in (raised.value.hint or "")


def test_options_are_plain_values() -> None:
    options = ReportOptions()
    assert (options.month, options.margin_target, options.min_volume) == (None, D("0.30"), 1000)
    assert replace(options, tenant="x").tenant == "x"


def test_analysts_read_the_reports_through_their_policies(reports: Session) -> None:
    reports.execute("SET ROLE business_analysts")
    assert executive(reports).key_metrics.tenants == 3
    explain = build(reports, "explain", tenant="beta-corp")
    assert isinstance(explain, ExplainReport) and explain.balanced and len(explain.lines) == 4


def test_a_role_that_row_level_security_hides_the_rollups_from_is_told_so(reports: Session) -> None:
    reports.execute("SET ROLE application_service")  # tenant policies, and no tenant set
    with pytest.raises(ConfigError, match="role application_service sees no rollups") as raised:
        build(reports, "plans")
    assert "business_analysts" in (raised.value.hint or "")


def test_first_actions_are_the_same_when_no_idle_candidate_is_computed_up_front(
    reports: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tenantdb.bi.reports import executive as executive_module

    expected = executive(reports).actions
    monkeypatch.setattr(executive_module, "IDLE_CANDIDATES", 0)  # nothing proven: every candidate is computed
    assert executive(reports).actions == expected
