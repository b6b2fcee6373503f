"""Latencies of a load phase: each step's count, errors and p50/p95/p99, and the phase's requests per second."""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of ascending values (``share`` in 0..1)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Recorder:
    """Requests that started inside the measured window ``[start, end)`` (perf_counter seconds); thread-safe."""

    start: float
    end: float
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, step: str, began: float, seconds: float, error: str | None = None) -> None:
        if not self.start <= began < self.end:
            return  # warm-up, or a request that began after the window closed
        with self._lock:
            self.latencies[step].append(seconds)
            if error is not None:
                self.errors[step] += 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{step}: {error}")

    def summary(self) -> dict[str, Any]:
        """Per step and in all: requests, errors, requests/s over the window, p50/p95/p99/max in ms."""
        window = self.end - self.start
        steps = {step: self._figures(values, self.errors[step], window) for step, values in self.latencies.items()}
        every = [value for values in self.latencies.values() for value in values]
        return {
            "seconds": round(window, 1),
            "all": self._figures(every, sum(self.errors.values()), window),
            "steps": steps,
            "error_samples": self.error_samples,
        }

    @staticmethod
    def _figures(values: list[float], errors: int, window: float) -> dict[str, Any]:
        ordered = sorted(values)
        milliseconds = {
            name: round(percentile(ordered, share) * 1000, 1)
            for name, share in (("p50_ms", 0.50), ("p95_ms", 0.95), ("p99_ms", 0.99), ("max_ms", 1.0))
        }
        counts = {"requests": len(ordered), "errors": errors, "per_second": round(len(ordered) / window, 1)}
        return counts | milliseconds
