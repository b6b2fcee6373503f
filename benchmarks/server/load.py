"""tenantdb serve under 100 simulated executives, against the same reports read straight from PostgreSQL.

Run on an idle machine with the project's interpreter (it needs the tenantdb CLI, httpx and psycopg)::

    python benchmarks/server/load.py                      # 10,000 tenants, 100 executives, 60 s per phase
    python benchmarks/server/load.py --tenants 100 --vps 1000 --days 120 --executives 5 \
        --duration 3 --warmup 1                           # a smoke run (under a minute; figures mean nothing)

Builds the 10,000-tenant dataset (world.py; BI refreshed for every month), starts ``tenantdb serve --workers 2``
as a real process on 127.0.0.1, and runs four phases, each ``--warmup`` + ``--duration`` seconds at the same
concurrency: the visit mix (mix.py) over HTTP, the executive summary alone over HTTP, then, with the server
stopped, both again straight on PostgreSQL through the same report builders (direct.py). Prints a table and
writes JSON (``--output``). See README.md beside this file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # this folder's modules
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`

from common import pg
from common.machine import CpuMeter, load_average, machine
from common.report import footer

import direct
import loadgen
import mix
import world

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "load-results.json"
DATABASE = "server_load_bench"
GOALS_MS = {"mix p95": 300.0, "executive summary p95": 50.0}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    world.add_dataset_options(parser)
    parser.add_argument("--executives", type=int, default=100, help="concurrent simulated executives (100)")
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds of each phase (60)")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds before each phase (5)")
    parser.add_argument("--think", type=float, default=0.5, help="mean think time between requests, s (0.5)")
    parser.add_argument("--pool-max", type=int, default=10, help="connections per server worker (10, the default)")
    parser.add_argument(
        "--unlimited",
        action="store_true",
        help="raise the server's per-token and per-tenant rate limits out of the way (default: the shipped limits)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="results JSON (load-results.json here)")
    parser.add_argument("--json", action="store_true", help="print the results JSON instead of the table")
    parser.add_argument(
        "--print-markdown", action="store_true", help="print the RESULTS.md section of --output's results and exit"
    )
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {
        "benchmark": "server_load",
        "parameters": {
            key: value for key, value in vars(args).items() if key not in ("output", "json", "dsn", "print_markdown")
        },
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python benchmarks/server/load.py", *sys.argv[1:]]),
    }
    with pg.server(args.dsn) as target:
        results["server"] = "embedded" if target.embedded else "--dsn"
        results["postgres"] = pg.server_facts(target)
        dataset = world.build(target, DATABASE, args)
        results["dataset"] = {"seconds": dataset.seconds, "rows": dataset.rows, "months": list(dataset.months)}
        tokens = world.tokens(dataset.url, args.executives)
        environment = {"TENANTDB_SERVER_POOL_MAX": str(args.pool_max)}
        if args.unlimited:
            environment |= {
                "TENANTDB_SERVER_TOKEN_RATE": "1000000",
                "TENANTDB_SERVER_TOKEN_BURST": "1000000",
                "TENANTDB_SERVER_TENANT_RATE": "1000000",
                "TENANTDB_SERVER_TENANT_BURST": "1000000",
            }
        load_before = load_average()
        phase = {
            "warmup": args.warmup,
            "duration": args.duration,
            "think": args.think,
            "months": dataset.months,
            "slugs": dataset.slugs,
        }
        with world.serve(dataset.url, args.workers, environment) as served:
            served_paths = loadgen.openapi_paths(served.base, tokens[0])
            steps = mix.served_steps(served_paths)
            summary_steps = mix.served_steps(served_paths, mix.SUMMARY_ONLY)
            if not summary_steps:
                raise SystemExit(f"the server does not serve {mix.ROUTES['executive summary']}: nothing to measure")
            results["steps"] = list(steps)
            results["steps_not_served"] = [step for step in mix.ROUTES if step not in steps]
            results["serve_command"] = " ".join(served.command[1:]).replace(dataset.url, "DSN")
            world.log(f"HTTP, visit mix ({', '.join(steps)}) ...")
            http_mix = _metered(lambda: loadgen.run(served.base, tokens, steps, **phase))
            world.log("HTTP, executive summary alone ...")
            http_summary = _metered(lambda: loadgen.run(served.base, tokens, summary_steps, **phase))
        pool_size = args.workers * args.pool_max
        world.log(f"direct, visit mix (pool of {pool_size}) ...")
        direct_mix = _metered(lambda: direct.run(dataset.url, args.executives, pool_size, steps, **phase))
        world.log("direct, executive summary alone ...")
        direct_summary = _metered(lambda: direct.run(dataset.url, args.executives, pool_size, summary_steps, **phase))
        results["phases"] = {
            "http mix": http_mix,
            "http executive summary": http_summary,
            "direct mix": direct_mix,
            "direct executive summary": direct_summary,
        }
        results["machine"] = machine() | {"load_average_1m": [load_before, load_average()]}
        pg.drop_database(target, DATABASE)
    return results


def _metered(phase: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A phase's figures and its CPU: the machine's busy share over warm-up and window, and the load generator's own
    CPU per request (over the window's share of the phase; it runs on the same 2 cores as the server and
    PostgreSQL; for the direct phases it includes the report builders, which the server runs on the HTTP side)."""
    began = time.perf_counter()
    with CpuMeter() as cpu:
        figures = phase()
    window_share = figures["seconds"] / max(figures["seconds"], time.perf_counter() - began)
    requests = max(1, figures["all"]["requests"])
    figures["cpu"] = {
        "machine_busy_pct": cpu.machine_busy_pct,
        "load_generator_ms_per_request": round(1000 * cpu.own_cpu_s * window_share / requests, 2),
    }
    return figures


