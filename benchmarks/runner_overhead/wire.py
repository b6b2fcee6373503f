"""What tenantdb sends per migration: statements and round trips, by kind of generated migration.

Applies the generated chain in-process through tenantdb's runner on a fresh database, with libpq's protocol trace
on the runner's connection, and splits the trace at each migration's ``applied_migrations`` row. Unlike a timing,
the counts are the same on a busy and an idle machine::

    python benchmarks/runner_overhead/wire.py --migrations 500
    python benchmarks/runner_overhead/wire.py --dsn postgresql://bench@localhost/postgres --keep-trace /tmp/t.txt

A round trip is a simple ``Query``, a ``Sync`` or a ``Flush`` on its own (a result read inside a pipeline); a
statement is one the server completed. ``psql -f`` sends one ``Query`` per statement of the files.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`

import psycopg
from common import pg
from psycopg.pq import Trace
from tenantdb.config import RunnerSettings
from tenantdb.db import Session
from tenantdb.execute import RunRequest, migrate
from tenantdb.migrations import Direction, load_migrations

from formats import write_all
from generate import generate

LEDGER = "INSERT INTO tenantdb.applied_migrations"


def frontend(trace: Path) -> list[tuple[str, str]]:
    """(message type, text) of every message the client sent, and a ``Done`` for each statement the server
    completed (its ``CommandComplete``)."""
    messages = []
    for line in trace.read_text(errors="replace").splitlines():
        parts = line.split("\t", 3)
        if len(parts) >= 3 and parts[0] == "F":
            kind, _, rest = parts[2].partition(" ")
            messages.append((kind, (rest + " " + (parts[3] if len(parts) > 3 else "")).strip()))
        elif len(parts) >= 3 and parts[0] == "B" and parts[2].startswith("CommandComplete"):
            messages.append(("Done", ""))
    return messages


def per_migration(messages: list[tuple[str, str]], names: list[str]) -> list[tuple[str, int, int]]:
    """(name, statements, round trips) of each migration: what was sent from the previous ledger row up to its own
    pipeline's end (the run's start-up counts towards the first one)."""
    found: list[tuple[str, int, int]] = []
    statements = round_trips = 0
    previous = ""
    pending = ended = False
    prepared: set[str] = set()  # names of prepared ledger inserts (a driver that prepares binds them by name)
    for kind, text in messages:
        quoted = text.split('"')
        if kind == "Parse" and LEDGER in text and len(quoted) > 1 and quoted[1]:
            prepared.add(quoted[1])
        elif kind == "Bind" and len(quoted) > 3 and quoted[3] in prepared:
            pending = True
        if kind == "Done":  # the replies to a round trip are traced after it
            statements += 1
            continue
        if ended:
            found.append((names[len(found)], statements, round_trips))
            statements = round_trips = 0
            ended = False
        if kind in ("Query", "Sync") or (kind == "Flush" and previous != "Sync"):
            round_trips += 1
            if pending:
                ended, pending = True, False
        if LEDGER in text:
            pending = True
        previous = kind
    if ended:
        found.append((names[len(found)], statements, round_trips))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--migrations", type=int, default=500, metavar="N", help="migrations to generate (500)")
    parser.add_argument("--seed", type=int, default=20240601, help="generator seed (20240601)")
    parser.add_argument("--dsn", help="server to use (its user needs CREATEDB); default: a throw-away embedded one")
    parser.add_argument("--keep-trace", type=Path, help="write the protocol trace here")
    args = parser.parse_args(argv)
    chain = generate(args.migrations, args.seed)
    with tempfile.TemporaryDirectory(prefix="tenantdb-wire-") as scratch, pg.server(args.dsn) as server:
        layout = write_all(chain, Path(scratch))
        migrations = load_migrations(layout.tenantdb)
        trace = args.keep_trace or Path(scratch) / "trace.txt"
        pg.create_database(server, "bench_wire")
        try:
            with psycopg.connect(server.url("bench_wire"), autocommit=True) as connection, trace.open("w") as sink:
                connection.pgconn.trace(sink.fileno())
                connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)
                migrate(Session(connection), migrations, RunnerSettings(), RunRequest(direction=Direction.UP))
                connection.pgconn.untrace()
        finally:
            pg.drop_database(server, "bench_wire")
        rows = per_migration(frontend(trace), [migration.name for migration in migrations])
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for name, statements, round_trips in rows[1:]:  # the first one carries the run's start-up
        kind = name.split("_")[0]
        kinds[kind].update(migrations=1, statements=statements, round_trips=round_trips)
    total_statements = sum(row[1] for row in rows)
    total_round_trips = sum(row[2] for row in rows)
    own = sum(len(migration.up.statements) for migration in migrations)
    print(f"{len(rows)} migrations, {own} statements of their own (what psql sends)")
    print(f"tenantdb sent {total_statements} statements in {total_round_trips} round trips")
    print("| kind | migrations | statements per migration | round trips per migration |")
    print("|---|---:|---:|---:|")
    for kind, counts in sorted(kinds.items()):
        n = counts["migrations"]
        print(f"| {kind} | {n} | {counts['statements'] / n:.1f} | {counts['round_trips'] / n:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
