"""Revenue recognition (issue 12, finding 1): a charge is revenue of the service it pays for (ASC 606 / IFRS 15 for
subscriptions), the ledger as dated stays available as cash revenue, and deferred revenue is what was billed but not
yet recognized (docs/business-metrics.md, "Revenue: recognized, cash and deferred")."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from tenantdb.bi import RefreshRequest, refresh
from tenantdb.bi.months import months_with_data
from tenantdb.bi.reports import ReportOptions
from tenantdb.bi.reports.explain import build as build_explain
from tenantdb.db import Session
from tenantdb.errors import DatabaseError
from tests import recipes
from tests.bi.builders import Rows
from tests.helpers import cli

dsn = recipes.database_fixture(recipes.modules_applied(["bi"]))  # every test starts with bi applied


JUNE = date(2025, 6, 1)
YEAR = [date(2025 + (5 + n) // 12, (5 + n) % 12 + 1, 1) for n in range(12)]  # June 2025 to May 2026
AFTER = date(2026, 6, 1)
CHECK_VIOLATION = "23514"


@pytest.fixture
def rows(session: Session) -> Rows:
    return Rows(session)


def customer(rows: Rows) -> tuple[str, str]:
    """A customer on a plan, and its subscription."""
    tenant = rows.company("prepaid")
    return tenant, rows.subscription(tenant, rows.plan("Yearly", "500.00"))


def entry(
    rows: Rows,
    tenant: str,
    kind: str,
    amount: str,
    at: str,
    *,
    period: tuple[str, str] | None = None,
    payment: str | None = None,
) -> None:
    rows.session.execute(
        "INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at, payment_id,"
        " service_period_start, service_period_end) VALUES (%s, %s, %s, 'USD', %s, %s, %s, %s)",
        (tenant, kind, amount, at, payment, *(period or (None, None))),
    )


def payment(rows: Rows, tenant: str, subscription: str, amount: str, start: str, end: str, paid: str) -> str:
    return str(
        rows.value(
            "INSERT INTO payments (tenant_id, subscription_id, amount, currency, status, billing_period_start,"
            " billing_period_end, paid_at) VALUES (%s, %s, %s, 'USD', 'succeeded', %s, %s, %s) RETURNING payment_id",
            (tenant, subscription, amount, start, end, paid),
        )
    )


def revenue(rows: Rows, tenant: str, months: list[date]) -> dict[date, tuple[Decimal, Decimal, Decimal]]:
    """(recognized, cash, deferred at the month's end) of each month, after refreshing them."""
    refresh(rows.session, RefreshRequest(months=tuple(months)))
    found = rows.session.fetch_all(
        "SELECT month, recognized_revenue, cash_revenue, deferred_revenue FROM bi_tenant_monthly"
        " WHERE tenant_id = %s AND month = ANY (%s) ORDER BY month",
        (tenant, months),
    )
    return {row[0]: (row[1], row[2], row[3]) for row in found}


def money(value: str | int) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def test_a_yearly_prepayment_is_recognized_a_twelfth_a_month_with_the_rest_deferred(rows: Rows) -> None:
    tenant, _ = customer(rows)
    entry(rows, tenant, "charge", "6000.00", "2025-06-01 09:00Z", period=("2025-06-01", "2026-06-01"))
    figures = revenue(rows, tenant, [*YEAR, AFTER])
    assert figures[JUNE] == (money(500), money(6000), money(5500))  # was 6,000.00 recognized in June
    for n, month in enumerate(YEAR):
        recognized, cash, deferred = figures[month]
        assert recognized == money(500), month
        assert deferred == money(5500 - 500 * n), month
        assert cash == (money(6000) if month == JUNE else money(0)), month
    assert figures[AFTER] == (money(0), money(0), money(0))


def test_a_charge_of_a_payment_is_recognized_over_the_payment_billing_period(rows: Rows) -> None:
    tenant, subscription = customer(rows)
    paid = payment(rows, tenant, subscription, "6000.00", "2025-06-01Z", "2026-06-01Z", "2025-06-01 09:00Z")
    entry(rows, tenant, "charge", "6000.00", "2025-06-01 09:00Z", payment=paid)
    figures = revenue(rows, tenant, YEAR)
    assert [figures[month][0] for month in YEAR] == [money(500)] * 12
    assert figures[JUNE][2] == money(5500)


def test_a_charge_settled_the_next_month_is_revenue_of_its_service_month(rows: Rows) -> None:
    tenant, subscription = customer(rows)
    paid = payment(rows, tenant, subscription, "500.00", "2025-06-01Z", "2025-07-01Z", "2025-07-02 10:00Z")
    entry(rows, tenant, "charge", "500.00", "2025-07-02 10:00Z", payment=paid)
    july = date(2025, 7, 1)
    figures = revenue(rows, tenant, [JUNE, july])
    # June: earned, not yet billed (deferred is negative: accrued revenue); July: billed, nothing left to earn.
    assert figures[JUNE] == (money(500), money(0), money(-500))
    assert figures[july] == (money(0), money(500), money(0))


def test_a_refund_is_recognized_over_the_period_it_corrects(rows: Rows) -> None:
    tenant, _ = customer(rows)
    entry(rows, tenant, "charge", "6000.00", "2025-06-01 09:00Z", period=("2025-06-01", "2026-06-01"))
    # A downgrade on December 15: $200 a month back for December to May.
    entry(rows, tenant, "refund", "-1200.00", "2025-12-15 12:00Z", period=("2025-12-01", "2026-06-01"))
    figures = revenue(rows, tenant, YEAR)
    december = date(2025, 12, 1)
    assert figures[date(2025, 11, 1)][0] == money(500)
    assert [figures[month][0] for month in YEAR[6:]] == [money(300)] * 6
    assert figures[december] == (money(300), money(-1200), money(1500))


def test_a_proration_is_recognized_over_its_days(rows: Rows) -> None:
    tenant, _ = customer(rows)
    july = date(2025, 7, 1)
    entry(rows, tenant, "charge", "40.00", "2025-06-16 10:00Z", period=("2025-06-16", "2025-07-01"))
    # Half of June (15 of 30 days) and half of July (15 of 31 days): 100 x (1/2) / (1/2 + 15/31) = 50.8196...
    entry(rows, tenant, "charge", "100.00", "2025-06-16 10:00Z", period=("2025-06-16", "2025-07-16"))
    figures = revenue(rows, tenant, [JUNE, july])
    assert figures[JUNE] == (money(40) + Decimal("50.82"), money(140), Decimal("49.18"))
    assert figures[july] == (Decimal("49.18"), money(0), money(0))


def test_the_pieces_of_a_charge_add_up_to_it_to_the_cent(rows: Rows) -> None:
    tenant, _ = customer(rows)
    entry(rows, tenant, "charge", "100.00", "2025-06-01 10:00Z", period=("2025-06-01", "2025-09-01"))
    months = [JUNE, date(2025, 7, 1), date(2025, 8, 1)]
    figures = revenue(rows, tenant, months)
    # Three whole months, equal shares: the leftover cent goes to the earliest month (the documented tie-break).
    assert [figures[month][0] for month in months] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert [figures[month][2] for month in months] == [Decimal("66.66"), Decimal("33.33"), money(0)]


def test_the_months_with_data_include_the_months_a_service_period_reaches_but_never_a_future_one(rows: Rows) -> None:
    tenant, _ = customer(rows)
    entry(rows, tenant, "charge", "6000.00", "2025-06-01 09:00Z", period=("2025-06-01", "2026-06-01"))
    entry(rows, tenant, "charge", "10.00", "2025-06-01 09:00Z", period=("2025-06-01", "2099-01-01"))
    months = months_with_data(rows.session)
    current = rows.value("SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date")
    assert months[0] == JUNE and set(YEAR) <= set(months)
    assert months[-1] == current


@pytest.mark.parametrize(
    ("start", "end"),
    [("2025-06-01", None), (None, "2025-07-01"), ("2025-07-01", "2025-07-01"), ("2025-07-01", "2025-06-01")],
)
def test_a_service_period_has_both_ends_in_order(rows: Rows, start: str | None, end: str | None) -> None:
    tenant, _ = customer(rows)
    with pytest.raises(DatabaseError, match="billing_transactions_service_period") as error:
        rows.session.execute(
            "INSERT INTO billing_transactions (tenant_id, kind, amount, currency, service_period_start,"
            " service_period_end) VALUES (%s, 'charge', 1, 'USD', %s, %s)",
            (tenant, start, end),
        )
    assert error.value.sqlstate == CHECK_VIOLATION


def test_an_incremental_refresh_follows_an_entry_into_the_months_of_its_service_period(rows: Rows) -> None:
    """A credit dated in August for June's service changes June's recognized revenue: an incremental refresh
    (without --month) must refresh June, not only August."""
    tenant, _ = customer(rows)
    entry(rows, tenant, "charge", "500.00", "2025-06-01 09:00Z", period=("2025-06-01", "2025-07-01"))
    entry(rows, tenant, "charge", "500.00", "2025-08-01 09:00Z", period=("2025-08-01", "2025-09-01"))
    refresh(rows.session, RefreshRequest())
    entry(rows, tenant, "credit", "-50.00", "2025-08-20 09:00Z", period=("2025-06-01", "2025-07-01"))
    refresh(rows.session, RefreshRequest())
    june = rows.value(
        "SELECT recognized_revenue FROM bi_tenant_monthly WHERE tenant_id = %s AND month = %s", (tenant, JUNE)
    )
    assert june == money(450)


def test_explain_shows_the_deferred_revenue_at_the_month_end(rows: Rows, dsn: str) -> None:
    tenant, _ = customer(rows)
    entry(rows, tenant, "charge", "6000.00", "2025-06-01 09:00Z", period=("2025-06-01", "2026-06-01"))
    refresh(rows.session, RefreshRequest(months=(JUNE,)))
    report = build_explain(rows.session, ReportOptions(month=JUNE, tenant=tenant))
    assert (report.recognized_revenue, report.deferred_revenue) == (money(500), money(5500))
    shown = cli("report", "explain", "--tenant", tenant, "--month", "2025-06", "--dsn", dsn)
    assert "revenue $500.00 (deferred at the month's end: $5,500.00)" in " ".join(shown.stdout.split())


def test_an_incremental_refresh_follows_a_payment_whose_billing_period_changes(rows: Rows) -> None:
    """The billing period of a payment is the service period of its entries: moving it moves their revenue."""
    tenant, subscription = customer(rows)
    paid = payment(rows, tenant, subscription, "500.00", "2025-06-01Z", "2025-07-01Z", "2025-06-02 10:00Z")
    entry(rows, tenant, "charge", "500.00", "2025-06-02 10:00Z", payment=paid)
    entry(rows, tenant, "charge", "1.00", "2025-08-02 10:00Z")  # data up to August
    refresh(rows.session, RefreshRequest())
    rows.session.execute(
        "UPDATE payments SET billing_period_start = '2025-07-01Z', billing_period_end = '2025-08-01Z'"
        " WHERE payment_id = %s",
        (paid,),
    )
    refresh(rows.session, RefreshRequest())
    found = dict(
        rows.session.fetch_all(
            "SELECT month, recognized_revenue FROM bi_tenant_monthly WHERE tenant_id = %s AND month < '2025-08-01'",
            (tenant,),
        )
    )
    assert found == {JUNE: money(0), date(2025, 7, 1): money(500)}


def test_the_executive_report_shows_the_deferred_revenue_at_the_month_end(rows: Rows, dsn: str) -> None:
    """Deferred revenue is visible where the CFO looks: the executive key metrics, text and JSON."""
    rows.company("platform", operator=True)
    tenant, _ = customer(rows)
    entry(rows, tenant, "charge", "6000.00", "2025-06-01 09:00Z", period=("2025-06-01", "2026-06-01"))
    refresh(rows.session, RefreshRequest(months=(JUNE,)))
    shown = cli("report", "executive", "--month", "2025-06", "--dsn", dsn, "--json")
    assert shown.returncode == 0, shown.stderr
    metrics = json.loads(shown.stdout)["key_metrics"]
    assert (Decimal(str(metrics["revenue"])), Decimal(str(metrics["deferred_revenue"]))) == (money(500), money(5500))
    shown = cli("report", "executive", "--month", "2025-06", "--dsn", dsn)
    assert "deferred revenue (at the month's end) │  $5,500.00" in shown.stdout