def table(results: dict[str, Any]) -> str:
    """The human table: one row per phase and step."""
    p = results["parameters"]
    lines = [
        f"server_load: {p['tenants']:,} tenants, {p['executives']} executives, {p['duration']:g} s per phase"
        f" (+{p['warmup']:g} s warm-up), think {p['think']:g} s, tenantdb serve --workers {p['workers']}",
    ]
    if results.get("steps_not_served"):
        lines.append(f"not served by this server, left out of every phase: {', '.join(results['steps_not_served'])}")
    lines += [
        "",
        f"{'phase':<26} {'step':<20} {'requests':>9} {'req/s':>8} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8}"
        f" {'p99 ms':>8} {'max ms':>8}",
    ]
    for name, phase in results["phases"].items():
        rows = [("all", phase["all"])]
        if len(phase["steps"]) > 1:
            rows += sorted(phase["steps"].items())
        for step, figures in rows:
            lines.append(
                f"{name:<26} {step:<20} {figures['requests']:>9} {figures['per_second']:>8} {figures['errors']:>7}"
                f" {figures['p50_ms']:>8} {figures['p95_ms']:>8} {figures['p99_ms']:>8} {figures['max_ms']:>8}"
            )
        for sample in phase["error_samples"]:
            lines.append(f"    error: {sample}")
        if cpu := phase.get("cpu"):
            lines.append(
                f"    cpu: machine {cpu['machine_busy_pct']}% busy, load generator"
                f" {cpu['load_generator_ms_per_request']} ms per request"
            )
    phases = results["phases"]
    mix_p95 = {side: phases[f"{side} mix"]["all"]["p95_ms"] for side in ("http", "direct")}
    summary_p95 = {side: phases[f"{side} executive summary"]["all"]["p95_ms"] for side in ("http", "direct")}
    lines += [
        "",
        f"goals: mix p95 <= {GOALS_MS['mix p95']:g} ms with no errors -> {phases['http mix']['all']['p95_ms']} ms,"
        f" {phases['http mix']['all']['errors']} errors; executive summary p95 <= {GOALS_MS['executive summary p95']:g}"
        f" ms -> {phases['http executive summary']['all']['p95_ms']} ms",
        f"server overhead (p95, http - direct): mix {mix_p95['http'] - mix_p95['direct']:+.1f} ms, executive summary"
        f" {summary_p95['http'] - summary_p95['direct']:+.1f} ms",
    ]
    facts, load = results["machine"], results["machine"]["load_average_1m"]
    lines.append(
        f"machine: {facts['cpu']}, {facts['cores']} cores, {facts['ram_gib']} GiB; load {load[0]} / {load[1]}"
        f" (before/after); PostgreSQL {results['postgres']['server_version']} ({results['server']})"
    )
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    """The section for benchmarks/RESULTS.md: the table, then the machine, the server and the command."""
    p = results["parameters"]
    heading = f"Server load: {p['tenants']:,} tenants, {p['executives']} executives, {p['duration']:g} s"
    if p["tenants"] < 10_000 or p["executives"] < 100 or p["duration"] < 60:
        heading += " (SMOKE RUN: below the issue's parameters, not a result)"
    return "\n".join([f"## {heading} ({results['started'][:10]})", "", "```", table(results), "```", *footer(results)])


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.print_markdown:
        print(markdown(json.loads(args.output.read_text(encoding="utf-8"))), end="")
        return 0
    results = run(args)
    args.output.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, default=str) if args.json else table(results))
    print(f"\nwrote {args.output}", file=sys.stderr)
    errors = sum(phase["all"]["errors"] for phase in results["phases"].values())
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
