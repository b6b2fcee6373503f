"""Reports over rollups computed by ``tenantdb.bi``'s refresh from a few base rows (docs/business-metrics.md)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest

from tenantdb.bi import RefreshRequest, refresh
from tenantdb.bi.reports import REPORTS, ReportOptions
from tenantdb.bi.reports.executive import ExecutiveReport
from tenantdb.bi.reports.explain import ExplainReport
from tenantdb.db import Session, connect

D = Decimal
MONTH = date(2026, 9, 1)

# Delta Send: a dedicated server ($300) and its IP ($30), $500 charged and $20 refunded, 10,000 e-mails sent.
# Echo Mail: no plan, $50 charged, 5,000 sent. Both share pool shared-test (one $100 server of the operator, 100
# e-mails an hour: capacity 72,000 in September) by e-mails delivered: used 15,000, so 79.17 is idle and 20.83 is
# split 9,500 : 4,900 by largest remainder into 13.74 and 7.09.
BASE_ROWS = """
INSERT INTO companies (id, name, slug, is_platform_operator) VALUES
    ('00000000-0000-4000-8000-000000000000', 'Platform Operations', 'platform-operator', true),
    ('00000000-0000-4000-8000-0000000000d1', 'Delta Send', 'delta-send', false),
    ('00000000-0000-4000-8000-0000000000e1', 'Echo Mail', 'echo-mail', false);
INSERT INTO plans (plan_id, name, price_monthly) VALUES ('00000000-0000-4000-8000-0000000000a9', 'Growth', 99.00);
INSERT INTO subscriptions (tenant_id, plan_id, status, current_period_start, current_period_end) VALUES
    ('00000000-0000-4000-8000-0000000000d1', '00000000-0000-4000-8000-0000000000a9', 'active',
     '2026-09-01 00:00+00', '2026-10-01 00:00+00');
INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at) VALUES
    ('00000000-0000-4000-8000-0000000000d1', 'charge', 500.00, 'USD', '2026-09-05 10:00+00'),
    ('00000000-0000-4000-8000-0000000000d1', 'refund', -20.00, 'USD', '2026-09-10 10:00+00'),
    ('00000000-0000-4000-8000-0000000000e1', 'charge', 50.00, 'USD', '2026-09-07 10:00+00');
INSERT INTO cost_pools (pool_id, name) VALUES ('00000000-0000-4000-8000-0000000000f9', 'shared-test');
INSERT INTO allocation_rules (pool_id, effective_from, rule, driver) VALUES
    ('00000000-0000-4000-8000-0000000000f9', '2026-01-01', 'usage_driver', 'emails_delivered');
INSERT INTO cost_pool_members (tenant_id, pool_id) VALUES
    ('00000000-0000-4000-8000-0000000000d1', '00000000-0000-4000-8000-0000000000f9'),
    ('00000000-0000-4000-8000-0000000000e1', '00000000-0000-4000-8000-0000000000f9');
INSERT INTO vps_instances (tenant_id, vps_instance_id, hostname, tenancy, status, provider, region,
                           capacity_emails_per_hour, approximate_cost, cost_pool_id, created_at) VALUES
    ('00000000-0000-4000-8000-0000000000d1', '00000000-0000-4000-8000-0000000000d2', 'mta1.delta.example',
     'dedicated', 'active', 'hetzner', 'fsn1', 1000, 300.00, NULL, '2026-01-01 00:00+00'),
    ('00000000-0000-4000-8000-000000000000', '00000000-0000-4000-8000-0000000000f8', 'mta-shared.example',
     'shared', 'active', 'hetzner', 'fsn1', 100, 100.00, '00000000-0000-4000-8000-0000000000f9',
     '2026-01-01 00:00+00');
INSERT INTO smtp_ip_addresses (tenant_id, ip_id, vps_instance_id, ip, status, approximate_cost, created_at) VALUES
    ('00000000-0000-4000-8000-0000000000d1', '00000000-0000-4000-8000-0000000000d3',
     '00000000-0000-4000-8000-0000000000d2', '192.0.2.20', 'available', 30.00, '2026-01-01 00:00+00');
INSERT INTO deliverability_daily (tenant_id, day, sent, delivered, bounced_hard, bounced_soft, spam_complaints) VALUES
    ('00000000-0000-4000-8000-0000000000d1', '2026-09-15', 10000, 9500, 300, 110, 12),
    ('00000000-0000-4000-8000-0000000000e1', '2026-09-15', 5000, 4900, 50, 0, 1);
"""


@pytest.fixture
def refreshed(modules_dsn: str) -> Iterator[Session]:
    with connect(modules_dsn) as session:
        with session.transaction():
            session.run_script(BASE_ROWS)
        refresh(session, RefreshRequest(months=(MONTH,)))
        yield session


def test_executive_over_refreshed_rollups(refreshed: Session) -> None:
    report = REPORTS["executive"](refreshed, ReportOptions())
    assert isinstance(report, ExecutiveReport)
    assert report.scope.month == MONTH
    k = report.key_metrics
    assert (k.tenants, k.revenue) == (2, D("530.00"))  # 500 - 20 + 50: payments are never cost
    # customers: 300 + 30 dedicated, 13.74 + 7.09 of the pool; the pool's 79.17 idle is the operator's
    assert (k.customers_cost, k.idle_capacity, k.cost) == (D("350.83"), D("79.17"), D("430.00"))
    delta = next(t for t in report.tenants if t.slug == "delta-send")
    assert (delta.recognized_revenue, delta.total_cost, delta.business_health_status) == (
        D("480.00"),
        D("343.74"),
        "Monitor",
    )
    assert delta.reasons == (
        "margin_below_target",
        "bounce_near_limit",
        "complaints_over_limit",
        "idle_dedicated_capacity",
    )
    assert ("consolidate_idle_pool", "shared-test", D("79.17")) in [
        (a.kind, a.subject, a.dollars_per_month) for a in report.actions
    ]
    assert ("downsize_idle_dedicated", "Delta Send", D("295.83")) in [
        (a.kind, a.subject, a.dollars_per_month) for a in report.actions
    ]


def test_explain_chain_over_refreshed_rollups(refreshed: Session) -> None:
    report = REPORTS["explain"](refreshed, ReportOptions(tenant="delta-send"))
    assert isinstance(report, ExplainReport)
    assert report.balanced and report.lines_total == report.total_cost == D("343.74")
    by_category = {(line.category, line.resource_name or line.pool_name): line.amount for line in report.lines}
    assert by_category == {
        ("dedicated", "mta1.delta.example"): D("300.00"),
        ("dedicated", "192.0.2.20"): D("30.00"),
        ("shared", "shared-test"): D("13.74"),
    }
    share = next(line for line in report.lines if line.category == "shared")
    assert (share.driver_value, share.driver_total, share.unit_cost) == (D(9500), D(14400), D("100.00"))
    operator = REPORTS["explain"](refreshed, ReportOptions(tenant="platform-operator"))
    assert isinstance(operator, ExplainReport)
    assert operator.lines_total == D("79.17")
