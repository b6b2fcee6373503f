"""Executive summary at scale: tenantdb's rollups and views against the single query teams usually write.

Run with the project's interpreter (it needs psycopg and the tenantdb CLI)::

    /work/venv/bin/python benchmarks/executive_summary/run.py

Generates 10,000 tenants, 100,000 servers, 1,000,000 IP addresses and a year of daily deliverability, applies
the bundled modules, times a full ``tenantdb bi refresh``, then the executive summary and the three views
(p50/p95 over repeated runs) against the naive query (naive.sql), and 50 concurrent dashboard readers. See
README.md beside this file.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`

from common import pg
from common.binaries import default_tenantdb
from common.machine import load_average, machine

import report
import timing

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "results.json"
DATABASE = "es_bench"
MODULES = ("core", "security", "billing", "email_infra", "cost_tracking", "bi")
STATEMENT_TIMEOUT_S = 300
VIEW_QUERIES = {
    "executive_business_summary": "SELECT * FROM executive_business_summary",
    "business_cost_allocation": "SELECT * FROM business_cost_allocation",
    "deliverability_business_impact": "SELECT * FROM deliverability_business_impact",
}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--tenants", type=int, default=10_000, help="customers (10000)")
    parser.add_argument("--vps", type=int, default=100_000, help="servers, 200 of them shared (100000)")
    parser.add_argument("--ips-per-vps", type=int, default=10, help="IP addresses per server (10)")
    parser.add_argument("--days", type=int, default=365, help="days of deliverability history (365)")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per query (30)")
    parser.add_argument("--naive-runs", type=int, default=3, help="timed runs of the naive query (3)")
    parser.add_argument("--readers", type=int, default=50, help="concurrent dashboard readers (50)")
    parser.add_argument("--reader-seconds", type=float, default=20.0, help="how long the readers read (20)")
    parser.add_argument("--seed", type=float, default=0.42, help="generator seed in [-1, 1] (0.42)")
    parser.add_argument("--dsn", help="PostgreSQL server to use (default: a throw-away embedded one)")
    parser.add_argument("--reuse", action="store_true", help="reuse es_bench if a previous run left it")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="results JSON (results.json here)")
    parser.add_argument("--print-markdown", action="store_true", help="print the RESULTS.md section and exit")
    return parser.parse_args(argv)


def migrate(url: str) -> float:
    """Apply the modules with ``tenantdb migrate up`` from a project that enables them; seconds taken."""
    with tempfile.TemporaryDirectory(prefix="es-bench-project-") as directory:
        project = Path(directory)
        (project / "migrations").mkdir()
        modules = ", ".join(f'"{name}"' for name in MODULES)
        (project / "tenantdb.toml").write_text(f"modules = [{modules}]\n", encoding="utf-8")
        start = time.perf_counter()
        subprocess.run([str(default_tenantdb()), "migrate", "up", "-C", directory, "--dsn", url], check=True)
        return time.perf_counter() - start


def generate(target: pg.Server, args: argparse.Namespace, last_day: date) -> dict[str, Any]:
    """Run generate.sql in one transaction; seconds taken and row counts."""
    settings = {
        "bench.tenants": args.tenants,
        "bench.vps": args.vps,
        "bench.ips_per_vps": args.ips_per_vps,
        "bench.days": args.days,
        "bench.shared_vps": min(200, args.vps // 10),
        "bench.seed": args.seed,
        "bench.last_day": last_day.isoformat(),
    }
    start = time.perf_counter()
    with target.connect(DATABASE, "es-bench-generate") as connection, connection.transaction():
        for name, value in settings.items():
            connection.execute("SELECT set_config(%s, %s, true)", (name, str(value)))
        connection.execute((HERE / "generate.sql").read_text(encoding="utf-8"))
    seconds = time.perf_counter() - start
    with target.connect(DATABASE) as connection:
        connection.execute("VACUUM ANALYZE")
        counts = {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore[index]
            for table in (
                "companies",
                "vps_instances",
                "smtp_ip_addresses",
                "deliverability_daily",
                "billing_transactions",
                "provider_invoice_lines",
            )
        }
    return {"seconds": seconds, "rows": counts}


def refresh(url: str) -> dict[str, Any]:
    """A full ``tenantdb bi refresh --all``, then a second one with nothing changed (incremental)."""
    figures: dict[str, Any] = {}
    for label in ("full", "unchanged"):
        command = [str(default_tenantdb()), "bi", "refresh", "--dsn", url, "--json"]
        if label == "full":
            command.append("--all")
        start = time.perf_counter()
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        figures[label] = {"wall_seconds": time.perf_counter() - start, "report": json.loads(done.stdout)}
    return figures


def time_reports(target: pg.Server, url: str, month: date, runs: int, naive_runs: int) -> dict[str, Any]:
    """p50/p95 of the executive report model, the three views, and the naive query, on one connection each."""
    from tenantdb.bi.reports import executive
    from tenantdb.bi.reports.common import ReportOptions
    from tenantdb.db import connect

    results: dict[str, Any] = {}
    with connect(url, application_name="es-bench-report") as session:
        options = ReportOptions(month=month)

        def build() -> int:
            return len(executive.build(session, options).tenants)

        results["executive report (tenantdb report executive)"] = timing.time_call(build, runs).as_dict()
    with target.connect(DATABASE, "es-bench-views") as connection:
        connection.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT_S}s'")
        for name, query in VIEW_QUERIES.items():
            results[name] = timing.time_call(timing.query_call(connection, query), runs).as_dict()
        naive = (HERE / "naive.sql").read_text(encoding="utf-8")
        call = timing.query_call(connection, naive, {"month": month})  # type: ignore[arg-type]
        results["naive single query (naive.sql)"] = timing.time_call(call, naive_runs, warmup=1).as_dict()
    return results


def readers(url: str, month: date) -> dict[str, Callable[[], Any]]:
    """What 50 dashboards read, by report.py's names: the executive summary as ``tenantdb report executive``
    builds it, one customer's row of executive_business_summary (a random customer per read), and, for
    information only, the whole view."""
    from tenantdb.bi.reports import executive
    from tenantdb.bi.reports.common import ReportOptions
    from tenantdb.db import connect

    @contextmanager
    def executive_summary() -> Iterator[timing.Reader]:
        with connect(url, application_name="es-bench-reader") as session:
            yield lambda: len(executive.build(session, ReportOptions(month=month)).tenants)

    with psycopg.connect(url, autocommit=True) as connection:
        tenants = [row[0] for row in connection.execute("SELECT tenant_id FROM executive_business_summary")]
    return {
        report.READER_EXECUTIVE: executive_summary,
        report.READER_TENANT: timing.query_reader(url, report.TENANT_ROW, lambda: (random.choice(tenants),)),
        report.READER_WHOLE_VIEW: timing.query_reader(url, VIEW_QUERIES["executive_business_summary"]),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.print_markdown:
        print(report.markdown(json.loads(args.output.read_text(encoding="utf-8"))), end="")
        return 0
    last_day = datetime.now(UTC).date() - timedelta(days=1)
    month = (last_day.replace(day=1) - timedelta(days=1)).replace(day=1)  # the last complete month
    results: dict[str, Any] = {
        "parameters": {key: value for key, value in vars(args).items() if key not in ("output", "print_markdown")}
        | {"month": month.isoformat()},
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    with pg.server(args.dsn) as target:
        url = target.url(DATABASE)
        results["postgres"] = pg.server_facts(target)
        fresh = not args.reuse or not _exists(target)
        if fresh:
            pg.create_database(target, DATABASE)
            results["migrate_seconds"] = migrate(url)
            print("generating data ...", file=sys.stderr)
            results["generate"] = generate(target, args, last_day)
        pg.checkpoint(target)
        load_before = load_average()
        print("bi refresh ...", file=sys.stderr)
        results["refresh"] = refresh(url)
        print("timing reports and views ...", file=sys.stderr)
        results["queries"] = time_reports(target, url, month, args.runs, args.naive_runs)
        print(f"{args.readers} concurrent readers ...", file=sys.stderr)
        results["readers"] = {
            name: timing.concurrent_readers(open_reader, args.readers, args.reader_seconds).as_dict()
            for name, open_reader in readers(url, month).items()
        }
        results["machine"] = machine() | {"load_average_1m": [load_before, load_average()]}
    args.output.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(report.console(results))
    print(f"\nwrote {args.output}\n\nMarkdown for benchmarks/RESULTS.md:\n")
    print(report.markdown(results), end="")
    return 0


def _exists(target: pg.Server) -> bool:
    with target.connect() as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is not None


if __name__ == "__main__":
    sys.exit(main())
