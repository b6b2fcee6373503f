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
