"""The options every migration command shares (README: `--dsn`, `--dir`, `-C` and `--set`) and one exit code rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenantdb.cli.app import app
from tenantdb.cli.options import exit_for
from tenantdb.errors import ExitCode
from tests.helpers import cli, write_files

MIGRATION_COMMANDS = [
    ["migrate", "status"],
    ["migrate", "up"],
    ["migrate", "down"],
    ["migrate", "redo"],
    ["migrate", "baseline"],
    ["migrate", "history"],
    ["migrate", "verify"],
    ["migrate", "test"],
    ["plan"],
    ["archive", "list"],
]


@pytest.mark.parametrize("command", MIGRATION_COMMANDS, ids=" ".join)
def test_every_migration_command_takes_the_shared_options(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for option in ("--project", "-C", "--dsn", "--dir", "--set", "--json"):
        assert option in result.output, f"{' '.join(command)} has no {option}"


def test_dir_names_the_migrations_of_test_history_and_archive_list(dsn: str, tmp_path: Path) -> None:
    write_files(
        tmp_path / "elsewhere",
        {"0001_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n"},
    )
    base = ("--dsn", dsn, "-C", str(tmp_path), "--dir", str(tmp_path / "elsewhere"), "--json")
    tested = cli("migrate", "test", *base)
    assert tested.returncode == 0, tested.stderr
    assert json.loads(tested.stdout)["ok"] is True
    assert cli("migrate", "up", *base).returncode == 0
    history = cli("migrate", "history", *base)
    assert history.returncode == 0, history.stderr
    assert [row["version"] for row in json.loads(history.stdout)["applied"]] == ["0001"]
    archived = cli("archive", "list", *base)
    assert archived.returncode == 0, archived.stderr
    assert json.loads(archived.stdout) == []


def test_migrate_test_refuses_a_directory_named_twice(tmp_path: Path) -> None:
    write_files(tmp_path / "a", {"0001_a.sql": "-- migrate:up\nSELECT 1;\n"})
    result = cli("migrate", "test", str(tmp_path / "a"), "--dir", str(tmp_path / "b"))
    assert result.returncode == ExitCode.BAD_INPUT
    assert "--dir" in result.stderr


class _Report:
    def __init__(self, ok: bool) -> None:
        self.ok = ok


def test_exit_for_maps_a_failed_report_to_violations() -> None:
    assert exit_for(_Report(ok=True)) is ExitCode.OK
    assert exit_for(_Report(ok=False)) is ExitCode.VIOLATIONS
    assert exit_for(["a result without a verdict"]) is ExitCode.OK


class _Graded:
    exit_code = ExitCode.LOCK_TIMEOUT
    ok = False


def test_exit_for_takes_a_report_s_own_exit_code_first() -> None:
    assert exit_for(_Graded()) is ExitCode.LOCK_TIMEOUT
