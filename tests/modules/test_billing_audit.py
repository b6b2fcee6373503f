"""The billing audit trail (billing 0009): every change of a plan, subscription, payment or ledger entry leaves one
append-only row saying who, as which role, for which tenant, when, and what changed, with secrets redacted; no
role can change or remove a row; a tenant reads only its own."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from psycopg import sql

from tenantdb.db import Session, connect
from tenantdb.errors import DatabaseError
from tenantdb.execute import RunRequest, migrate
from tenantdb.migrations import Direction
from tenantdb.verify import verify
from tests import recipes
from tests.helpers import FAST
from tests.modules.support import (
    INSUFFICIENT_PRIVILEGE,
    acting_as,
    module_sets,
    new_company,
    rejected,
)

dsn = recipes.database_fixture(recipes.modules_applied(["billing"]))  # every test starts with billing applied


PERIOD = "now() - interval '1 day', now() + interval '29 days'"
PLATFORM = "00000000-0000-0000-0000-000000000000"  # the tenant_id of the shared plans' changes
AUDIT_COLUMNS = (
    "tenant_id, table_name, operation, row_key, old_values, new_values, changed_columns, session_user_name,"
    " current_role_name, application_name, context_tenant_id"
)
# Every role of module security, and the owner every object belongs to (the migration role is a member of it).
EVERY_ROLE = (
    "tenant_api",
    "application_service",
    "business_analysts",
    "db_administrators",
    "tenantdb_refresh",
    "tenantdb_owner",
)

FORGED = (
    "INSERT INTO billing_audit_log (tenant_id, table_name, operation, session_user_name, current_role_name)"
    " VALUES ('00000000-0000-0000-0000-000000000000', 'plans', 'DELETE', 'nobody', 'nobody')"
)


def audit_rows(session: Session, where: str = "true", params: Any = None) -> list[dict[str, Any]]:
    columns, rows = session.fetch_named(
        f"SELECT {AUDIT_COLUMNS} FROM billing_audit_log WHERE {where} ORDER BY seq",
        params,
    )
    return [dict(zip(columns, row, strict=True)) for row in rows]


def a_plan(session: Session, name: str = "pro") -> str:
    return str(
        session.fetch_value("INSERT INTO plans (name, price_monthly) VALUES (%s, 49.00) RETURNING plan_id", (name,))
    )


def a_subscription(session: Session, tenant: str, plan: str) -> str:
    return str(
        session.fetch_value(
            "INSERT INTO subscriptions (tenant_id, plan_id, status, current_period_start, current_period_end)"
            f" VALUES (%s, %s, 'active', {PERIOD}) RETURNING subscription_id",
            (tenant, plan),
        )
    )


def a_payment(session: Session, tenant: str, subscription: str) -> str:
    return str(
        session.fetch_value(
            "INSERT INTO payments (tenant_id, subscription_id, amount, currency, billing_period_start,"
            f" billing_period_end) VALUES (%s, %s, 49.00, 'USD', {PERIOD}) RETURNING payment_id",
            (tenant, subscription),
        )
    )


@pytest.fixture
def billing(session: Session) -> Session:
    return session


def test_each_insert_update_and_delete_of_every_audited_table_leaves_one_row_with_old_and_new_values(
    billing: Session,
) -> None:
    tenant = new_company(billing, "acme")
    plan = a_plan(billing)
    subscription = a_subscription(billing, tenant, plan)
    payment = a_payment(billing, tenant, subscription)
    transaction = billing.fetch_value(
        "INSERT INTO billing_transactions (tenant_id, payment_id, kind, amount, currency)"
        " VALUES (%s, %s, 'charge', 49.00, 'USD') RETURNING transaction_id",
        (tenant, payment),
    )
    billing.execute("UPDATE plans SET price_monthly = 59.00")
    billing.execute("UPDATE payments SET status = 'failed'")
    billing.execute("UPDATE billing_transactions SET description = 'corrected'")
    billing.execute("DELETE FROM billing_transactions")
    billing.execute("DELETE FROM payments")
    billing.execute("DELETE FROM subscriptions")
    billing.execute("DELETE FROM plans")

    rows = audit_rows(billing)
    assert [(r["table_name"], r["operation"]) for r in rows] == [
        ("plans", "INSERT"),
        ("subscriptions", "INSERT"),
        ("payments", "INSERT"),
        ("billing_transactions", "INSERT"),
        ("plans", "UPDATE"),
        ("payments", "UPDATE"),
        ("billing_transactions", "UPDATE"),
        ("billing_transactions", "DELETE"),
        ("payments", "DELETE"),
        ("subscriptions", "DELETE"),
        ("plans", "DELETE"),
    ]
    assert [str(r["tenant_id"]) for r in rows] == [
        PLATFORM, tenant, tenant, tenant, PLATFORM, tenant, tenant, tenant, tenant, tenant, PLATFORM,
    ]  # fmt: skip
    inserted_plan, updated_plan = rows[0], rows[4]
    assert inserted_plan["old_values"] is None and inserted_plan["new_values"]["price_monthly"] == 49.0
    assert inserted_plan["row_key"] == {"plan_id": plan}
    assert updated_plan["old_values"]["price_monthly"] == 49.0 and updated_plan["new_values"]["price_monthly"] == 59.0
    assert updated_plan["changed_columns"] == ["price_monthly", "updated_at"]
    assert rows[5]["row_key"] == {"tenant_id": tenant, "payment_id": payment}
    assert rows[5]["changed_columns"] == ["status", "updated_at"]
    deleted = rows[7]
    assert deleted["row_key"] == {"tenant_id": tenant, "transaction_id": str(transaction)}
    assert deleted["old_values"]["description"] == "corrected" and deleted["new_values"] is None
    assert {r["session_user_name"] for r in rows} == {billing.fetch_value("SELECT session_user")}
    assert {r["application_name"] for r in rows} == {billing.fetch_value("SELECT current_setting('application_name')")}


def test_a_rolled_back_change_leaves_no_audit_row(billing: Session) -> None:
    with pytest.raises(DatabaseError), billing.transaction():
        a_plan(billing, "gone")
        billing.execute("SELECT 1 / 0")
    assert audit_rows(billing) == []


def test_the_row_says_who_as_which_role_and_in_which_tenant_context(billing: Session, dsn: str) -> None:
    tenant = new_company(billing, "acme")
    subscription = a_subscription(billing, tenant, a_plan(billing))
    with acting_as(dsn, "application_service", tenant) as app:
        app.execute("SET LOCAL application_name = 'checkout-service'")
        app.execute("UPDATE subscriptions SET status = 'past_due' WHERE subscription_id = %s", (subscription,))
        login = app.fetch_value("SELECT session_user")
    (row,) = audit_rows(billing, "operation = 'UPDATE'")
    assert row["session_user_name"] == login
    assert row["current_role_name"] == "application_service"
    assert row["application_name"] == "checkout-service"
    assert str(row["tenant_id"]) == tenant and str(row["context_tenant_id"]) == tenant
    assert row["old_values"]["status"] == "active" and row["new_values"]["status"] == "past_due"
    assert audit_rows(billing, "operation = 'INSERT'")[0]["current_role_name"] == login  # no SET ROLE: the login


def test_secret_columns_are_redacted_by_suffix_and_by_the_redaction_list(billing: Session) -> None:
    billing.execute(
        "ALTER TABLE subscriptions ADD COLUMN stripe_token_ciphertext bytea, ADD COLUMN card_fingerprint_hmac bytea,"
        " ADD COLUMN bank_account text"
    )
    billing.execute(
        "INSERT INTO billing_audit_redactions (column_name, reason) VALUES ('bank_account', 'a test secret')"
    )
    tenant = new_company(billing, "acme")
    subscription = a_subscription(billing, tenant, a_plan(billing))
    secrets = ("\\x5345435245542d31", "\\x5345435245542d32", "4242424242424242")
    billing.execute(
        "UPDATE subscriptions SET stripe_token_ciphertext = %s, card_fingerprint_hmac = %s, bank_account = %s"
        " WHERE subscription_id = %s",
        (*secrets, subscription),
    )
    billing.execute("UPDATE subscriptions SET bank_account = '5555555555554444', status = 'paused'")
    billing.execute("DELETE FROM subscriptions")
    rows = audit_rows(billing, "table_name = 'subscriptions'")
    text = billing.fetch_value("SELECT string_agg(old_values::text || new_values::text, ' ') FROM billing_audit_log")
    for secret in ("5345435245542d31", "5345435245542d32", "4242424242424242", "5555555555554444"):
        assert secret not in str(text)
    first_update = rows[1]
    assert first_update["new_values"]["stripe_token_ciphertext"] == "[redacted]"
    assert first_update["new_values"]["card_fingerprint_hmac"] == "[redacted]"
    assert first_update["old_values"]["bank_account"] is None  # no value: nothing to hide
    assert {"bank_account", "card_fingerprint_hmac", "stripe_token_ciphertext"} <= set(first_update["changed_columns"])
    assert "bank_account" in rows[2]["changed_columns"] and rows[2]["new_values"]["bank_account"] == "[redacted]"
    assert rows[3]["old_values"]["bank_account"] == "[redacted]"


def test_the_plaintext_stripe_customer_id_is_redacted_like_its_encrypted_successor(billing: Session) -> None:
    tenant = new_company(billing, "acme")
    subscription = a_subscription(billing, tenant, a_plan(billing))
    billing.execute("UPDATE subscriptions SET stripe_customer_id = 'cus_SECRET42' WHERE subscription_id = %s",
                    (subscription,))  # fmt: skip
    (row,) = audit_rows(billing, "operation = 'UPDATE'")
    assert row["new_values"]["stripe_customer_id"] == "[redacted]" and "stripe_customer_id" in row["changed_columns"]
    assert "cus_SECRET42" not in str(audit_rows(billing))


def test_the_redaction_list_can_grow_but_never_shrink_outside_a_migration(billing: Session, dsn: str) -> None:
    listed = billing.fetch_value("SELECT count(*) FROM billing_audit_redactions")
    assert listed and int(listed) > 0
    with acting_as(dsn, "db_administrators") as admin:
        admin.execute("INSERT INTO billing_audit_redactions (column_name, reason) VALUES ('iban', 'bank account')")
    for statement in ("DELETE FROM billing_audit_redactions", "UPDATE billing_audit_redactions SET reason = 'x'"):
        with connect(dsn) as other:
            assert rejected_as(other, "db_administrators", statement) == INSUFFICIENT_PRIVILEGE
    for role in ("tenant_api", "application_service", "business_analysts"):
        with connect(dsn) as other:
            statement = "INSERT INTO billing_audit_redactions (column_name, reason) VALUES ('x', 'y')"
            assert rejected_as(other, role, statement) == INSUFFICIENT_PRIVILEGE


def rejected_as(session: Session, role: str, statement: str, tenant: str | None = None) -> str:
    """Run ``statement`` as ``role`` in a transaction that must fail; the SQLSTATE."""
    with pytest.raises(DatabaseError) as error, session.transaction():
        session.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        if tenant is not None:
            session.execute("SELECT set_config('app.current_tenant_id', %s, true)", (tenant,))
        session.execute(statement)
    return str(error.value.sqlstate)


@pytest.mark.parametrize("role", EVERY_ROLE)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE billing_audit_log SET operation = 'DELETE'",
        "UPDATE billing_audit_log SET new_values = NULL WHERE table_name = 'plans'",
        "DELETE FROM billing_audit_log",
        "TRUNCATE billing_audit_log",
        FORGED,
    ],
)
def test_no_role_can_change_remove_or_forge_audit_rows(billing: Session, dsn: str, role: str, statement: str) -> None:
    tenant = new_company(billing, "acme")
    a_subscription(billing, tenant, a_plan(billing))
    before = audit_rows(billing)
    with connect(dsn) as other:
        assert rejected_as(other, role, statement, tenant) == INSUFFICIENT_PRIVILEGE
    assert audit_rows(billing) == before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE billing_audit_log SET operation = 'DELETE'",
        "DELETE FROM billing_audit_log",
        "TRUNCATE billing_audit_log",
    ],
)
def test_the_migration_role_is_refused_too_even_as_a_replication_apply(billing: Session, statement: str) -> None:
    """The tests' migration role is a superuser: the append-only triggers bind it, and they fire ALWAYS, so
    session_replication_role = replica (which silences ordinary triggers) does not get past them either."""
    a_plan(billing)
    assert rejected(billing, statement) == INSUFFICIENT_PRIVILEGE
    with pytest.raises(DatabaseError) as error, billing.transaction():
        billing.execute("SET LOCAL session_replication_role = replica")
        billing.execute(statement)
    assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
    assert len(audit_rows(billing)) == 1


def test_rows_are_inserted_only_by_the_audit_triggers_or_a_replication_apply(billing: Session) -> None:
    """A forged INSERT is refused to the migration role; a logical-replication apply (replica mode, which only a
    superuser or a role granted the setting may enter) copies a replicated trail's rows, e.g. in an upgrade."""
    assert rejected(billing, FORGED) == INSUFFICIENT_PRIVILEGE
    with billing.transaction():
        billing.execute("SET LOCAL session_replication_role = replica")
        billing.execute(FORGED)
    assert [r["operation"] for r in audit_rows(billing)] == ["DELETE"]


