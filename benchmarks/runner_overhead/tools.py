"""The migration tools under test: how each one is invoked, timed and identified."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from common.pg import Server

from formats import ALEMBIC_URL_VARIABLE, Layout

PSQL_OPTIONS = ("-X", "-q", "-v", "ON_ERROR_STOP=1")
"""No psqlrc, quiet, stop (exit 3) at the first error."""

TOOL_NAMES = ("psql-per-file", "psql-single", "tenantdb", "tenantdb-plain", "yoyo", "alembic")
"""Every tool, in the order they run within the first repeat."""

ERROR_TAIL = 1500
"""Characters of a failing command's output kept for the report."""


class ToolFailed(Exception):
    """A tool's command exited non-zero, could not be started, or left the database incomplete."""


@dataclass(frozen=True, slots=True)
class Invocation:
    """The commands that make one tool apply every migration, run one after the other."""

    commands: list[list[str]]
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None


@dataclass(frozen=True, slots=True)
class Tool:
    """A named way of applying the migrations to a database."""

    name: str
    description: str
    build: Callable[[Layout, Server, str], Invocation]  # (layout, server, dbname) -> invocation
    probe: list[str]  # a cheap command that shows the tool can start (and warms the page cache)


@dataclass(frozen=True, slots=True)
class Binaries:
    """Where the executables of the tools are."""

    psql: Path
    tenantdb: Path
    bench_venv: Path  # holds yoyo and alembic


def psql_command(psql: Path, url: str, files: Sequence[Path]) -> list[str]:
    """One psql process running ``files`` in order, stopping at the first error."""
    return [str(psql), *PSQL_OPTIONS, "-d", url, *(arg for path in files for arg in ("-f", str(path)))]


def tools(binaries: Binaries) -> dict[str, Tool]:
    """Every tool, by name, in the order they run within a repeat."""
    psql = str(binaries.psql)
    yoyo = str(binaries.bench_venv / "bin" / "yoyo")
    alembic = str(binaries.bench_venv / "bin" / "alembic")
    tenantdb = str(binaries.tenantdb)

    def psql_per_file(layout: Layout, target: Server, dbname: str) -> Invocation:
        url = target.url(dbname)
        commands = [psql_command(binaries.psql, url, [path]) for path in layout.psql_files()]
        return Invocation(commands, cwd=layout.root)

    def psql_single(layout: Layout, target: Server, dbname: str) -> Invocation:
        command = psql_command(binaries.psql, target.url(dbname), layout.psql_files())
        return Invocation([command], cwd=layout.root)

    def tenantdb_up(layout: Layout, target: Server, dbname: str) -> Invocation:
        command = [tenantdb, "migrate", "up", "--dsn", target.url(dbname), "--dir", str(layout.tenantdb)]
        return Invocation([command], cwd=layout.root)  # no tenantdb.toml there to pick up

    def tenantdb_plain_up(layout: Layout, target: Server, dbname: str) -> Invocation:
        """The same with online rewrites off: the SQL runs exactly as psql runs it (plain CREATE INDEX)."""
        project = layout.root / "tenantdb-plain"
        project.mkdir(exist_ok=True)
        (project / "tenantdb.toml").write_text("online = false\n")
        command = [
            tenantdb,
            "migrate",
            "up",
            "--dsn",
            target.url(dbname),
            "--dir",
            str(layout.tenantdb),
            "-C",
            str(project),
        ]
        return Invocation([command], cwd=layout.root)

    def yoyo_apply(layout: Layout, target: Server, dbname: str) -> Invocation:
        url = target.url(dbname, driver="psycopg")
        command = [yoyo, "apply", "--batch", "--no-config-file", "--database", url, str(layout.yoyo)]
        return Invocation([command], cwd=layout.root)

    def alembic_upgrade(layout: Layout, target: Server, dbname: str) -> Invocation:
        env = {ALEMBIC_URL_VARIABLE: target.url(dbname, driver="psycopg")}
        command = [alembic, "-c", str(layout.alembic_ini), "upgrade", "head"]
        return Invocation([command], env=env, cwd=layout.root)

    defined = {
        tool.name: tool
        for tool in (
            Tool("psql-per-file", "one `psql -f` process per file", psql_per_file, [psql, "--version"]),
            Tool("psql-single", "one `psql` process, `-f` repeated", psql_single, [psql, "--version"]),
            Tool("tenantdb", "`tenantdb migrate up`", tenantdb_up, [tenantdb, "migrate", "up", "--help"]),
            Tool(
                "tenantdb-plain",
                "`tenantdb migrate up` with `online = false`",
                tenantdb_plain_up,
                [tenantdb, "migrate", "up", "--help"],
            ),
            Tool("yoyo", "`yoyo apply --batch`", yoyo_apply, [yoyo, "apply", "--help"]),
            Tool("alembic", "`alembic upgrade head`", alembic_upgrade, [alembic, "--help"]),
        )
    }
    assert tuple(defined) == TOOL_NAMES
    return defined


def run_timed(invocation: Invocation) -> float:
    """Run the commands in order; wall-clock seconds from the first start to the last exit."""
    env = {**os.environ, **invocation.env}
    started = time.perf_counter()
    for command in invocation.commands:
        _run(command, env, invocation.cwd)
    return time.perf_counter() - started


def probe(tool: Tool) -> str | None:
    """``None`` if the tool starts; otherwise why not."""
    try:
        _run(tool.probe, dict(os.environ), None)
    except ToolFailed as error:
        return str(error)
    return None


def _run(command: Sequence[str], env: dict[str, str], cwd: Path | None) -> None:
    try:
        completed = subprocess.run(
            command, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise ToolFailed(f"cannot start {command[0]}: {error}") from error
    if completed.returncode != 0:
        output = (completed.stderr or completed.stdout).strip()
        raise ToolFailed(f"{Path(command[0]).name} exited {completed.returncode}: {output[-ERROR_TAIL:]}")
