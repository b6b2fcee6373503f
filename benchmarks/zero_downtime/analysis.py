"""From the load's records and the activity samples to figures: stalls, percentiles, and what caused them."""

from __future__ import annotations

import csv
import itertools
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from monitor import SAMPLE_INTERVAL, Backend, Sample

WRITES = frozenset({"update", "insert"})
STALL_THRESHOLD_S = 0.2
"""Slow writes and write-free gaps longer than this count toward the stalled time (the load alone stays below)."""


@dataclass(frozen=True, slots=True)
class Op:
    """One operation of the load: start (wall clock), latency (seconds), SQLSTATE if it failed."""

    worker: int
    op: str
    started: float
    latency: float
    sqlstate: str

    @property
    def ended(self) -> float:
        return self.started + self.latency

    @property
    def is_write(self) -> bool:
        return self.op in WRITES


def read_ops(path: Path) -> list[Op]:
    """The CSV written by load.py."""
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Op(int(row["worker"]), row["op"], float(row["started"]), float(row["latency"]), row["sqlstate"]) for row in rows
    ]


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (``fraction`` in 0..1) of ``values``; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True, slots=True)
class Stall:
    """A stretch in which writing was stuck: one slow write, or a gap in which no write completed."""

    kind: str  # "write" (one operation's latency) | "gap" (between two completed writes)
    start: float
    end: float
    op: str = ""

    @property
    def seconds(self) -> float:
        return self.end - self.start


def stalls(writes: Sequence[Op], threshold: float = 0.0) -> list[Stall]:
    """Every write and every gap between completed writes, longer than ``threshold``.

    Both are needed: a worker stuck in a read issues no write, so a lock queue that blocks every operation can
    show up as a gap in which no write completes rather than as one slow write.
    """
    found = [Stall("write", op.started, op.ended, op.op) for op in writes if op.latency > threshold]
    ends = sorted(op.ended for op in writes if not op.sqlstate)
    found += [
        Stall("gap", earlier, later) for earlier, later in itertools.pairwise(ends) if later - earlier > threshold
    ]
    return found


def longest(found: Sequence[Stall], kind: str | None = None) -> Stall | None:
    """The longest stall (of ``kind`` if given)."""
    return max((stall for stall in found if kind in (None, stall.kind)), key=lambda stall: stall.seconds, default=None)


def stalled_time(found: Sequence[Stall], threshold: float = STALL_THRESHOLD_S) -> float:
    """Total time covered by stalls longer than ``threshold``, overlaps counted once."""
    total, reach = 0.0, float("-inf")
    for stall in sorted((stall for stall in found if stall.seconds > threshold), key=lambda stall: stall.start):
        total += max(0.0, stall.end - max(stall.start, reach))
        reach = max(reach, stall.end)
    return total


@dataclass(frozen=True, slots=True)
class Window:
    """The stretch of the run the percentiles describe: from the first of migration and reader to the last."""

    start: float
    end: float

    def holds(self, op: Op) -> bool:
        """The operation started inside the window (what the percentiles count)."""
        return self.start <= op.started <= self.end

    def touches(self, op: Op) -> bool:
        """The operation was in flight at some point of the window (what the stall figures count)."""
        return op.started <= self.end and op.ended >= self.start


def window_stalls(ops: Sequence[Op], window: Window) -> list[Stall]:
    """Stalls of the writes in flight during ``window`` (and the gaps between them)."""
    return stalls([op for op in ops if op.is_write and window.touches(op)])


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def _seconds(stall: Stall | None) -> float | None:
    return None if stall is None else round(stall.seconds, 3)


def latency_figures(ops: Sequence[Op], window: Window) -> dict[str, Any]:
    """Stall figures of writes in flight during ``window``, percentiles of operations started in it, baseline."""
    writes = [op for op in ops if op.is_write]
    found = window_stalls(ops, window)
    inside = [op.latency for op in writes if window.holds(op) and not op.sqlstate]
    before = [op.latency for op in writes if op.ended < window.start and not op.sqlstate]
    reads = [op.latency for op in ops if not op.is_write and window.holds(op) and not op.sqlstate]
    seconds = window.end - window.start
    return {
        "longest_stall_s": _seconds(longest(found)),
        "max_write_s": _seconds(longest(found, "write")),
        "longest_write_gap_s": _seconds(longest(found, "gap")),
        "stalled_s": round(stalled_time(found), 2),
        "writes_in_window": len(inside),
        "writes_per_s": round(len(inside) / seconds, 1) if seconds > 0 else None,
        "write_p50_ms": _ms(percentile(inside, 0.5)),
        "write_p99_ms": _ms(percentile(inside, 0.99)),
        "write_p999_ms": _ms(percentile(inside, 0.999)),
        "writes_over_500ms": sum(latency > 0.5 for latency in inside),
        "writes_over_1s": sum(latency > 1.0 for latency in inside),
        "read_p99_ms": _ms(percentile(reads, 0.99)),
        "max_read_s": round(max(reads), 3) if reads else None,
        "baseline_write_p99_ms": _ms(percentile(before, 0.99)),
        "baseline_max_write_s": round(max(before), 3) if before else None,
        "max_write_whole_run_s": round(max((op.latency for op in writes), default=0.0), 3),
        "operations": len(ops),
        "errors": dict(Counter(op.sqlstate for op in ops if op.sqlstate)),
    }


