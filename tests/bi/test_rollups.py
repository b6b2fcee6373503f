"""The rollups and views of module bi: isolated per tenant, named as the dashboards expect, refreshed
incrementally, and never blocking or half-visible to a reader."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from tenantdb.bi import RefreshRequest, refresh
from tenantdb.bi.refresh import refresh_month
from tenantdb.db import Session, connect
from tenantdb.errors import ConfigError, DatabaseError
from tests import recipes
from tests.bi.builders import JUNE, Rows, monthly
from tests.modules.support import INSUFFICIENT_PRIVILEGE, acting_as, fetch_as

dsn = recipes.database_fixture(recipes.modules_applied(["bi"]))  # every test starts with bi applied


MAY = date(2025, 5, 1)

# docs/business-metrics.md, "The three views": names and columns kept for the existing dashboards.
VIEW_COLUMNS = {
    "executive_business_summary": [
        "tenant_id", "company_name", "plan_name", "current_period_start", "current_period_end",
        "monthly_subscription_revenue", "infrastructure_costs", "email_service_costs", "gross_margin_ratio",
        "cost_efficiency_score", "total_operational_cost", "monthly_profit", "business_health_status",
        "dashboard_date",
        # added at the end (bi 0008): the verification query's columns and why margin does not apply
        "total_infrastructure_cost", "total_email_service_cost", "margin_not_applicable_reason",
        # added at the end (bi 0010): the executive metrics the sample executive dashboard query reads
        "revenue_risk_score", "optimization_savings_potential", "optimization_actions_taken", "efficiency_score",
        "efficiency_trend", "avg_decision_time_hours", "strategic_decisions_made", "business_performance_score",
        "priority_actions_required", "revenue_protection_rate", "optimization_savings_realized",
    ],
    "business_cost_allocation": [
        "tenant_id", "company_name", "plan_name", "price_monthly", "total_infrastructure_cost",
        "total_email_service_cost", "cost_per_email_delivered", "total_monthly_cost", "monthly_profit",
        "business_efficiency_ratio",
    ],
    "deliverability_business_impact": [
        "company_id", "tracking_date", "emails_sent", "emails_bounced", "emails_spam", "bounce_rate", "spam_rate",
        "estimated_revenue_loss", "business_risk_level", "potential_savings",
    ],
}  # fmt: skip


@pytest.fixture
def rows(session: Session) -> Rows:
    return Rows(session)


def two_tenants(rows: Rows) -> tuple[str, str]:
    """Two customers with a dedicated server, a shared pool and June's and May's sending each."""
    operator = rows.company("platform-operator", operator=True)
    pool = rows.pool("shared", rule="usage_driver", driver="emails_sent")
    rows.vps(operator, "120.00", tenancy="shared", pool=pool)
    tenants = rows.company("tenant-a"), rows.company("tenant-b")
    for n, tenant in enumerate(tenants, start=1):
        rows.vps(tenant, f"{100 * n}.00")
        rows.member(tenant, pool)
        rows.sending(tenant, "2025-06-10", 10_000 * n, 9_000 * n, hard=100 * n)
        rows.sending(tenant, "2025-05-10", 5_000 * n, 4_000 * n)
    rows.invoice("hetzner", JUNE, [("unknown-host", "1", "10.00")])
    return tenants


def test_the_views_keep_the_dashboards_names_and_columns(rows: Rows) -> None:
    for view, columns in VIEW_COLUMNS.items():
        found = rows.session.fetch_all(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
            (view,),
        )
        assert [row[0] for row in found] == columns, view
        options = rows.session.fetch_value("SELECT reloptions FROM pg_class WHERE relname = %s", (view,))
        assert "security_invoker=true" in options


def test_a_tenant_sees_only_its_rollup_rows_and_nothing_of_the_platform(rows: Rows, dsn: str) -> None:
    a, b = two_tenants(rows)
    rows.refresh()
    for role in ("tenant_api", "application_service"):
        mine = fetch_as(dsn, role, a, "SELECT DISTINCT tenant_id::text FROM bi_cost_allocation_lines")
        assert mine == [(a,)]
        assert fetch_as(dsn, role, a, "SELECT tenant_id::text, month FROM bi_tenant_monthly") == [(a, JUNE)]
        assert fetch_as(dsn, role, None, "SELECT count(*) FROM bi_tenant_monthly") == [(0,)]
        for table in ("cost_pools", "allocation_rules", "provider_invoices", "provider_invoice_lines",
                      "bi_reconciliation", "bi_refresh_state", "resource_cost_daily", "executive_business_summary",
                      "business_cost_allocation", "deliverability_business_impact"):  # fmt: skip
            with pytest.raises(DatabaseError) as error, acting_as(dsn, role, a) as tenant:
                tenant.fetch_all(f"SELECT * FROM {table}")
            assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE, table
        with pytest.raises(DatabaseError) as error, acting_as(dsn, role, a) as tenant:
            tenant.execute("DELETE FROM bi_tenant_monthly")
        assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
    seen = fetch_as(dsn, "business_analysts", None, "SELECT count(DISTINCT tenant_id) FROM executive_business_summary")
    assert seen == [(2,)]
    assert fetch_as(dsn, "business_analysts", None, "SELECT count(*) FROM bi_reconciliation") == [(1,)]
    assert b != a


def test_rates_without_volume_are_insufficient_data_never_acceptable(rows: Rows) -> None:
    quiet, sender = rows.company("quiet"), rows.company("sender")
    rows.sending(quiet, "2025-06-01", 0, 0)
    rows.sending(sender, "2025-06-01", 1000, 940, hard=40, soft=20, complaints=2)  # 6 % bounces
    rows.sending(sender, "2025-06-02", 1000, 880, hard=100, soft=20)  # 12 %
    rows.sending(sender, "2025-06-03", 1000, 950, hard=50)  # exactly 5 %: not above it
    rows.refresh()
    found = rows.session.fetch_all(
        "SELECT company_id::text, tracking_date, bounce_rate, spam_rate, business_risk_level, estimated_revenue_loss,"
        " potential_savings FROM deliverability_business_impact ORDER BY company_id = %s, tracking_date",
        (sender,),
    )
    assert found[0] == (quiet, date(2025, 6, 1), None, None, "insufficient_data", Decimal("0.00"), Decimal("0.000"))
    levels = [(row[1].day, row[4]) for row in found[1:]]
    assert levels == [(1, "monitoring_needed"), (2, "critical_action_required"), (3, "acceptable")]
    first = found[1]
    assert first[2] == Decimal("0.06") and round(first[3], 10) == round(Decimal(2) / 940, 10)
    assert first[5] == Decimal("3.50")  # 60 bounces x $0.05 + 2 complaints x $0.25
    assert first[6] == Decimal("0.05") * 40 + Decimal("0.25") * (2 - Decimal("0.94"))


def test_an_incremental_refresh_recomputes_only_the_months_whose_inputs_changed(rows: Rows) -> None:
    a, _ = two_tenants(rows)
    session = rows.session
    first = refresh(session, RefreshRequest(jobs=1))
    assert [done.month for done in first.refreshed] == [MAY, JUNE] and first.skipped == ()
    again = refresh(session, RefreshRequest(jobs=1))
    assert again.refreshed == () and again.skipped == (MAY, JUNE)
    rows.sending(a, "2025-06-11", 500, 500)  # June's sending changed
    changed = refresh(session, RefreshRequest(jobs=1))
    assert [done.month for done in changed.refreshed] == [JUNE] and changed.skipped == (MAY,)
    session.execute("UPDATE vps_instances SET approximate_cost = approximate_cost + 1 WHERE tenant_id = %s", (a,))
    costs = refresh(session, RefreshRequest(jobs=1))  # a resource's cost counts in every month
    assert [done.month for done in costs.refreshed] == [MAY, JUNE]
    forced = refresh(session, RefreshRequest(everything=True, jobs=1))
    assert [done.month for done in forced.refreshed] == [MAY, JUNE]


def test_parallel_jobs_refresh_the_same_rows(rows: Rows, dsn: str) -> None:
    two_tenants(rows)
    session = rows.session
    digest = "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM (SELECT tenant_id, month, line_id, amount, rule FROM bi_cost_allocation_lines) t"  # noqa: E501
    refresh(session, RefreshRequest(jobs=1))
    alone = session.fetch_value(digest)
    report = refresh(session, RefreshRequest(everything=True, jobs=2), connect=lambda: connect(dsn))
    assert [done.month for done in report.refreshed] == [MAY, JUNE]
    assert session.fetch_value(digest) == alone


def test_a_reader_during_a_refresh_is_not_blocked_and_sees_a_whole_month(rows: Rows, dsn: str) -> None:
    two_tenants(rows)
    rows.refresh()
    totals = "SELECT count(*), sum(amount) FROM bi_cost_allocation_lines WHERE month = %s"
    before = rows.session.fetch_one(totals, (JUNE,))
    rows.vps(rows.company("tenant-c"), "1000.00")  # June changes by $1,000 and one line (a new tenant's)
    with connect(dsn) as writer, connect(dsn) as reader:
        writer.execute("BEGIN")
        refresh_month(writer, JUNE, tolerance=Decimal("0.02"))  # not committed yet
        reader.execute("SET statement_timeout = '2s'")  # a blocked reader would fail here
        assert reader.fetch_one(totals, (JUNE,)) == before
        assert reader.fetch_value("SELECT count(*) FROM bi_tenant_monthly WHERE month = %s", (JUNE,)) == 2
        writer.execute("COMMIT")
        count, amount = reader.fetch_one(totals, (JUNE,)) or (0, 0)
    assert (count, amount) == (before[0] + 1, before[1] + Decimal("1000.00")) if before else False


@contextmanager
def login_role(session: Session, dsn: str) -> Iterator[str]:
    """A throw-away login role (roles are cluster-wide: a unique name, dropped afterwards); yields its DSN."""
    name = f"refresher_{secrets.token_hex(4)}"
    session.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(name)))
    try:
        yield make_conninfo(dsn, user=name)
    finally:
        session.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
        session.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


def test_refresh_refuses_a_login_that_may_not_act_as_the_refresh_role(rows: Rows, dsn: str) -> None:
    two_tenants(rows)
    with (
        login_role(rows.session, dsn) as outsider,
        connect(outsider) as session,
        pytest.raises(ConfigError, match="may not act as tenantdb_refresh"),
    ):
        refresh(session, RefreshRequest())
    assert rows.session.fetch_value("SELECT count(*) FROM bi_refresh_state") == 0


def test_a_login_granted_the_refresh_role_refreshes_without_being_a_superuser(rows: Rows, dsn: str) -> None:
    a, b = two_tenants(rows)
    with login_role(rows.session, dsn) as refresher:
        role = make_conninfo(refresher).split("user=")[1].split()[0]
        rows.session.execute(sql.SQL("GRANT tenantdb_refresh TO {}").format(sql.Identifier(role)))
        with connect(refresher) as session:
            assert not session.fetch_value("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
            report = refresh(session, RefreshRequest())
    assert report.refreshed
    assert {str(monthly(rows.session, tenant)["tenant_id"]) for tenant in (a, b)} == {a, b}


def test_a_refresh_rewrites_only_the_resource_lines_that_changed(rows: Rows) -> None:
    a, b = two_tenants(rows)
    rows.refresh()
    versions = (
        "SELECT tenant_id::text, xmin::text FROM bi_cost_allocation_lines"
        " WHERE category IN ('dedicated', 'warmup_investment')"
    )
    before = dict(rows.session.fetch_all(versions))
    rows.session.execute("UPDATE vps_instances SET approximate_cost = 111.11 WHERE tenant_id = %s", (a,))
    rows.refresh()
    after = dict(rows.session.fetch_all(versions))
    assert after[b] == before[b] and after[a] != before[a]
    assert monthly(rows.session, a)["infrastructure_cost"] > Decimal("111.11")
