"""The command line: help, JSON documents, exit codes and one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from psycopg.conninfo import make_conninfo
from typer.testing import CliRunner

from tenantdb.cli.app import app
from tenantdb.db import Session
from tenantdb.errors import ExitCode
from tests.helpers import cli, write_files
from tests.postgres import PgServer

EXAMPLES = Path(__file__).parents[2] / "examples"
COMMANDS = [
    [],
    ["migrate"],
    ["migrate", "status"],
    ["migrate", "up"],
    ["migrate", "down"],
    ["migrate", "redo"],
    ["migrate", "history"],
    ["migrate", "verify"],
    ["migrate", "test"],
    ["migrate", "baseline"],
    ["new"],
    ["db"],
    ["db", "status"],
    ["db", "stop"],
    ["db", "url"],
    ["archive"],
    ["archive", "list"],
    ["archive", "show"],
    ["archive", "restore"],
    ["archive", "purge"],
    ["plan"],
    ["lint"],
    ["demo"],
    ["seed"],
    ["modules"],
    ["modules", "list"],
    ["modules", "show"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "tenantdb")
def test_every_command_has_useful_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
    if (command and command[0] in ("migrate", "new") and len(command) > 1) or command == ["new"]:
        assert "--json" in result.output


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    write_files(tmp_path / "migrations", files)
    return tmp_path


def test_up_status_verify_history_down_as_json(dsn: str, tmp_path: Path) -> None:
    base = ("--dsn", dsn, "-C", str(EXAMPLES), "--json")
    result = cli("migrate", "up", *base)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [step["version"] for step in document["steps"]] == ["0001", "0002", "0003", "0004", "0005", "0006"]
    assert document["steps"][3]["mode"] == "statements"
    status = json.loads(cli("migrate", "status", *base).stdout)
    assert status["pending"] == 0 and {row["state"] for row in status["rows"]} == {"applied"}
    verified = json.loads(cli("migrate", "verify", *base).stdout)
    assert verified["ok"] is True and verified["migrations_checked"] == 6
    history = json.loads(cli("migrate", "history", "--dsn", dsn, "--json").stdout)
    assert len(history["applied"]) == 6 and history["events"][0]["kind"] == "apply"
    rolled = json.loads(cli("migrate", "down", "--steps", "2", *base).stdout)
    assert [step["version"] for step in rolled["steps"]] == ["0006", "0005"]


def test_plain_output_lists_each_migration(dsn: str) -> None:
    result = cli("migrate", "up", "--dsn", dsn, "-C", str(EXAMPLES))
    assert result.returncode == 0
    assert "applied 0001_create_tenants" in result.stderr
    assert "applied 6 migration(s)" in result.stdout


def test_unreachable_server_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = cli("migrate", "status", "--dsn", "postgresql://nobody@127.0.0.1:1/none", "-C", str(EXAMPLES))
    assert result.returncode == ExitCode.CONNECTION
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: cannot connect to nobody@127.0.0.1:1/none")


def test_invalid_dsn_is_bad_input_as_json() -> None:
    result = cli("migrate", "status", "--dsn", "postgresql://[bad", "-C", str(EXAMPLES), "--json")
    assert result.returncode == ExitCode.BAD_INPUT
    assert json.loads(result.stdout)["message"].startswith("invalid DSN: ")


def test_bad_file_exits_3_naming_file_and_line(dsn: str, tmp_path: Path) -> None:
    project(tmp_path, {"0001_a.sql": "-- migrate:up\nCREATE TABLE a ();\n", "0002_b.sql": "-- migrate:up\nSELEC 1;\n"})
    result = cli("migrate", "up", "--dsn", dsn, "-C", str(tmp_path), "--json")
    assert result.returncode == ExitCode.BAD_INPUT
    error = json.loads(result.stdout)
    assert error["path"].endswith("0002_b.sql") and error["line"] == 2
    status = cli("migrate", "history", "--dsn", dsn, "--json")
    assert json.loads(status.stdout)["applied"] == []  # nothing was applied, not even 0001


def test_edited_file_exits_7_with_a_diff(dsn: str, tmp_path: Path) -> None:
    project(tmp_path, {"0001_a.sql": "-- migrate:up\nCREATE TABLE a ();\n"})
    assert cli("migrate", "up", "--dsn", dsn, "-C", str(tmp_path)).returncode == 0
    project(tmp_path, {"0001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n"})
    result = cli("migrate", "up", "--dsn", dsn, "-C", str(tmp_path))
    assert result.returncode == ExitCode.CHECKSUM
    assert "was edited after it was applied" in result.stderr
    assert "+CREATE TABLE a (id int);" in result.stderr
    assert "--allow-changed" in result.stderr


def test_verify_violation_exits_6(dsn: str, tmp_path: Path) -> None:
    project(tmp_path, {"0001_a.sql": "-- migrate:up\nSELECT 1;\n-- migrate:verify\nSELECT 'always wrong';\n"})
    cli("migrate", "up", "--dsn", dsn, "-C", str(tmp_path))
    result = cli("migrate", "verify", "--dsn", dsn, "-C", str(tmp_path))
    assert result.returncode == ExitCode.VIOLATIONS
    assert "always wrong" in result.stdout


def test_dry_run_changes_nothing(dsn: str) -> None:
    result = cli("migrate", "up", "--dry-run", "--dsn", dsn, "-C", str(EXAMPLES), "--json")
    assert json.loads(result.stdout)["planned"][0] == "0001_create_tenants"
    status = json.loads(cli("migrate", "status", "--dsn", dsn, "-C", str(EXAMPLES), "--json").stdout)
    assert status["pending"] == 6


def test_placeholders_from_the_command_line(dsn: str, tmp_path: Path) -> None:
    project(tmp_path, {"V1__a.sql": "CREATE TABLE ${name} ();"})
    missing = cli("migrate", "up", "--dsn", dsn, "-C", str(tmp_path))
    assert missing.returncode == ExitCode.BAD_INPUT and "--set name=" in missing.stderr
    assert cli("migrate", "up", "--dsn", dsn, "-C", str(tmp_path), "--set", "name=accounts").returncode == 0


def test_migrate_test_on_the_example_project(dsn: str) -> None:
    result = cli("migrate", "test", str(EXAMPLES), "--dsn", dsn, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True


def test_redo_rolls_back_and_reapplies_the_newest(dsn: str) -> None:
    assert cli("migrate", "up", "--dsn", dsn, "-C", str(EXAMPLES)).returncode == 0
    reports = json.loads(cli("migrate", "redo", "--dsn", dsn, "-C", str(EXAMPLES), "--json").stdout)
    assert [(r["direction"], r["steps"][0]["version"]) for r in reports] == [("down", "0006"), ("up", "0006")]


def test_new_creates_a_native_file(tmp_path: Path) -> None:
    project(tmp_path, {"0001_a.sql": "-- migrate:up\nSELECT 1;\n"})
    result = cli("new", "add cost columns", "-C", str(tmp_path), "--json")
    assert result.returncode == 0
    (created,) = json.loads(result.stdout)["created"]
    assert created.endswith("0002_add_cost_columns.sql")


def test_bad_runner_setting_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text('[runner]\nlock_timout = "1s"\n')
    result = cli("migrate", "status", "-C", str(tmp_path))
    assert result.returncode == ExitCode.BAD_INPUT
    assert "unknown [runner] setting(s): lock_timout" in result.stderr


def test_embedded_server_lifecycle(server_home: Path) -> None:
    project(server_home, {"0001_a.sql": "-- migrate:up\nCREATE TABLE a ();\n"})
    env_free = {k: v for k, v in os.environ.items() if k not in ("TENANTDB_DSN", "DATABASE_URL")}
    try:
        assert cli("migrate", "up", "-C", str(server_home), env=env_free).returncode == 0
        status = json.loads(cli("db", "status", "-C", str(server_home), "--json", env=env_free).stdout)
        assert status["running"] is True and status["initialized"] is True
        url = cli("db", "url", "-C", str(server_home), env=env_free).stdout.strip()
        assert url.startswith("postgresql://")
    finally:
        stopped = cli("db", "stop", "-C", str(server_home), "--json", env=env_free)
    assert json.loads(stopped.stdout) == {"stopped": True}
    assert json.loads(cli("db", "status", "-C", str(server_home), "--json", env=env_free).stdout)["running"] is False


def test_unknown_role_is_one_line_without_traceback(pg_server: PgServer) -> None:
    dsn = make_conninfo(pg_server.dsn, user="no_such_role_here")
    result = cli("migrate", "status", "--dsn", dsn, "-C", str(EXAMPLES))
    assert result.returncode == ExitCode.CONNECTION
    assert "Traceback" not in result.stderr
    assert "no_such_role_here" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # the error and its hint


@pytest.mark.slow
def test_archive_commands_list_show_restore_and_purge(dsn: str, tmp_path: Path) -> None:
    project(
        tmp_path,
        {
            "0001_t.sql": "-- migrate:up\nCREATE TABLE t (id int PRIMARY KEY, note text);\n"
            "INSERT INTO t SELECT g, 'n' || g FROM generate_series(1, 5) g;\n",
            "0002_trim.sql": "-- migrate:up\nDELETE FROM t WHERE id > 3;\n-- migrate:down\nSELECT 1;\n",
        },
    )
    base = ("--dsn", dsn, "-C", str(tmp_path))
    assert cli("migrate", "up", *base).returncode == 0
    (entry,) = json.loads(cli("archive", "list", *base, "--json").stdout)
    assert (entry["kind"], entry["row_count"], entry["object_table"]) == ("rows", 2, "t")
    shown = json.loads(cli("archive", "show", str(entry["id"]), *base, "--json").stdout)
    assert sorted(row[0] for row in shown["rows"]) == [4, 5]
    restored = json.loads(cli("archive", "restore", str(entry["id"]), *base, "--json").stdout)
    assert restored["rows_written"] == 2
    again = cli("archive", "restore", str(entry["id"]), *base)
    assert again.returncode == ExitCode.BAD_INPUT and "already restored" in again.stderr
    assert "pass --force to restore it again" in again.stderr
    refused = json.loads(cli("archive", "restore", str(entry["id"]), *base, "--json").stdout)
    assert refused["error"] == "DatabaseStateError" and refused["remedy"] == "--force"
    assert cli("archive", "show", "999", *base).returncode == ExitCode.BAD_INPUT
    purged = json.loads(cli("archive", "purge", "--older-than", "0s", *base, "--json").stdout)
    assert len(purged["purged"]) == 1


def test_modules_list_and_show(tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text('modules = ["billing"]\n')
    listed = json.loads(cli("modules", "list", "-C", str(tmp_path), "--json").stdout)
    enabled = {module["name"] for module in listed if module["enabled"]}
    assert enabled == {"core", "security", "billing"}  # billing and what it requires
    shown = json.loads(cli("modules", "show", "billing", "--json").stdout)
    assert "subscriptions" in shown["tables"]
    assert cli("modules", "show", "nope").returncode == ExitCode.BAD_INPUT


def test_plan_shows_hazards_on_tables_of_the_same_run_and_estimates_unanalyzed_rows(
    dsn: str, session: Session, tmp_path: Path
) -> None:
    session.execute("CREATE TABLE big (id int PRIMARY KEY, payload text) WITH (autovacuum_enabled = off)")
    session.execute("INSERT INTO big SELECT g, 'row ' || g FROM generate_series(1, 300000) g")
    project(
        tmp_path,
        {
            "0001_fresh.sql": "-- migrate:up\nCREATE TABLE fresh (id int PRIMARY KEY, v int);\n",
            "0002_change.sql": "-- migrate:up\nALTER TABLE fresh ALTER COLUMN v TYPE bigint;\n"
            "ALTER TABLE big ADD COLUMN note text;\n",
        },
    )
    result = cli("plan", "--dsn", dsn, "-C", str(tmp_path), env={**os.environ, "COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    flat = " ".join(result.stdout.split())
    assert "fresh is created earlier in this run; on the table with data this would take AccessExclusiveLock" in flat
    assert "and rewrite it" in flat, flat
    assert "~0 rows" not in flat, flat
    assert "(estimated from its pages: never analyzed)" in flat, flat
