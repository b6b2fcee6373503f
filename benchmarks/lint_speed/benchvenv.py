"""The benchmark's own virtual environment, holding squawk and py-spy (both wheels ship a native binary, so the
venv's Python version does not matter to them)."""

from __future__ import annotations

from pathlib import Path

from common.venv import BenchVenv

BENCH_VENV = BenchVenv(Path(__file__).resolve().parent, ("squawk-cli", "py-spy"))
