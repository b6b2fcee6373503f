"""Module events on a real PostgreSQL: its migrations round-trip and apply again, and it lints clean."""

from __future__ import annotations

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
