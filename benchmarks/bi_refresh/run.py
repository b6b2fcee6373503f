"""bi refresh at scale: a full refresh, an incremental refresh after one change, and what noting changes costs writers.

Run on an idle machine with the project's interpreter (it needs psycopg and the tenantdb CLI)::

    python benchmarks/bi_refresh/run.py                                  # 10,000 tenants, 100,000 servers
    python benchmarks/bi_refresh/run.py --tenants 500 --vps 5000 --days 90 --write-rows 20000   # a quick look

The data is the executive_summary benchmark's (its generate.sql, same parameters and seed). Timed with the CLI, as
an operator runs it (wall clock, including its start-up): ``tenantdb bi refresh --all``; ``tenantdb bi refresh``
with nothing changed; after one ledger entry is moved to another tenant (one month to recompute); and after one
server's price changes (every month). Then the write path: a bulk insert into deliverability_daily and single-row
ledger transactions, each with the change notes' triggers and with them disabled (interleaved, median of rounds).
See README.md beside this file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`

from common import pg
from common.binaries import default_tenantdb
from common.machine import load_average, machine
from common.report import footer, publish

HERE = Path(__file__).resolve().parent
GENERATE = HERE.parent / "executive_summary" / "generate.sql"
DEFAULT_OUTPUT = HERE / "results.json"
DATABASE = "bi_refresh_bench"
MODULES = ("core", "security", "billing", "email_infra", "cost_tracking", "bi")
NOTE_TRIGGERS = ("bi_note_insert", "bi_note_update_old", "bi_note_update_new", "bi_note_delete", "bi_note_truncate")
GOALS = {"full": 60.0, "one ledger entry moved": 5.0}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--tenants", type=int, default=10_000, help="customers (10000)")
    parser.add_argument("--vps", type=int, default=100_000, help="servers, 200 of them shared (100000)")
    parser.add_argument("--ips-per-vps", type=int, default=10, help="IP addresses per server (10)")
    parser.add_argument("--days", type=int, default=365, help="days of deliverability history (365)")
    parser.add_argument("--seed", type=float, default=0.42, help="generator seed in [-1, 1] (0.42)")
    parser.add_argument("--jobs", type=int, default=2, help="months refreshed at once (2, the CLI's default)")
    parser.add_argument("--write-rows", type=int, default=100_000, help="rows of the bulk insert (100000)")
    parser.add_argument("--write-transactions", type=int, default=2_000, help="single-row transactions (2000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each write measurement (3)")
    parser.add_argument("--dsn", help="PostgreSQL server to use (default: a throw-away embedded one)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="results JSON (results.json here)")
    parser.add_argument("--print-markdown", action="store_true", help="print the RESULTS.md section and exit")
    return parser.parse_args(argv)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def migrate(url: str) -> float:
    """Apply the modules with ``tenantdb migrate up`` from a project that enables them; seconds taken."""
    with tempfile.TemporaryDirectory(prefix="bi-refresh-bench-") as directory:
        (Path(directory) / "migrations").mkdir()
        modules = ", ".join(f'"{name}"' for name in MODULES)
        (Path(directory) / "tenantdb.toml").write_text(f"modules = [{modules}]\n", encoding="utf-8")
        start = time.perf_counter()
        subprocess.run([str(default_tenantdb()), "migrate", "up", "-C", directory, "--dsn", url], check=True)
        return time.perf_counter() - start


def generate(target: pg.Server, args: argparse.Namespace, last_day: date) -> dict[str, Any]:
    """The executive_summary benchmark's generate.sql in one transaction; seconds taken and row counts."""
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
    with target.connect(DATABASE, "bi-refresh-bench-generate") as connection, connection.transaction():
        for name, value in settings.items():
            connection.execute("SELECT set_config(%s, %s, true)", (name, str(value)))
        connection.execute(GENERATE.read_text(encoding="utf-8"))
    seconds = time.perf_counter() - start
    with target.connect(DATABASE) as connection:
        connection.execute("VACUUM ANALYZE")
        tables = ("companies", "vps_instances", "smtp_ip_addresses", "deliverability_daily", "billing_transactions")
        counts = {table: _count(connection, table) for table in tables}
    return {"seconds": round(seconds, 1), "rows": counts}


def _count(connection: psycopg.Connection[Any], table: str) -> int:
    row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def refresh(url: str, jobs: int, *, everything: bool = False) -> dict[str, Any]:
    """One ``tenantdb bi refresh`` (``--all`` when ``everything``): wall seconds, the engine's own seconds, the
    months refreshed and skipped."""
    command = [str(default_tenantdb()), "bi", "refresh", "--dsn", url, "--json", "--jobs", str(jobs)]
    if everything:
        command.append("--all")
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    report = json.loads(done.stdout)
    return {
        "wall_seconds": round(wall, 2),
        "engine_seconds": report["seconds"],
        "months_refreshed": [month["month"] for month in report["refreshed"]],
        "recomputed": sorted({stage for month in report["refreshed"] for stage in month["recomputed"]}),
        "months_skipped": len(report["skipped"]),
        "lines": sum(month["lines"] for month in report["refreshed"]),
    }


