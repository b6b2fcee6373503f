"""The labelled corpus's catch and false-positive rates, per class, with the time lint took.

Run from the repository root with the project's environment::

    .venv/bin/python benchmarks/lint_speed/corpus.py                 # every case, table + misses + false alarms
    .venv/bin/python benchmarks/lint_speed/corpus.py --kind unsafe --group rename-column --findings

The cases and their scoring live in tests/lint/corpus and tests/lint/corpus_rates.py (the test
tests/lint/test_corpus.py asserts the goals: >= 95% of unsafe cases caught, <= 5% of safe cases flagged).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for tests.lint.corpus_rates

from tests.lint.corpus_rates import Kind, cases, score, table


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Lint the labelled corpus; print catch and false-positive rates.")
    parser.add_argument("--kind", choices=[kind.value for kind in Kind], help="only unsafe or only safe cases")
    parser.add_argument("--group", action="append", default=[], help="only this class (folder); repeatable")
    parser.add_argument("--findings", action="store_true", help="print every case's failing findings")
    parser.add_argument("--no-details", action="store_true", help="omit the lists of missed and flagged cases")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    selected = [
        case
        for case in cases()
        if (args.kind is None or case.kind == args.kind) and (not args.group or case.group in args.group)
    ]
    started = time.perf_counter()
    outcomes = score(selected)
    elapsed = time.perf_counter() - started
    print(table(outcomes, details=not args.no_details))
    if args.findings:
        print()
        for outcome in outcomes:
            print(f"{outcome.case.name}: expect {', '.join(outcome.case.expect) or 'nothing'}")
            for finding in outcome.findings:
                print(f"    {finding.severity} {finding.rule} line {finding.line}: {finding.message}")
    print(f"\n{len(outcomes)} cases linted in {elapsed:.2f} s (each after base.sql)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
