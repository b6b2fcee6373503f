"""The dashboard views and the report queries read tenant by tenant (every index of a tenant table leads with
tenant_id, RELIABILITY R26) and return exactly what their month-wide definitions returned, on a seeded dataset."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tenantdb import commands
from tenantdb.bi.reports.common import (
    DEFAULT_MARGIN_TARGET,
    DEFAULT_MIN_VOLUME,
    HIGH_IDLE_SHARE,
    IDLE_DEDICATED_UTILIZATION,
    REVENUE_BASIS,
    query,
)
from tenantdb.bi.reports.executive import month_totals_query
from tenantdb.config import load_settings
from tenantdb.db import Session, connect
from tenantdb.execute import RunRequest, migrate
from tenantdb.migrations import Direction
from tenantdb.modules import module_migrations, resolve_modules
from tests.helpers import FAST

MODULES = ("core", "billing", "email_infra", "cost_tracking", "bi")

# The reporting month as the views defined it before R26: max() over every tenant's rows.
OLD_MONTH = "(SELECT max(month) FROM bi_tenant_monthly)"

# The three views' bodies before R26 (module bi, 0002_dashboard_views.sql), as temporary views.
OLD_VIEWS = {
    "executive_business_summary": f"""
SELECT t.tenant_id, t.company_name, t.plan_name, t.current_period_start, t.current_period_end,
       t.price_monthly AS monthly_subscription_revenue, t.infrastructure_cost AS infrastructure_costs,
       t.email_service_cost AS email_service_costs, r.gross_margin_ratio,
       CASE WHEN r.gross_margin_ratio IS NULL THEN 0
            ELSE greatest(0, least(100, r.gross_margin_ratio * 100)) END AS cost_efficiency_score,
       t.total_cost AS total_operational_cost, t.price_monthly - t.total_cost AS monthly_profit,
       tenantdb_bi_health_status(t.recognized_revenue, t.total_cost, e.exemption) AS business_health_status,
       current_date AS dashboard_date, t.infrastructure_cost AS total_infrastructure_cost,
       t.email_service_cost AS total_email_service_cost, e.exemption AS margin_not_applicable_reason
FROM bi_tenant_monthly t
CROSS JOIN LATERAL (SELECT (t.price_monthly - t.total_cost) / NULLIF(t.price_monthly, 0) AS gross_margin_ratio) r
CROSS JOIN LATERAL (
    SELECT tenantdb_bi_margin_exemption(t.recognized_revenue, t.plan_id, t.price_monthly, t.subscription_status,
                                        t.emails_sent, 1000) AS exemption
) e
WHERE t.month = {OLD_MONTH}""",
    "business_cost_allocation": f"""
SELECT t.tenant_id, t.company_name, t.plan_name, t.price_monthly, t.infrastructure_cost AS total_infrastructure_cost,
       t.email_service_cost AS total_email_service_cost,
       t.total_cost / NULLIF(t.emails_delivered, 0) AS cost_per_email_delivered, t.total_cost AS total_monthly_cost,
       t.recognized_revenue - t.total_cost AS monthly_profit,
       t.recognized_revenue / NULLIF(t.total_cost, 0) AS business_efficiency_ratio
FROM bi_tenant_monthly t
WHERE t.month = {OLD_MONTH}""",
    "deliverability_business_impact": f"""
SELECT d.tenant_id AS company_id, d.day AS tracking_date, d.sent AS emails_sent, b.bounced AS emails_bounced,
       d.spam_complaints AS emails_spam, b.bounced::numeric / NULLIF(d.sent, 0) AS bounce_rate,
       d.spam_complaints::numeric / NULLIF(d.delivered, 0) AS spam_rate,
       0.05 * b.bounced + 0.25 * d.spam_complaints AS estimated_revenue_loss,
       CASE WHEN d.sent = 0 THEN 'insufficient_data'
            WHEN b.bounced > 0.10 * d.sent THEN 'critical_action_required'
            WHEN b.bounced > 0.05 * d.sent THEN 'monitoring_needed'
            ELSE 'acceptable' END AS business_risk_level,
       0.05 * greatest(0, b.bounced - 0.02 * d.sent)
           + 0.25 * greatest(0, d.spam_complaints - 0.001 * d.delivered) AS potential_savings
