"""The dashboard views and report queries before and after they read tenant by tenant (RELIABILITY R26).

Run on a database that run.py filled (``--dsn``, so it stays), with the project's interpreter::

    python benchmarks/executive_summary/tenant_led.py --dsn postgresql://.../es_bench --old-rev 5b7b378

The old definitions are read from git (``--old-rev``), the new ones from the working tree. Both views' versions are
created as temporary views (schema pg_temp), so the database keeps its own. Each query runs ``--runs`` times, old
and new alternately on one connection, under EXPLAIN (ANALYZE, BUFFERS); the table gives the medians of the
execution time and of the shared buffers touched, and checks that old and new return the same rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
VIEWS_FILE = "src/tenantdb/modules/bi/migrations/0002_dashboard_views.sql"
REPORTS_DIR = "src/tenantdb/bi/reports/sql"
VIEWS = ("executive_business_summary", "business_cost_allocation", "deliverability_business_impact")
REPORTS = ("tenant_figures", "month_totals", "pool_figures", "refreshed_months")
REPORT_PARAMS = {
    "basis": "recognized_revenue",
    "margin_target": "0.30",
    "min_volume": 1000,
    "idle_utilization": "0.20",
    "high_idle_share": "0.30",
}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--dsn", required=True, help="the database run.py filled (es_bench)")
    parser.add_argument("--old-rev", default="HEAD", help="git revision of the old definitions (HEAD)")
    parser.add_argument("--runs", type=int, default=9, help="runs per query and version (9)")
    parser.add_argument("--month", type=date.fromisoformat, help="the reports' month (the last complete one)")
    return parser.parse_args(argv)


def old_text(rev: str, path: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:{path}"], check=True, capture_output=True,
                          text=True).stdout  # fmt: skip


def view_bodies(migration: str) -> dict[str, str]:
    """Each view's SELECT from the migration's up section (statements end with a semicolon at a line's end)."""
    up = migration.split("-- migrate:down", maxsplit=1)[0]
    bodies = {}
    for statement in up.split(";\n"):
        lines = [line for line in statement.splitlines() if not line.lstrip().startswith("--")]
        text = "\n".join(lines).strip()
        for name in VIEWS:
            head = f"CREATE VIEW {name} WITH (security_invoker = true) AS"
            if text.startswith(head):
                bodies[name] = text[len(head) :]
    assert sorted(bodies) == sorted(VIEWS), sorted(bodies)
    return bodies


def measure(cursor: psycopg.ClientCursor[Any], text: str, params: dict[str, Any]) -> tuple[float, int]:
    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {text}", params)  # type: ignore[arg-type]
    row = cursor.fetchone()
    assert row is not None
    plan = row[0][0]
    top = plan["Plan"]
    buffers = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
    return float(plan["Execution Time"]), int(buffers)


def rows(cursor: psycopg.ClientCursor[Any], text: str, params: dict[str, Any]) -> list[str]:
    cursor.execute(text, params)  # type: ignore[arg-type]
    return sorted(repr(row) for row in cursor.fetchall())


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    new_views = view_bodies((ROOT / VIEWS_FILE).read_text(encoding="utf-8"))
    old_views = view_bodies(old_text(args.old_rev, VIEWS_FILE))
    with psycopg.connect(args.dsn, autocommit=True, cursor_factory=psycopg.ClientCursor) as connection:
        cursor = connection.cursor()
        last_complete = cursor.execute("SELECT (date_trunc('month', current_date) - interval '1 month')::date")
        month = args.month or last_complete.fetchone()[0]  # type: ignore[index]
        queries: list[tuple[str, str, str, dict[str, Any]]] = []
        for name in VIEWS:
            for version, body in (("old", old_views[name]), ("new", new_views[name])):
                temp = sql.Identifier(f"{version}_{name}")
                cursor.execute(sql.SQL("CREATE TEMPORARY VIEW {} AS ").format(temp) + sql.SQL(body))  # type: ignore[arg-type]
            queries.append((name, f"SELECT * FROM pg_temp.old_{name}", f"SELECT * FROM pg_temp.new_{name}", {}))
        for name in REPORTS:
            path = f"{REPORTS_DIR}/{name}.sql"
            params = {"month": month, **REPORT_PARAMS}
            queries.append((f"{name}.sql", old_text(args.old_rev, path), (ROOT / path).read_text("utf-8"), params))
        print(f"month {month}, {args.runs} runs each, load average {os.getloadavg()[0]:.2f} at the start")
        print("| query | old ms | new ms | new/old | old buffers | new buffers | rows | same rows |")
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        for label, old, new, params in queries:
            timings: dict[str, list[tuple[float, int]]] = {"old": [], "new": []}
            for text in (old, new):  # warm-up
                measure(cursor, text, params)
            for _ in range(args.runs):
                timings["old"].append(measure(cursor, old, params))
                timings["new"].append(measure(cursor, new, params))
            old_rows, new_rows = rows(cursor, old, params), rows(cursor, new, params)
            o_ms, n_ms = (statistics.median(t for t, _ in timings[v]) for v in ("old", "new"))
            o_buf, n_buf = (int(statistics.median(b for _, b in timings[v])) for v in ("old", "new"))
            print(f"| {label} | {o_ms:.2f} | {n_ms:.2f} | {n_ms / o_ms:.2f} | {o_buf} | {n_buf} | {len(new_rows)}"
                  f" | {'yes' if old_rows == new_rows else 'NO'} |")  # fmt: skip
        print(f"load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
