"""The email_infra module on a real PostgreSQL: reversible, constrained, verified, and isolated per tenant.

The full attack matrix over these tables runs in test_security.py; this file covers what the tables mean.
"""

from __future__ import annotations

import pytest

from tenantdb.db import Session
from tenantdb.errors import DatabaseError
from tenantdb.verify import verify
from tests import recipes
from tests.modules.support import (
    CHECK_VIOLATION,
    FOREIGN_KEY_VIOLATION,
    INSUFFICIENT_PRIVILEGE,
    UNIQUE_VIOLATION,
    acting_as,
    fetch_as,
    module_sets,
    new_company,
    rejected,
)

dsn = recipes.database_fixture(recipes.modules_applied(["email_infra"]))  # every test starts with email_infra applied


MONTH = "date_trunc('month', now())::date"


@pytest.fixture
def infra(session: Session) -> Session:
    return session


def new_vps(session: Session, tenant: str, hostname: str = "mx1.example.com", **columns: str) -> str:
    values = {"tenancy": "dedicated", "status": "active", "capacity_emails_per_hour": "5000", **columns}
    return str(
        session.fetch_value(
            "INSERT INTO vps_instances (tenant_id, hostname, tenancy, status, provider, region,"
            " capacity_emails_per_hour) VALUES (%s, %s, %s, %s, 'hetzner', 'eu-central', %s) RETURNING vps_instance_id",
            (tenant, hostname, values["tenancy"], values["status"], values["capacity_emails_per_hour"]),
        )
    )


def new_ip(session: Session, tenant: str, vps: str, ip: str = "192.0.2.10", status: str = "available") -> str:
    return str(
        session.fetch_value(
            "INSERT INTO smtp_ip_addresses (tenant_id, vps_instance_id, ip, status, warmup_started_at)"
            " VALUES (%s, %s, %s, %s, CASE WHEN %s IN ('warming', 'warmed') THEN now() END) RETURNING ip_id",
            (tenant, vps, ip, status, status),
        )
    )


def new_subscription(session: Session, tenant: str, currency: str = "USD") -> str:
    plan = session.fetch_value(
        "INSERT INTO plans (name, price_monthly, currency) VALUES (%s, 49, %s) RETURNING plan_id",
        (f"pro-{tenant[:8]}-{currency}", currency),
    )
    return str(
        session.fetch_value(
            "INSERT INTO subscriptions (tenant_id, plan_id, status, current_period_start, current_period_end)"
            " VALUES (%s, %s, 'active', now(), now() + interval '1 month') RETURNING subscription_id",
            (tenant, plan),
        )
    )


def violations(session: Session) -> list[str]:
    return [v.message for v in verify(session, module_sets("email_infra")).violations]


def test_servers_and_addresses_reject_what_they_cannot_mean(infra: Session) -> None:
    acme, globex = new_company(infra, "acme"), new_company(infra, "globex")
    vps = new_vps(infra, acme)
    insert_vps = (
        "INSERT INTO vps_instances (tenant_id, hostname, tenancy, status, provider, region, capacity_emails_per_hour)"
        " VALUES (%s, %s, %s, %s, 'hetzner', 'eu', %s)"
    )
    assert rejected(infra, insert_vps, (acme, "mx2", "private", "active", 10)) == CHECK_VIOLATION
    assert rejected(infra, insert_vps, (acme, "mx2", "shared", "booting", 10)) == CHECK_VIOLATION
    assert rejected(infra, insert_vps, (acme, "mx2", "shared", "active", 0)) == CHECK_VIOLATION
    assert rejected(infra, insert_vps, (acme, "mx1.example.com", "shared", "active", 10)) == UNIQUE_VIOLATION
    insert_ip = (
        "INSERT INTO smtp_ip_addresses (tenant_id, vps_instance_id, ip, status, warmup_started_at, reputation_score)"
        " VALUES (%s, %s, %s, %s, %s, %s)"
    )
    assert rejected(infra, insert_ip, (acme, vps, "192.0.2.0/24", "available", None, None)) == CHECK_VIOLATION
    assert rejected(infra, insert_ip, (acme, vps, "192.0.2.1", "warming", None, None)) == CHECK_VIOLATION
    assert rejected(infra, insert_ip, (acme, vps, "192.0.2.1", "cold", None, None)) == CHECK_VIOLATION
    assert rejected(infra, insert_ip, (acme, vps, "192.0.2.1", "available", None, 100.5)) == CHECK_VIOLATION
    # A tenant's address can only sit on a server of the same tenant: the foreign key includes tenant_id.
    assert rejected(infra, insert_ip, (globex, vps, "192.0.2.1", "available", None, None)) == FOREIGN_KEY_VIOLATION
    new_ip(infra, acme, vps, "2001:db8::25", "warmed")
    assert rejected(infra, insert_ip, (acme, vps, "2001:db8::25", "available", None, None)) == UNIQUE_VIOLATION
    # A server with addresses is retired, not deleted: the addresses carry the reputation history.
    assert rejected(infra, "DELETE FROM vps_instances WHERE vps_instance_id = %s", (vps,)) == FOREIGN_KEY_VIOLATION
    infra.execute("DELETE FROM companies WHERE id = %s", (acme,))  # ... but a tenant's deletion takes everything
    assert infra.fetch_value("SELECT count(*) FROM smtp_ip_addresses") == 0