def test_a_truncate_of_an_audited_table_is_recorded(billing: Session) -> None:
    a_plan(billing)
    billing.execute("TRUNCATE plans CASCADE")
    truncated = audit_rows(billing, "operation = 'TRUNCATE'")
    assert {r["table_name"] for r in truncated} == {"plans", "subscriptions", "payments", "billing_transactions"}
    assert all(str(r["tenant_id"]) == PLATFORM and r["old_values"] is None for r in truncated)


def test_a_tenant_reads_only_its_own_audit_rows_and_never_the_platforms(billing: Session, dsn: str) -> None:
    plan = a_plan(billing)
    mine, theirs = new_company(billing, "mine"), new_company(billing, "theirs")
    a_subscription(billing, mine, plan)
    a_subscription(billing, theirs, plan)
    for role in ("tenant_api", "application_service"):
        with acting_as(dsn, role, mine) as tenant:
            seen = tenant.fetch_all("SELECT tenant_id::text, table_name, operation, new_values FROM billing_audit_log")
            assert [(row[0], row[1], row[2]) for row in seen] == [(mine, "subscriptions", "INSERT")]
            assert theirs not in str(seen)
        with acting_as(dsn, role) as nobody:  # no tenant context: nothing
            assert nobody.fetch_all("SELECT tenant_id FROM billing_audit_log") == []
        with acting_as(dsn, role, PLATFORM) as platform:  # the platform's key as a context: still nothing
            assert platform.fetch_all("SELECT tenant_id FROM billing_audit_log") == []
        with connect(dsn) as other:  # the context (which could name another tenant) and the global counter
            for column in ("context_tenant_id", "seq"):
                query = f"SELECT {column} FROM billing_audit_log"
                assert rejected_as(other, role, query, mine) == INSUFFICIENT_PRIVILEGE
    for role in ("business_analysts", "db_administrators"):
        with acting_as(dsn, role) as reader:
            assert reader.fetch_value("SELECT count(*) FROM billing_audit_log") == 3


