"""The billing module on a real PostgreSQL: reversible, constrained, and isolated per tenant."""

from __future__ import annotations

import pytest

from tenantdb.db import Session
from tenantdb.errors import DatabaseError
from tenantdb.verify import verify
from tests import recipes
from tests.modules.support import (
    acting_as,
    fetch_as,
    module_sets,
    new_company,
    rejected,
)

dsn = recipes.database_fixture(recipes.modules_applied(["billing"]))  # every test starts with billing applied


PERIOD = "now() - interval '1 day', now() + interval '29 days'"


def new_plan(session: Session, name: str = "pro", price: str = "49.00") -> str:
    return str(
        session.fetch_value(
            "INSERT INTO plans (name, price_monthly, feature_limits) VALUES (%s, %s, '{\"seats\": 10}')"
            " RETURNING plan_id",
            (name, price),
        )
    )


def new_subscription(session: Session, tenant: str, plan: str, stripe_id: str | None = None) -> str:
    return str(
        session.fetch_value(
            "INSERT INTO subscriptions (tenant_id, plan_id, status, current_period_start, current_period_end,"
            f" stripe_subscription_id) VALUES (%s, %s, 'active', {PERIOD}, %s) RETURNING subscription_id",
            (tenant, plan, stripe_id),
        )
    )


def new_payment(session: Session, tenant: str, subscription: str, amount: str = "49.00") -> str:
    return str(
        session.fetch_value(
            "INSERT INTO payments (tenant_id, subscription_id, amount, currency, status, billing_period_start,"
            f" billing_period_end, paid_at) VALUES (%s, %s, %s, 'USD', 'succeeded', {PERIOD}, now())"
            " RETURNING payment_id",
            (tenant, subscription, amount),
        )
    )


@pytest.fixture
def billing(session: Session) -> Session:
    return session


def test_constraints_reject_what_billing_cannot_mean(billing: Session) -> None:
    tenant = new_company(billing, "acme")
    plan = new_plan(billing)
    assert rejected(billing, "INSERT INTO plans (name, price_monthly) VALUES ('free', -1)") == "23514"
    assert (
        rejected(billing, "INSERT INTO plans (name, price_monthly, billing_period) VALUES ('x', 1, 'weekly')")
        == "23514"
    )
    assert rejected(billing, "INSERT INTO plans (name, price_monthly, currency) VALUES ('y', 1, 'usd')") == "23514"
    assert rejected(billing, "INSERT INTO plans (name, price_monthly) VALUES ('pro', 1)") == "23505"
    backwards = (
        "INSERT INTO subscriptions (tenant_id, plan_id, current_period_start, current_period_end)"
        " VALUES (%s, %s, now(), now() - interval '1 day')"
    )
    assert rejected(billing, backwards, (tenant, plan)) == "23514"
    canceled = (
        "INSERT INTO subscriptions (tenant_id, plan_id, status, current_period_start, current_period_end)"
        f" VALUES (%s, %s, 'canceled', {PERIOD})"
    )
    assert rejected(billing, canceled, (tenant, plan)) == "23514"
    subscription = new_subscription(billing, tenant, plan)
    payment = new_payment(billing, tenant, subscription)
    for kind, amount in [("charge", "-1"), ("refund", "5"), ("credit", "5"), ("adjustment", "0")]:
        statement = (
            "INSERT INTO billing_transactions (tenant_id, payment_id, kind, amount, currency)"
            " VALUES (%s, %s, %s, %s, 'USD')"
        )
        assert rejected(billing, statement, (tenant, payment, kind, amount)) == "23514", kind
    billing.execute(
        "INSERT INTO billing_transactions (tenant_id, payment_id, kind, amount, currency) VALUES"
        " (%s, %s, 'charge', 49, 'USD'), (%s, %s, 'refund', -9, 'USD'), (%s, NULL, 'credit', -5, 'USD'),"
        " (%s, NULL, 'adjustment', 2.5, 'USD')",
        (tenant, payment, tenant, payment, tenant, tenant),
    )
    assert billing.fetch_value("SELECT sum(amount) FROM billing_transactions") == pytest.approx(37.5)


