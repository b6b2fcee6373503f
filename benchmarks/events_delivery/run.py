"""Outbox delivery to PostHog: events/s from business_events to a local capture server with the real client, marked
delivered, against calling the PostHog client directly for the same events, in the same run.

Run on an idle machine with the project's interpreter (it needs psycopg, posthog and the tenantdb CLI)::

    python benchmarks/events_delivery/run.py                      # 100,000 events over 1,000 tenants, 3 rounds
    python benchmarks/events_delivery/run.py --events 5000 --rounds 1    # a quick look

Each round, interleaved: the direct path (``Posthog.capture`` for every event, then ``flush()``, with the client
configured as the outbox configures it), ``tenantdb events flush`` (the CLI, wall clock with its start-up), and
``deliver()`` in-process (the same loop without the CLI). Every path must get every uuid to the capture server
exactly once. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`

from common import pg
from common.binaries import default_tenantdb
from common.machine import load_average, machine
from common.report import footer, publish

from tenantdb.config import PostHogSettings
from tenantdb.db import Session, connect
from tenantdb.events.delivery import PostHogSender, deliver, make_client, send_event
from tenantdb.events.outbox import OutboxEvent, take_due

HERE = Path(__file__).resolve().parent
GENERATE = HERE / "generate.sql"
CAPTURE = HERE / "capture.py"
DEFAULT_OUTPUT = HERE / "results.json"
DATABASE = "events_delivery_bench"
KEY = "phc_benchmark"
GOAL_RATIO = 2.0  # the durable path within 2x of the direct one
RESET = (
    "UPDATE business_events SET delivered_at = NULL, attempts = 0, next_attempt_at = now(), leased_until = NULL,"
    " last_error = NULL"
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=100_000, help="events in the outbox (100000)")
    parser.add_argument("--tenants", type=int, default=1_000, help="tenants the events belong to (1000)")
    parser.add_argument("--batch-size", type=int, default=500, help="events per batch, both paths (500)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each path, interleaved (3)")
    parser.add_argument("--dsn", help="PostgreSQL server to use (default: a throw-away embedded one)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="results JSON (results.json here)")
    parser.add_argument("--print-markdown", action="store_true", help="print the RESULTS.md section and exit")
    return parser.parse_args(argv)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def capture_server() -> Iterator[str]:
    """The counting capture endpoint in a process of its own; its URL."""
    process = subprocess.Popen([sys.executable, str(CAPTURE)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield f"http://127.0.0.1:{int(process.stdout.readline())}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def stats(url: str, *, reset: bool = False) -> dict[str, int]:
    with urllib.request.urlopen(f"{url}/stats{'?reset=1' if reset else ''}", timeout=10) as answer:
        return dict(json.loads(answer.read()))


def migrate(url: str) -> None:
    with tempfile.TemporaryDirectory(prefix="events-delivery-bench-") as directory:
        (Path(directory) / "migrations").mkdir()
        (Path(directory) / "tenantdb.toml").write_text('modules = ["events"]\n', encoding="utf-8")
        subprocess.run([str(default_tenantdb()), "migrate", "up", "-C", directory, "--dsn", url], check=True)


def generate(target: pg.Server, args: argparse.Namespace) -> float:
    start = time.perf_counter()
    with target.connect(DATABASE, "events-delivery-bench-generate") as connection, connection.transaction():
        connection.execute("SELECT set_config('bench.tenants', %s, true)", (str(args.tenants),))
        connection.execute("SELECT set_config('bench.events', %s, true)", (str(args.events),))
        connection.execute(GENERATE.read_text(encoding="utf-8"))
    seconds = time.perf_counter() - start
    with target.connect(DATABASE) as connection:
        connection.execute("VACUUM ANALYZE")
    return seconds


def reset(target: pg.Server) -> None:
    """Every event pending again, the table vacuumed, the server checkpointed: each round starts alike."""
    with target.connect(DATABASE) as connection:
        connection.execute(RESET)
        connection.execute("VACUUM ANALYZE business_events")
    pg.checkpoint(target)


def load_events(session: Session, count: int) -> tuple[OutboxEvent, ...]:
    """The outbox's events as a flush reads them (taken and given back), for the direct path."""
    events = take_due(session, limit=count, lease=timedelta(minutes=5)).events
    session.execute("UPDATE business_events SET leased_until = NULL")
    return events


def direct(settings: PostHogSettings, events: Sequence[OutboxEvent], batch_size: int) -> float:
    """``capture`` for every event, then ``flush()``: what an application calling the client itself does."""
    client = make_client(settings, batch_size=batch_size, max_queue_size=len(events) + 1)
    start = time.perf_counter()
    for event in events:
        send_event(client, event)
    client.flush(timeout_seconds=None)
    seconds = time.perf_counter() - start
    client.shutdown()
    return seconds


def durable_cli(url: str, settings: PostHogSettings, batch_size: int) -> tuple[float, dict[str, Any]]:
    env = os.environ | {"TENANTDB_POSTHOG_API_KEY": KEY, "TENANTDB_POSTHOG_HOST": settings.host or ""}
    command = [str(default_tenantdb()), "events", "flush", "--json", "--batch-size", str(batch_size), "--dsn", url]
    start = time.perf_counter()
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    return time.perf_counter() - start, json.loads(done.stdout)


