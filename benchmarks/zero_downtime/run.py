"""Zero downtime: does a migration on a big table stall writers behind a long reader? psql vs tenantdb.

Run with the project's interpreter (it needs psycopg and the tenantdb CLI)::

    /work/venv/bin/python benchmarks/zero_downtime/run.py --rows 5000000 --reader-hold 10

See README.md beside this file for the method, what is fair about it, and how to read the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`

from common import options, pg
from common.binaries import Binaries
from common.machine import load_average
from common.results import environment, head

import analysis
import report
import workload
from monitor import BEGIN as READER_ISOLATION
from monitor import SAMPLE_INTERVAL, Reader, Sampler

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results.json"
VARIANTS = ("psql", "tenantdb")
TEMPLATE_DB = "zd_template"
WORKERS = 4
THINK_MS = 5.0
BASELINE_S = 3.0
"""Load alone before the migration starts: the reference latencies."""
TAIL_S = 2.0
"""Load after the migration and the reader are done, so no stall is cut short."""
MIGRATION_TIMEOUT_S = 600.0


@dataclass(frozen=True, slots=True)
class Context:
    """What every run shares."""

    target: pg.Server
    binaries: Binaries
    workdir: Path
    native_dir: Path
    plain_file: Path
    rows: int
    reader_hold: float
    reader_isolation: str


def add_rows_option(parser: argparse.ArgumentParser) -> None:
    """``--rows``: the size of the data set (maintenance builds the same one)."""
    parser.add_argument("--rows", type=int, default=5_000_000, metavar="N", help="rows in vps_instances (5000000)")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description="Apply the same migration with psql and with tenantdb to a big table under write load, "
        "with a long reader holding a lock, and measure how long writers stall.",
    )
    add_rows_option(parser)
    parser.add_argument(
        "--reader-hold", type=float, default=10.0, metavar="S", help="seconds the long reader holds its lock (10)"
    )
    parser.add_argument(
        "--reader-start",
        default="1,-1",
        metavar="S[,S...]",
        help="when the reader starts, in seconds after the migration starts; negative = before it; each "
        "comma-separated value is one scenario (1,-1)",
    )
    parser.add_argument(
        "--reader-isolation",
        choices=sorted(READER_ISOLATION),
        default="read committed",
        help="the reader's transaction: 'read committed' holds only its lock between statements, 'repeatable "
        "read' also its snapshot, like a long report (read committed)",
    )
    parser.add_argument("--repeat", type=int, default=1, metavar="R", help="runs per tool and scenario (1)")
    options.add_server_options(parser)
    options.add_output_options(parser, DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    try:
        args.reader_starts = [float(value) for value in args.reader_start.split(",") if value.strip()]
    except ValueError:
        parser.error("--reader-start takes numbers, e.g. 1 or 1,-1")
    if args.rows < 1000 or args.repeat < 1 or args.reader_hold < 0 or not args.reader_starts:
        parser.error("--rows must be at least 1000, --repeat at least 1, --reader-hold not negative")
    return args


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def tool_environment() -> dict[str, str]:
    """The environment without tenantdb's and libpq's overrides, so both tools run with their defaults."""
    dropped = ("TENANTDB_", "DATABASE_URL", "PGOPTIONS", "PGAPPNAME")
    return {key: value for key, value in os.environ.items() if not key.startswith(dropped)}


def migration_command(variant: str, context: Context, url: str) -> list[str]:
    """The command a team would run: plain psql, or tenantdb with its default settings."""
    if variant == "psql":
        return [str(context.binaries.psql), "-X", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(context.plain_file)]
    return [str(context.binaries.tenantdb), "migrate", "up", "--dsn", url, "--dir", str(context.native_dir)]


@contextmanager
def load_process(url: str, rows: int, out: Path) -> Iterator[subprocess.Popen[str]]:
    """load.py running against ``url`` for the block; its records are in ``out`` afterwards."""
    errors = out.with_suffix(".stderr")
    with errors.open("w") as stderr:
        command = [sys.executable, str(HERE / "load.py"), "--dsn", url, "--rows", str(rows), "--out", str(out)]
        command += ["--workers", str(WORKERS), "--think-ms", str(THINK_MS)]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True)
        try:
            _wait_ready(process, errors)
            yield process
        finally:
            _stop(process)


def _wait_ready(process: subprocess.Popen[str], errors: Path) -> None:
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        process.wait(timeout=10)
        raise SystemExit(f"the load generator did not start:\n{errors.read_text()}")


def _stop(process: subprocess.Popen[str]) -> None:
    stdin: IO[str] | None = process.stdin
    if stdin is not None and not stdin.closed:
        stdin.close()
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_migration(command: list[str], cwd: Path, start_at: float) -> dict[str, Any]:
    """Start ``command`` at ``start_at`` (wall clock) and wait for it; its wall clock, exit status and output."""
    time.sleep(max(0.0, start_at - time.time()))
    started = time.time()
    completed = subprocess.run(
        command,
        cwd=cwd,
        env=tool_environment(),
        capture_output=True,
        text=True,
        timeout=MIGRATION_TIMEOUT_S,
        check=False,
    )
    ended = time.time()
    output = (completed.stdout + completed.stderr).strip()
    return {
        "started": started,
        "ended": ended,
        "seconds": round(ended - started, 3),
        "returncode": completed.returncode,
        "output": output[-2000:],
    }


def measure(context: Context, variant: str, database: str, reader_start: float) -> dict[str, Any]:
    """Load, reader and migration on ``database``; the raw material of one run."""
    url = context.target.url(database)
    ops_file = context.workdir / f"{database}.csv"
    sampler = Sampler(context.target, database)
    reader = Reader(context.target, database, context.reader_hold, context.reader_isolation)
    with load_process(url, context.rows, ops_file):
        sampler.start()
        time.sleep(BASELINE_S)
        origin = time.time() + 0.5  # time for the reader to connect
        migration_at, reader_at = origin + max(0.0, -reader_start), origin + max(0.0, reader_start)
        reader_thread = threading.Thread(target=reader.run, args=(reader_at,), daemon=True)
        reader_thread.start()
        cwd = context.native_dir.parent if variant == "tenantdb" else context.plain_file.parent
        migration = run_migration(migration_command(variant, context, url), cwd, migration_at)
        reader_thread.join()
        time.sleep(TAIL_S)
        sampler.stop()
    return {
        "ops": analysis.read_ops(ops_file),
        "samples": sampler.samples,
        "migration": migration,
        "reader": reader.summary(),
    }


def summarise(variant: str, reader_start: float, repeat: int, raw: dict[str, Any]) -> dict[str, Any]:
    """Figures, statement timeline and the cause of the longest stall, with times relative to the migration."""
    migration, reader, ops, samples = raw["migration"], raw["reader"], raw["ops"], raw["samples"]
    origin = migration["started"]
    window = analysis.Window(
        start=min(origin, reader["requested"] or origin), end=max(migration["ended"], reader["released"] or 0.0)
    )
    found = analysis.statements(samples)
    worst = analysis.longest(analysis.window_stalls(ops, window))
    return {
        "variant": variant,
        "reader_start_s": reader_start,
        "repeat": repeat,
        "migration": {key: migration[key] for key in ("seconds", "returncode", "output")},
        "reader": {
            "started_s": _offset(reader["requested"], origin),
            "lock_wait_s": reader["lock_wait_s"],
            "held_s": reader["held_s"],
            "error": reader["error"],
        },
        "window_s": round(window.end - window.start, 2),
        "figures": analysis.latency_figures(ops, window),
        "longest_stall": analysis.attribute(worst, samples, found, origin),
        "timeline": analysis.timeline(found, ops, origin),
    }


def _offset(moment: float | None, origin: float) -> float | None:
    return None if moment is None else round(moment - origin, 2)


def run_once(context: Context, variant: str, reader_start: float, repeat: int) -> dict[str, Any]:
    """One run on a fresh copy of the template database, checked and described."""
    database = f"zd_{variant}_{repeat}"
    pg.create_database(context.target, database, template=TEMPLATE_DB)
    pg.checkpoint(context.target)
    try:
        result = summarise(variant, reader_start, repeat, measure(context, variant, database, reader_start))
        result["end_state"] = workload.end_state(context.target, database)
        if variant == "tenantdb":
            result["tenantdb"] = report.tenantdb_actions(workload.tenantdb_events(context.target, database))
        return result
    finally:
        pg.drop_database(context.target, database)


def benchmark(context: Context, reader_starts: list[float], repeats: int) -> list[dict[str, Any]]:
    """Every scenario, every repeat, both tools; which tool goes first alternates between repeats."""
    runs = []
    for reader_start in reader_starts:
        for repeat in range(repeats):
            order = VARIANTS if repeat % 2 == 0 else tuple(reversed(VARIANTS))
            for variant in order:
                _log(f"[reader {reader_start:+g} s, {repeat + 1}/{repeats}] {variant} ...")
                result = run_once(context, variant, reader_start, repeat)
                _log("    " + report.one_line(result))
                runs.append(result)
    return runs


def versions(binaries: Binaries) -> dict[str, str]:
    """psql and tenantdb versions."""
    psql = _command_output([str(binaries.psql), "--version"]).removeprefix("psql (PostgreSQL) ")
    return {"psql": psql, "tenantdb": _command_output([str(binaries.tenantdb), "--version"]).removeprefix("tenantdb ")}


def _command_output(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def command_line(args: argparse.Namespace) -> str:
    """How to repeat this run (a DSN is not repeated: it may hold a password)."""
    parts = ["python benchmarks/zero_downtime/run.py", f"--rows {args.rows}", f"--reader-hold {args.reader_hold:g}"]
    parts += [f"--reader-start {args.reader_start}", f"--repeat {args.repeat}"]
    if args.reader_isolation != "read committed":
        parts.append(f"--reader-isolation '{args.reader_isolation}'")
    if args.dsn:
        parts.append("--dsn …")
    return " ".join(parts)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build the data set once, run every scenario, and assemble the results document."""
    binaries = Binaries.chosen(args.psql, args.tenantdb)
    workdir = Path(tempfile.mkdtemp(prefix="tenantdb-zd-"))
    try:
        native_dir, plain_file = workload.write_migrations(workdir)
        with pg.server(args.dsn) as target:
            postgres = pg.server_facts(target)
            _log(f"PostgreSQL {postgres['server_version']} ({'embedded' if target.embedded else 'external'})")
            _log(f"building {args.rows:,} rows ...")
            setup = workload.build_template(target, TEMPLATE_DB, args.rows)
            _log(f"    {setup}")
            context = Context(
                target, binaries, workdir, native_dir, plain_file, args.rows, args.reader_hold, args.reader_isolation
            )
            load_before = load_average()
            try:
                runs = benchmark(context, args.reader_starts, args.repeat)
            finally:
                pg.drop_database(target, TEMPLATE_DB)
            load_after = load_average()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        **head("zero_downtime", command_line(args)),
        "parameters": {
            "rows": args.rows,
            "tenants": workload.TENANTS,
            "reader_hold_s": args.reader_hold,
            "reader_start_s": args.reader_starts,
            "reader_isolation": args.reader_isolation,
            "repeat": args.repeat,
            "workers": WORKERS,
            "think_ms": THINK_MS,
            "baseline_s": BASELINE_S,
            "tail_s": TAIL_S,
            "sample_interval_s": SAMPLE_INTERVAL,
        },
        "migration_sql": list(workload.UP),
        "setup": setup,
        **environment(args.dsn, postgres, (load_before, load_after)),
        "versions": versions(binaries),
        "runs": runs,
        "summary": report.summarise_runs(runs),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit status 1 if a migration failed or the end states differ, 0 otherwise (goal or not)."""
    args = parse_args(argv)
    if args.print_markdown:
        print(report.markdown(json.loads(args.output.read_text())), end="")
        return 0
    results = run(args)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(report.console(results))
    print(f"\nwrote {args.output}\n\nMarkdown for benchmarks/RESULTS.md:\n")
    print(report.markdown(results), end="")
    return 0 if report.consistent(results) else 1


if __name__ == "__main__":
    sys.exit(main())
