"""Performance probes that do not lie: warm, repeated, interleaved runs compared by median, plus plan shape.

Each probe is a named key query. Before and after a phase, every probe runs once to warm caches, then
``runs`` times, interleaved with the other probes (A, B, A, B, ...) so a slow moment of the machine hits
all of them alike. Times are PostgreSQL's own ``Execution Time`` from ``EXPLAIN (ANALYZE, BUFFERS, FORMAT
JSON)`` (no network or client noise), compared by median.

Noise: a probe whose baseline runs spread more than the allowed regression (median absolute deviation over
median) cannot tell a regression from noise, and is reported as *inconclusive*, never as a regression. A
probe must also be slower by more than an absolute floor (1 ms) to count, so a 0.2 ms query turning 0.3 ms
is not a 50% regression. The plan shape (node types and relations, in order) is compared as well: a
sequential scan replacing an index scan on the same table is a regression even when times are close.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tenantdb.db import Session, explain_analyze
from tenantdb.errors import DatabaseError

FLOOR_MS = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeMeasure:
    name: str
    times_ms: tuple[float, ...]
    shape: tuple[str, ...]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def noise(self) -> float:
        """Median absolute deviation over median: how much this probe moves between identical runs."""
        median = self.median_ms
        if median <= 0:
            return 0.0
        return statistics.median(abs(value - median) for value in self.times_ms) / median


class Verdict(StrEnum):
    OK = "ok"
    REGRESSION = "regression"
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeComparison:
    name: str
    before_ms: float
    after_ms: float
    verdict: Verdict
    detail: str

    @property
    def ratio(self) -> float:
        return self.after_ms / self.before_ms if self.before_ms > 0 else 1.0


def plan_shape(plan: Mapping[str, Any]) -> tuple[str, ...]:
    """Node types with their relations, depth first: ``("Index Scan on tenants", "Hash Join", ...)``."""
    shape = []
    stack = [plan]
    while stack:
        node = stack.pop()
        relation = node.get("Relation Name")
        shape.append(f"{node.get('Node Type')} on {relation}" if relation else str(node.get("Node Type")))
        stack.extend(reversed(node.get("Plans", [])))
    return tuple(shape)


def measure(session: Session, probes: Mapping[str, str], runs: int = 5) -> dict[str, ProbeMeasure | str]:
    """Warm every probe once, then run them ``runs`` times interleaved; keep PostgreSQL's execution times.

    A probe that cannot run (a table the phase has not created yet) gives its error message instead.
    """
    usable: dict[str, str] = {}
    failed: dict[str, str] = {}
    for name, text in probes.items():
        try:
            explain_analyze(session, text)
            usable[name] = text
        except DatabaseError as error:
            failed[name] = error.message
    times: dict[str, list[float]] = {name: [] for name in usable}
    shapes: dict[str, tuple[str, ...]] = {}
    for _ in range(runs):
        for name, text in usable.items():
            document = explain_analyze(session, text)
            times[name].append(float(document["Execution Time"]))
            shapes[name] = plan_shape(document["Plan"])
    measured: dict[str, ProbeMeasure | str] = dict(failed)
    measured.update({name: ProbeMeasure(name=name, times_ms=tuple(times[name]), shape=shapes[name]) for name in usable})
    return measured


def compare_measures(
    name: str, before: ProbeMeasure | str, after: ProbeMeasure | str, max_regression: float
) -> ProbeComparison:
    """Compare two measures, either of which may be the error of a probe that could not run."""
    if isinstance(after, str):
        before_ms = before.median_ms if isinstance(before, ProbeMeasure) else 0.0
        verdict = Verdict.REGRESSION if isinstance(before, ProbeMeasure) else Verdict.INCONCLUSIVE
        return ProbeComparison(
            name=name, before_ms=before_ms, after_ms=0.0, verdict=verdict, detail=f"fails after the phase: {after}"
        )
    if isinstance(before, str):
        return ProbeComparison(
            name=name,
            before_ms=0.0,
            after_ms=after.median_ms,
            verdict=Verdict.INCONCLUSIVE,
            detail=f"no baseline (it could not run before the phase: {before})",
        )
    return compare(before, after, max_regression)


def compare(before: ProbeMeasure, after: ProbeMeasure, max_regression: float) -> ProbeComparison:
    """Regression, noise or fine: see the module docstring for the rules."""
    lost_index = _lost_index_scans(before.shape, after.shape)
    slower = after.median_ms > before.median_ms * (1 + max_regression) and (
        after.median_ms - before.median_ms > FLOOR_MS
    )
    name, before_ms, after_ms = before.name, before.median_ms, after.median_ms
    if lost_index:
        detail = f"sequential scan replaced an index scan on {lost_index}"
        return ProbeComparison(
            name=name, before_ms=before_ms, after_ms=after_ms, verdict=Verdict.REGRESSION, detail=detail
        )
    if before.noise > max_regression:
        detail = f"the probe's own runs vary by {before.noise:.0%}, more than the {max_regression:.0%} allowed"
        verdict = Verdict.INCONCLUSIVE
    elif slower:
        detail = f"median {before_ms:.2f} ms -> {after_ms:.2f} ms (+{after_ms / before_ms - 1:.0%})"
        verdict = Verdict.REGRESSION
    else:
        detail = f"median {before_ms:.2f} ms -> {after_ms:.2f} ms"
        verdict = Verdict.OK
    return ProbeComparison(name=name, before_ms=before_ms, after_ms=after_ms, verdict=verdict, detail=detail)


def _lost_index_scans(before: tuple[str, ...], after: tuple[str, ...]) -> str | None:
    def tables(shape: tuple[str, ...], kinds: tuple[str, ...]) -> set[str]:
        return {step.split(" on ", 1)[1] for step in shape if " on " in step and step.startswith(kinds)}

    indexed = tables(before, ("Index Scan", "Index Only Scan", "Bitmap Heap Scan"))
    scanned = tables(after, ("Seq Scan",))
    lost = sorted((indexed & scanned) - tables(after, ("Index Scan", "Index Only Scan", "Bitmap Heap Scan")))
    return ", ".join(lost) or None
