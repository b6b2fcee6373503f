"""``tenantdb demo`` end to end on the test server: every module, seeded tenants, rollups, executive summary."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from psycopg import sql

from tenantdb.commands import DEMO_DATABASE
from tenantdb.db import connect
from tenantdb.modules import available_modules
from tests.helpers import cli
from tests.postgres import PgServer

# Every test here (re)creates the one tenantdb_demo database of the server: under pytest-xdist with a server the
# workers share (TENANTDB_TEST_DSN), they run on one worker, one after the other.
pytestmark = pytest.mark.xdist_group("tenantdb_demo database")


@pytest.fixture
def server_dsn(pg_server: PgServer) -> Iterator[str]:
    """The test server; the demo database it creates there is dropped afterwards."""
    yield pg_server.dsn
    with connect(pg_server.dsn) as session:
        session.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DEMO_DATABASE)))


def test_demo_builds_everything_and_prints_the_executive_summary(server_dsn: str, tmp_path: Path) -> None:
    result = cli("demo", "--dsn", server_dsn, "--tenants", "40", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Executive summary" in result.stdout
    assert "revenue basis: recognized_revenue" in result.stdout
    assert "Try next" in result.stdout and "tenantdb report explain" in result.stdout
    for step in ("migrate", "verify", "seed", "refresh", "report"):
        assert f"✓ {step}:" in result.stderr, step  # progress on stderr, one line per step off a terminal


def test_demo_json_carries_the_report_model(server_dsn: str, tmp_path: Path) -> None:
    result = cli("demo", "--dsn", server_dsn, "--tenants", "30", "--seed", "3", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    document = json.loads(result.stdout)
    assert set(document["modules"]) == set(available_modules())
    assert document["verify"]["violations"] == []
    assert document["seed"]["tenants"] == 30
    assert [stage["name"] for stage in document["stages"]] == [
        "database", "migrate", "verify", "seed", "refresh", "report",
    ]  # fmt: skip
    executive = document["executive"]
    assert executive["report"] == "executive"
    assert executive["scope"]["revenue_basis"] == "recognized_revenue"
    assert executive["scope"]["month"] == document["month"]
    assert 0 < executive["key_metrics"]["tenants"] <= 30  # customers with a rollup row that month
    assert executive["key_metrics"]["revenue"] > 0 and executive["key_metrics"]["cost"] > 0
    with connect(document["database_url"]) as session:
        customers = session.fetch_value("SELECT count(*) FROM companies WHERE NOT is_platform_operator")
        assert customers == 30
        # The reported month is whole: its last day has sending (the history ends at the next month's midnight).
        last_day = session.fetch_value("SELECT max(day) FROM deliverability_daily")
        assert last_day.replace(day=1).isoformat() == document["month"]
        assert (last_day + timedelta(days=1)).day == 1


def test_demo_refuses_a_bad_tenant_count(server_dsn: str, tmp_path: Path) -> None:
    result = cli("demo", "--dsn", server_dsn, "--tenants", "0", cwd=tmp_path)
    assert result.returncode == 3
    assert "--tenants must be between 1 and" in result.stderr
