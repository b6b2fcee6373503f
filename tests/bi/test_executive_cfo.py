"""Issue 12, findings 2, 5 (default month), 6 and 7, and the reference customer's verification query: the executive
view counts the whole cost of the platform, health means the same everywhere and only where margin applies, revenue
at risk never exceeds the revenue, and reports and views default to the last complete month."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tenantdb import commands
from tenantdb.bi import RefreshRequest, refresh
from tenantdb.bi.reports import REPORTS, ReportOptions
from tenantdb.bi.reports import executive as executive_report
from tenantdb.bi.reports.common import resolve_scope
from tenantdb.bi.reports.deliverability import DeliverabilityReport
from tenantdb.bi.reports.figures import HEALTH_STATUSES
from tenantdb.bi.reports.health import MarginExemption
from tenantdb.config import load_settings
from tenantdb.db import Session, connect
from tenantdb.execute import RunRequest, migrate
from tenantdb.migrations import Direction
from tenantdb.modules import module_migrations, resolve_modules
from tests import recipes
from tests.bi.builders import JUNE, Rows, portfolio_executive
from tests.helpers import FAST, cli

dsn = recipes.database_fixture(recipes.modules_applied(["bi"]))  # every test starts with bi applied


D = Decimal


@pytest.fixture
def rows(session: Session) -> Rows:
    return Rows(session)


def healthy_customers_losing_platform(rows: Rows) -> dict[str, str]:
    """Two customers with healthy margins (revenue 950.00 against 360.00 of cost) on a platform that loses money once
    its idle capacity (540.00), warm-up investment (100.00) and a shared server in no pool (10.00) are counted."""
    operator = rows.company("platform-operator", operator=True)
    pool = rows.pool("shared", rule="usage_driver", driver="emails_sent")
    shared = rows.vps(operator, "600.00", tenancy="shared", pool=pool, capacity=1000)  # 720,000 e-mails in June
    rows.ip(operator, shared, "100.00", status="warming")  # the platform's warm-up investment
    rows.vps(operator, "10.00", tenancy="shared")  # in no pool: allocated to nobody
    a, b = rows.company("alpha"), rows.company("beta")
    plan = rows.plan("Growth", "300.00")
    for tenant, dedicated, sent, paid in ((a, "100.00", 24_000, "300.00"), (b, "200.00", 48_000, "650.00")):
        rows.subscription(tenant, plan)
        rows.vps(tenant, dedicated, capacity=1000)
        rows.member(tenant, pool)
        rows.sending(tenant, "2025-06-10", sent, sent)
        rows.ledger(tenant, "charge", paid)
    rows.refresh(JUNE)
    return {"operator": operator, "alpha": a, "beta": b}


# ---------------------------------------------------------------------------------------------- finding 2: full cost


def test_the_executive_cost_is_the_whole_modeled_cost_of_the_month(rows: Rows) -> None:
    healthy_customers_losing_platform(rows)
    report = portfolio_executive(rows.session, ReportOptions(month=JUNE))
    k = report.key_metrics
    assert (k.customers_cost, k.customers_profit) == (D("360.00"), D("590.00"))  # the customers look healthy
    assert (k.idle_capacity, k.warmup_investment, k.platform_resources, k.unallocated) == (
        D("540.00"),
        D("100.00"),
        D("0.00"),
        D("10.00"),
    )
    assert (k.revenue, k.cost, k.profit) == (D("950.00"), D("1010.00"), D("-60.00"))
    assert k.cost == k.infrastructure_cost + k.email_service_cost
    assert k.gross_margin_ratio == D("-0.063158")
    assert report.overall_health == "Critical Action Required"
    assert any(alert.code == "portfolio_unprofitable" for alert in report.alerts)


def test_the_bridge_goes_from_the_customers_margins_to_the_company_margin_line_by_line(rows: Rows) -> None:
    healthy_customers_losing_platform(rows)
    report = portfolio_executive(rows.session, ReportOptions(month=JUNE))
    assert [(line.line, line.amount) for line in report.bridge] == [
        ("customers' margin", D("590.00")),
        ("idle capacity", D("-540.00")),
        ("warm-up investment", D("-100.00")),
        ("platform's own resources", D("0.00")),
        ("unallocated", D("-10.00")),
        ("company margin", D("-60.00")),
    ]
    assert sum(line.amount for line in report.bridge[:-1]) == report.bridge[-1].amount


def test_the_bridge_is_printed_as_text_and_json(rows: Rows, dsn: str) -> None:
    healthy_customers_losing_platform(rows)
    done = cli("report", "executive", "--month", "2025-06", "--dsn", dsn, "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert [line["line"] for line in document["bridge"]][-1] == "company margin"
    assert document["key_metrics"]["cost"] == 1010
    text = cli("report", "executive", "--month", "2025-06", "--dsn", dsn)
    assert text.returncode == 0, text.stderr
    for label in ("customers' margin", "idle capacity", "warm-up investment", "unallocated", "company margin"):
        assert label in text.stdout, label


def test_the_stored_summary_carries_the_full_cost(rows: Rows) -> None:
    healthy_customers_losing_platform(rows)
    options = ReportOptions(month=JUNE)
    scope = resolve_scope(rows.session, options)
    assert executive_report.stored_sections(rows.session, scope) is not None
    assert portfolio_executive(rows.session, options) == executive_report.build_live(rows.session, options)


# ---------------------------------------------------------------------------------------------- finding 6: health


def customers_without_margin(rows: Rows) -> dict[str, str]:
    """A free-plan, a trialing, a churned and a low-volume customer, none with revenue, and one paying customer."""
    rows.company("platform-operator", operator=True)
    free, paid = rows.plan("Free", "0.00"), rows.plan("Starter", "49.00")
    tenants = {name: rows.company(name) for name in ("free", "trial", "churned", "quiet", "paying", "unpaid")}
    rows.subscription(tenants["free"], free)
    rows.subscription(tenants["trial"], paid, status="trialing")
    churned = rows.subscription(tenants["churned"], paid)
    rows.session.execute(
        "UPDATE subscriptions SET status = 'canceled', canceled_at = '2025-05-20Z' WHERE subscription_id = %s",
        (churned,),
    )
    rows.subscription(tenants["quiet"], paid)
    rows.subscription(tenants["paying"], paid)
    rows.subscription(tenants["unpaid"], paid, status="past_due")
    for name in ("free", "trial", "churned", "paying", "unpaid"):
        rows.sending(tenants[name], "2025-06-10", 5_000, 4_900)
    rows.sending(tenants["quiet"], "2025-06-10", 100, 99)
    rows.ledger(tenants["paying"], "charge", "49.00")
    rows.vps(tenants["unpaid"], "20.00")  # sends on a server and pays nothing: a real problem
    rows.refresh(JUNE)
    return tenants


def view_statuses(session: Session) -> dict[str, tuple[str, str | None]]:
    return {
        str(row[0]): (row[1], row[2])
        for row in session.fetch_all(
            "SELECT tenant_id, business_health_status, margin_not_applicable_reason FROM executive_business_summary"
        )
    }


def test_customers_without_revenue_where_margin_does_not_apply_are_not_critical(rows: Rows) -> None:
    tenants = customers_without_margin(rows)
    statuses = view_statuses(rows.session)
    assert {name: statuses[tenant] for name, tenant in tenants.items()} == {
        "free": ("Not Applicable", "free_plan"),
        "trial": ("Not Applicable", "trial"),
        "churned": ("Not Applicable", "no_subscription"),
        "quiet": ("Not Applicable", "below_min_volume"),
        "paying": ("Excellent", None),
        "unpaid": ("Critical Action Required", None),
    }
    assert {reason for _, reason in statuses.values() if reason} == set(MarginExemption)  # the closed set
    report = portfolio_executive(rows.session, ReportOptions(month=JUNE))
    counts = {count.name: count.tenants for count in report.health}
    assert counts == {"Critical Action Required": 1, "Monitor": 0, "Good": 0, "Excellent": 1, "Not Applicable": 4}
    assert {t.company_name for t in report.tenants} == {"Unpaid"}  # exempt tenants costing nothing need no attention
    assert "Not Applicable" in HEALTH_STATUSES


def test_free_and_trial_costs_are_no_margin_problem_and_a_paid_plan_without_revenue_says_so(rows: Rows) -> None:
    """The demo's first screen listed 60 "unprofitable" customers, nearly all free and trialing tenants whose cost
    is the free tier's, and paid-plan customers Critical with no reason. Margin reasons apply only where margin
    does; a paid plan that brought no revenue carries no_revenue."""
    tenants = customers_without_margin(rows)
    rows.vps(tenants["free"], "7.00")  # the free tier costs money
    rows.vps(tenants["trial"], "9.00")
    rows.refresh(JUNE)
    report = portfolio_executive(rows.session, ReportOptions(month=JUNE))
    reasons = {t.company_name: set(t.reasons) for t in report.tenants}
    margin_reasons = {"margin_below_target", "unprofitable", "no_revenue"}
    assert not reasons["Free"] & margin_reasons and not reasons["Trial"] & margin_reasons  # their servers: idle
    assert {"no_revenue", "unprofitable"} <= reasons["Unpaid"]
    assert not any(alert.code == "unprofitable_tenants" and (alert.value or 0) > 1 for alert in report.alerts)
    codes = {count.name: count.tenants for count in report.reasons}
    assert codes.get("unprofitable") == 1 and codes.get("no_revenue") == 1


def report_statuses(dsn: str, month: date | None = None) -> dict[str, str]:
    """Every customer's status as ``tenantdb report cost-optimization --json`` and ``report executive`` print it."""
    args = ["--dsn", dsn, "--json"] + (["--month", f"{month:%Y-%m}"] if month else [])
    statuses: dict[str, str] = {}
    for name in ("executive", "cost-optimization"):
        done = cli("report", name, *args)
        assert done.returncode == 0, done.stderr
        document = json.loads(done.stdout)
        for key in ("tenants", "unprofitable"):
            for tenant in document.get(key, []):
                status = tenant["business_health_status"]
                assert statuses.setdefault(tenant["tenant_id"], status) == status
    return statuses