def test_concurrent_writers_leave_exactly_one_audit_row_per_change(billing: Session, dsn: str) -> None:
    """Eight connections write at once (inserts, updates, deletes, some rolled back) as application_service, each
    for its tenant: the trail holds exactly one row per committed change, none lost, none doubled."""
    plan = a_plan(billing)
    tenants = [new_company(billing, f"tenant-{n}") for n in range(8)]
    subscriptions = {tenant: a_subscription(billing, tenant, plan) for tenant in tenants}
    rounds = 25
    barrier = threading.Barrier(len(tenants))
    failures: list[Exception] = []
    expected: Counter[tuple[str, str, str]] = Counter()
    lock = threading.Lock()

    def write(tenant: str) -> None:
        done: Counter[tuple[str, str, str]] = Counter()
        try:
            with connect(dsn, application_name="concurrent writer") as app:
                barrier.wait()
                for number in range(rounds):
                    with app.transaction():
                        app.execute("SET LOCAL ROLE application_service")
                        app.execute("SELECT set_config('app.current_tenant_id', %s, true)", (tenant,))
                        payment = a_payment(app, tenant, subscriptions[tenant])
                        app.execute("UPDATE payments SET status = 'succeeded', paid_at = now() WHERE payment_id = %s",
                                    (payment,))  # fmt: skip
                        app.execute("UPDATE subscriptions SET status = 'active'")
                        if number % 3 == 0:
                            app.execute("DELETE FROM payments WHERE payment_id = %s", (payment,))
                    done.update([(tenant, "payments", "INSERT"), (tenant, "payments", "UPDATE"),
                                 (tenant, "subscriptions", "UPDATE")])  # fmt: skip
                    if number % 3 == 0:
                        done[(tenant, "payments", "DELETE")] += 1
                    if number % 5 == 0:  # a change rolled back leaves nothing
                        with pytest.raises(DatabaseError), app.transaction():
                            app.execute("SET LOCAL ROLE application_service")
                            app.execute("SELECT set_config('app.current_tenant_id', %s, true)", (tenant,))
                            app.execute("UPDATE subscriptions SET status = 'paused'")
                            app.execute("SELECT 1 / 0")
        except Exception as error:  # noqa: BLE001 - the main thread reports it
            failures.append(error)
        with lock:
            expected.update(done)

    threads = [threading.Thread(target=write, args=(tenant,)) for tenant in tenants]
    before = int(billing.fetch_value("SELECT count(*) FROM billing_audit_log"))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    recorded = Counter(
        (str(tenant), str(table), str(operation))
        for tenant, table, operation in billing.fetch_all(
            "SELECT tenant_id, table_name, operation FROM billing_audit_log ORDER BY seq OFFSET %s", (before,)
        )
    )
    assert recorded == expected
    assert sum(expected.values()) == len(tenants) * (rounds * 3 + (rounds + 2) // 3)
    # One row per change of each payment: its insert, its update and (for a third) its delete, keyed by the row.
    per_row = billing.fetch_all(
        "SELECT row_key, array_agg(operation ORDER BY seq) FROM billing_audit_log WHERE table_name = 'payments'"
        " GROUP BY row_key"
    )
    assert len(per_row) == len(tenants) * rounds
    assert {tuple(operations) for _, operations in per_row} <= {("INSERT", "UPDATE"), ("INSERT", "UPDATE", "DELETE")}


def test_verify_reports_a_writable_trail_and_an_audited_table_without_its_trigger(billing: Session) -> None:
    sets = module_sets("billing")
    assert [v.message for v in verify(billing, sets).violations] == []
    (trail,) = [m for m in sets[-1] if m.name == "billing_audit_trail"]
    assert trail.verify is not None
    billing.execute("BEGIN")  # grants and triggers changed and checked in one transaction, rolled back
    try:
        billing.execute("GRANT UPDATE ON billing_audit_log TO db_administrators")
        billing.execute("ALTER TABLE payments DISABLE TRIGGER billing_audit")
        billing.execute("ALTER TABLE billing_audit_log DISABLE TRIGGER billing_audit_log_is_append_only")
        problems = {str(row[0]) for statement in trail.verify.statements for row in billing.fetch_all(statement.text)}
    finally:
        billing.rollback()
    assert {
        "role db_administrators may UPDATE billing_audit_log, which is append-only",
        "payments is not audited: its trigger billing_audit is missing or disabled",
        "billing_audit_log's append-only trigger billing_audit_log_is_append_only is missing or not ENABLE ALWAYS",
    } <= problems, problems


def test_the_trail_keeps_a_deleted_tenants_history(billing: Session) -> None:
    tenant = new_company(billing, "gone")
    a_subscription(billing, tenant, a_plan(billing))
    billing.execute("DELETE FROM companies WHERE id = %s", (tenant,))
    operations = [r["operation"] for r in audit_rows(billing, "tenant_id = %s", (tenant,))]
    assert operations == ["INSERT", "DELETE"]


def test_rolling_the_trail_back_archives_it_and_applying_it_again_restores_it(billing: Session) -> None:
    """The down section drops the trail, which the runner archives first; applying 0009 again puts every row back
    (the append-only guard stays quiet for the restore, and fires ALWAYS again after it)."""
    tenant = new_company(billing, "acme")
    a_subscription(billing, tenant, a_plan(billing))
    before = audit_rows(billing)
    sets = module_sets("billing")
    migrate(billing, sets, FAST, RunRequest(direction=Direction.DOWN, steps=1))
    assert not billing.fetch_value("SELECT to_regclass('billing_audit_log') IS NOT NULL")
    migrate(billing, sets, FAST, RunRequest(direction=Direction.UP))
    assert audit_rows(billing) == before
    a_plan(billing, "after")  # the identity continues after the restored rows
    assert [r["operation"] for r in audit_rows(billing)][-1] == "INSERT"
    assert rejected(billing, "DELETE FROM billing_audit_log") == INSUFFICIENT_PRIVILEGE


def test_billing_0008s_encrypted_and_hashed_columns_never_reach_the_trail(billing: Session) -> None:
    """The columns billing 0008 adds (<name>_ciphertext with its <name>_key_id, <name>_hmac) are redacted by their
    suffix; the key id, which is no secret, stays readable (it says which key a rotation moved a value to)."""
    tenant = new_company(billing, "acme")
    subscription = a_subscription(billing, tenant, a_plan(billing))
    payment = a_payment(billing, tenant, subscription)
    ciphertext, digest = b"sealed-pm_SECRET", bytes(range(32))
    billing.execute(
        "UPDATE payments SET payment_method_ciphertext = %s, payment_method_key_id = 'k2026',"
        " card_fingerprint_hmac = %s WHERE payment_id = %s",
        (ciphertext, digest, payment),
    )
    billing.execute(
        "UPDATE subscriptions SET stripe_customer_ciphertext = %s, stripe_customer_key_id = 'k2026'", (ciphertext,)
    )
    payment_row, subscription_row = audit_rows(billing, "operation = 'UPDATE'")
    assert payment_row["new_values"]["payment_method_ciphertext"] == "[redacted]"
    assert payment_row["new_values"]["card_fingerprint_hmac"] == "[redacted]"
    assert payment_row["new_values"]["payment_method_key_id"] == "k2026"
    assert subscription_row["new_values"]["stripe_customer_ciphertext"] == "[redacted]"
    trail = str(billing.fetch_value("SELECT string_agg(new_values::text, ' ') FROM billing_audit_log"))
    assert ciphertext.hex() not in trail and digest.hex() not in trail