@dataclass(slots=True)
class Statement:
    """One statement of the migration tool, as the sampler saw it."""

    pid: int
    query: str
    start: float
    last_seen: float
    lock_wait_samples: int = 0
    blocked_by: frozenset[str] = frozenset()

    @property
    def end(self) -> float:
        """Half a sampling interval past the last sample that saw it running (unbiased estimate)."""
        return self.last_seen + SAMPLE_INTERVAL / 2


def _is_migration_ddl(backend: Backend) -> bool:
    return backend.role == "migration" and backend.state == "active" and _about_the_table(backend.query)


def _about_the_table(query: str) -> bool:
    """The migration's own statements (and tenantdb's repairs), not tenantdb's bookkeeping queries."""
    return "vps_instances" in query and "tenantdb." not in query


def statements(samples: Iterable[Sample]) -> list[Statement]:
    """Every migration statement that was running in at least one sample, in order."""
    found: dict[tuple[int, float], Statement] = {}
    for sample in samples:
        roles = {backend.pid: backend.role for backend in sample.backends}
        for backend in filter(_is_migration_ddl, sample.backends):
            key = (backend.pid, backend.query_start)
            statement = found.setdefault(key, Statement(backend.pid, backend.query, backend.query_start, sample.at))
            statement.last_seen = sample.at
            if backend.wait.startswith("Lock:"):
                statement.lock_wait_samples += 1
                statement.blocked_by |= {roles.get(pid, "other") for pid in backend.blocked_by}
    return sorted(found.values(), key=lambda statement: statement.start)


def _overlaps(op: Op, start: float, end: float) -> bool:
    return op.started < end and op.ended > start


def timeline(found: Sequence[Statement], ops: Sequence[Op], origin: float) -> list[dict[str, Any]]:
    """Each statement with its start (seconds after ``origin``), duration, lock wait, and worst write meanwhile."""
    writes = [op for op in ops if op.is_write]
    rows = []
    for statement in found:
        overlapping = [op.latency for op in writes if _overlaps(op, statement.start, statement.end)]
        rows.append(
            {
                "statement": _short(statement.query),
                "start_s": round(statement.start - origin, 2),
                "duration_s": round(statement.end - statement.start, 2),
                "lock_wait_s": round(statement.lock_wait_samples * SAMPLE_INTERVAL, 2),
                "blocked_by": sorted(statement.blocked_by),
                "max_write_meanwhile_s": round(max(overlapping), 3) if overlapping else None,
            }
        )
    return rows


def attribute(
    stall: Stall | None, samples: Sequence[Sample], found: Sequence[Statement], origin: float
) -> dict[str, Any]:
    """What the longest stall overlapped: migration statements, and whom waiting load connections waited for."""
    if stall is None:
        return {}
    blockers: Counter[str] = Counter()
    waits: Counter[str] = Counter()
    for sample in samples:
        if stall.start <= sample.at <= stall.end:
            blockers.update(_blockers_in(sample))
            waits.update(b.wait for b in sample.backends if b.role == "load" and b.wait)
    return {
        "kind": "one write" if stall.kind == "write" else "no write completed",
        "op": stall.op,
        "seconds": round(stall.seconds, 3),
        "started_s": round(stall.start - origin, 2),
        "during": _mostly_during(stall, found),
        "load_waited_on": [name for name, _ in blockers.most_common()],
        "load_wait_events": dict(waits.most_common(4)),
    }


def _mostly_during(stall: Stall, found: Sequence[Statement], share: float = 0.2) -> list[str]:
    """Statements that overlapped at least ``share`` of the stall, the longest overlap first."""
    overlaps = [(min(stall.end, s.end) - max(stall.start, s.start), s.query) for s in found]
    kept = sorted((overlap, query) for overlap, query in overlaps if overlap >= share * stall.seconds)
    return [_short(query) for _, query in reversed(kept)]


def _blockers_in(sample: Sample) -> set[str]:
    """``role: query`` of every backend a waiting load backend was blocked by in ``sample``."""
    by_pid = {backend.pid: backend for backend in sample.backends}
    names = set()
    for backend in sample.backends:
        if backend.role == "load" and backend.wait.startswith("Lock:"):
            for pid in backend.blocked_by:
                blocker = by_pid.get(pid)
                names.add(f"{blocker.role}: {_short(blocker.query)}" if blocker else f"pid {pid}")
    return names


def _short(query: str, limit: int = 110) -> str:
    flat = " ".join(query.split()).rstrip(";")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