FROM deliverability_daily d
JOIN companies c ON c.id = d.tenant_id AND NOT c.is_platform_operator
CROSS JOIN LATERAL (SELECT d.bounced_hard + d.bounced_soft AS bounced) b
CROSS JOIN {OLD_MONTH.replace("max(month)", "max(month) AS first_day")} m
WHERE d.day >= m.first_day AND d.day < (m.first_day + interval '1 month')::date""",
}

# Each report query's WHERE clause now, and before R26.
TENANT_LED = "tenant_id = ANY (ARRAY(SELECT o.id FROM companies o))  -- tenant by tenant: the key leads with it\n  AND "
OLD_REPORTS = {
    "tenant_figures": (f"WHERE m.{TENANT_LED}m.month = %(month)s", "WHERE m.month = %(month)s"),
    "month_totals": (  # inside a CTE: indented
        f"WHERE m.{TENANT_LED.replace('  AND', '      AND')}m.month BETWEEN %(first_month)s::date AND %(month)s",
        "WHERE m.month IN (%(month)s, (%(month)s::date - interval '1 month')::date)",
    ),
    "pool_figures": (
        f"WHERE l.{TENANT_LED}l.month = %(month)s AND l.pool_id IS NOT NULL",
        "WHERE l.month = %(month)s AND l.pool_id IS NOT NULL",
    ),
}
OLD_REFRESHED_MONTHS = """
WITH RECURSIVE months (month) AS (
    SELECT min(m.month) FROM bi_tenant_monthly m
    UNION ALL
    SELECT (SELECT min(m.month) FROM bi_tenant_monthly m WHERE m.month > months.month)
    FROM months
    WHERE months.month IS NOT NULL
)
SELECT month FROM months WHERE month IS NOT NULL ORDER BY month"""


@pytest.fixture
def seeded(dsn: str, tmp_path: Path) -> Iterator[Session]:
    """``tenantdb seed``: 60 customers, a year of data and the refreshed rollups of every month."""
    with connect(dsn) as session:
        sets = [module_migrations(spec) for spec in resolve_modules(MODULES)]
        migrate(session, sets, FAST, RunRequest(direction=Direction.UP))
    modules = ", ".join(f'"{name}"' for name in MODULES)
    (tmp_path / "tenantdb.toml").write_text(f"modules = [{modules}]\n", encoding="utf-8")
    settings = load_settings(tmp_path, environ={}).with_overrides(dsn=dsn)
    commands.seed(settings, tenants=60, random_seed=3, as_of=date(2025, 6, 30))
    with connect(dsn) as session:
        for name, body in OLD_VIEWS.items():
            session.execute(f"CREATE TEMPORARY VIEW old_{name} AS {body}")
        yield session


def rows(session: Session, text: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Every row, in a stable order (the views have none)."""
    return sorted(session.fetch_all(text, params), key=repr)


def report_query(name: str) -> str:
    """The report query as the reports run it (month_totals with the resources it reads)."""
    return month_totals_query() if name == "month_totals" else query(name)


def old_report(name: str) -> str:
    new, old = OLD_REPORTS[name]
    text = report_query(name)
    assert text.count(new) == 1, name
    return text.replace(new, old)


def report_params(month: date) -> dict[str, Any]:
    return {
        "month": month,
        "basis": str(REVENUE_BASIS.value),
        "first_month": (month - timedelta(days=1)).replace(day=1),  # the month_totals trend
        "margin_target": DEFAULT_MARGIN_TARGET,
        "min_volume": DEFAULT_MIN_VOLUME,
        "idle_utilization": IDLE_DEDICATED_UTILIZATION,
        "high_idle_share": HIGH_IDLE_SHARE,
    }


def assert_views_match(session: Session) -> int:
    """Each view equals its month-wide definition, row for row; how many rows they hold together."""
    total = 0
    for name in OLD_VIEWS:
        # the columns the old definition had (executive_business_summary has gained bi 0010's since)
        columns, _ = session.fetch_named(f"SELECT * FROM old_{name} LIMIT 0")
        new = rows(session, f"SELECT {', '.join(columns)} FROM {name}")
        assert new == rows(session, f"SELECT * FROM old_{name}"), name
        total += len(new)
    return total


def test_views_match_their_month_wide_definitions(seeded: Session) -> None:
    assert assert_views_match(seeded) > 60
    reporting = seeded.fetch_value("SELECT tenant_id FROM executive_business_summary LIMIT 1")
    assert reporting is not None


def test_the_reporting_month_is_the_latest_month_present_whatever_bi_refresh_state_holds(seeded: Session) -> None:
    """A refreshed month without a customer row (later than every month present) is not the reporting month; no
    recorded refresh falls back to max(month); the months present change with the rows, not with the state."""
    latest = seeded.fetch_value("SELECT max(month) FROM bi_tenant_monthly")
    seeded.execute("BEGIN")
    try:
        seeded.execute(
            "INSERT INTO bi_refresh_state (month, definitions, duration_ms) VALUES (%s, 'empty', 0)",
            ((latest.replace(year=latest.year + 1)),),
        )
        assert assert_views_match(seeded) > 60
        seeded.execute("DELETE FROM bi_tenant_monthly WHERE month = %s", (latest,))
        assert assert_views_match(seeded) > 60  # the month before, which has rows
        seeded.execute("DELETE FROM bi_refresh_state")
        assert assert_views_match(seeded) > 60
        assert seeded.fetch_all(query("refreshed_months")) == seeded.fetch_all(OLD_REFRESHED_MONTHS)
        seeded.execute("DELETE FROM bi_tenant_monthly")
        assert assert_views_match(seeded) == 0
    finally:
        seeded.execute("ROLLBACK")


def test_report_queries_match_their_month_wide_definitions(seeded: Session) -> None:
    months = [row[0] for row in seeded.fetch_all(OLD_REFRESHED_MONTHS)]
    assert len(months) >= 12
    assert seeded.fetch_all(query("refreshed_months")) == [(month,) for month in months]
    assert seeded.fetch_all(query("refreshed_months_scan")) == [(month,) for month in months]  # no bi_refresh_state
    for month in months:
        params = report_params(month)
        for name in OLD_REPORTS:
            new = rows(seeded, report_query(name), params)
            assert new == rows(seeded, old_report(name), params), (name, month)
            assert new, (name, month)
