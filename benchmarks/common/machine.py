"""The machine a benchmark ran on: recorded with every result, because 2 cores and a busy neighbour move figures."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def machine(load: Sequence[float | None] | None = None) -> dict[str, Any]:
    """CPU model, cores, memory, OS and Python of this machine; with ``load``, the 1-minute load averages taken
    before and after the measurement (``load_average_1m``)."""
    facts: dict[str, Any] = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": _ram_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }
    return facts if load is None else facts | {"load_average_1m": list(load)}


def load_average() -> float | None:
    """The 1-minute load average: other work on the machine skews every timing."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


class CpuMeter:
    """How busy the whole machine was over a block (``/proc/stat``) and how much CPU this process used in it: a load
    generator on the same cores as the server it measures competes with it, and a saturated machine shows in tails."""

    def __init__(self) -> None:
        self.machine_busy_pct: float | None = None
        self.own_cpu_s = 0.0

    def __enter__(self) -> CpuMeter:
        self._machine = _machine_ticks()
        self._own = _own_cpu_s()
        return self

    def __exit__(self, *_: object) -> None:
        self.own_cpu_s = round(_own_cpu_s() - self._own, 2)
        after = _machine_ticks()
        if self._machine is not None and after is not None and after[1] > self._machine[1]:
            busy, total = after[0] - self._machine[0], after[1] - self._machine[1]
            self.machine_busy_pct = round(100 * busy / total, 1)


def _own_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def _machine_ticks() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot; None where there is no /proc/stat."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)
