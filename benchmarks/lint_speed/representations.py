"""Which tree representation a Python linter can afford: the 2,000 generated files parsed by pglast into its
Python node objects (as tenantdb lint does, inside ``fast_trees``), into JSON text and then ``json.loads`` dicts,
and into protobuf bytes (not decoded: no protobuf decoder is a dependency), each followed by one walk over every
node, next to squawk's whole run over the same files.

Issue 15 asks for the linter's one walk "over pglast's C-side output (JSON or protobuf) rather than Python node
objects where that is faster"; this answers whether it is. Run on an idle machine::

    python benchmarks/lint_speed/representations.py            # 2,000 files, best of 5
    python benchmarks/lint_speed/representations.py --files 200 --repeat 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`

from common.machine import load_average, machine
from pglast import parser
from tenantdb.sql.tree import all_nodes, fast_trees

from benchvenv import BENCH_VENV
from generate import generate
from tools import squawk_command

DEFAULT_SEED = 20240601


def _dict_nodes(root: Any) -> int:
    """Nodes of a ``json.loads`` tree (every dict), walked without recursion."""
    stack, count = [root], 0
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            count += 1
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _objects(texts: Sequence[str]) -> int:
    with fast_trees():
        return sum(len(all_nodes(parser.parse_sql(text))) for text in texts)


def _json(texts: Sequence[str]) -> int:
    return sum(_dict_nodes(json.loads(parser.parse_sql_json(text))) for text in texts)


def _protobuf(texts: Sequence[str]) -> int:
    return sum(len(parser.parse_sql_protobuf(text)) for text in texts)


def _best(action: Callable[[], int], repeat: int) -> tuple[float, int]:
    times, result = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv: Sequence[str] | None = None) -> int:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    arguments.add_argument("--files", type=int, default=2000, help="generated migration files (2000)")
    arguments.add_argument("--repeat", type=int, default=5, help="runs of each; the best is shown (5)")
    arguments.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"generator seed ({DEFAULT_SEED})")
    args = arguments.parse_args(argv)
    texts = [one.plain() for one in generate(args.files, args.seed).files]
    BENCH_VENV.ensure()
    load_before = load_average()
    rows = [
        ("pglast node objects (fast_trees) + walk", *_best(lambda: _objects(texts), args.repeat), "nodes"),
        ("JSON text + json.loads + walk", *_best(lambda: _json(texts), args.repeat), "dicts"),
        ("protobuf bytes, not decoded", *_best(lambda: _protobuf(texts), args.repeat), "bytes"),
    ]
    with tempfile.TemporaryDirectory(prefix="representations-") as directory:
        for number, text in enumerate(texts):
            (Path(directory) / f"{number:04d}.sql").write_text(text, encoding="utf-8")
        paths = sorted(Path(directory).glob("*.sql"))
        command = squawk_command(BENCH_VENV.binary("squawk"), "squawk", paths, "squawk").argv

        def squawk() -> int:
            return subprocess.run(command, capture_output=True, check=False).returncode

        squawk_seconds, _ = _best(squawk, args.repeat)
    facts = machine([load_before, load_average()])
    print(f"{args.files:,} generated files (seed {args.seed}), best of {args.repeat}")
    print(f"{'representation':<42} {'seconds':>8} {'x squawk':>9}  size")
    for name, seconds, size, unit in rows:
        print(f"{name:<42} {seconds:>8.3f} {seconds / squawk_seconds:>8.2f}x  {size:,} {unit}")
    print(f"{'squawk, whole run (process)':<42} {squawk_seconds:>8.3f} {1:>8.2f}x")
    print(
        f"machine: {facts['cpu']}, {facts['cores']} cores; load {facts['load_average_1m'][0]} /"
        f" {facts['load_average_1m'][1]} (before/after)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
