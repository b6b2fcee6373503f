"""``tenantdb demo`` end to end on the test server: every module, seeded tenants, rollups, executive summary."""

from __future__ import annotations

import json
import os
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


@pytest.mark.one_server_version  # the demo's steps (modules, seed, refresh, reports) run on both versions elsewhere
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


@pytest.mark.one_server_version
def test_demo_run_again_on_the_demo_database_itself(server_dsn: str, tmp_path: Path) -> None:
    """The demo tells users to export TENANTDB_DSN pointing at the demo database; running the demo again then
    must not fail with "cannot drop the currently open database"."""
    first = cli("demo", "--dsn", server_dsn, "--tenants", "5", "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    demo_url = json.loads(first.stdout)["database_url"]
    again = cli("demo", "--dsn", demo_url, "--tenants", "5", "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["project"]["file"] == "not embedded"
    assert not (tmp_path / "tenantdb.toml").exists()  # a URL (and its password) is never written to a file


@pytest.mark.skipif(os.environ.get("TENANTDB_TEST_DSN") is not None, reason="tests use an external server")
def test_demo_on_the_embedded_server_leaves_a_ready_project(server_home: Path) -> None:
    """After `tenantdb demo` in a fresh directory, `modules`, `migrate status` and `seed` there use the demo
    database (they used to reach the server's empty `postgres` database); a second demo keeps the file."""
    env = {name: value for name, value in os.environ.items() if name not in ("TENANTDB_DSN", "DATABASE_URL")}
    try:
        demo = cli("demo", "--tenants", "5", cwd=server_home, env=env)
        assert demo.returncode == 0, demo.stderr
        assert f"wrote {server_home / 'tenantdb.toml'}" in demo.stdout
        modules = json.loads(cli("modules", "list", "--json", cwd=server_home, env=env).stdout)
        assert {module["name"] for module in modules} == set(available_modules())
        status = cli("migrate", "status", "--json", cwd=server_home, env=env)
        assert status.returncode == 0, status.stderr
        url = cli("db", "url", cwd=server_home, env=env).stdout.strip()
        with connect(url) as session:
            assert session.fetch_value("SELECT current_database()") == DEMO_DATABASE
            assert session.fetch_value("SELECT count(*) FROM companies WHERE NOT is_platform_operator") == 5
        written = (server_home / "tenantdb.toml").read_text()
        again = cli("demo", "--tenants", "5", "--json", cwd=server_home, env=env)
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["project"]["file"] == "kept"
        assert (server_home / "tenantdb.toml").read_text() == written
    finally:
        cli("db", "stop", cwd=server_home, env=env)
