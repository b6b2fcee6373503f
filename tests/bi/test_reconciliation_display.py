"""Display that adds up (issue 12, finding 8): the reconciliation showed a difference of -0.01 whose parts each
showed 0.00. On screen, in JSON and in CSV, ``invoiced - modeled = difference = rate drift + quantity drift +
unmatched`` must hold for the figures as shown."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from tenantdb.bi.reports import ReportOptions
from tenantdb.bi.reports.reconciliation import build
from tenantdb.db import Session
from tests import recipes
from tests.bi.builders import JUNE, Rows
from tests.bi.test_currencies import invoice
from tests.helpers import cli

dsn = recipes.database_fixture(recipes.modules_applied(["bi"]))  # every test starts with bi applied


D = Decimal


@pytest.fixture
def rows(session: Session) -> Rows:
    rows = Rows(session)
    rows.company("platform", operator=True)
    tenant = rows.company("hosted")
    rows.vps(tenant, "100.00", provider="ovh", hostname="mx-ovh.example.net")
    invoice(rows, "ovh", "mx-ovh.example.net", "100.00", "USD")
    rows.refresh(JUNE)
    # The finding's month, exactly as stored: two drifts of -0.004 that add up to a difference of -0.008.
    session.execute(
        "UPDATE bi_reconciliation SET modeled = 100.008, invoiced = 100.00, rate_drift = -0.004,"
        " quantity_drift = -0.004, unmatched = 0 WHERE month = %s",
        (JUNE,),
    )
    return rows


def test_the_drifts_shown_add_up_to_the_difference_shown(rows: Rows) -> None:
    (row,) = build(rows.session, ReportOptions(month=JUNE)).providers
    assert row.modeled == D("100.01") and row.invoiced == D("100.00")
    assert row.difference == row.invoiced - row.modeled == D("-0.01")
    assert row.rate_drift is not None and row.quantity_drift is not None and row.unmatched is not None
    assert row.rate_drift + row.quantity_drift + row.unmatched == row.difference  # was 0.00 + 0.00 + 0.00
    assert {row.rate_drift, row.quantity_drift} == {D("-0.01"), D("0.00")}


def test_json_and_csv_show_figures_that_add_up(rows: Rows, dsn: str) -> None:
    shown = cli("report", "reconciliation", "--month", "2025-06", "--dsn", dsn, "--json")
    assert shown.returncode == 0, shown.stderr
    (row,) = json.loads(shown.stdout)["providers"]
    figures = {
        name: D(str(row[name]))
        for name in ("modeled", "invoiced", "difference", "rate_drift", "quantity_drift", "unmatched")
    }
    assert figures["invoiced"] - figures["modeled"] == figures["difference"]
    assert figures["rate_drift"] + figures["quantity_drift"] + figures["unmatched"] == figures["difference"]
    shown = cli("report", "reconciliation", "--month", "2025-06", "--dsn", dsn, "--csv")
    assert shown.returncode == 0, shown.stderr
    (line,) = csv.DictReader(io.StringIO(shown.stdout))
    assert D(line["rate_drift"]) + D(line["quantity_drift"]) + D(line["unmatched"]) == D(line["difference"])


def test_the_text_shows_the_same_figures(rows: Rows, dsn: str) -> None:
    shown = cli("report", "reconciliation", "--month", "2025-06", "--dsn", dsn)
    assert shown.returncode == 0, shown.stderr
    assert "-$0.01" in shown.stdout
