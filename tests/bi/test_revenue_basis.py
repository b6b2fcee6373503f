"""``--basis cash|recognized`` (issue 12): every report that shows revenue uses the basis asked for, recognized by
default, and says which on every output (text, JSON, CSV) (docs/business-metrics.md, "Reports")."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from tenantdb.bi.reports import ReportOptions, RevenueBasis
from tenantdb.bi.reports.executive import build as build_executive
from tenantdb.bi.reports.explain import build as build_explain
from tenantdb.db import Session
from tenantdb.errors import ExitCode
from tests import recipes
from tests.bi.builders import JUNE, Rows
from tests.helpers import cli

dsn = recipes.database_fixture(recipes.modules_applied(["bi"]))  # every test starts with bi applied


REPORTS_WITH_REVENUE = ("executive", "cost-optimization", "cost-per-email", "plans", "deliverability")


@pytest.fixture
def rows(session: Session) -> Rows:
    return Rows(session)


def prepaid(rows: Rows) -> str:
    """A customer who prepaid a year (12 x $500) on June 1: $500 recognized in June, $6,000 of cash."""
    rows.company("platform", operator=True)
    tenant = rows.company("prepaid")
    rows.subscription(tenant, rows.plan("Yearly", "500.00"))
    rows.vps(tenant, "100.00")
    rows.session.execute(
        "INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at, service_period_start,"
        " service_period_end) VALUES (%s, 'charge', 6000, 'USD', '2025-06-01 09:00Z', '2025-06-01', '2026-06-01')",
        (tenant,),
    )
    rows.refresh(JUNE)
    return tenant


def test_the_reports_use_the_basis_asked_for_recognized_by_default(rows: Rows) -> None:
    tenant = prepaid(rows)
    default = build_executive(rows.session, ReportOptions(month=JUNE))
    cash = build_executive(rows.session, ReportOptions(month=JUNE, basis=RevenueBasis.CASH))
    assert (default.scope.revenue_basis, default.key_metrics.revenue) == ("recognized_revenue", Decimal("500.00"))
    assert (cash.scope.revenue_basis, cash.key_metrics.revenue) == ("cash_revenue", Decimal("6000.00"))
    assert "ledger as dated" in cash.scope.revenue_basis_note
    explained = build_explain(rows.session, ReportOptions(month=JUNE, tenant=tenant, basis=RevenueBasis.CASH))
    assert explained.recognized_revenue == Decimal("6000.00")


@pytest.mark.parametrize("name", REPORTS_WITH_REVENUE)
def test_every_report_with_revenue_takes_basis_and_states_it_in_every_format(rows: Rows, dsn: str, name: str) -> None:
    prepaid(rows)
    base = ("report", name, "--month", "2025-06", "--basis", "cash", "--dsn", dsn)
    text = cli(*base)
    assert text.returncode == 0, text.stderr
    assert "revenue basis: cash_revenue" in text.stdout
    document = cli(*base, "--json")
    assert json.loads(document.stdout)["scope"]["revenue_basis"] == "cash_revenue"
    table = list(csv.reader(io.StringIO(cli(*base, "--csv").stdout)))
    if any("revenue" in column for column in table[0]):
        assert table[0][-1] == "revenue_basis" and all(row[-1] == "cash_revenue" for row in table[1:])


def test_the_executive_report_on_the_cash_basis_counts_the_prepayment(rows: Rows, dsn: str) -> None:
    prepaid(rows)
    recognized = json.loads(cli("report", "executive", "--month", "2025-06", "--dsn", dsn, "--json").stdout)
    cash = json.loads(
        cli("report", "executive", "--month", "2025-06", "--basis", "cash", "--dsn", dsn, "--json").stdout
    )
    assert (recognized["key_metrics"]["revenue"], cash["key_metrics"]["revenue"]) == (500, 6000)


def test_explain_takes_basis(rows: Rows, dsn: str) -> None:
    prepaid(rows)
    shown = cli("report", "explain", "--tenant", "prepaid", "--month", "2025-06", "--basis", "cash", "--dsn", dsn)
    assert shown.returncode == 0, shown.stderr
    assert "revenue basis: cash_revenue" in shown.stdout and "$6,000.00" in shown.stdout


def test_an_unknown_basis_is_refused(rows: Rows, dsn: str) -> None:
    prepaid(rows)
    refused = cli("report", "executive", "--basis", "accrual", "--dsn", dsn)
    assert refused.returncode == ExitCode.BAD_INPUT
    assert "--basis 'accrual': expected one of recognized, cash" in refused.stderr


def test_a_month_with_unconverted_entries_says_so_in_every_report(rows: Rows, dsn: str) -> None:
    tenant = prepaid(rows)
    rows.session.execute(
        "INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at)"
        " VALUES (%s, 'charge', 70, 'GBP', '2025-06-10 12:00Z')",
        (tenant,),
    )
    rows.refresh(JUNE)
    text = cli("report", "executive", "--month", "2025-06", "--dsn", dsn)
    assert "1 ledger entry left out of revenue: no rate to USD" in " ".join(text.stdout.split())
    document = json.loads(cli("report", "plans", "--month", "2025-06", "--dsn", dsn, "--json").stdout)
    assert document["scope"]["unconverted_entries"] == 1


def test_the_text_names_the_basis_it_shows_and_the_reconciliation_claims_none(rows: Rows, dsn: str) -> None:
    """Seen trying the demo: `report executive --basis cash` labelled its revenue "revenue (recognized)", and the
    reconciliation, which shows no revenue, stated a revenue basis."""
    prepaid(rows)
    cash = cli("report", "executive", "--month", "2025-06", "--basis", "cash", "--dsn", dsn)
    assert cash.returncode == 0, cash.stderr
    assert "revenue (cash)" in cash.stdout and "revenue (recognized)" not in cash.stdout
    recognized = cli("report", "executive", "--month", "2025-06", "--dsn", dsn)
    assert "revenue (recognized)" in recognized.stdout
    reconciliation = cli("report", "reconciliation", "--dsn", dsn)
    assert "revenue basis" not in reconciliation.stdout
