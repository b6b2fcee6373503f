"""Runner overhead: how long tenantdb takes to apply N migrations, next to psql, yoyo and Alembic.

Run with the project's interpreter (it needs psycopg and tenantdb)::

    /work/venv/bin/python benchmarks/runner_overhead/run.py --migrations 500 --repeat 3

See README.md beside this file for what is measured and why it is fair.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`

from common import options, pg
from common.binaries import default_psql, default_tenantdb
from common.machine import load_average
from common.results import environment, head

import report
from benchvenv import BENCH_VENV
from fingerprint import expected_fingerprint, fingerprint
from formats import Layout, write_all
from generate import MigrationSet, generate
from tools import TOOL_NAMES, Binaries, Invocation, Tool, ToolFailed, probe, psql_command, run_timed, tools

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results.json"
DEFAULT_SEED = 20240601
VENV_TOOLS = frozenset({"yoyo", "alembic"})


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description="Time tenantdb, psql (per file and single process), yoyo-migrations and Alembic "
        "applying the same N generated PostgreSQL migrations to fresh databases on one server.",
    )
    parser.add_argument("--migrations", type=int, default=500, metavar="N", help="migrations to generate (500)")
    parser.add_argument("--repeat", type=int, default=3, metavar="R", help="timed runs per tool (3)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"generator seed ({DEFAULT_SEED})")
    parser.add_argument("--tools", default="all", help=f"comma-separated subset of {', '.join(TOOL_NAMES)} (all)")
    options.add_server_options(parser)
    parser.add_argument("--keep", action="store_true", help="keep the generated migrations and print where")
    parser.add_argument("--no-validate", action="store_true", help="skip the up/down round trip check")
    parser.add_argument(
        "--pgoptions",
        metavar="OPTS",
        help="PGOPTIONS for every tool's sessions, e.g. '-c synchronous_commit=off' to take fsync out of "
        "the figures (default: the inherited environment, usually none)",
    )
    options.add_output_options(parser, DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if args.migrations < 1 or args.repeat < 1:
        parser.error("--migrations and --repeat must be at least 1")
    return args


def _binaries(psql: Path | None, tenantdb: Path | None) -> Binaries:
    return Binaries(psql=psql or default_psql(), tenantdb=tenantdb or default_tenantdb(), bench_venv=BENCH_VENV.path)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _database(tool: str, repeat: int) -> str:
    return f"bench_{tool.replace('-', '_')}_{repeat}"


def validate(target: pg.Server, layout: Layout, migration_set: MigrationSet, psql: Path) -> None:
    """Apply every ``up`` then every ``down`` with psql; the schema must appear and then vanish.

    A failure is a bug of the generator (or a broken psql), so it stops the benchmark.
    """
    database = "bench_validate"
    pg.create_database(target, database)
    try:
        expected = expected_fingerprint(migration_set.expected)
        for files, want in (
            (layout.psql_files(), expected),
            (layout.psql_down_files(), dict.fromkeys(expected, 0)),
        ):
            run_timed(Invocation([psql_command(psql, target.url(database), files)]))
            got = fingerprint(target, database, migration_set.expected)
            if got != want:
                raise ToolFailed(f"expected {want}, got {got}")
    except ToolFailed as error:
        raise SystemExit(f"the generated migrations do not round-trip with psql: {error}") from error
    finally:
        pg.drop_database(target, database)


def time_once(target: pg.Server, layout: Layout, migration_set: MigrationSet, tool: Tool, repeat: int) -> float:
    """One timed run of ``tool`` on a fresh database, checked for completeness afterwards."""
    database = _database(tool.name, repeat)
    pg.create_database(target, database)
    try:
        pg.checkpoint(target)
        seconds = run_timed(tool.build(layout, target, database))
        got = fingerprint(target, database, migration_set.expected)
        want = expected_fingerprint(migration_set.expected)
        if got != want:
            raise ToolFailed(f"exited 0 but the database is incomplete: expected {want}, got {got}")
        return seconds
    finally:
        pg.drop_database(target, database)


def benchmark(
    target: pg.Server, layout: Layout, migration_set: MigrationSet, selected: list[Tool], repeats: int
) -> list[report.ToolResult]:
    """Time every available tool ``repeats`` times, rotating which one goes first in each round."""
    results = {tool.name: report.ToolResult(tool.name, tool.description) for tool in selected}
    for tool in selected:
        problem = probe(tool)
        if problem:
            results[tool.name].fail("unavailable", problem)
            _log(f"{tool.name}: unavailable: {problem}")
    for repeat in range(repeats):
        order = selected[repeat % len(selected) :] + selected[: repeat % len(selected)]
        for tool in order:
            result = results[tool.name]
            if result.status != "ok":
                continue
            try:
                result.runs.append(time_once(target, layout, migration_set, tool, repeat))
                _log(f"[{repeat + 1}/{repeats}] {tool.name}: {result.runs[-1]:.2f} s")
            except ToolFailed as error:
                result.fail("failed", str(error))
                _log(f"[{repeat + 1}/{repeats}] {tool.name}: FAILED: {error}")
    return [results[tool.name] for tool in selected]


def versions(binaries: Binaries, selected: list[Tool]) -> dict[str, str]:
    """Versions of the tools that ran (and of psql, which every run uses for validation)."""
    found = {"psql": _command_output([str(binaries.psql), "--version"]).removeprefix("psql (PostgreSQL) ")}
    names = {tool.name for tool in selected}
    if names & {"tenantdb", "tenantdb-plain"}:
        found["tenantdb"] = _command_output([str(binaries.tenantdb), "--version"]).removeprefix("tenantdb ")
    if names & VENV_TOOLS:
        found |= BENCH_VENV.versions()
    return found


def _command_output(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def command_line(args: argparse.Namespace) -> str:
    """How to repeat this run (a DSN is not repeated: it may hold a password)."""
    parts = [
        "python benchmarks/runner_overhead/run.py",
        f"--migrations {args.migrations}",
        f"--repeat {args.repeat}",
    ]
    if args.seed != DEFAULT_SEED:
        parts.append(f"--seed {args.seed}")
    if args.dsn:
        parts.append("--dsn …")
    if args.pgoptions:
        parts.append(f"--pgoptions '{args.pgoptions}'")
    return " ".join(parts)


def select_tools(binaries: Binaries, names: str) -> list[Tool]:
    """The tools named in ``--tools``, in their canonical order."""
    available = tools(binaries)
    wanted = list(available) if names == "all" else [name.strip() for name in names.split(",") if name.strip()]
    unknown = sorted(set(wanted) - set(available))
    if unknown:
        raise SystemExit(f"unknown tools: {', '.join(unknown)} (choose from {', '.join(available)})")
    return [tool for name, tool in available.items() if name in wanted]


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Generate, validate, time, and assemble the results document."""
    if args.pgoptions is not None:
        os.environ["PGOPTIONS"] = args.pgoptions  # libpq reads it in psql and psycopg alike
    binaries = _binaries(args.psql, args.tenantdb)
    selected = select_tools(binaries, args.tools)
    if VENV_TOOLS & {tool.name for tool in selected}:
        BENCH_VENV.ensure()
    migration_set = generate(args.migrations, args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="tenantdb-bench-migrations-"))
    try:
        layout = write_all(migration_set, workdir)
        _log(f"generated {args.migrations} migrations ({migration_set.statements} statements) in {workdir}")
        with pg.server(args.dsn) as target:
            postgres = pg.server_facts(target)
            _log(f"PostgreSQL {postgres['server_version']} ({'embedded' if target.embedded else 'external'})")
            if not args.no_validate:
                validate(target, layout, migration_set, binaries.psql)
                _log("validated: every up applies, every down reverts it")
            load_before = load_average()
            results = benchmark(target, layout, migration_set, selected, args.repeat)
            load_after = load_average()
    finally:
        if args.keep:
            _log(f"kept the generated migrations in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    summaries = [result.summary() for result in results]
    report.add_ratios(summaries)
    return {
        **head("runner_overhead", command_line(args)),
        "parameters": {
            "migrations": args.migrations,
            "statements": migration_set.statements,
            "seed_rows": migration_set.expected.rows,
            "seed": args.seed,
            "repeat": args.repeat,
            "pgoptions": os.environ.get("PGOPTIONS") or None,
        },
        **environment(args.dsn, postgres, (load_before, load_after)),
        "versions": versions(binaries, selected),
        "tools": summaries,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit status 1 if a tool other than tenantdb failed (tenantdb may not exist yet)."""
    args = parse_args(argv)
    if args.print_markdown:
        print(report.markdown(json.loads(args.output.read_text())), end="")
        return 0
    results = run(args)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(report.console_table(results))
    print()
    print(report.goal_line(results))
    print(f"\nwrote {args.output}\n\nMarkdown for benchmarks/RESULTS.md:\n")
    print(report.markdown(results), end="")
    tools = results["tools"]
    broken = [tool["name"] for tool in tools if tool["status"] != "ok" and not tool["name"].startswith("tenantdb")]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