def test_the_view_and_the_reports_give_every_customer_the_same_status(rows: Rows, dsn: str) -> None:
    customers_without_margin(rows)
    printed = report_statuses(dsn, JUNE)
    assert printed
    statuses = view_statuses(rows.session)
    assert {tenant: statuses[tenant][0] for tenant in printed} == printed


def test_the_view_and_the_reports_agree_on_a_seeded_database(dsn: str, tmp_path: Path) -> None:
    modules = ("core", "billing", "email_infra", "cost_tracking", "bi")
    with connect(dsn) as session:
        sets = [module_migrations(spec) for spec in resolve_modules(modules)]
        migrate(session, sets, FAST, RunRequest(direction=Direction.UP))
    listed = ", ".join(f'"{name}"' for name in modules)
    (tmp_path / "tenantdb.toml").write_text(f"modules = [{listed}]\n", encoding="utf-8")
    commands.seed(load_settings(tmp_path, environ={}).with_overrides(dsn=dsn), tenants=40, random_seed=7)
    with connect(dsn) as session:
        statuses = view_statuses(session)
        month = session.fetch_value("SELECT tenantdb_bi_reporting_month()")
        report = portfolio_executive(session, ReportOptions())
        refreshed = [row[0] for row in session.fetch_all("SELECT month FROM bi_refresh_state ORDER BY month")]
    # `tenantdb seed` ends today and refreshes the current month; the view and the report show the month before it
    last_complete = (utc_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    assert refreshed[-1] == utc_today().replace(day=1)
    assert report.scope.month == month == last_complete and report.scope.partial_days is None
    with connect(dsn) as session:
        every = session.fetch_all(
            "SELECT tenant_id, tenantdb_bi_health_status(recognized_revenue, total_cost,"
            " tenantdb_bi_margin_exemption(recognized_revenue, plan_id, price_monthly, subscription_status,"
            " emails_sent, 1000)) FROM bi_tenant_monthly WHERE month = %s",
            (month,),
        )
    assert {str(row[0]): row[1] for row in every} == {tenant: status for tenant, (status, _) in statuses.items()}
    printed = report_statuses(dsn)
    assert printed and {tenant: statuses[tenant][0] for tenant in printed} == printed


# ---------------------------------------------------------------------------------------------- finding 7: at risk


def test_revenue_at_risk_is_a_bounded_share_of_the_revenue(rows: Rows) -> None:
    rows.company("platform-operator", operator=True)
    plan = rows.plan("Growth", "100.00")
    cases = {  # (sent, delivered, bounced, complaints) -> share of 100.00 at risk
        "within": ((10_000, 9_600, 400, 5), D("0.00")),  # 4% bounces, 0.05% complaints: within every limit
        "bouncing": ((10_000, 9_250, 750, 0), D("50.00")),  # 7.5%: half-way from 5% to 10%
        "suspended": ((10_000, 8_000, 2_000, 0), D("100.00")),  # 20%: capped at the whole revenue
        "complaints": ((10_000, 10_000, 0, 20), D("50.00")),  # 0.2%: half-way from 0.1% to 0.3%
        "tiny": ((500, 300, 200, 50), D("0.00")),  # below the minimum volume
    }
    ids = {}
    for name, ((sent, delivered, bounced, complaints), _) in cases.items():
        tenant = ids[name] = rows.company(name)
        rows.subscription(tenant, plan)
        rows.sending(tenant, "2025-06-10", sent, delivered, hard=bounced, complaints=complaints)
        rows.ledger(tenant, "charge", "100.00")
    rows.refresh(JUNE)
    report = portfolio_executive(rows.session, ReportOptions(month=JUNE))
    assert report.key_metrics.revenue_at_risk == D("200.00")
    assert report.key_metrics.revenue_at_risk <= report.key_metrics.revenue
    at_risk = dict(
        rows.session.fetch_all(
            "SELECT company_name, tenantdb_bi_revenue_at_risk(recognized_revenue, emails_sent, emails_delivered,"
            " emails_bounced, spam_complaints, 1000) FROM bi_tenant_monthly WHERE month = %s",
            (JUNE,),
        )
    )
    assert at_risk == {name.title(): share for name, (_, share) in cases.items()}
    deliverability = REPORTS["deliverability"](rows.session, ReportOptions(month=JUNE))
    assert isinstance(deliverability, DeliverabilityReport)
    assert deliverability.revenue_at_risk == D("200.00")  # the same figure in every report
    assert {t.company_name: t.revenue_at_risk for t in deliverability.tenants} == at_risk


# ---------------------------------------------------------------------------------------------- finding 5: months


def utc_today() -> date:
    return datetime.now(UTC).date()


def test_a_row_dated_yesterday_does_not_move_the_default_to_the_unfinished_month(rows: Rows, dsn: str) -> None:
    operator = rows.company("platform-operator", operator=True)
    tenant = rows.company("tenant-a")
    rows.vps(operator, "1.00", tenancy="shared")
    rows.sending(tenant, "2025-06-10", 1_000, 900)
    this_month = utc_today().replace(day=1)
    last_complete = (this_month - timedelta(days=1)).replace(day=1)
    rows.sending(tenant, f"{last_complete:%Y-%m}-02", 10, 10)
    rows.sending(tenant, f"{utc_today() - timedelta(days=1)}", 10, 10)
    rows.sending(tenant, f"{utc_today()}", 10, 10)
    refresh(rows.session, RefreshRequest(months=(JUNE, last_complete, this_month)))
    scope = resolve_scope(rows.session, ReportOptions())
    assert scope.month == last_complete and scope.partial_days is None
    assert rows.value("SELECT tenantdb_bi_reporting_month()") == last_complete
    for view in ("executive_business_summary", "business_cost_allocation"):
        assert rows.value(f"SELECT count(*) FROM {view}") == 1, view
    days = rows.value("SELECT count(*) FROM deliverability_business_impact")
    assert days == 1  # the last complete month's one day, not this month's
    asked = resolve_scope(rows.session, ReportOptions(month=this_month))
    days_in_month = ((this_month + timedelta(days=32)).replace(day=1) - this_month).days
    assert asked.partial_days == utc_today().day and asked.days_in_month == days_in_month
    assert asked.month_label == f"{this_month:%Y-%m} (partial: {utc_today().day} of {days_in_month} days)"
    done = cli("report", "executive", "--month", f"{this_month:%Y-%m}", "--dsn", dsn, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scope"]["partial_days"] == utc_today().day
    text = cli("report", "executive", "--month", f"{this_month:%Y-%m}", "--dsn", dsn)
    assert f"(partial: {utc_today().day} of {days_in_month} days)" in text.stdout


# ---------------------------------------------------------------------------------------------- verification query

# The reference customer's "validate calculations" query, unchanged: every tenant's costs in the executive summary
# are the costs of the cost allocation view.
VALIDATE_CALCULATIONS = """
SELECT e.tenant_id,
       e.total_infrastructure_cost, c.total_infrastructure_cost,
       e.total_email_service_cost, c.total_email_service_cost,
       e.total_operational_cost, c.total_monthly_cost
FROM executive_business_summary e
JOIN business_cost_allocation c ON c.tenant_id = e.tenant_id
WHERE e.total_infrastructure_cost <> c.total_infrastructure_cost
   OR e.total_email_service_cost <> c.total_email_service_cost
   OR e.total_operational_cost <> c.total_infrastructure_cost + c.total_email_service_cost
   OR e.total_operational_cost <> c.total_monthly_cost
"""


def test_the_verification_query_passes_for_every_tenant(rows: Rows) -> None:
    tenants = healthy_customers_losing_platform(rows)
    assert rows.session.fetch_all(VALIDATE_CALCULATIONS) == []
    compared = rows.value(
        "SELECT count(*) FROM executive_business_summary e JOIN business_cost_allocation c USING (tenant_id)"
    )
    assert compared == len(tenants) - 1  # every customer


def test_the_views_compute_the_reporting_month_once_per_query(rows: Rows) -> None:
    """The month is a sub-select (evaluated once), not a function call per row or per customer's index scan."""
    healthy_customers_losing_platform(rows)
    rows.session.execute("SET track_functions = 'all'")
    calls = "SELECT coalesce(pg_stat_get_xact_function_calls('tenantdb_bi_reporting_month()'::regprocedure), 0)"
    for view in ("executive_business_summary", "business_cost_allocation", "deliverability_business_impact"):
        with rows.session.transaction():
            before = rows.value(calls)  # calls not yet flushed to the statistics count too
            rows.session.fetch_all(f"SELECT * FROM {view}")
            assert rows.value(calls) - before == 1, view


def test_the_reconciliation_report_defaults_to_the_last_complete_month_too(rows: Rows) -> None:
    operator = rows.company("platform-operator", operator=True)
    server = rows.vps(operator, "10.00", tenancy="shared")
    rows.company("tenant-a")
    this_month = utc_today().replace(day=1)
    last_complete = (this_month - timedelta(days=1)).replace(day=1)
    for month in (last_complete, this_month):  # an invoice already in for the current month
        rows.invoice("hetzner", month, [(rows.host(server), "1", "10.00")], number=f"{month:%Y%m}")
    refresh(rows.session, RefreshRequest(months=(last_complete, this_month)))
    assert REPORTS["reconciliation"](rows.session, ReportOptions()).scope.month == last_complete
    asked = REPORTS["reconciliation"](rows.session, ReportOptions(month=this_month))
    assert asked.scope.month == this_month and asked.scope.partial_days == utc_today().day  # labelled partial


def test_analysts_see_the_same_whole_cost(rows: Rows) -> None:
    """The portfolio reads every resource (row-level security lets analysts read them all): same report."""
    healthy_customers_losing_platform(rows)
    options = ReportOptions(month=JUNE, min_volume=999)  # computed live
    expected = portfolio_executive(rows.session, options)
    rows.session.execute("SET ROLE business_analysts")
    try:
        assert portfolio_executive(rows.session, options).key_metrics == expected.key_metrics
    finally:
        rows.session.execute("RESET ROLE")
