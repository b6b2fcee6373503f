"""Module events on a real PostgreSQL: its migrations round-trip and apply again, and it lints clean."""

from __future__ import annotations

from pathlib import Path

from tenantdb import commands
from tenantdb.config import load_settings
from tenantdb.db import Session
from tenantdb.lint import lint_migration_sets
from tests.modules.support import assert_each_migration_runs_twice, assert_round_trip, module_sets


def test_events_round_trips(dsn: str) -> None:
    assert_round_trip(dsn, "events")


def test_each_events_migration_applies_rolls_back_and_applies_again(session: Session) -> None:
    assert_each_migration_runs_twice(session, "events")


def test_events_lints_clean() -> None:
    report = lint_migration_sets(module_sets("events"))
    assert [f"{f.path}:{f.line} {f.rule} {f.message}" for f in report.findings] == []


def test_the_default_partitions_are_not_tables_of_their_own(tmp_path: Path) -> None:
    """A partition is documented with its table (module docs, `tenantdb modules`), not as a shared table."""
    (events,) = commands.modules_info(load_settings(tmp_path, environ={}), "events")
    assert set(events.tables) == {
        "business_events", "email_delivery_batches", "email_delivery_daily", "revenue_impacts", "cost_optimizations",
        "cost_optimization_results", "efficiency_metrics", "strategic_decisions",
    }  # fmt: skip
