"""Start-up cost of ``tenantdb lint``: it loads the linter, not the database driver, the server or every command."""

from __future__ import annotations

import gc
import io
import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenantdb.cli import lazy
from tenantdb.cli.app import app
from tenantdb.cli.startup import collector_paused

HEAVY = ("psycopg", "psycopg_pool", "fastapi", "uvicorn", "jinja2", "tenantdb.server", "tenantdb.db", "tenantdb.bi")

PROBE = """
import json, sys
sys.argv = ["tenantdb", *sys.argv[1:]]
from tenantdb.cli import startup
startup.exit_at_once = lambda code: sys.exit(code)  # the probe reports after the command, teardown or not
from tenantdb.cli.startup import main
try:
    main()
except SystemExit as stop:
    code = stop.code
else:
    code = 0
loaded = sorted(sys.modules)
print(json.dumps({"code": code, "modules": loaded}), file=sys.stderr)
"""


def _modules_after(tmp_path: Path, *args: str) -> tuple[int, set[str], str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"]), result.stdout


def test_linting_a_file_loads_no_driver_server_or_bi(tmp_path: Path) -> None:
    path = tmp_path / "0001_add_index.sql"
    path.write_text("CREATE INDEX orders_tenant ON orders (tenant_id);\n", encoding="utf-8")
    code, modules, stdout = _modules_after(tmp_path, "lint", str(path), "--format", "json", "--fail-on", "never")
    assert code == 0
    assert json.loads(stdout)["findings"], "the linter ran and found the blocking index build"
    assert not {name for name in modules if name.split(".")[0] in HEAVY or name in HEAVY}
    assert not {name for name in modules if name.startswith(HEAVY)}


def test_linting_to_json_loads_neither_pydantic_nor_rich(tmp_path: Path) -> None:
    """typer converts option values with pydantic and help is drawn with rich: a lint run needs neither (nor, for
    one file, multiprocessing)."""
    path = tmp_path / "0001_add_index.sql"
    path.write_text("CREATE INDEX orders_tenant ON orders (tenant_id);\n", encoding="utf-8")
    code, modules, stdout = _modules_after(
        tmp_path,
        "lint",
        str(path),
        "--format",
        "json",
        "--fail-on",
        "never",
        "--pg-version",
        "16",
        "--profile",
        "STRICT",
        "--set",
        "a=b",
        "-C",
        str(tmp_path),
    )
    assert code == 0
    assert json.loads(stdout)["findings"]
    assert not modules & {"pydantic", "pydantic_core", "rich", "multiprocessing"}


def test_linting_loads_only_the_lint_command_of_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "0001_noop.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    code, modules, _ = _modules_after(tmp_path, "lint", str(path), "--fail-on", "never")
    assert code == 0
    other_commands = {
        "tenantdb.commands.migrations",
        "tenantdb.cli.report_app",
        "tenantdb.cli.events_app",
        "tenantdb.cli.bi_app",
        "tenantdb.cli.serve_cmd",
        "tenantdb.execute",
        "tenantdb.phases",
    }
    assert not modules & other_commands


def test_the_garbage_collector_is_back_on_after_an_in_process_lint(tmp_path: Path) -> None:
    path = tmp_path / "0001_noop.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["lint", str(path), "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    assert gc.isenabled()


def test_a_migration_command_loads_neither_the_reports_nor_the_server(tmp_path: Path) -> None:
    """``migrate status --help`` used to load every report and command through the views' type imports (0.9 s)."""
    code, modules, stdout = _modules_after(tmp_path, "migrate", "status", "--help")
    assert code == 0 and "--dsn" in stdout
    assert not {name for name in modules if name.startswith(("tenantdb.bi", "tenantdb.server", "fastapi"))}


def test_linting_to_a_pipe_as_text_loads_no_rich(tmp_path: Path) -> None:
    """Text output in CI or an editor (a pipe) is written without rich, which only colours a terminal."""
    path = tmp_path / "0001_add_index.sql"
    path.write_text("CREATE INDEX orders_tenant ON orders (tenant_id);\n", encoding="utf-8")
    code, modules, stdout = _modules_after(tmp_path, "lint", str(path), "--fail-on", "never")
    assert code == 0
    assert "require-concurrent-index-creation" in stdout
    assert "rich" not in modules


def test_text_in_a_pipe_is_what_rich_prints_off_a_terminal(tmp_path: Path) -> None:
    """The plain rendering is rich's own output without a terminal: markup dropped, brackets kept as written."""
    from rich.console import Console
    from rich.markup import escape

    from tenantdb.cli.lint_output import text_lines
    from tenantdb.lint import Finding, LintReport, Severity

    finding = Finding(
        rule="ban-drop-table",  # type: ignore[arg-type]
        severity=Severity.ERROR,
        message="DROP TABLE [orders] loses its rows [bold]x[/]",
        path=tmp_path / "0002_drop.sql",
        line=3,
        column=1,
        statement="DROP TABLE orders;\n-- a [note]\nSELECT 1;\nSELECT 2;",
        hint="archive it first: [runner] archive = true",
    )
    report = LintReport(findings=(finding,), files=2, statements=5, suppressed=1, rules=68)
    written = io.StringIO()
    console = Console(file=written, force_terminal=False, highlight=False, soft_wrap=True)
    for line in text_lines(report, lambda style, text: f"[{style}]{text}[/]", escape):
        console.print(line)
    plain = "".join(line + "\n" for line in text_lines(report, lambda _style, text: text, str))
    assert plain == written.getvalue()
    assert "[orders]" in plain and "[bold]x[/]" in plain


def test_linting_a_clean_file_loads_no_toml_parser_sql_printer_or_modules(tmp_path: Path) -> None:
    """Without a tenantdb.toml, enabled modules or a finding to print, none of them is loaded (start-up time)."""
    path = tmp_path / "0001_noop.sql"
    path.write_text("SELECT 1;\n", encoding="utf-8")
    code, modules, stdout = _modules_after(tmp_path, "lint", str(path), "--format", "json", "--fail-on", "never")
    assert code == 0
    assert json.loads(stdout)["findings"] == []
    assert not modules & {"tomllib", "pglast.stream", "pglast.printers", "tenantdb.modules"}


def test_a_project_file_and_its_modules_are_still_read(tmp_path: Path) -> None:
    """The lazy TOML parser and module catalog load when a project has them: a module's migrations are linted."""
    (tmp_path / "tenantdb.toml").write_text('modules = ["core"]\n', encoding="utf-8")
    (tmp_path / "migrations").mkdir()
    code, modules, stdout = _modules_after(tmp_path, "lint", "--format", "json", "--fail-on", "never")
    assert code == 0, stdout
    assert {"tomllib", "tenantdb.modules"} <= modules
    assert json.loads(stdout)["files"] > 0


def test_the_console_script_loads_the_command_line_with_the_collector_paused() -> None:
    (script,) = entry_points(group="console_scripts", name="tenantdb")
    assert script.value == "tenantdb.cli.startup:main"


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_left_as_it_was(enabled: bool) -> None:
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_a_command_module_loads_with_the_collector_paused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tenantdb_probe_command.py").write_text(
        "import gc\nPAUSED = not gc.isenabled()\n\ndef probe() -> None:\n    print('paused' if PAUSED else 'on')\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(lazy.COMMANDS, "probe", "tenantdb_probe_command:probe")
    result = CliRunner().invoke(app, ["probe"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "paused"
    assert gc.isenabled()


TEARDOWN_PROBE = """
import atexit, sys
atexit.register(lambda: print("teardown ran", file=sys.stderr))
sys.argv = ["tenantdb", *sys.argv[1:]]
from tenantdb.cli.startup import main
main()
"""


def _run_entry(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", TEARDOWN_PROBE, *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_lint_ends_without_the_interpreters_teardown_its_report_whole(tmp_path: Path) -> None:
    """The interpreter's teardown is a tenth of a one-file lint: lint skips it, its output flushed, its code kept."""
    path = tmp_path / "0001_drop.sql"
    path.write_text("".join(f"DROP TABLE orders_{n};\n" for n in range(200)), encoding="utf-8")
    result = _run_entry(tmp_path, "lint", str(path), "--format", "json", "--pg-version", "16")
    assert result.returncode == 6, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert len(findings) == 200 and {finding["rule"] for finding in findings} == {"ban-drop-table"}
    assert "teardown ran" not in result.stderr


def test_a_lint_refused_for_bad_input_still_says_why(tmp_path: Path) -> None:
    result = _run_entry(tmp_path, "lint", str(tmp_path / "missing.sql"))
    assert result.returncode not in (0, 6)
    assert "missing.sql" in result.stderr
    assert "teardown ran" not in result.stderr


def test_other_commands_exit_with_the_usual_teardown(tmp_path: Path) -> None:
    """Every command but lint may hold something that atexit closes (the PostHog queue, the embedded server)."""
    result = _run_entry(tmp_path, "--version")
    assert result.returncode == 0 and result.stdout.startswith("tenantdb ")
    assert "teardown ran" in result.stderr


def test_migrate_up_loads_neither_the_linter_the_preview_nor_the_phases(dsn: str, tmp_path: Path) -> None:
    """A run of migrations loads what it runs: 30 ms of imports it never used before (0.49 -> 0.44 s with nothing
    to do over 500 files)."""
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_a.sql").write_text("-- migrate:up\nSELECT 1;\n", encoding="utf-8")
    code, modules, _ = _modules_after(tmp_path, "migrate", "up", "--dsn", dsn, "-C", str(tmp_path))
    assert code == 0
    assert not {name for name in modules if name.startswith(("tenantdb.lint", "tenantdb.phases"))}
    assert "tenantdb.execute.preview" not in modules
