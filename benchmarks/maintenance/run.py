"""Maintenance under write load: the longest write stall of `tenantdb db maintain` and of the hand-run plan.

The hand-run plan is what teams write in their maintenance section, run through psql: ``VACUUM;`` then
``REINDEX DATABASE <db>;``. The table is zero_downtime's ``vps_instances`` (5M rows by default), with 40 % of its
rows deleted (dead tuples) and its indexes left bloated; the load is zero_downtime's load generator. Run with the
project's interpreter (it needs psycopg and the tenantdb CLI)::

    /work/venv/bin/python benchmarks/maintenance/run.py --rows 5000000

See README.md beside this file for the method and how to read the figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`
# zero_downtime's data set, load generator, sampler and analysis (its run.py comes first on the path: this file is
# __main__, so `import run` finds zero_downtime's)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "zero_downtime"))

from common import options, pg
from common.binaries import Binaries
from common.machine import load_average
from common.results import environment, head

import analysis
import workload
from monitor import SAMPLE_INTERVAL, Sample, Sampler
from run import BASELINE_S, TAIL_S, THINK_MS, WORKERS, add_rows_option, load_process, run_migration

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results.json"
VARIANTS = ("psql", "tenantdb")
TEMPLATE_DB = "maint_template"
DELETED = "id % 5 IN (1, 2)"
"""The rows deleted in the template: 40 %, spread over every page, so the indexes keep their size after VACUUM."""
_BLOAT = (
    "ALTER TABLE vps_instances SET (autovacuum_enabled = false)",  # the dead rows wait for the maintenance
    "CREATE INDEX vps_instances_tenant_idx ON vps_instances (tenant_id)",
    f"DELETE FROM vps_instances WHERE {DELETED}",
)
_PREPARE = ("ANALYZE vps_instances", "ANALYZE tenants")
"""Run in each copy: statistics are per database, so a copy starts without any; ANALYZE also estimates dead rows."""
TENANTDB_TOML = '[maintain]\nindex_min_bloat = "0"  # the same plan at every --rows: the ratio alone decides\n'
_MAINTENANCE = ("VACUUM", "ANALYZE", "REINDEX")
_RELATIONS = """
SELECT c.relname, c.relkind::text, pg_relation_size(c.oid), coalesce(i.indisvalid, true)
  FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')
   AND (c.relname LIKE 'vps_instances%')
 ORDER BY c.relname
"""


@dataclass(frozen=True, slots=True)
class Context:
    target: pg.Server
    binaries: Binaries
    project: Path
    workdir: Path
    rows: int


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run `tenantdb db maintain` and the hand-run `VACUUM; REINDEX DATABASE` (psql) on a big table "
        "with dead rows and bloated indexes under write load, and measure how long writers stall.",
    )
    add_rows_option(parser)
    parser.add_argument("--repeat", type=int, default=1, metavar="R", help="runs per tool (1)")
    options.add_server_options(parser)
    options.add_output_options(parser, DEFAULT_OUTPUT, print_markdown=False)
    args = parser.parse_args(argv)
    if args.rows < 1000 or args.repeat < 1:
        parser.error("--rows must be at least 1000 and --repeat at least 1")
    return args


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def build_template(target: pg.Server, rows: int) -> dict[str, float]:
    """zero_downtime's data set, then a secondary index, 40 % of the rows deleted, autovacuum off on the table."""
    setup = workload.build_template(target, TEMPLATE_DB, rows)
    clock = time.monotonic()
    with target.connect(TEMPLATE_DB) as connection:
        for statement in _BLOAT:
            connection.execute(statement)
    return setup | {"bloat_s": round(time.monotonic() - clock, 2)}