def move_one_ledger_entry(target: pg.Server, month: date) -> str:
    """Move the month's first ledger entry to another customer (count and sum of the month unchanged)."""
    with target.connect(DATABASE) as connection:
        row = connection.execute(
            "WITH entry AS (SELECT tenant_id, transaction_id FROM billing_transactions"
            " WHERE occurred_at >= %(month)s::timestamp AT TIME ZONE 'UTC'"
            " AND occurred_at < (%(month)s::timestamp + interval '1 month') AT TIME ZONE 'UTC'"
            " ORDER BY tenant_id, transaction_id LIMIT 1)"
            " UPDATE billing_transactions t SET tenant_id = (SELECT c.id FROM companies c"
            " WHERE NOT c.is_platform_operator AND c.id <> e.tenant_id ORDER BY c.id LIMIT 1)"
            " FROM entry e WHERE t.tenant_id = e.tenant_id AND t.transaction_id = e.transaction_id"
            " RETURNING t.amount",
            {"month": month},
        ).fetchone()
    return f"a {row[0] if row else '?'} USD entry of {month:%Y-%m} moved to another customer"


def change_one_server(target: pg.Server) -> str:
    """Raise one dedicated server's price by a cent: a resource's cost counts in every month."""
    with target.connect(DATABASE) as connection:
        connection.execute(
            "UPDATE vps_instances SET approximate_cost = approximate_cost + 0.01 WHERE vps_instance_id ="
            " (SELECT vps_instance_id FROM vps_instances WHERE tenancy = 'dedicated' ORDER BY vps_instance_id LIMIT 1)"
        )
    return "one dedicated server's price + 0.01"


def _notes(connection: psycopg.Connection[Any], table: str, enabled: bool) -> None:
    action = "ENABLE ALWAYS" if enabled else "DISABLE"
    clauses = ", ".join(f"{action} TRIGGER {name}" for name in NOTE_TRIGGERS)
    connection.execute(f"ALTER TABLE {table} {clauses}")


def bulk_insert(target: pg.Server, rows: int, after: date, notes: bool) -> float:
    """Seconds of one INSERT of ``rows`` deliverability rows (the days after ``after``, rolled back)."""
    with target.connect(DATABASE, "bi-refresh-bench-writer") as connection:
        connection.execute("BEGIN")
        _notes(connection, "deliverability_daily", notes)
        start = time.perf_counter()
        connection.execute(
            "INSERT INTO deliverability_daily (tenant_id, day, sent, delivered)"
            " SELECT c.id, %(after)s::date + d::integer, 100, 90"
            " FROM (SELECT id FROM companies WHERE NOT is_platform_operator ORDER BY id) c"
            " CROSS JOIN generate_series(1, 1 + %(rows)s / (SELECT count(*) FROM companies)) AS d"
            " LIMIT %(rows)s",
            {"rows": rows, "after": after},
        )
        seconds = time.perf_counter() - start
        connection.execute("ROLLBACK")
    return seconds


def single_row_transactions(target: pg.Server, count: int, notes: bool) -> float:
    """Mean milliseconds of a one-row ledger transaction (autocommit INSERT), ``count`` of them, deleted after."""
    with target.connect(DATABASE) as admin:
        _notes(admin, "billing_transactions", notes)
        tenants = [row[0] for row in admin.execute("SELECT id FROM companies WHERE NOT is_platform_operator LIMIT 100")]
    with target.connect(DATABASE, "bi-refresh-bench-writer") as connection:
        statement = (
            "INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at, description)"
            " VALUES (%s, 'charge', 1, 'USD', now() - interval '1 day', 'bench')"
        )
        start = time.perf_counter()
        for n in range(count):
            connection.execute(statement, (tenants[n % len(tenants)],), prepare=True)
        seconds = time.perf_counter() - start
    with target.connect(DATABASE) as admin:
        admin.execute("DELETE FROM billing_transactions WHERE description = 'bench'")
        _notes(admin, "billing_transactions", True)
    return seconds * 1000 / count


