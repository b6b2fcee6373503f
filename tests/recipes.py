"""The database states many tests start from (tests/database_cache.py builds each once per test process)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tenantdb import commands
from tenantdb.config import load_settings
from tenantdb.db import connect
from tenantdb.execute import RunRequest, migrate
from tenantdb.migrations import Direction
from tenantdb.modules import available_modules, module_migrations, resolve_modules
from tests.database_cache import DatabaseCache, Recipe
from tests.helpers import FAST


def modules_applied(modules: Iterable[str] | None = None) -> Recipe:
    """The bundled ``modules`` (all of them by default) and their requirements, applied by the runner."""
    chosen = tuple(sorted(available_modules() if modules is None else modules))

    def build(dsn: str) -> None:
        with connect(dsn) as session:
            sets = [module_migrations(spec) for spec in resolve_modules(chosen)]
            migrate(session, sets, FAST, RunRequest(direction=Direction.UP))

    return Recipe(f"modules:{','.join(chosen)}", build)


def report_dataset() -> Recipe:
    """Every module and the hand-computed report dataset of tests/bi/report_data.py (no rollups refreshed)."""
    from tests.bi.report_data import load_dataset

    def build(dsn: str) -> None:
        with connect(dsn) as session:
            load_dataset(session)

    return Recipe("report-dataset", build, modules_applied())


def seeded(modules: Iterable[str] | None, *, tenants: int, random_seed: int, as_of: date) -> Recipe:
    """``modules_applied(modules)`` and ``tenantdb seed``; the copy's build result is the seed's report."""
    base = modules_applied(modules)
    chosen = base.name.removeprefix("modules:").split(",")

    def build(dsn: str) -> commands.SeedReport:
        with tempfile.TemporaryDirectory(prefix="tenantdb-test-seed-") as project:
            listed = ", ".join(f'"{name}"' for name in chosen)
            (Path(project) / "tenantdb.toml").write_text(f"modules = [{listed}]\n", encoding="utf-8")
            settings = load_settings(Path(project), environ={}).with_overrides(dsn=dsn)
            return commands.seed(settings, tenants=tenants, random_seed=random_seed, as_of=as_of)

    return Recipe(f"seed:{tenants}:{random_seed}:{as_of.isoformat()}", build, base)


def database_fixture(recipe: Recipe) -> Any:
    """A ``dsn`` fixture for a test module whose every test starts from ``recipe``'s state: ``dsn =
    database_fixture(recipes.modules_applied(["bi"]))`` at the module's top level gives each test a fresh copy
    (and ``session``, built on ``dsn``, opens it)."""

    @pytest.fixture
    def dsn(database_cache: DatabaseCache) -> Iterator[str]:
        yield from database_cache.copy_dsn(recipe)

    return dsn