def command(variant: str, context: Context, database: str) -> list[str]:
    """The hand-run plan through psql, or tenantdb with its defaults (and index_min_bloat 0, see the README)."""
    url = context.target.url(database)
    if variant == "psql":
        reindex = f'REINDEX DATABASE "{database}"'
        return [str(context.binaries.psql), "-X", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", "VACUUM", "-c", reindex]
    return [str(context.binaries.tenantdb), "db", "maintain", "--dsn", url, "-C", str(context.project)]


def relations(target: pg.Server, database: str) -> dict[str, dict[str, Any]]:
    """The table's and its indexes' sizes and validity, and the table's dead rows."""
    with target.connect(database) as connection:
        rows = connection.execute(_RELATIONS).fetchall()
        dead = connection.execute(
            "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'vps_instances'::regclass"
        ).fetchone()
    found = {name: {"kind": kind, "mib": round(size / 2**20, 1), "valid": valid} for name, kind, size, valid in rows}
    found["vps_instances"]["dead_rows"] = dead[0] if dead else None
    return found


def maintenance_statements(samples: Iterable[Sample]) -> list[analysis.Statement]:
    """The maintenance statements the tool ran, as the sampler saw them (zero_downtime's ``statements`` looks for
    the table's name, which ``VACUUM`` and ``REINDEX DATABASE`` do not carry)."""
    found: dict[tuple[int, float], analysis.Statement] = {}
    for sample in samples:
        roles = {backend.pid: backend.role for backend in sample.backends}
        for backend in sample.backends:
            if backend.role != "migration" or backend.state != "active":
                continue
            if not backend.query.lstrip().upper().startswith(_MAINTENANCE):
                continue
            key = (backend.pid, backend.query_start)
            statement = found.setdefault(
                key, analysis.Statement(backend.pid, backend.query, backend.query_start, sample.at)
            )
            statement.last_seen = sample.at
            if backend.wait.startswith("Lock:"):
                statement.lock_wait_samples += 1
                statement.blocked_by |= {roles.get(pid, "other") for pid in backend.blocked_by}
    return sorted(found.values(), key=lambda statement: statement.start)


def run_once(context: Context, variant: str, repeat: int) -> dict[str, Any]:
    """One run on a fresh copy of the template: load, the maintenance, figures and the state before and after."""
    database = f"maint_{variant}_{repeat}"
    pg.create_database(context.target, database, template=TEMPLATE_DB)
    try:
        with context.target.connect(database) as connection:
            for statement in _PREPARE:
                connection.execute(statement)
        pg.checkpoint(context.target)
        before = relations(context.target, database)
        ops_file = context.workdir / f"{database}.csv"
        sampler = Sampler(context.target, database)
        with load_process(context.target.url(database), context.rows, ops_file):
            sampler.start()
            time.sleep(BASELINE_S)
            ran = run_migration(command(variant, context, database), context.workdir, time.time())
            time.sleep(TAIL_S)
            sampler.stop()
        after = relations(context.target, database)
        actions = tenantdb_actions(context.target, database) if variant == "tenantdb" else None
        ops = analysis.read_ops(ops_file)
        window = analysis.Window(start=ran["started"], end=ran["ended"])
        found = maintenance_statements(sampler.samples)
        worst = analysis.longest(analysis.window_stalls(ops, window))
        result = {
            "variant": variant,
            "repeat": repeat,
            "command": {key: ran[key] for key in ("seconds", "returncode")},
            "figures": analysis.latency_figures(ops, window),
            "longest_stall": analysis.attribute(worst, sampler.samples, found, ran["started"]),
            "timeline": analysis.timeline(found, ops, ran["started"]),
            "before": before,
            "after": after,
        }
        if actions is not None:
            result["tenantdb_actions"] = actions
        if ran["returncode"] != 0:
            result["command"]["output"] = ran["output"]
        return result
    finally:
        pg.drop_database(context.target, database)


def tenantdb_actions(target: pg.Server, database: str) -> list[dict[str, Any]]:
    """What `db maintain` ran, from its events: statement, outcome and reason, seconds."""
    with target.connect(database) as connection:
        rows = connection.execute(
            "SELECT statement, message, details FROM tenantdb.events WHERE kind = 'maintain' ORDER BY id"
        ).fetchall()
    return [
        {"statement": statement, "outcome": message, "seconds": (details or {}).get("seconds")}
        for statement, message, details in rows
    ]


def benchmark(context: Context, repeats: int) -> list[dict[str, Any]]:
    """Every repeat, both tools; which goes first alternates."""
    runs = []
    for repeat in range(repeats):
        for variant in VARIANTS if repeat % 2 == 0 else tuple(reversed(VARIANTS)):
            _log(f"[{repeat + 1}/{repeats}] {variant} ...")
            result = run_once(context, variant, repeat)
            _log("    " + one_line(result))
            runs.append(result)
    return runs


def one_line(run: dict[str, Any]) -> str:
    figures = run["figures"]
    return (
        f"{run['variant']}: {run['command']['seconds']:.1f} s, exit {run['command']['returncode']}, longest write "
        f"stall {figures['longest_stall_s']} s, write p99 {figures['write_p99_ms']} ms, errors {figures['errors']}"
    )


def summary(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per tool: the worst longest stall over the repeats, and the figures of that run."""
    rows = []
    for variant in VARIANTS:
        mine = [run for run in runs if run["variant"] == variant]
        worst = max(mine, key=lambda run: run["figures"]["longest_stall_s"] or 0.0)
        figures, before, after = worst["figures"], worst["before"], worst["after"]
        rows.append(
            {
                "tool": variant,
                "runs": len(mine),
                "seconds": worst["command"]["seconds"],
                "exit": worst["command"]["returncode"],
                "longest_write_stall_s": figures["longest_stall_s"],
                "write_p99_ms": figures["write_p99_ms"],
                "writes_over_1s": figures["writes_over_1s"],
                "baseline_write_p99_ms": figures["baseline_write_p99_ms"],
                "errors": sum(figures["errors"].values()),
                "indexes_mib_before": _index_mib(before),
                "indexes_mib_after": _index_mib(after),
                "dead_rows_after": after["vps_instances"].get("dead_rows"),
                "all_indexes_valid": all(spec["valid"] for spec in after.values()),
                "stall_during": worst["longest_stall"].get("during", []),
            }
        )
    return rows


def _index_mib(found: dict[str, dict[str, Any]]) -> float:
    return round(sum(spec["mib"] for spec in found.values() if spec["kind"] == "i"), 1)


_COLUMNS = (
    ("tool", "tool"),
    ("seconds", "wall s"),
    ("longest_write_stall_s", "longest write stall s"),
    ("write_p99_ms", "write p99 ms"),
    ("baseline_write_p99_ms", "baseline p99 ms"),
    ("writes_over_1s", "writes > 1 s"),
    ("errors", "errors"),
    ("indexes_mib_before", "index MiB before"),
    ("indexes_mib_after", "after"),
    ("dead_rows_after", "dead rows after"),
    ("all_indexes_valid", "indexes valid"),
)


def table(rows: list[dict[str, Any]]) -> str:
    """The summary as a Markdown table (readable on a terminal too)."""
    lines = ["| " + " | ".join(title for _, title in _COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
    lines += ["| " + " | ".join(str(row[key]) for key, _ in _COLUMNS) + " |" for row in rows]
    lines += [f"- {row['tool']}'s longest stall overlapped: {', '.join(row['stall_during']) or '-'}" for row in rows]
    return "\n".join(lines)


def command_line(args: argparse.Namespace) -> str:
    parts = ["python benchmarks/maintenance/run.py", f"--rows {args.rows}", f"--repeat {args.repeat}"]
    return " ".join([*parts, "--dsn …"] if args.dsn else parts)


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="tenantdb-maint-"))
    project = workdir / "project"
    project.mkdir()
    (project / "tenantdb.toml").write_text(TENANTDB_TOML)
    try:
        with pg.server(args.dsn) as target:
            postgres = pg.server_facts(target)
            _log(f"PostgreSQL {postgres['server_version']} ({'embedded' if target.embedded else 'external'})")
            _log(f"building {args.rows:,} rows, then deleting 40 % ...")
            setup = build_template(target, args.rows)
            _log(f"    {setup}")
            context = Context(
                target=target,
                binaries=Binaries.chosen(args.psql, args.tenantdb),
                project=project,
                workdir=workdir,
                rows=args.rows,
            )
            load_before = load_average()
            try:
                runs = benchmark(context, args.repeat)
            finally:
                pg.drop_database(target, TEMPLATE_DB)
            load_after = load_average()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        **head("maintenance", command_line(args)),
        "parameters": {
            "rows": args.rows,
            "deleted": DELETED,
            "repeat": args.repeat,
            "workers": WORKERS,
            "think_ms": THINK_MS,
            "baseline_s": BASELINE_S,
            "tail_s": TAIL_S,
            "sample_interval_s": SAMPLE_INTERVAL,
            "tenantdb_toml": TENANTDB_TOML,
        },
        "setup": setup,
        **environment(args.dsn, postgres, (load_before, load_after)),
        "runs": runs,
        "summary": summary(runs),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Exit status 1 if a tool failed or left an INVALID index, else 0."""
    args = parse_args(argv)
    results = run(args)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results["summary"]))
    print(json.dumps({key: results[key] for key in ("command", "postgres", "setup", "summary")}, indent=2))
    print(f"\nwrote {args.output}")
    failed = [row for row in results["summary"] if row["exit"] != 0 or not row["all_indexes_valid"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