def test_keys_and_references_stay_within_one_tenant(billing: Session) -> None:
    acme, globex = new_company(billing, "acme"), new_company(billing, "globex")
    plan = new_plan(billing)
    acme_subscription = new_subscription(billing, acme, plan, stripe_id="sub_1")
    new_subscription(billing, acme, plan)  # NULL Stripe ids do not collide
    new_subscription(billing, acme, plan)
    new_subscription(billing, globex, plan, stripe_id="sub_1")  # unique per tenant only
    duplicate = (
        "INSERT INTO subscriptions (tenant_id, plan_id, current_period_start, current_period_end,"
        f" stripe_subscription_id) VALUES (%s, %s, {PERIOD}, 'sub_1')"
    )
    assert rejected(billing, duplicate, (acme, plan)) == "23505"
    foreign = (
        "INSERT INTO payments (tenant_id, subscription_id, amount, currency, billing_period_start,"
        f" billing_period_end) VALUES (%s, %s, 10, 'USD', {PERIOD})"
    )
    assert rejected(billing, foreign, (globex, acme_subscription)) == "23503"
    assert rejected(billing, "DELETE FROM plans WHERE plan_id = %s", (plan,)) == "23503"


def test_deleting_a_company_removes_its_billing_history(billing: Session) -> None:
    acme, globex = new_company(billing, "acme"), new_company(billing, "globex")
    plan = new_plan(billing)
    for tenant in (acme, globex):
        payment = new_payment(billing, tenant, new_subscription(billing, tenant, plan))
        billing.execute(
            "INSERT INTO billing_transactions (tenant_id, payment_id, kind, amount, currency)"
            " VALUES (%s, %s, 'charge', 49, 'USD')",
            (tenant, payment),
        )
        billing.execute(
            "INSERT INTO usage_metrics (tenant_id, metric, period_start, quantity) VALUES (%s, 'emails_sent',"
            " date_trunc('month', now())::date, 1200)",
            (tenant,),
        )
    billing.execute("DELETE FROM companies WHERE id = %s", (acme,))
    for table in ("subscriptions", "payments", "billing_transactions", "usage_metrics"):
        tenants = billing.fetch_all(f"SELECT DISTINCT tenant_id::text FROM {table}")
        assert tenants == [(globex,)], table
    assert billing.fetch_value("SELECT count(*) FROM plans") == 1


def test_tenant_roles_see_and_write_only_their_own_billing(billing: Session, dsn: str) -> None:
    acme, globex = new_company(billing, "acme"), new_company(billing, "globex")
    plan = new_plan(billing)
    for tenant in (acme, globex):
        new_payment(billing, tenant, new_subscription(billing, tenant, plan))

    for role in ("application_service", "tenant_api"):
        rows = fetch_as(dsn, role, acme, "SELECT DISTINCT tenant_id::text FROM payments")
        assert rows == [(acme,)]
        assert fetch_as(dsn, role, None, "SELECT count(*) FROM subscriptions") == [(0,)]
        assert fetch_as(dsn, role, acme, "SELECT count(*) FROM plans") == [(1,)]
    assert fetch_as(dsn, "business_analysts", None, "SELECT count(*) FROM payments") == [(2,)]

    insert = (
        "INSERT INTO subscriptions (tenant_id, plan_id, current_period_start, current_period_end)"
        f" VALUES (%s, %s, {PERIOD})"
    )
    with pytest.raises(DatabaseError) as error, acting_as(dsn, "application_service", acme) as app:
        app.execute(insert, (globex, plan))
    assert error.value.sqlstate == "42501"  # new row violates row-level security policy
    with acting_as(dsn, "application_service", acme) as app:
        app.execute(insert, (acme, plan))
        assert app.execute_count("UPDATE subscriptions SET status = 'paused' WHERE tenant_id = %s", (globex,)) == 0

    forbidden = [
        ("tenant_api", insert, (acme, plan)),  # the tenant-facing API cannot forge its own billing
        ("application_service", "UPDATE plans SET price_monthly = 0", ()),  # plans are shared
        ("application_service", "UPDATE billing_transactions SET amount = 1", ()),  # the ledger is append-only
        ("business_analysts", "DELETE FROM payments", ()),
    ]
    for role, statement, params in forbidden:
        with pytest.raises(DatabaseError) as error, acting_as(dsn, role, acme) as session:
            session.execute(statement, params)
        assert error.value.sqlstate == "42501", (role, statement)


def test_verify_blocks_find_nothing_in_consistent_data(billing: Session) -> None:
    tenant = new_company(billing, "acme")
    payment = new_payment(billing, tenant, new_subscription(billing, tenant, new_plan(billing)))
    billing.execute(
        "INSERT INTO billing_transactions (tenant_id, payment_id, kind, amount, currency)"
        " VALUES (%s, %s, 'refund', -49, 'USD')",
        (tenant, payment),
    )
    report = verify(billing, module_sets("billing"))
    assert report.violations == ()
