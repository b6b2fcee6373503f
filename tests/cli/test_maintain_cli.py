"""``tenantdb db maintain`` on the command line: the plan, the report as JSON, progress on stderr, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tenantdb.cli.app import app
from tenantdb.db import Session, connect
from tenantdb.errors import ExitCode
from tests.helpers import cli

QUICK = '[runner]\nlock_timeout_start = "20ms"\nlock_timeout = "100ms"\nlock_retry_budget = "1s"\n'


def dead_rows(session: Session) -> None:
    session.execute("CREATE TABLE items (id bigint PRIMARY KEY, val text) WITH (autovacuum_enabled = false)")
    session.execute("INSERT INTO items SELECT n, md5(n::text) FROM generate_series(1, 20000) AS n")
    session.execute("SELECT pg_stat_force_next_flush()")  # before ANALYZE: the counts go to the statistics now
    session.execute("ANALYZE items")
    session.execute("DELETE FROM items WHERE id % 2 = 0")
    session.execute("SELECT pg_stat_force_next_flush()")


def test_maintain_has_help() -> None:
    result = CliRunner().invoke(app, ["db", "maintain", "--help"])
    assert result.exit_code == 0
    for option in ("--dry-run", "--full", "--table", "--json"):
        assert option in result.output


def test_dry_run_as_json_shows_the_plan_and_the_sizes(session: Session, dsn: str, tmp_path: Path) -> None:
    dead_rows(session)

    result = cli("db", "maintain", "--dry-run", "--json", "--dsn", dsn, "-C", str(tmp_path))

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["dry_run"] is True and report["ok"] is True
    (action,) = report["actions"]
    assert action["kind"] == "vacuum analyze" and action["outcome"] == "planned"
    assert action["statement"] == 'VACUUM (ANALYZE) "public"."items"'
    assert "10000 dead rows" in action["reason"]
    (table,) = report["tables"]
    assert table["name"] == "items" and table["bytes"] > 0 and table["growth_bytes"] is None
    assert [index["name"] for index in table["indexes"]] == ["items_pkey"]


def test_text_output_lists_the_plan_and_progress_goes_to_stderr(session: Session, dsn: str, tmp_path: Path) -> None:
    dead_rows(session)

    planned = cli("db", "maintain", "--dry-run", "--dsn", dsn, "-C", str(tmp_path))
    ran = cli("db", "maintain", "--dsn", dsn, "-C", str(tmp_path))

    assert planned.returncode == 0, planned.stderr
    assert (
        "public.items" in planned.stdout and "vacuum analyze" in planned.stdout and "10000 dead rows" in planned.stdout
    )
    assert ran.returncode == 0, ran.stderr
    assert 'VACUUM (ANALYZE) "public"."items"' in ran.stderr and "done in" in ran.stderr
    assert "done" in ran.stdout


def test_full_warns_on_stderr(session: Session, dsn: str, tmp_path: Path) -> None:
    dead_rows(session)

    result = cli("db", "maintain", "--dry-run", "--full", "--dsn", dsn, "-C", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "vacuum full" in result.stdout, result.stdout
    assert "ACCESS EXCLUSIVE" in result.stderr


def test_unknown_table_exits_3_and_changes_nothing(session: Session, dsn: str, tmp_path: Path) -> None:
    dead_rows(session)

    result = cli("db", "maintain", "--table", "nope", "--json", "--dsn", dsn, "-C", str(tmp_path))

    assert result.returncode == ExitCode.BAD_INPUT
    assert "no table named 'nope'" in json.loads(result.stdout)["message"]
    assert session.fetch_value("SELECT to_regnamespace('tenantdb')") is None


def test_a_table_given_up_exits_8(session: Session, dsn: str, tmp_path: Path) -> None:
    dead_rows(session)
    (tmp_path / "tenantdb.toml").write_text(QUICK, encoding="utf-8")
    with connect(dsn) as holder:
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE items IN SHARE UPDATE EXCLUSIVE MODE")

        result = cli("db", "maintain", "--json", "--dsn", dsn, "-C", str(tmp_path))

        holder.execute("ROLLBACK")
    assert result.returncode == ExitCode.LOCK_TIMEOUT, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["actions"][0]["outcome"] == "gave up"
