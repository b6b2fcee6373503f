"""``bi_month_summary``: the executive report read from the refresh's rollup equals the report computed live, and is
read only when it is the report the options ask for and is as new as the month's rollups."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tenantdb import commands
from tenantdb.bi.reports import ReportOptions
from tenantdb.bi.reports import executive as executive_report
from tenantdb.bi.reports.common import resolve_scope
from tenantdb.config import load_settings
from tenantdb.db import Session, connect
from tenantdb.execute import RunRequest, migrate
from tenantdb.migrations import Direction
from tenantdb.modules import module_migrations, resolve_modules
from tests.bi.report_data import MONTH, PREVIOUS
from tests.helpers import FAST


@pytest.fixture
def summarized(report_data_dsn: str) -> Iterator[Session]:
    """The hand-computed dataset with both months' summary rows written as a refresh writes them."""
    with connect(report_data_dsn) as session:
        with session.transaction():
            assert executive_report.store_summary(session, PREVIOUS)
            assert executive_report.store_summary(session, MONTH)
        yield session


def read_from_summary(session: Session, options: ReportOptions) -> bool:
    return executive_report.stored_sections(session, resolve_scope(session, options)) is not None


@pytest.mark.parametrize("month", [MONTH, PREVIOUS])
def test_the_summary_and_the_live_report_are_equal_on_the_hand_computed_months(
    summarized: Session, month: object
) -> None:
    options = ReportOptions(month=month)  # type: ignore[arg-type]
    assert read_from_summary(summarized, options)
    assert executive_report.build(summarized, options) == executive_report.build_live(summarized, options)


def test_other_options_are_computed_live(summarized: Session) -> None:
    assert not read_from_summary(summarized, ReportOptions(margin_target=Decimal("0.5")))
    assert not read_from_summary(summarized, ReportOptions(min_volume=10))
    report = executive_report.build(summarized, ReportOptions(margin_target=Decimal("0.5")))
    assert report.scope.margin_target == Decimal("0.5")


def test_a_summary_older_than_its_month_or_the_month_before_is_not_read(summarized: Session) -> None:
    summarized.execute("UPDATE bi_tenant_monthly SET refreshed_at = refreshed_at + interval '1 second'"
                       " WHERE month = %s", (PREVIOUS,))  # fmt: skip
    assert not read_from_summary(summarized, ReportOptions(month=MONTH))  # its trend would be stale
    assert not read_from_summary(summarized, ReportOptions(month=PREVIOUS))
    summarized.execute("UPDATE bi_month_summary SET version = 'executive-0'")
    with summarized.transaction():
        executive_report.store_summary(summarized, PREVIOUS)
    assert read_from_summary(summarized, ReportOptions(month=PREVIOUS))
    assert not read_from_summary(summarized, ReportOptions(month=MONTH))  # written by another version


def test_analysts_read_the_summary_and_tenant_roles_cannot(summarized: Session) -> None:
    summarized.execute("SET ROLE business_analysts")
    assert read_from_summary(summarized, ReportOptions())
    summarized.execute("RESET ROLE")
    for role in ("application_service", "tenant_api"):
        assert not summarized.fetch_value("SELECT has_table_privilege(%s, 'bi_month_summary', 'SELECT')", (role,))


def test_the_refresh_writes_the_summary_and_it_equals_the_live_report_on_a_seeded_database(
    dsn: str, tmp_path: Path
) -> None:
    modules = ("core", "billing", "email_infra", "cost_tracking", "bi")
    with connect(dsn) as session:
        sets = [module_migrations(spec) for spec in resolve_modules(modules)]
        migrate(session, sets, FAST, RunRequest(direction=Direction.UP))
    listed = ", ".join(f'"{name}"' for name in modules)
    (tmp_path / "tenantdb.toml").write_text(f"modules = [{listed}]\n", encoding="utf-8")
    commands.seed(load_settings(tmp_path, environ={}).with_overrides(dsn=dsn), tenants=40, random_seed=5)
    with connect(dsn) as session:
        months = [row[0] for row in session.fetch_all("SELECT month FROM bi_refresh_state ORDER BY month")]
        summarized = [row[0] for row in session.fetch_all("SELECT month FROM bi_month_summary ORDER BY month")]
        assert summarized == months and len(months) > 1
        for month in months[-3:]:
            options = ReportOptions(month=month)
            assert read_from_summary(session, options)
            assert executive_report.build(session, options) == executive_report.build_live(session, options)