def test_deliverability_counts_add_up(infra: Session) -> None:
    acme = new_company(infra, "acme")
    insert = (
        "INSERT INTO deliverability_daily (tenant_id, day, sent, delivered, bounced_hard, bounced_soft,"
        " spam_complaints, blocked) VALUES (%s, current_date - %s, %s, %s, %s, %s, %s, %s)"
    )
    infra.execute(insert, (acme, 1, 100, 90, 6, 4, 2, 10))  # every message accounted for: allowed
    assert rejected(infra, insert, (acme, 2, 100, 90, 6, 5, 0, 0)) == CHECK_VIOLATION  # 101 outcomes of 100
    assert rejected(infra, insert, (acme, 2, 100, 90, 0, 0, 0, 11)) == CHECK_VIOLATION  # blocked but delivered
    assert rejected(infra, insert, (acme, 2, 100, 5, 0, 0, 6, 0)) == CHECK_VIOLATION  # complaints without delivery
    assert rejected(infra, insert, (acme, 2, -1, 0, 0, 0, 0, 0)) == CHECK_VIOLATION
    assert rejected(infra, insert, (acme, 1, 1, 1, 0, 0, 0, 0)) == UNIQUE_VIOLATION  # one row per tenant and day
    before = infra.fetch_value("SELECT updated_at FROM deliverability_daily")
    infra.execute("UPDATE deliverability_daily SET sent = sent + 1")
    assert infra.fetch_value("SELECT updated_at FROM deliverability_daily") > before