def durable_in_process(url: str, settings: PostHogSettings, batch_size: int) -> float:
    with connect(url, application_name="events-delivery-bench") as session:
        sender = PostHogSender(settings, batch_size=batch_size)
        start = time.perf_counter()
        run = deliver(session, sender, lease=settings.lease, batch_size=batch_size)
        seconds = time.perf_counter() - start
        sender.close()
    if run.failed or run.unfinished:
        raise SystemExit(f"in-process flush: {run.failed} failed, {run.unfinished} unfinished: {run.errors}")
    return seconds


def _check(path: str, capture: str, expected: int, target: pg.Server | None = None) -> None:
    got = stats(capture, reset=True)
    if got["events"] != expected or got["uuids"] != expected:
        raise SystemExit(f"{path}: the capture server got {got}, expected {expected} events with distinct uuids")
    if target is not None:
        with target.connect(DATABASE) as connection:
            row = connection.execute("SELECT count(*) FROM business_events WHERE delivered_at IS NULL").fetchone()
        if row is None or row[0] != 0:
            raise SystemExit(f"{path}: {row} events not marked delivered")


def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python benchmarks/events_delivery/run.py", *sys.argv[1:]]),
        "parameters": {key: getattr(args, key) for key in ("events", "tenants", "batch_size", "rounds")},
    }
    with pg.server(args.dsn) as target, capture_server() as capture:
        results["server"] = "embedded" if target.embedded else "--dsn"
        results["postgres"] = pg.server_facts(target)
        pg.create_database(target, DATABASE)
        url = target.url(DATABASE)
        _log("migrating (module events)")
        migrate(url)
        _log(f"generating {args.events:,} events")
        results["generate_seconds"] = round(generate(target, args), 2)
        settings = PostHogSettings(api_key=KEY, host=capture, timeout=timedelta(seconds=30))
        with connect(url, application_name="events-delivery-bench") as session:
            events = load_events(session, args.events)
        load_before = load_average()
        timings: dict[str, list[float]] = {"direct": [], "durable_cli": [], "durable_in_process": []}
        engine: list[float] = []
        for round_number in range(1, args.rounds + 1):
            stats(capture, reset=True)
            seconds = direct(settings, events, args.batch_size)
            _check("direct", capture, args.events)
            timings["direct"].append(seconds)
            _log(f"round {round_number}: direct {args.events / seconds:,.0f} events/s")

            reset(target)
            seconds, report = durable_cli(url, settings, args.batch_size)
            _check("tenantdb events flush", capture, args.events, target)
            timings["durable_cli"].append(seconds)
            engine.append(report["run"]["seconds"])
            _log(f"round {round_number}: tenantdb events flush {args.events / seconds:,.0f} events/s (wall)")

            reset(target)
            seconds = durable_in_process(url, settings, args.batch_size)
            _check("deliver() in-process", capture, args.events, target)
            timings["durable_in_process"].append(seconds)
            _log(f"round {round_number}: deliver() in-process {args.events / seconds:,.0f} events/s")
            reset(target)
        results["seconds"] = {name: [round(value, 3) for value in values] for name, values in timings.items()}
        results["cli_engine_seconds"] = [round(value, 3) for value in engine]
        medians = {name: statistics.median(values) for name, values in timings.items()}
        results["events_per_second"] = {name: round(args.events / value) for name, value in medians.items()}
        results["ratio_durable_to_direct"] = {
            "cli_wall": round(medians["durable_cli"] / medians["direct"], 2),
            "cli_engine": round(statistics.median(engine) / medians["direct"], 2),
            "in_process": round(medians["durable_in_process"] / medians["direct"], 2),
        }
        results["machine"] = machine() | {"load_average_1m": [load_before, load_average()]}
        pg.drop_database(target, DATABASE)
    return results


def markdown(results: dict[str, Any]) -> str:
    """The section for benchmarks/RESULTS.md."""
    p, eps, ratio = results["parameters"], results["events_per_second"], results["ratio_durable_to_direct"]
    day = results["started"][:10]

    def verdict(value: float) -> str:
        return f"{value:.2f}x ({'met' if value <= GOAL_RATIO else 'missed'})"

    lines = [
        f"## events delivery to PostHog: outbox vs the client directly ({day})",
        "",
        f"{p['events']:,} business events of {p['tenants']:,} tenants, batches of {p['batch_size']}, to a local"
        f" capture server (its own process) with posthog's client; median of {p['rounds']} interleaved rounds;"
        " every path got every uuid there exactly once, and the outbox paths marked every event delivered.",
        "",
        f"| path | events/s | time vs direct (goal <= {GOAL_RATIO:g}x) |",
        "|---|---:|---|",
        f"| `Posthog.capture` for each event, then `flush()` (direct, no PostgreSQL) | {eps['direct']:,} | 1.00x |",
        f"| `deliver()` in-process: lease, send, mark delivered | {eps['durable_in_process']:,}"
        f" | {verdict(ratio['in_process'])} |",
        f"| `tenantdb events flush` (wall clock, CLI start-up included) | {eps['durable_cli']:,}"
        f" | {verdict(ratio['cli_wall'])} (engine alone {ratio['cli_engine']:.2f}x) |",
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
