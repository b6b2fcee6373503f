"""Property: after any sequence of inserts, updates and deletes on the refresh's inputs (across tables and months,
including changes that keep every count, sum and timestamp), an incremental refresh gives exactly the rollups a
full refresh (``--all``) gives (issue 12, finding 3)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenantdb.bi import RefreshRequest, refresh
from tenantdb.db import Session
from tenantdb.errors import DatabaseError
from tests import recipes
from tests.bi.builders import Rows
from tests.bi.test_refresh_changes import Portfolio, portfolio, rollup_rows

dsn = recipes.database_fixture(recipes.modules_applied(["bi"]))  # every test starts with bi applied


DAYS = ("2025-05-03", "2025-05-28", "2025-06-01", "2025-06-17", "2025-06-30")
MOMENTS = ("2025-05-02 08:00Z", "2025-05-31 23:30Z", "2025-06-01 00:10Z", "2025-06-15 12:00Z")
# One DML statement each; %(t)s is a tenant, %(k)s picks an existing row, %(d)s a day, %(m)s a moment, %(n)s a number.
EDITS: dict[str, str] = {
    "ledger: insert": "INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at,"
    " created_at) VALUES (%(t)s, 'charge', %(n)s, 'USD', %(m)s, '2025-01-02Z')",
    "ledger: move an entry to another tenant": "UPDATE billing_transactions SET tenant_id = %(t)s"
    " WHERE transaction_id = (SELECT transaction_id FROM billing_transactions ORDER BY transaction_id"
    " OFFSET %(k)s %% greatest(1, (SELECT count(*) FROM billing_transactions)) LIMIT 1)",
    "ledger: move an entry to another moment": "UPDATE billing_transactions SET occurred_at = %(m)s"
    " WHERE transaction_id = (SELECT transaction_id FROM billing_transactions ORDER BY transaction_id"
    " OFFSET %(k)s %% greatest(1, (SELECT count(*) FROM billing_transactions)) LIMIT 1)",
    "ledger: delete an entry": "DELETE FROM billing_transactions"
    " WHERE transaction_id = (SELECT transaction_id FROM billing_transactions ORDER BY transaction_id"
    " OFFSET %(k)s %% greatest(1, (SELECT count(*) FROM billing_transactions)) LIMIT 1)",
    "sending: insert or add": "INSERT INTO deliverability_daily (tenant_id, day, sent, delivered, created_at,"
    " updated_at) VALUES (%(t)s, %(d)s, %(n)s * 10, %(n)s * 9, '2025-01-02Z', '2025-01-02Z')"
    " ON CONFLICT (tenant_id, day) DO UPDATE SET sent = deliverability_daily.sent + excluded.sent,"
    " delivered = deliverability_daily.delivered + excluded.delivered",
    "sending: exchange two days' volumes": "WITH pick AS (SELECT tenant_id, day, sent, delivered, bounced_hard,"
    " bounced_soft, spam_complaints, row_number() OVER (ORDER BY tenant_id, day) AS n,"
    " count(*) OVER () AS total FROM deliverability_daily), two AS (SELECT * FROM pick"
    " WHERE n - 1 IN (%(k)s %% total, (%(k)s + 1) %% total))"
    " UPDATE deliverability_daily d SET sent = o.sent, delivered = o.delivered, bounced_hard = o.bounced_hard,"
    " bounced_soft = o.bounced_soft, spam_complaints = o.spam_complaints FROM two t, two o"
    " WHERE d.tenant_id = t.tenant_id AND d.day = t.day AND (o.tenant_id, o.day) <> (t.tenant_id, t.day)",
    "sending: move a day to another tenant": "UPDATE deliverability_daily SET tenant_id = %(t)s"
    " WHERE (tenant_id, day) = (SELECT tenant_id, day FROM deliverability_daily ORDER BY tenant_id, day"
    " OFFSET %(k)s %% greatest(1, (SELECT count(*) FROM deliverability_daily)) LIMIT 1)",
    "sending: delete a day": "DELETE FROM deliverability_daily WHERE (tenant_id, day) = (SELECT tenant_id, day"
    " FROM deliverability_daily ORDER BY tenant_id, day"
    " OFFSET %(k)s %% greatest(1, (SELECT count(*) FROM deliverability_daily)) LIMIT 1)",
    "servers: exchange costs": "UPDATE vps_instances v SET approximate_cost = o.approximate_cost"
    " FROM vps_instances o WHERE o.vps_instance_id <> v.vps_instance_id AND o.tenancy = v.tenancy"
    " AND v.tenancy = 'dedicated'",
    "servers: retire or reactivate one": "UPDATE vps_instances SET status = CASE status WHEN 'retired'"
    " THEN 'active' ELSE 'retired' END WHERE vps_instance_id = (SELECT vps_instance_id FROM vps_instances"
    " ORDER BY vps_instance_id OFFSET %(k)s %% 3 LIMIT 1)",
    "addresses: warm or warmed": "UPDATE smtp_ip_addresses SET status = CASE status WHEN 'warming'"
    " THEN 'warmed' ELSE 'warming' END WHERE ip_id = (SELECT ip_id FROM smtp_ip_addresses ORDER BY ip_id"
    " OFFSET %(k)s %% greatest(1, (SELECT count(*) FROM smtp_ip_addresses)) LIMIT 1)",
    "members: exchange weights": "UPDATE cost_pool_members SET weight = 3 - weight",
    "members: leave or join": "WITH gone AS (DELETE FROM cost_pool_members WHERE tenant_id = %(t)s RETURNING 1)"
    " INSERT INTO cost_pool_members (tenant_id, pool_id, weight, created_at, updated_at)"
    " SELECT %(t)s, pool_id, 1, '2025-01-02Z', '2025-01-02Z' FROM cost_pools WHERE NOT EXISTS (SELECT FROM gone)",
    "rules: another rule": "UPDATE allocation_rules SET rule = (ARRAY['even', 'fixed_weights',"
    " 'proportional_to_cost'])[1 + %(k)s %% 3]",
    "pools: overhead": "UPDATE cost_pools SET monthly_overhead = %(n)s",
    "subscriptions: exchange plans": "UPDATE subscriptions s SET plan_id = o.plan_id FROM subscriptions o"
    " WHERE o.tenant_id <> s.tenant_id",
    "plans: rename": "UPDATE plans SET name = name || '+' WHERE plan_id = (SELECT plan_id FROM plans"
    " ORDER BY plan_id OFFSET %(k)s %% 2 LIMIT 1)",
    "companies: rename": "UPDATE companies SET name = name || '+' WHERE id = %(t)s",
    "invoice lines: another resource": "UPDATE provider_invoice_lines SET resource_ref = (ARRAY['mx-1.example.net',"
    " 'mx-2.example.net', 'unknown-host'])[1 + %(k)s %% 3] WHERE line_no = 1 + %(n)s %% 2",
    "invoices: another month": "UPDATE provider_invoices SET month = (ARRAY['2025-05-01', '2025-06-01'])"
    "[1 + %(k)s %% 2]::date",
    "invoice lines: delete one": "DELETE FROM provider_invoice_lines WHERE line_no = 1 + %(k)s %% 2",
    "invoice lines: add one": "INSERT INTO provider_invoice_lines (invoice_id, line_no, resource_ref, quantity,"
    " unit_price, amount, created_at, updated_at) SELECT invoice_id, 10 + %(k)s %% 50, 'mx-1.example.net', 1,"
    " %(n)s, %(n)s, '2025-01-02Z', '2025-01-02Z' FROM provider_invoices ON CONFLICT DO NOTHING",
}
REFRESH = "refresh incrementally"

edits = st.lists(
    st.tuples(
        st.sampled_from([*EDITS, REFRESH]),
        st.integers(min_value=0, max_value=2),  # tenant
        st.integers(min_value=0, max_value=1_000),  # row
        st.sampled_from(DAYS),
        st.sampled_from(MOMENTS),
        st.integers(min_value=1, max_value=500),  # amount, volume
    ),
    min_size=1,
    max_size=8,
)


@pytest.fixture
def world(session: Session) -> tuple[Session, Portfolio, list[str]]:
    rows = Rows(session)
    p = portfolio(rows)
    third = rows.company("tenant-c")
    refresh(session, RefreshRequest(everything=True, jobs=1))
    return session, p, [p.a, p.b, third]


def apply(session: Session, edit: tuple[str, int, int, str, str, int], tenants: list[str]) -> None:
    name, tenant, row, day, moment, number = edit
    if name == REFRESH:
        refresh(session, RefreshRequest(jobs=1))
        return
    params: dict[str, Any] = {"t": tenants[tenant], "k": row, "d": day, "m": moment, "n": number}
    try:
        with session.transaction():
            session.execute(EDITS[name], params)
    except DatabaseError as error:  # a constraint refused the edit: nothing changed
        if not str(error.sqlstate).startswith("23"):
            raise


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=edits)
def test_an_incremental_refresh_always_equals_a_full_refresh(
    world: tuple[Session, Portfolio, list[str]], sequence: list[tuple[str, int, int, str, str, int]]
) -> None:
    session, _, tenants = world
    for edit in sequence:
        apply(session, edit, tenants)
    refresh(session, RefreshRequest(jobs=1))
    incremental = rollup_rows(session)
    refresh(session, RefreshRequest(everything=True, jobs=1))
    assert incremental == rollup_rows(session), [edit[0] for edit in sequence]
