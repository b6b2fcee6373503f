"""The runner-overhead benchmark judges issue 15's goal: tenantdb faster than Alembic and within 1.5x of psql run
in one process (benchmarks/runner_overhead/report.py; the figures themselves belong in benchmarks/RESULTS.md)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

REPORT = Path(__file__).resolve().parents[2] / "benchmarks" / "runner_overhead" / "report.py"


def _report() -> ModuleType:
    spec = importlib.util.spec_from_file_location("runner_overhead_report", REPORT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def _results(**medians: float) -> dict[str, Any]:
    single = medians["psql_single"]
    tools = [
        {"name": name.replace("_", "-"), "median": median, "ratio_psql-single": median / single}
        for name, median in medians.items()
    ]
    return {"tools": tools}


def test_the_goal_is_met_when_faster_than_alembic_and_within_one_and_a_half_psql() -> None:
    line = _report().goal_line(_results(psql_single=1.0, tenantdb=1.4, alembic=1.5))
    assert line.startswith("Goal (tenantdb faster than alembic and ≤ 1.5x psql in one process): met")


def test_the_goal_is_not_met_when_alembic_is_faster() -> None:
    line = _report().goal_line(_results(psql_single=1.0, tenantdb=1.4, alembic=1.3))
    assert "NOT met" in line and "alembic" in line


def test_the_goal_is_not_met_beyond_one_and_a_half_psql() -> None:
    line = _report().goal_line(_results(psql_single=1.0, tenantdb=2.6, alembic=2.8))
    assert "NOT met" in line and "2.60x" in line


def test_medians_equal_to_the_hundredth_are_level_not_faster() -> None:
    """The report prints medians to the hundredth: 2.491 s against 2.489 s is level, and not the goal met."""
    line = _report().goal_line(_results(psql_single=1.0, tenantdb=1.301, alembic=1.299))
    assert "NOT met" in line
    assert "level with alembic (1.30 s vs 1.30 s)" in line
