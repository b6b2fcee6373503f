"""Module events on a real PostgreSQL: its migrations round-trip and apply again, and it lints clean."""

from __future__ import annotations

from pathlib import Path

from tenantdb import commands
from tenantdb.config import load_settings


def test_the_default_partitions_are_not_tables_of_their_own(tmp_path: Path) -> None:
    """A partition is documented with its table (module docs, `tenantdb modules`), not as a shared table."""
    (events,) = commands.modules_info(load_settings(tmp_path, environ={}), "events")
    assert set(events.tables) == {
        "business_events", "email_delivery_batches", "email_delivery_daily", "revenue_impacts", "cost_optimizations",
        "cost_optimization_results", "efficiency_metrics", "strategic_decisions",
    }  # fmt: skip
