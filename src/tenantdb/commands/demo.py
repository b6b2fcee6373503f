"""``tenantdb demo``: a fresh database with every module, seeded tenants, rollups and the executive summary."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from time import perf_counter
from typing import Protocol

from tenantdb.bi.reports import ReportOptions
from tenantdb.bi.reports.executive import ExecutiveReport, build_portfolio
from tenantdb.commands.bi import has_rollups, read_report, refresh_rollups
from tenantdb.commands.connection import resolve_dsn
from tenantdb.commands.seeding import (
    MAX_SEED_TENANTS,
    SeedObserver,
    SeedReport,
    seed,
)
from tenantdb.config import CONFIG_FILE, Settings
from tenantdb.db import (
    connect,
    runner_identity,
)
from tenantdb.db.scratch import recreate_database
from tenantdb.errors import ConfigError
from tenantdb.execute import (
    Observer,
    RunRequest,
    migrate,
)
from tenantdb.migrations import (
    Direction,
)
from tenantdb.modules import (
    available_modules,
    module_migrations,
    resolve_modules,
)
from tenantdb.verify import VerifyReport, verify

DEMO_DATABASE = "tenantdb_demo"


DEMO_TENANTS = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoStage:
    """One step of ``tenantdb demo`` and how long it took."""

    name: str
    detail: str
    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoReport:
    """What ``tenantdb demo`` built, how long each step took, and the executive summary it computed."""

    database_url: str
    modules: tuple[str, ...]
    migrations_applied: int
    verify: VerifyReport
    seed: SeedReport
    month: date
    stages: tuple[DemoStage, ...]
    seconds: float
    executive: ExecutiveReport | None
    project: DemoProject


class ProjectFile(StrEnum):
    """What ``tenantdb demo`` did about the directory's ``tenantdb.toml``."""

    WRITTEN = "written"  # none existed: now one points this directory's commands at the demo database
    KEPT = "kept"  # the directory already is a project: left unchanged
    NOT_EMBEDDED = "not embedded"  # the demo ran on --dsn: a file would have to hold the URL (and its password)


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoProject:
    """The project ``tenantdb demo`` leaves behind, so that later commands find the demo database."""

    path: Path
    file: ProjectFile


class DemoObserver(SeedObserver, Protocol):
    """Progress of ``demo``: each step starting and finishing (and the seed's modules)."""

    def stage_started(self, name: str, detail: str) -> None: ...

    def stage_finished(self, stage: DemoStage) -> None: ...


def run_demo(
    settings: Settings,
    *,
    tenants: int = DEMO_TENANTS,
    random_seed: int = 0,
    observer: DemoObserver | None = None,
    migration_observer: Observer | None = None,
) -> DemoReport:
    """A fresh demo database with every bundled module applied and verified, seeded tenants, refreshed rollups
    and the executive summary of the last complete month (the seeded history ends on its last day)."""
    if not 1 <= tenants <= MAX_SEED_TENANTS:
        raise ConfigError(f"must be between 1 and {MAX_SEED_TENANTS:,}, not {tenants}", option="tenants")
    started = perf_counter()
    stages: list[DemoStage] = []

    def stage(name: str, detail: str, began: float) -> None:
        done = DemoStage(name=name, detail=detail, seconds=round(perf_counter() - began, 3))
        stages.append(done)
        if observer is not None:
            observer.stage_finished(done)

    def begin(name: str, detail: str) -> float:
        if observer is not None:
            observer.stage_started(name, detail)
        return perf_counter()

    began = begin("database", f"creating {DEMO_DATABASE}")
    demo_dsn = recreate_database(resolve_dsn(settings), DEMO_DATABASE)
    stage("database", f"created {DEMO_DATABASE}", began)
    modules = tuple(available_modules())
    sources = [module_migrations(spec) for spec in resolve_modules(modules)]
    with connect(demo_dsn, application_name=f"tenantdb demo {runner_identity()}") as session:
        began = begin("migrate", f"applying {len(modules)} modules")
        _, result = migrate(session, sources, settings.runner, RunRequest(direction=Direction.UP), migration_observer)
        applied = len(result.steps)
        stage("migrate", f"applied {applied} migrations of {len(modules)} modules", began)
        began = begin("verify", "running every verify block and the integrity checks")
        checked = verify(session, sources)
        stage("verify", f"{checked.queries_run} verify queries, {len(checked.violations)} violation(s)", began)
    # The seed's history ends at as_of's midnight: the first of this month, so the last complete month is whole.
    as_of = datetime.now(UTC).date().replace(day=1)
    began = begin("seed", f"seeding {tenants:,} tenants")
    seeded = seed(
        replace(settings, dsn=demo_dsn, modules=modules),
        tenants=tenants,
        random_seed=random_seed,
        as_of=as_of,
        observer=observer,
    )
    rows = sum(table.rows for module in seeded.modules for table in module.tables)
    stage("seed", f"{tenants:,} tenants, {rows:,} rows", began)
    month = (as_of - timedelta(days=1)).replace(day=1)
    with connect(demo_dsn, application_name=f"tenantdb demo {runner_identity()}") as session:
        began = begin("refresh", "allocating costs and refreshing the rollups")
        refreshed = refresh_rollups(session)
        stage("refresh", refreshed, began)
        executive: ExecutiveReport | None = None
        if has_rollups(session, month):
            began = begin("report", "building the executive summary")
            executive = read_report(session, build_portfolio, ReportOptions(month=month))
            stage("report", f"executive summary of {month:%Y-%m}", began)
    return DemoReport(
        database_url=demo_dsn,
        modules=modules,
        migrations_applied=applied,
        verify=checked,
        seed=seeded,
        month=month,
        stages=tuple(stages),
        seconds=round(perf_counter() - started, 3),
        executive=executive,
        project=leave_project(settings, modules),
    )


def leave_project(settings: Settings, modules: tuple[str, ...]) -> DemoProject:
    """Write a ``tenantdb.toml`` that points this directory's commands at the demo database (never over one)."""
    path = settings.project_dir / CONFIG_FILE
    if settings.dsn:
        return DemoProject(path=path, file=ProjectFile.NOT_EMBEDDED)
    listed = ", ".join(f'"{name}"' for name in modules)
    text = (
        f"# Written by `tenantdb demo`: commands run in this directory use the demo database ({DEMO_DATABASE}) of\n"
        "# this directory's embedded PostgreSQL, with every bundled schema module. Edit it, or delete it to start\n"
        "# your own project (`tenantdb init`).\n"
        f'modules = [{listed}]\n\n[database]\nname = "{DEMO_DATABASE}"\n'
    )
    try:
        with path.open("x", encoding="utf-8") as file:  # exclusive: an existing project is never overwritten
            file.write(text)
    except FileExistsError:
        return DemoProject(path=path, file=ProjectFile.KEPT)
    return DemoProject(path=path, file=ProjectFile.WRITTEN)
