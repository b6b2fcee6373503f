"""Application-like load on ``vps_instances``, run by ``run.py`` as a separate process.

N worker threads, each with its own connection (autocommit, ``application_name`` ``zd-load``), loop until
stdin closes: pick an operation (40 % point UPDATE, 10 % INSERT, 50 % point SELECT), run it, record when it
started (wall clock, comparable across processes and with the server's timestamps), how long it took and its
SQLSTATE if it failed, then think for ``--think-ms``. A write stuck behind a lock is one long operation: its
latency is the stall. The process prints ``ready`` once every worker is connected and writes every operation
to ``--out`` as CSV when it stops.

    python load.py --dsn URL --rows 5000000 --out ops.csv [--workers 4] [--think-ms 5] [--seed 1]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

TENANTS = 10_000  # workload.TENANTS; this script imports nothing from the benchmark so it starts fast
STATUSES = ("running", "stopped", "provisioning")
REGIONS = ("eu-west", "eu-central", "us-east", "ap-south")
UPDATE = "UPDATE vps_instances SET status = %s WHERE id = %s"
INSERT = "INSERT INTO vps_instances (id, tenant_id, status, region) VALUES (%s, %s, 'provisioning', %s)"
SELECT = "SELECT id, tenant_id, status, region FROM vps_instances WHERE id = %s"  # never *: plans survive DDL
FIELDS = ("worker", "op", "started", "latency", "sqlstate")


def tenant_id(number: int) -> uuid.UUID:
    """The id of tenant ``number`` (1-based): ``md5('tenant' || number)::uuid``, as the setup creates it."""
    return uuid.UUID(hashlib.md5(f"tenant{number}".encode(), usedforsecurity=False).hexdigest())


@dataclass(slots=True)
class Worker:
    """One connection's loop and everything it did."""

    index: int
    workers: int
    dsn: str
    rows: int
    think: float
    seed: int
    records: list[tuple[int, str, float, float, str]] = field(default_factory=list)
    _inserted: int = 0

    def run(self, ready: threading.Barrier, stop: threading.Event) -> None:
        rng = random.Random(self.seed * 1000 + self.index)
        connection = self._connect()
        ready.wait()
        while not stop.is_set():
            op, query, params = self._next(rng)
            started, clock, sqlstate = time.time(), time.perf_counter(), ""
            try:
                connection.execute(query, params)
            except psycopg.Error as error:
                sqlstate = error.sqlstate or "connection"
                if connection.closed or connection.broken:
                    connection = self._connect()
            self.records.append((self.index, op, started, time.perf_counter() - clock, sqlstate))
            time.sleep(self.think)
        connection.close()

    def _connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.dsn, autocommit=True, application_name="zd-load")

    def _next(self, rng: random.Random) -> tuple[str, str, tuple[Any, ...]]:
        draw = rng.random()
        if draw < 0.4:
            return "update", UPDATE, (rng.choice(STATUSES), rng.randint(1, self.rows))
        if draw < 0.5:
            self._inserted += 1
            new_id = self.rows + self._inserted * self.workers + self.index
            return "insert", INSERT, (new_id, tenant_id(rng.randint(1, TENANTS)), rng.choice(REGIONS))
        return "select", SELECT, (rng.randint(1, self.rows),)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Point writes and reads on vps_instances until stdin closes.")
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--rows", type=int, required=True, help="ids 1..rows exist")
    parser.add_argument("--out", type=Path, required=True, help="CSV of every operation")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--think-ms", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    workers = [
        Worker(index, args.workers, args.dsn, args.rows, args.think_ms / 1000, args.seed)
        for index in range(args.workers)
    ]
    ready, stop = threading.Barrier(args.workers + 1), threading.Event()
    threads = [threading.Thread(target=worker.run, args=(ready, stop), daemon=True) for worker in workers]
    for thread in threads:
        thread.start()
    ready.wait(timeout=60)
    print("ready", flush=True)
    sys.stdin.read()  # run until the parent closes our stdin
    stop.set()
    for thread in threads:
        thread.join()
    with args.out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        records = [record for worker in workers for record in worker.records]
        records.sort(key=lambda record: record[2])
        writer.writerows(records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
