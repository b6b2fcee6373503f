"""Reports and tables at the widths users have: 80 and 120 columns, a pipe, a real 80-column terminal.

Numbers are never cut (no ``$9…``), no line is wider than the width (COLUMNS counts in a pipe too), words are
never split, and a table that cannot fit gets a vertical layout instead."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenantdb.cli.app import app
from tenantdb.cli.render import WIDTH_OFF_TERMINAL
from tests import recipes
from tests.database_cache import DatabaseCache
from tests.helpers import write_files

REPORTS = [
    ["report", "executive"],
    ["report", "cost-optimization"],
    ["report", "cost-per-email"],
    ["report", "plans"],
    ["report", "deliverability"],
    ["report", "reconciliation"],
    ["report", "explain", "--tenant", "beta-corp"],
    ["report", "revenue-health"],
    ["report", "benchmarks"],
    ["report", "tenant", "--tenant", "beta-corp"],
]
NUMBER = re.compile(r"(?<![\w.$-])[-+]?\$?\d[\d,]*(?:\.\d+)?%?(?![\w.])")


@pytest.fixture(scope="module")
def report_dsn(database_cache: DatabaseCache) -> Iterator[str]:
    yield from database_cache.copy_dsn(recipes.report_dataset())


def run(args: list[str], env: dict[str, str]) -> str:
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    return result.output


def numbers(text: str) -> Counter[str]:
    """Every number the text shows (amounts, counts, percentages), whole: a cut one (``$9…``) does not match."""
    return Counter(NUMBER.findall(text))


def assert_fits(text: str, width: int) -> None:
    too_wide = [line for line in text.splitlines() if len(line) > width]
    assert not too_wide, f"{len(too_wide)} line(s) wider than {width}: {too_wide[:3]}"
    assert "…" not in text


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("command", REPORTS, ids=lambda c: " ".join(c[1:]))
def test_reports_fit_columns_with_every_number_whole(report_dsn: str, command: list[str], columns: int) -> None:
    text = run([*command, "--dsn", report_dsn], {"COLUMNS": str(columns)})
    assert_fits(text, columns)
    wide = run([*command, "--dsn", report_dsn], {"COLUMNS": "1000"})
    assert numbers(text) == numbers(wide)


def test_a_pipe_without_columns_gets_wide_tables_and_numbers_whole(report_dsn: str) -> None:
    text = run(["report", "executive", "--dsn", report_dsn], {"COLUMNS": ""})
    assert_fits(text, WIDTH_OFF_TERMINAL)
    assert "┃ plan " in text  # the plans table is a table at 140 columns, not a vertical layout


def test_a_table_too_wide_for_the_width_becomes_one_block_per_row(report_dsn: str) -> None:
    text = run(["report", "plans", "--dsn", report_dsn], {"COLUMNS": "60"})
    assert_fits(text, 60)
    assert re.search(r"^plan: +\S", text, re.MULTILINE) and re.search(r"^revenue: +\$", text, re.MULTILINE)


def on_terminal(args: list[str], columns: int, env: dict[str, str]) -> str:
    """Run ``python -m tenantdb`` on a pseudo-terminal of ``columns`` columns, as a user at a terminal would."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal of that size, no COLUMNS; it never returns into pytest
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
            child_env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")} | env
            os.execve(sys.executable, [sys.executable, "-m", "tenantdb", *args], child_env)
        finally:
            os._exit(127)
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    text = b"".join(chunks).decode()
    assert os.waitstatus_to_exitcode(status) == 0, text
    return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]|\x1b\][^\x07]*\x07", "", text).replace("\r\n", "\n")


def test_an_80_column_terminal_gets_every_number_whole(report_dsn: str) -> None:
    text = on_terminal(["report", "executive", "--dsn", report_dsn], 80, {"TERM": "xterm"})
    assert_fits(text, 80)
    metrics = json.loads(run(["report", "executive", "--dsn", report_dsn, "--json"], {}))["key_metrics"]
    assert f"${metrics['revenue']:,.2f}" in text and f"${metrics['cost']:,.2f}" in text
    assert numbers(text) == numbers(run(["report", "executive", "--dsn", report_dsn], {"COLUMNS": "1000"}))


@pytest.mark.parametrize("columns", [80, 120])
def test_modules_list_in_a_pipe_wraps_descriptions_between_words(columns: int) -> None:
    text = run(["modules", "list"], {"COLUMNS": str(columns)})
    assert_fits(text, columns)
    words = set(re.findall(r"[A-Za-z][a-z']+", text))
    assert {"platform's", "affiliate", "partners", "commissions"} <= words  # no "platfor" / "m's"


def test_plan_keeps_lock_names_whole_at_80_columns(dsn: str, tmp_path: Path) -> None:
    write_files(
        tmp_path / "migrations",
        {
            "0001_accounts.sql": "-- migrate:up\nCREATE TABLE accounts (id bigint PRIMARY KEY, name text);\n"
            "-- migrate:down\nDROP TABLE accounts;\n"
        },
    )
    env = {"COLUMNS": "80"}
    run(["migrate", "up", "--dsn", dsn, "-C", str(tmp_path)], env)
    write_files(
        tmp_path / "migrations",
        {
            "0002_account_email.sql": "-- migrate:up\nALTER TABLE accounts ADD COLUMN email_address_of_the_account "
            "text NOT NULL DEFAULT 'unknown@example.com';\n-- migrate:down\nALTER TABLE accounts DROP COLUMN "
            "email_address_of_the_account;\n"
        },
    )
    text = run(["plan", "--dsn", dsn, "-C", str(tmp_path)], env)
    assert_fits(text, 80)
    assert "AccessExclusiveLock" in text


def test_piped_output_does_not_depend_on_a_terminal() -> None:
    """The same command piped twice gives the same text (no terminal width leaks in from stderr or stdin)."""
    args = [sys.executable, "-m", "tenantdb", "modules", "list"]
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    first = subprocess.run(args, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, check=True)
    assert_fits(first.stdout, WIDTH_OFF_TERMINAL)
