"""The README's sessions run as written: every ``$ tenantdb ...`` example with the output it shows.

An example's output lines must appear, in order, in what the command prints (stdout and stderr together, as a
terminal shows them); the README may leave lines out (``...``). Durations, money amounts, months, ratios and paths
vary from run to run and machine to machine and are compared as placeholders; every count and word must match.
The commands run on an embedded server of their own in a fresh directory, as a reader runs them.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tenantdb.db import connect

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
BOX = re.compile(r"[━─┏┓┗┛┳┻╇┩┡┃│└┘┴┬┼╋┯┷]+")
VARYING = [
    (re.compile(r"\S*/\S*"), "<path>"),  # paths, URLs, data directories
    (re.compile(r"\d+(?:\.\d+)? ?(?:ms|s)\b"), "<time>"),
    (re.compile(r"[+-]?\$[\d,]+\.\d\d"), "<money>"),
    (re.compile(r"[+-]?\d+(?:\.\d+)?(?:%| pts)"), "<ratio>"),
    (re.compile(r"\b\d{4}-\d{2}\b"), "<month>"),
    (re.compile(r"\b[\d,]+ rows\b"), "<n> rows"),  # a year of history up to last month: its days vary
]


@dataclass
class Example:
    line: int  # in README.md
    command: str
    expected: list[str] = field(default_factory=list)


def sessions() -> list[list[Example]]:
    """Each indented block of the README that holds ``$ `` lines: its commands and the output shown under each."""
    found: list[list[Example]] = []
    block: list[Example] | None = None
    for number, text in enumerate(README.read_text(encoding="utf-8").splitlines(), start=1):
        if not text.startswith("    "):
            if block and text.strip():
                block = None
            continue
        body = text[4:]
        if body.startswith("$ "):
            if block is None:
                block = []
                found.append(block)
            block.append(Example(line=number, command=body[2:].split("  #")[0].strip()))
        elif block is not None and body.strip() and body.strip() != "...":
            block[-1].expected.append(body)
    return found


def normalize(line: str) -> str:
    line = BOX.sub(" ", line)
    for pattern, placeholder in VARYING:
        line = pattern.sub(placeholder, line)
    return " ".join(line.split())


def commands_of(example: Example) -> list[list[str]]:
    return [shlex.split(part) for part in example.command.split("&&")]


def run_session(examples: list[Example], cwd: Path, env: dict[str, str]) -> None:
    for example in examples:
        output = ""
        for words in commands_of(example):
            if words[0] == "cd":
                cwd = cwd / words[1]
                continue
            assert words[0] == "tenantdb", f"README.md:{example.line}: not a tenantdb command: {example.command}"
            result = subprocess.run(
                [sys.executable, "-m", "tenantdb", *words[1:]],
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=600,
                check=False,
            )
            assert result.returncode == 0, f"README.md:{example.line}: {example.command}\n{result.stdout}"
            output += result.stdout
        actual = [normalize(line) for line in output.splitlines() if normalize(line)]
        position = 0
        for expected in example.expected:
            wanted = normalize(expected)
            if wanted in ("", "..."):  # a row the README leaves out
                continue
            while position < len(actual) and actual[position] != wanted:
                position += 1
            assert position < len(actual), (
                f"README.md:{example.line}: `{example.command}` does not print (in this order):\n  {expected}\n"
                f"it printed:\n" + output
            )
            position += 1


@pytest.fixture
def reader(server_home: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A fresh directory (in ``server_home``: the embedded server must outlive other sessions' basetemp resets) and
    an environment without any configured database: the embedded server is used."""
    env = {k: v for k, v in os.environ.items() if k not in ("TENANTDB_DSN", "DATABASE_URL", "COLUMNS")}
    env |= {"COLUMNS": "1000", "TENANTDB_STATE_DIR": str(server_home / "state")}
    home = server_home / "home"
    home.mkdir()
    try:
        yield home, env
    finally:
        _stop_servers(home, env)


def _stop_servers(directory: Path, env: dict[str, str]) -> None:
    for data in directory.rglob(".tenantdb"):
        subprocess.run([sys.executable, "-m", "tenantdb", "db", "stop"], cwd=data.parent, env=env, check=False,
                       capture_output=True, timeout=120)  # fmt: skip


def test_the_readme_has_sessions_to_run() -> None:
    commands = [example.command for block in sessions() for example in block]
    assert "tenantdb demo" in commands and "tenantdb migrate up" in commands and "tenantdb db status" in commands


def by_first_command(command: str) -> list[Example]:
    return next(block for block in sessions() if block[0].command == command)


@pytest.mark.slow
def test_readme_demo_session(reader: tuple[Path, dict[str, str]]) -> None:
    home, env = reader
    run_session(by_first_command("tenantdb demo"), home, env)


@pytest.mark.slow
def test_readme_example_project_session_and_db_status(reader: tuple[Path, dict[str, str]]) -> None:
    home, env = reader
    shutil.copytree(ROOT / "examples", home / "examples", symlinks=False)
    run_session(by_first_command("cd examples"), home, env)
    run_session([Example(line=0, command="tenantdb db url")], home / "examples", env)  # the server runs again
    run_session(by_first_command("tenantdb db status"), home / "examples", env)


def test_readme_adoption_session(dsn: str, tmp_path: Path) -> None:
    """The golang-migrate project of the adoption example: a ledger at version 2 of 3 files."""
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    for number, table in enumerate(("tenants", "plans", "invoices"), start=1):
        (migrations / f"{number}_{table}.up.sql").write_text(f"CREATE TABLE {table} (id int PRIMARY KEY);\n")
        (migrations / f"{number}_{table}.down.sql").write_text(f"DROP TABLE {table};\n")
    with connect(dsn) as session:
        session.execute("CREATE TABLE tenants (id int PRIMARY KEY)")
        session.execute("CREATE TABLE plans (id int PRIMARY KEY)")
        session.execute("CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL)")
        session.execute("INSERT INTO schema_migrations VALUES (2, false)")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"TENANTDB_DSN": dsn, "COLUMNS": "1000"}
    block = next(block for block in sessions() if any("migrate baseline" in e.command for e in block))
    run_session(block, tmp_path, env)
    with connect(dsn) as session:
        assert session.fetch_value("SELECT count(*) FROM tenantdb.applied_migrations") == 3
