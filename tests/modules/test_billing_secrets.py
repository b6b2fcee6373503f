"""billing 0008: the encrypted and hashed columns of billing secrets, and the constraints that keep them whole."""

from __future__ import annotations

import pytest

from tenantdb.db import Session
from tests import recipes
from tests.modules.support import new_company, rejected
from tests.modules.test_billing import new_payment, new_plan, new_subscription

dsn = recipes.database_fixture(recipes.modules_applied(["billing"]))  # every test starts with billing applied


CIPHERTEXT = b"\x01" + bytes(100)


@pytest.fixture
def billing(session: Session) -> Session:
    return session


def _columns(session: Session, table: str) -> dict[str, str]:
    rows = session.fetch_all(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        (table,),
    )
    return dict(rows)


def test_billing_secrets_follow_the_ciphertext_key_id_and_hmac_convention(billing: Session) -> None:
    payments, subscriptions = _columns(billing, "payments"), _columns(billing, "subscriptions")
    assert payments["payment_method_ciphertext"] == "bytea"
    assert payments["payment_method_key_id"] == "text"
    assert payments["card_fingerprint_hmac"] == "bytea"
    assert subscriptions["stripe_customer_ciphertext"] == "bytea"
    assert subscriptions["stripe_customer_key_id"] == "text"
    unvalidated = billing.fetch_all(
        "SELECT conname FROM pg_constraint WHERE conrelid IN ('payments'::regclass, 'subscriptions'::regclass)"
        " AND NOT convalidated"
    )
    assert unvalidated == []


def test_a_ciphertext_needs_its_key_id_and_a_key_id_its_ciphertext(billing: Session) -> None:
    tenant = new_company(billing, "acme")
    subscription = new_subscription(billing, tenant, new_plan(billing))
    payment = new_payment(billing, tenant, subscription)
    where = " WHERE tenant_id = %s AND payment_id = %s"
    assert (
        rejected(billing, "UPDATE payments SET payment_method_ciphertext = %s" + where, (CIPHERTEXT, tenant, payment))
        == "23514"
    )
    assert rejected(billing, "UPDATE payments SET payment_method_key_id = 'k1'" + where, (tenant, payment)) == "23514"
    billing.execute(
        "UPDATE payments SET payment_method_ciphertext = %s, payment_method_key_id = 'k1'" + where,
        (CIPHERTEXT, tenant, payment),
    )
    assert (
        rejected(billing, "UPDATE payments SET card_fingerprint_hmac = '\\x00ff'" + where, (tenant, payment)) == "23514"
    )
    billing.execute("UPDATE payments SET card_fingerprint_hmac = %s" + where, (bytes(32), tenant, payment))
    by_subscription = " WHERE tenant_id = %s AND subscription_id = %s"
    assert (
        rejected(
            billing, "UPDATE subscriptions SET stripe_customer_key_id = 'k1'" + by_subscription, (tenant, subscription)
        )
        == "23514"
    )
    billing.execute(
        "UPDATE subscriptions SET stripe_customer_ciphertext = %s, stripe_customer_key_id = 'k1'" + by_subscription,
        (CIPHERTEXT, tenant, subscription),
    )
