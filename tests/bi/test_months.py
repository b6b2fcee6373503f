"""Honest months (issue 12, finding 5): a refresh never writes a month that has not begun, and a refreshed month
can be forgotten again."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from tenantdb.bi import RefreshRequest, refresh
from tenantdb.bi.refresh import forget_month
from tenantdb.db import Session
from tenantdb.errors import ConfigError, ExitCode
from tests import recipes
from tests.bi.builders import JUNE, Rows
from tests.bi.test_rollups import two_tenants
from tests.helpers import cli

dsn = recipes.database_fixture(recipes.modules_applied(["bi"]))  # every test starts with bi applied


FUTURE = date(2099, 1, 1)


@pytest.fixture
def rows(session: Session) -> Rows:
    return Rows(session)


def this_month() -> date:
    return datetime.now(UTC).date().replace(day=1)


def rollup_months(session: Session) -> list[date]:
    return [row[0] for row in session.fetch_all("SELECT month FROM bi_refresh_state ORDER BY month")]


def test_refreshing_a_future_month_is_refused_and_changes_nothing(rows: Rows) -> None:
    two_tenants(rows)
    with pytest.raises(ConfigError, match="2099-01 has not begun") as error:
        refresh(rows.session, RefreshRequest(months=(JUNE, FUTURE)))
    assert error.value.exit_code == ExitCode.BAD_INPUT
    assert rollup_months(rows.session) == []
    assert rows.session.fetch_value("SELECT count(*) FROM bi_cost_allocation_lines WHERE month = %s", (FUTURE,)) == 0


def test_an_entry_dated_ahead_does_not_make_a_future_month(rows: Rows) -> None:
    a, _ = two_tenants(rows)
    rows.session.execute(
        "INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at)"
        " VALUES (%s, 'charge', 10, 'USD', '2099-01-15')",
        (a,),
    )
    report = refresh(rows.session, RefreshRequest())
    assert report.refreshed and max(done.month for done in report.refreshed) <= this_month()
    assert max(rollup_months(rows.session)) <= this_month()


def test_forget_removes_every_rollup_of_a_refreshed_month(rows: Rows) -> None:
    two_tenants(rows)
    rows.refresh(JUNE)
    tables = ("bi_cost_allocation_lines", "bi_tenant_monthly", "bi_refresh_state")
    assert all(rows.value(f"SELECT count(*) FROM {table} WHERE month = %s", (JUNE,)) for table in tables)
    forgotten = forget_month(rows.session, JUNE)
    assert forgotten.lines > 0 and forgotten.tenants == 2
    for table in (*tables, "bi_reconciliation", "bi_month_summary"):
        assert rows.value(f"SELECT count(*) FROM {table} WHERE month = %s", (JUNE,)) == 0, table
    with pytest.raises(ConfigError, match="2025-06 has no rollups"):
        forget_month(rows.session, JUNE)


def test_bi_forget_from_the_command_line(rows: Rows, dsn: str) -> None:
    two_tenants(rows)
    rows.refresh(JUNE)
    done = cli("bi", "forget", "--month", f"{JUNE:%Y-%m}", "--dsn", dsn, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["month"] == JUNE.isoformat()
    again = cli("bi", "forget", "--month", f"{JUNE:%Y-%m}", "--dsn", dsn)
    assert again.returncode == ExitCode.BAD_INPUT and "has no rollups" in again.stderr
    future = cli("bi", "refresh", "--month", "2099-01", "--dsn", dsn)
    assert future.returncode == ExitCode.BAD_INPUT and "has not begun" in future.stderr
