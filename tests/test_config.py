"""tenantdb.toml: a misspelt or misplaced key is an error naming it, never a setting silently ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.config import CONFIG_FILE, load_settings
from tenantdb.errors import ConfigError, ExitCode
from tests.helpers import cli, write_files

MISTAKES = {
    "misspelt key": ('[migrations]\ndirr = "db"\n', "unknown [migrations] setting(s): dirr", "did you mean dir?"),
    "misspelt table": (
        '[databse]\ndsn = "postgresql://x@y/z"\n',
        "unknown top-level setting(s): [databse]",
        "did you mean [database]?",
    ),
    "misspelt top-level key": (
        'modulez = ["core"]\n',
        "unknown top-level setting(s): modulez",
        "did you mean modules?",
    ),
    "top-level key inside a table": (
        '[migrations]\ndir = "db"\nmodules = ["core"]\n',
        "unknown [migrations] setting(s): modules",
        "modules belongs at the top level",
    ),
}


@pytest.mark.parametrize(("toml", "message", "hint"), MISTAKES.values(), ids=MISTAKES)
def test_unknown_key_names_key_table_file_and_suggestion(tmp_path: Path, toml: str, message: str, hint: str) -> None:
    (tmp_path / CONFIG_FILE).write_text(toml)
    with pytest.raises(ConfigError) as raised:
        load_settings(tmp_path, environ={})
    assert message in raised.value.message
    assert str(tmp_path / CONFIG_FILE) in raised.value.message
    assert raised.value.hint is not None and hint in raised.value.hint


@pytest.mark.parametrize("table", ["placeholders", "posthog", "verify", "lint", "runner", "database"])
def test_every_table_rejects_unknown_keys(tmp_path: Path, table: str) -> None:
    (tmp_path / CONFIG_FILE).write_text(f"[{table}]\nbogus_key = 1\n")
    with pytest.raises(ConfigError, match=rf"unknown \[{table}\] setting\(s\): bogus_key"):
        load_settings(tmp_path, environ={})


def test_free_form_tables_accept_any_name(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text(
        '[placeholders.values]\nanything = "x"\n[lint.rules]\nban-truncate = "off"\n[server]\nport = 8001\n'
    )
    settings = load_settings(tmp_path, environ={})
    assert settings.placeholders.values == {"anything": "x"}


def test_migrate_up_refuses_a_misspelt_key_instead_of_doing_nothing(tmp_path: Path) -> None:
    write_files(tmp_path / "db", {"0001_a.sql": "-- migrate:up\nCREATE TABLE a ();\n"})
    (tmp_path / CONFIG_FILE).write_text('[migrations]\ndirr = "db"\n')
    result = cli("migrate", "up", "-C", str(tmp_path), "--dsn", "postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == ExitCode.BAD_INPUT
    assert "unknown [migrations] setting(s): dirr" in result.stderr
    assert "did you mean dir?" in result.stderr


def test_lint_jobs_is_a_number_of_processes(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text("[lint]\njobs = 3\n")
    assert load_settings(tmp_path, environ={}).lint.jobs == 3
    for bad in ("0", "-1", '"2"', "true", "1.5"):
        (tmp_path / CONFIG_FILE).write_text(f"[lint]\njobs = {bad}\n")
        with pytest.raises(ConfigError, match=r"lint\.jobs must be a whole number of processes"):
            load_settings(tmp_path, environ={})