def write_path(target: pg.Server, args: argparse.Namespace, last_day: date) -> dict[str, Any]:
    """Each write with and without the notes' triggers, interleaved round by round; medians."""
    figures: dict[str, list[float]] = {"bulk on": [], "bulk off": [], "single on": [], "single off": []}
    for _ in range(args.rounds):
        for notes in (True, False):
            state = "on" if notes else "off"
            figures[f"bulk {state}"].append(bulk_insert(target, args.write_rows, last_day, notes))
            figures[f"single {state}"].append(single_row_transactions(target, args.write_transactions, notes))
    with target.connect(DATABASE) as admin:
        _notes(admin, "deliverability_daily", True)
        admin.execute("DELETE FROM bi_changed_months")  # the benchmark's own notes: its rows are gone
    median = {name: statistics.median(values) for name, values in figures.items()}
    return {
        "bulk_rows": args.write_rows,
        "bulk_seconds_with_notes": round(median["bulk on"], 3),
        "bulk_seconds_without_notes": round(median["bulk off"], 3),
        "bulk_overhead_percent": round(100 * (median["bulk on"] / median["bulk off"] - 1), 1),
        "single_transactions": args.write_transactions,
        "single_ms_with_notes": round(median["single on"], 3),
        "single_ms_without_notes": round(median["single off"], 3),
        "single_overhead_percent": round(100 * (median["single on"] / median["single off"] - 1), 1),
        "rounds": figures,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    last_day = datetime.now(UTC).date() - timedelta(days=1)
    month = (last_day.replace(day=1) - timedelta(days=1)).replace(day=1)  # the last complete month
    results: dict[str, Any] = {
        "parameters": {key: value for key, value in vars(args).items() if key not in ("output", "print_markdown")}
        | {"month": month.isoformat()},
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python benchmarks/bi_refresh/run.py", *sys.argv[1:]]),
    }
    with pg.server(args.dsn) as target:
        url = target.url(DATABASE)
        results["server"] = "embedded" if target.embedded else "--dsn"
        results["postgres"] = pg.server_facts(target)
        pg.create_database(target, DATABASE)
        _log("migrating ...")
        results["migrate_seconds"] = round(migrate(url), 1)
        _log("generating data ...")
        results["generate"] = generate(target, args, last_day)
        pg.checkpoint(target)
        load_before = load_average()
        steps: dict[str, Any] = {}
        _log("bi refresh --all ...")
        steps["full"] = refresh(url, args.jobs, everything=True)
        _log("bi refresh, nothing changed ...")
        steps["nothing changed"] = refresh(url, args.jobs)
        _log("bi refresh after one ledger entry moved ...")
        change = move_one_ledger_entry(target, month)
        steps["one ledger entry moved"] = refresh(url, args.jobs) | {"change": change}
        _log("bi refresh after one server's price changed ...")
        change = change_one_server(target)
        steps["one server's price changed"] = refresh(url, args.jobs) | {"change": change}
        results["refresh"] = steps
        _log("write path ...")
        results["write_path"] = write_path(target, args, last_day)
        results["machine"] = machine() | {"load_average_1m": [load_before, load_average()]}
        pg.drop_database(target, DATABASE)
    return results


def markdown(results: dict[str, Any]) -> str:
    """The section for benchmarks/RESULTS.md."""
    p, rows, write = results["parameters"], results["generate"]["rows"], results["write_path"]
    day = results["started"][:10]
    lines = [
        f"## bi refresh: {p['tenants']:,} tenants, full and after one change ({day})",
        "",
        f"{rows['companies']:,} companies, {rows['vps_instances']:,} servers, {rows['smtp_ip_addresses']:,} IP"
        f" addresses, {rows['deliverability_daily']:,} deliverability rows, {rows['billing_transactions']:,} ledger"
        f" entries ({p['days']} days); `--jobs {p['jobs']}`; wall clock of the CLI, start-up included.",
        "",
        "| refresh | months refreshed | recomputed | wall s | engine s | goal |",
        "|---|---|---|---:|---:|---|",
    ]
    for name, step in results["refresh"].items():
        goal = GOALS.get(name)
        verdict = "" if goal is None else f"< {goal:g} s: {'met' if step['wall_seconds'] < goal else 'missed'}"
        label = f"{name} ({step['change']})" if "change" in step else name
        lines.append(
            f"| {label} | {len(step['months_refreshed'])} of {len(step['months_refreshed']) + step['months_skipped']}"
            f" | {', '.join(step['recomputed'])} | {step['wall_seconds']:.2f} | {step['engine_seconds']:.2f}"
            f" | {verdict} |"
        )
    lines += [
        "",
        "Write path (median of rounds, notes' triggers on vs disabled):",
        "",
        "| write | with notes | without | overhead |",
        "|---|---:|---:|---:|",
        f"| one INSERT of {write['bulk_rows']:,} deliverability rows | {write['bulk_seconds_with_notes']:.3f} s"
        f" | {write['bulk_seconds_without_notes']:.3f} s | {write['bulk_overhead_percent']:+.1f}% |",
        f"| one-row ledger transaction (x {write['single_transactions']:,}) | {write['single_ms_with_notes']:.3f} ms"
        f" | {write['single_ms_without_notes']:.3f} ms | {write['single_overhead_percent']:+.1f}% |",
    ]
    return "\n".join(lines + footer(results))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.print_markdown:
        print(markdown(json.loads(args.output.read_text(encoding="utf-8"))), end="")
        return 0
    publish(run(args), args.output, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
