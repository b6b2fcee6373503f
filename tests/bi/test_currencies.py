"""Currencies (issue 12, finding 4): every amount carries its currency and is converted to the reporting currency
(USD) with fx_rates; an amount without a usable rate is flagged and never summed (docs/business-metrics.md,
"Currencies")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tenantdb.bi import RefreshRequest, refresh
from tenantdb.bi.reports import ReportOptions
from tenantdb.bi.reports.reconciliation import build as build_reconciliation
from tenantdb.db import Session
from tenantdb.errors import DatabaseError
from tests import recipes
from tests.bi.builders import JUNE, Rows
from tests.helpers import cli

dsn = recipes.database_fixture(recipes.modules_applied(["bi"]))  # every test starts with bi applied


CHECK_VIOLATION = "23514"
INSUFFICIENT_PRIVILEGE = "42501"


@pytest.fixture
def rows(session: Session) -> Rows:
    return Rows(session)


def rate(rows: Rows, day: str, base: str, quote: str, value: str) -> None:
    rows.session.execute(
        "INSERT INTO fx_rates (rate_date, base_currency, quote_currency, rate) VALUES (%s, %s, %s, %s)",
        (day, base, quote, value),
    )


def invoice(rows: Rows, provider: str, hostname: str, amount: str, currency: str) -> None:
    invoice_id = rows.value(
        "INSERT INTO provider_invoices (provider, month, invoice_number, total, currency)"
        " VALUES (%s, %s, %s, %s, %s) RETURNING invoice_id",
        (provider, JUNE, f"{provider}-2025-06", amount, currency),
    )
    rows.session.execute(
        "INSERT INTO provider_invoice_lines (invoice_id, line_no, resource_ref, quantity, unit_price, amount)"
        " VALUES (%s, 1, %s, 1, %s, %s)",
        (invoice_id, hostname, amount, amount),
    )


def entry(rows: Rows, tenant: str, amount: str, currency: str, at: str = "2025-06-10 12:00Z") -> None:
    rows.session.execute(
        "INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at)"
        " VALUES (%s, 'charge', %s, %s, %s)",
        (tenant, amount, currency, at),
    )


def two_providers(rows: Rows) -> None:
    """A tenant with a $1,190 server at OVH (invoiced 1,049 EUR) and a $100 server at Hetzner (invoiced $100)."""
    rows.company("platform", operator=True)
    tenant = rows.company("hosted")
    rows.vps(tenant, "1190.00", provider="ovh", hostname="mx-ovh.example.net")
    rows.vps(tenant, "100.00", provider="hetzner", hostname="mx-hetzner.example.net")
    invoice(rows, "ovh", "mx-ovh.example.net", "1049.00", "EUR")
    invoice(rows, "hetzner", "mx-hetzner.example.net", "100.00", "USD")


def reconciled(rows: Rows) -> dict[str, dict[str, object]]:
    rows.refresh(JUNE)
    columns, found = rows.session.fetch_named("SELECT * FROM bi_reconciliation WHERE month = %s", (JUNE,))
    return {row[0]: dict(zip(columns, row, strict=True)) for row in found}


def test_a_eur_invoice_is_converted_at_the_rate_of_the_month_end_before_it_is_compared(rows: Rows) -> None:
    two_providers(rows)
    rate(rows, "2025-06-20", "EUR", "USD", "1.10")  # the latest on or before June 30
    rate(rows, "2025-05-31", "EUR", "USD", "1.05")
    rate(rows, "2025-07-01", "EUR", "USD", "1.30")  # after the month: not used
    ovh = reconciled(rows)["ovh"]
    # Was: 1,049 compared 1:1 with $1,190.
    assert ovh["invoiced"] == Decimal("1153.90")
    assert (ovh["currency"], ovh["invoiced_original"], ovh["fx_rate"]) == ("EUR", Decimal("1049.00"), Decimal("1.10"))
    assert ovh["rate_drift"] == Decimal("1153.90") - Decimal("1190.00")
    assert ovh["flagged"] and ovh["flag_reason"] == "beyond_tolerance"


def test_an_invoice_without_a_rate_is_flagged_and_kept_out_of_the_totals(rows: Rows) -> None:
    two_providers(rows)
    ovh = reconciled(rows)["ovh"]
    assert ovh["flagged"] and ovh["flag_reason"] == "no_rate"
    assert (ovh["currency"], ovh["invoiced_original"], ovh["invoiced"]) == ("EUR", Decimal("1049.00"), None)
    report = build_reconciliation(rows.session, ReportOptions(month=JUNE))
    # Was: the report total added 1,049 EUR and $100.
    assert (report.invoiced, report.modeled) == (Decimal("100.00"), Decimal("100.00"))
    assert report.unconverted_providers == 1
    shown = {row.provider: row for row in report.providers}
    assert shown["ovh"].invoiced is None and shown["ovh"].invoiced_original == Decimal("1049.00")
    assert shown["ovh"].currency == "EUR" and shown["ovh"].flag_reason == "no_rate"


def test_the_reconciliation_report_shows_the_original_currency_and_why_a_row_is_left_out(rows: Rows, dsn: str) -> None:
    two_providers(rows)
    rows.refresh(JUNE)
    shown = cli("report", "reconciliation", "--month", "2025-06", "--dsn", dsn)
    assert shown.returncode == 0, shown.stderr
    text = " ".join(shown.stdout.split())
    assert "EUR 1,049.00" in text and "flagged (no EUR" in text
    assert "modeled $100.00, invoiced $100.00" in text and "1 provider(s) left out of the totals" in text


def test_ledger_entries_in_other_currencies_are_converted_at_their_date_or_flagged(rows: Rows) -> None:
    rows.company("platform", operator=True)
    tenant = rows.company("europe")
    rate(rows, "2025-06-01", "EUR", "USD", "1.10")
    rate(rows, "2025-06-11", "EUR", "USD", "2.00")  # after the entry: not used
    entry(rows, tenant, "100.00", "EUR")  # was silently dropped from revenue
    entry(rows, tenant, "50.00", "USD")
    entry(rows, tenant, "70.00", "GBP")  # no GBP rate: flagged, never summed
    rows.refresh(JUNE)
    row = rows.session.fetch_one(
        "SELECT recognized_revenue, cash_revenue, unconverted_entries, unconverted_currencies FROM bi_tenant_monthly"
        " WHERE tenant_id = %s AND month = %s",
        (tenant, JUNE),
    )
    assert row == (Decimal("160.00"), Decimal("160.00"), 1, ["GBP"])


def test_a_new_rate_is_picked_up_by_an_incremental_refresh(rows: Rows) -> None:
    rows.company("platform", operator=True)
    tenant = rows.company("europe")
    entry(rows, tenant, "100.00", "EUR")
    refresh(rows.session, RefreshRequest())
    rate(rows, "2025-06-01", "EUR", "USD", "1.10")
    refresh(rows.session, RefreshRequest())
    revenue = rows.value(
        "SELECT recognized_revenue FROM bi_tenant_monthly WHERE tenant_id = %s AND month = %s", (tenant, JUNE)
    )
    assert revenue == Decimal("110.00")


@pytest.mark.parametrize(
    ("base", "quote", "value"), [("EUR", "USD", "0"), ("EUR", "USD", "-1.1"), ("USD", "USD", "1"), ("eur", "USD", "1")]
)
def test_a_rate_is_positive_between_two_currencies(rows: Rows, base: str, quote: str, value: str) -> None:
    with pytest.raises(DatabaseError) as error:
        rate(rows, "2025-06-01", base, quote, value)
    assert error.value.sqlstate == CHECK_VIOLATION


@pytest.mark.parametrize("role", ["application_service", "tenant_api", "business_analysts"])
def test_only_administrators_write_rates(rows: Rows, role: str) -> None:
    with pytest.raises(DatabaseError) as error, rows.session.transaction():
        rows.session.execute(f"SET LOCAL ROLE {role}")
        rows.session.execute(
            "INSERT INTO fx_rates (rate_date, base_currency, quote_currency, rate)"
            " VALUES ('2025-06-01', 'EUR', 'USD', 1)"
        )
    assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE


def test_analysts_and_the_refresh_read_rates_and_tenants_do_not(rows: Rows) -> None:
    rate(rows, "2025-06-01", "EUR", "USD", "1.10")
    for role, readable in (("business_analysts", True), ("tenantdb_refresh", True), ("tenant_api", False)):
        assert rows.value("SELECT has_table_privilege(%s, 'fx_rates', 'SELECT')", (role,)) is readable, role
    assert rows.value("SELECT has_table_privilege('db_administrators', 'fx_rates', 'INSERT')")
    assert rows.value("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'fx_rates'::regclass") == (
        "tenantdb_owner"
    )


def eur_plan_customer(rows: Rows) -> str:
    """A customer on a plan priced at 100 EUR a month, with a $20 server."""
    rows.company("platform", operator=True)
    tenant = rows.company("euro-customer")
    plan = rows.plan("Euro Pro", "100.00")
    rows.session.execute("UPDATE plans SET currency = 'EUR' WHERE plan_id = %s", (plan,))
    rows.subscription(tenant, plan)
    rows.vps(tenant, "20.00")
    return tenant


def test_a_plan_priced_in_euros_is_converted_before_the_view_compares_it_with_dollars(rows: Rows) -> None:
    """Every amount carries its currency: the executive view's revenue is the plan's price, which compared 100 EUR
    1:1 with dollars of cost."""
    tenant = eur_plan_customer(rows)
    rate(rows, "2025-06-15", "EUR", "USD", "1.10")
    rows.refresh(JUNE)
    price, profit = rows.session.fetch_one(
        "SELECT monthly_subscription_revenue, monthly_profit FROM executive_business_summary WHERE tenant_id = %s",
        (tenant,),
    ) or (None, None)
    assert (price, profit) == (Decimal("110.00"), Decimal("90.00"))


def test_a_plan_price_without_a_rate_is_flagged_and_never_compared(rows: Rows) -> None:
    tenant = eur_plan_customer(rows)
    rate(rows, "2025-07-01", "EUR", "USD", "1.10")  # after June: not used
    rows.refresh(JUNE)
    price, currencies = rows.session.fetch_one(
        "SELECT price_monthly, unconverted_currencies FROM bi_tenant_monthly WHERE tenant_id = %s AND month = %s",
        (tenant, JUNE),
    ) or (None, None)
    assert (price, currencies) == (None, ["EUR"])
    view = rows.session.fetch_one(
        "SELECT monthly_subscription_revenue, monthly_profit FROM executive_business_summary WHERE tenant_id = %s",
        (tenant,),
    )
    assert view == (None, None)
