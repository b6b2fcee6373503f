"""What every bundled module must do, one parametrized test per guarantee over the modules found on disk (a new
module is covered the day it is added): round-trip on a scratch database, each migration up, down and up again
to the same catalog, and lint clean together with what it requires."""

from __future__ import annotations

import pytest

from tenantdb.db import Session
from tenantdb.lint import lint_migration_sets
from tenantdb.modules import available_modules, module_migrations, resolve_modules
from tests.modules.support import assert_each_migration_runs_twice, assert_round_trip

MODULES = sorted(available_modules())


def test_the_parametrization_sees_every_bundled_module() -> None:
    assert {"core", "security", "billing", "bi", "events", "api"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_module_round_trips(dsn: str, module: str) -> None:
    assert_round_trip(dsn, module)


@pytest.mark.parametrize("module", MODULES)
def test_each_migration_applies_rolls_back_and_applies_again(session: Session, module: str) -> None:
    assert_each_migration_runs_twice(session, module)


@pytest.mark.parametrize("module", MODULES)
def test_module_lints_clean_with_its_requirements(module: str) -> None:
    """With security after it where the module does not require it: core's tables get row-level security from
    security's migration 0004, so core alone is rightly reported; every other module enables its own."""
    sets = [module_migrations(spec) for spec in resolve_modules([module, "security"])]
    report = lint_migration_sets(sets)
    assert [f"{f.path}:{f.line} {f.rule} {f.message}" for f in report.findings] == []
