"""What both server benchmarks stand on: the 10,000-tenant database (BI refreshed), tokens, and ``tenantdb serve``
started as a real process on a free port of 127.0.0.1.

The data is the executive_summary benchmark's (its generate.sql, same parameters and seed), with module api
applied beside the others so that the server can authenticate; ``tenantdb bi refresh --all`` then builds every
month (a year of history: twelve complete months), and ``tenantdb warm --all`` stores the server's report answers
of every month in the workers' shared store, as a deployment does after each refresh.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`

from common import pg
from common.binaries import default_tenantdb
from tenantdb.db import connect
from tenantdb.db.api_tokens import Scope, create_token

GENERATE = Path(__file__).resolve().parents[1] / "executive_summary" / "generate.sql"
MODULES = ("core", "security", "billing", "email_infra", "cost_tracking", "events", "bi", "api")
START_TIMEOUT_S = 60


def add_dataset_options(parser: argparse.ArgumentParser) -> None:
    """The dataset's size (the executive_summary benchmark's defaults) and the server to run on."""
    parser.add_argument("--tenants", type=int, default=10_000, help="customers (10000)")
    parser.add_argument("--vps", type=int, default=100_000, help="servers, 200 of them shared (100000)")
    parser.add_argument("--ips-per-vps", type=int, default=10, help="IP addresses per server (10)")
    parser.add_argument("--days", type=int, default=365, help="days of deliverability history (365; >= 120)")
    parser.add_argument("--seed", type=float, default=0.42, help="generator seed in [-1, 1] (0.42)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes of tenantdb serve (2)")
    parser.add_argument("--dsn", help="PostgreSQL server to use (default: a throw-away embedded one)")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True, slots=True)
class Dataset:
    """The built database: its URL, how long building took, its row counts and tenants to ask about."""

    url: str
    seconds: dict[str, float]
    rows: dict[str, int]
    slugs: tuple[str, ...]  # customers' slugs, a sample for the per-tenant routes
    months: tuple[str, ...]  # YYYY-MM of the refreshed months, oldest first


def build(target: pg.Server, database: str, args: argparse.Namespace) -> Dataset:
    """Create ``database`` on ``target``: modules, generated data, ``VACUUM ANALYZE``, a full BI refresh."""
    if args.days < 120:
        raise SystemExit("--days: at least 120, so that BI has three complete months or more")
    url = target.url(database)
    pg.create_database(target, database)
    seconds: dict[str, float] = {}
    log(f"migrating {', '.join(MODULES)} ...")
    seconds["migrate"] = _timed(lambda: _migrate(url))
    log(f"generating {args.tenants:,} tenants ...")
    last_day = datetime.now(UTC).date() - timedelta(days=1)
    seconds["generate"] = _timed(lambda: _generate(target, database, args, last_day))
    with target.connect(database) as connection:
        connection.execute("VACUUM ANALYZE")
    log("tenantdb bi refresh --all ...")
    seconds["bi_refresh"] = _timed(
        lambda: subprocess.run(
            [str(default_tenantdb()), "bi", "refresh", "--all", "--dsn", url], check=True, capture_output=True
        )
    )
    log("tenantdb warm --all ...")  # what a deployment runs after each refresh (docs/server.md, "Caching")
    seconds["warm"] = _timed(
        lambda: subprocess.run(
            [str(default_tenantdb()), "warm", "--all", "--dsn", url], check=True, capture_output=True
        )
    )
    with target.connect(database) as connection:
        connection.execute("VACUUM ANALYZE")
        tables = ("companies", "vps_instances", "smtp_ip_addresses", "deliverability_daily", "billing_transactions")
        rows = {table: _count(connection, table) for table in tables}
        slugs = tuple(
            str(row[0])
            for row in connection.execute(
                "SELECT slug FROM companies WHERE NOT is_platform_operator ORDER BY id LIMIT 200"
            ).fetchall()
        )
        months = tuple(
            f"{row[0]:%Y-%m}"
            for row in connection.execute("SELECT DISTINCT month FROM bi_month_summary ORDER BY month").fetchall()
        )
    pg.checkpoint(target)
    return Dataset(url=url, seconds=seconds, rows=rows, slugs=slugs, months=months)


def _timed(action: Any) -> float:
    start = time.perf_counter()
    action()
    return round(time.perf_counter() - start, 1)


def _migrate(url: str) -> None:
    with tempfile.TemporaryDirectory(prefix="server-bench-project-") as directory:
        (Path(directory) / "migrations").mkdir()
        modules = ", ".join(f'"{name}"' for name in MODULES)
        (Path(directory) / "tenantdb.toml").write_text(f"modules = [{modules}]\n", encoding="utf-8")
        subprocess.run(
            [str(default_tenantdb()), "migrate", "up", "-C", directory, "--dsn", url], check=True, capture_output=True
        )


def _generate(target: pg.Server, database: str, args: argparse.Namespace, last_day: date) -> None:
    settings = {
        "bench.tenants": args.tenants,
        "bench.vps": args.vps,
        "bench.ips_per_vps": args.ips_per_vps,
        "bench.days": args.days,
        "bench.shared_vps": min(200, args.vps // 10),
        "bench.seed": args.seed,
        "bench.last_day": last_day.isoformat(),
    }
    with target.connect(database, "server-bench-generate") as connection, connection.transaction():
        for name, value in settings.items():
            connection.execute("SELECT set_config(%s, %s, true)", (name, str(value)))
        connection.execute(GENERATE.read_text(encoding="utf-8"))


def _count(connection: Any, table: str) -> int:
    row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def tokens(url: str, count: int, scope: Scope = Scope.EXECUTIVE) -> list[str]:
    """``count`` API tokens of ``scope`` (one per simulated executive), valid for a day."""
    with connect(url) as session:
        return [
            create_token(session, name=f"bench {n}", scope=scope, tenant=None, lifetime=timedelta(days=1)).secret
            for n in range(count)
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Served:
    """A running ``tenantdb serve``: its base URL and command line."""

    base: str
    command: tuple[str, ...]


@contextmanager
def serve(url: str, workers: int, environment: dict[str, str] | None = None) -> Iterator[Served]:
    """``tenantdb serve --workers N`` on a free port of 127.0.0.1 until the block ends (then SIGTERM, then kill).

    ``environment`` adds ``TENANTDB_SERVER_*`` settings; the server's access log goes to a temporary file (its
    last lines are shown if it fails to start).
    """
    port = free_port()
    command = (str(default_tenantdb()), "serve", "--port", str(port), "--workers", str(workers), "--dsn", url)
    env = {**os.environ, "TENANTDB_DSN": "", **(environment or {})}
    with tempfile.TemporaryFile(mode="w+", prefix="server-bench-log-") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env, text=True)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(base, process, output)
            yield Served(base=base, command=command)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_healthy(base: str, process: subprocess.Popen[str], output: Any) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            output.seek(0)
            tail = "".join(output.readlines()[-30:])
            raise SystemExit(f"tenantdb serve did not start within {START_TIMEOUT_S} s:\n{tail}")
        time.sleep(0.2)
