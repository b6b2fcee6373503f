"""The rollback levels' registry: one implementation per Level, and clear refusals before anything changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from tenantdb import commands
from tenantdb.config import load_settings
from tenantdb.errors import ConfigError
from tenantdb.phases.levels import LEVELS, Level, Restorable, implementation, level_named
from tenantdb.phases.levels.data import DataLevel
from tenantdb.phases.levels.feature import FeatureLevel
from tenantdb.phases.levels.registry import build
from tenantdb.phases.levels.schema import SchemaLevel


def test_every_level_has_exactly_one_implementation() -> None:
    assert list(LEVELS) == list(Level)
    assert all(LEVELS[level].level is level for level in Level)
    assert len({type(implementation) for implementation in LEVELS.values()}) == len(Level)


def test_a_level_implemented_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="rollback level schema has two implementations"):
        build((SchemaLevel(), DataLevel(), FeatureLevel(), SchemaLevel()))


def test_a_level_without_an_implementation_is_refused() -> None:
    with pytest.raises(ValueError, match="without an implementation: feature"):
        build((SchemaLevel(), DataLevel()))


def test_a_level_is_looked_up_by_its_name_or_its_enum() -> None:
    assert implementation("data") is LEVELS[Level.DATA]
    assert implementation(Level.FEATURE) is LEVELS[Level.FEATURE]
    assert level_named("schema") is Level.SCHEMA


def test_an_unknown_level_is_a_clear_error_listing_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match="unknown rollback level 'rows'") as raised:
        level_named("rows")
    assert raised.value.hint == "levels: schema, data, feature"


def test_only_the_feature_level_can_be_restored() -> None:
    assert [level for level, impl in LEVELS.items() if isinstance(impl, Restorable)] == [Level.FEATURE]


def phased(tmp_path: Path) -> Path:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001_plans.sql").write_text(
        "-- migrate:up\nCREATE TABLE plans (plan_id int PRIMARY KEY);\n-- migrate:down\nDROP TABLE plans;\n"
    )
    (tmp_path / "tenantdb.toml").write_text('[[phases]]\nname = "plans"\nmigrations = ["0001"]\n')
    return tmp_path


# No database is configured: each refusal happens before a connection is opened. Below the CLI an error names
# request parameters (restore, dry_run, level); the CLI spells them as --restore, --dry-run, --level.
@pytest.mark.parametrize(
    ("level", "options", "message"),
    [
        ("rows", {}, "unknown rollback level 'rows'"),
        ("schema", {"restore": True}, "restore only applies to level feature"),
        ("data", {"restore": True}, "restore only applies to level feature"),
        ("schema", {"dry_run": True}, "dry_run only applies to level data"),
        ("feature", {"dry_run": True}, "dry_run only applies to level data"),
        ("feature", {}, "phase 'plans' declares no feature_off"),
    ],
)
def test_a_refused_request_changes_nothing_and_opens_no_connection(
    tmp_path: Path, level: str, options: dict[str, bool], message: str
) -> None:
    settings = load_settings(phased(tmp_path), environ={"TENANTDB_DSN": "postgresql://nobody@nowhere.invalid/x"})
    with pytest.raises(ConfigError, match=message):
        commands.rollback(settings, "plans", level, **cast(dict[str, Any], options))