def test_billing_analytics_belong_to_a_subscription_of_the_same_tenant(infra: Session) -> None:
    acme, globex = new_company(infra, "acme"), new_company(infra, "globex")
    subscription = new_subscription(infra, acme)
    insert = (
        "INSERT INTO billing_analytics (tenant_id, subscription_id, period_start, period_end, emails_sent,"
        " emails_delivered, emails_bounced, spam_complaints, overage_emails, revenue, infrastructure_cost, currency)"
        " VALUES (%s, %s, %s::date, %s::date, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    ok = (acme, subscription, "2025-01-01", "2025-02-01", 1000, 950, 50, 1, 0, "49.00", "12.30", "USD")
    infra.execute(insert, ok)
    assert rejected(infra, insert, (globex, *ok[1:])) == FOREIGN_KEY_VIOLATION
    assert rejected(infra, insert, (*ok[:2], "2025-03-01", "2025-03-01", *ok[4:])) == CHECK_VIOLATION
    assert rejected(infra, insert, (*ok[:2], "2025-03-01", "2025-04-01", 10, 9, 2, *ok[7:])) == CHECK_VIOLATION
    assert rejected(infra, insert, (*ok[:2], "2025-03-01", "2025-04-01", 10, 9, 1, 10, *ok[8:])) == CHECK_VIOLATION
    assert rejected(infra, insert, (*ok[:2], "2025-03-01", "2025-04-01", 10, 9, 1, 0, 11, *ok[9:])) == (CHECK_VIOLATION)
    assert rejected(infra, insert, (*ok[:2], "2025-03-01", "2025-04-01", *ok[4:9], "-1.00", *ok[10:])) == (
        CHECK_VIOLATION
    )
    assert rejected(infra, insert, (*ok[:11], "usd")) == CHECK_VIOLATION
    assert rejected(infra, insert, ok) == UNIQUE_VIOLATION


def test_verify_reports_what_the_constraints_cannot_see(infra: Session) -> None:
    assert violations(infra) == []
    acme, globex = new_company(infra, "acme"), new_company(infra, "globex")
    acme_vps = new_vps(infra, acme, "mx.shared-name.example")
    globex_vps = new_vps(infra, globex, "mx.shared-name.example")
    new_ip(infra, acme, acme_vps, "198.51.100.7", "warmed")
    new_ip(infra, globex, globex_vps, "198.51.100.7", "warming")
    retired = new_vps(infra, acme, "old.example.com", status="retired")
    new_ip(infra, acme, retired, "198.51.100.8", "warmed")
    infra.execute("INSERT INTO deliverability_daily (tenant_id, day, sent) VALUES (%s, current_date + 2, 10)", (acme,))
    infra.execute(  # as if the checks had been dropped or added NOT VALID over old rows
        "ALTER TABLE deliverability_daily DROP CONSTRAINT deliverability_daily_outcomes_within_sent,"
        " DROP CONSTRAINT deliverability_daily_blocked_undelivered"
    )
    infra.execute(
        "INSERT INTO deliverability_daily (tenant_id, day, sent, delivered) VALUES (%s, '2025-01-01', 1, 2)", (acme,)
    )
    usd, eur = new_subscription(infra, acme), new_subscription(infra, globex, "EUR")
    insert = (
        "INSERT INTO billing_analytics (tenant_id, subscription_id, period_start, period_end, currency)"
        " VALUES (%s, %s, %s::date, %s::date, %s)"
    )
    infra.execute(insert, (acme, usd, "2025-01-01", "2025-02-01", "USD"))
    infra.execute(insert, (acme, usd, "2025-01-15", "2025-02-15", "USD"))
    infra.execute(insert, (globex, eur, "2025-01-01", "2025-02-01", "USD"))
    found = violations(infra)
    assert "hostname mx.shared-name.example is used by 2 tenants" in found
    assert "IP address 198.51.100.7 is held by 2 tenants at once" in found
    assert "IP address 198.51.100.8 is warmed on retired server old.example.com" in found
    assert any(m.endswith("a day that has not begun") for m in found)
    assert any(m.endswith("on 2025-01-01: more outcomes than messages sent") for m in found)
    assert f"billing analytics of subscription {usd}: periods starting 2025-01-01 and 2025-01-15 overlap" in found
    assert f"billing analytics of subscription {eur} from 2025-01-01 are in USD but its plan is priced in EUR" in found
    assert len(found) == 7, found


def test_shared_servers_belong_to_the_operator_and_stay_out_of_customers_sight(infra: Session, dsn: str) -> None:
    operator, customer = new_company(infra, "platform"), new_company(infra, "acme")
    shared = new_vps(infra, operator, "pool-1.example.com", tenancy="shared")
    dedicated = new_vps(infra, customer, "mx.acme.example")
    assert fetch_as(dsn, "tenant_api", customer, "SELECT vps_instance_id::text FROM vps_instances") == [(dedicated,)]
    assert fetch_as(dsn, "application_service", operator, "SELECT tenancy FROM vps_instances") == [("shared",)]
    assert fetch_as(dsn, "business_analysts", None, "SELECT count(*) FROM vps_instances") == [(2,)]
    with acting_as(dsn, "application_service", customer) as session:
        assert (
            session.execute_count("UPDATE vps_instances SET status = 'draining' WHERE vps_instance_id = %s", (shared,))
            == 0
        )


@pytest.mark.parametrize("table", ["vps_instances", "smtp_ip_addresses", "deliverability_daily", "billing_analytics"])
def test_the_tenant_api_reads_infrastructure_and_roll_ups_but_never_writes_them(
    infra: Session, dsn: str, table: str
) -> None:
    acme = new_company(infra, "acme")
    assert fetch_as(dsn, "tenant_api", acme, f"SELECT count(*) FROM {table}") == [(0,)]
    for statement in (f"DELETE FROM {table}", f"UPDATE {table} SET tenant_id = tenant_id"):
        with pytest.raises(DatabaseError) as error, acting_as(dsn, "tenant_api", acme) as session:
            session.execute(statement)
        assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
