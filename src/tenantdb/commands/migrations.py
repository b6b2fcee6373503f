"""Use cases of ``tenantdb migrate`` and ``new``: status, runs, baseline, history, verify, tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tenantdb.commands.connection import open_session, resolve_dsn
from tenantdb.commands.sources import load_sources
from tenantdb.config import Settings
from tenantdb.db import (
    AppliedMigration,
    Event,
    Session,
    applied_migrations,
    interrupted_versions,
    recent_events,
)
from tenantdb.errors import ConfigError
from tenantdb.execute import (
    Observer,
    RoundTripReport,
    RunRequest,
    RunResult,
    StepOutcome,
    adoptable,
    baseline,
    foreign_drift,
    migrate,
    refuse_if_adoptable,
    round_trip,
)
from tenantdb.migrations import (
    PROJECT_SOURCE,
    Direction,
    Layout,
    MigrationSet,
    Version,
    new_migration_file,
)
from tenantdb.plan import Adoption, Plan, StatusRow, status
from tenantdb.verify import VerifyReport, verify


def parse_version(text: str | None) -> Version | None:
    if text is None:
        return None
    try:
        return Version.parse(text)
    except ValueError as error:
        raise ConfigError(str(error)) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusReport:
    database: str
    directory: Path
    layout: str
    rows: tuple[StatusRow, ...]
    adoptable: tuple[Adoption, ...] = ()  # other tools' ledgers found while tenantdb's ledger is empty
    foreign_drift: tuple[str, ...] = ()  # other tools' ledgers that count other migrations applied than tenantdb's

    @property
    def pending(self) -> int:
        return sum(1 for row in self.rows if row.state in ("pending", "interrupted"))

    @property
    def settled(self) -> bool:
        """Every migration applied as its file says, none broken: what ``migrate status --check`` asks."""
        return all(row.state == "applied" and row.broken is None for row in self.rows)

    def json_document(self) -> dict[str, Any]:
        """``migrate status --json``: the stable fields documented in docs/json.md, never file texts or trees."""
        return {
            "database": self.database,
            "directory": str(self.directory),
            "layout": self.layout,
            "pending": self.pending,
            "broken": sum(1 for row in self.rows if row.broken),
            "rows": [_status_row(row) for row in self.rows],
            "adoptable": list(self.adoptable),
            "foreign_drift": list(self.foreign_drift),
        }


def _status_row(row: StatusRow) -> dict[str, Any]:
    applied = row.applied
    path = row.migration.path if row.migration else row.broken.path if row.broken else None
    return {
        "source": row.source,
        "version": row.version,
        "name": row.name,
        "state": row.state.value,
        "statements_done": row.statements_done,
        "path": str(path) if path else None,
        "checksum": row.migration.checksum if row.migration else row.broken.checksum if row.broken else None,
        "error": {"line": row.broken.line, "message": row.broken.reason} if row.broken else None,
        "applied": None
        if applied is None
        else {
            "checksum": applied.checksum,
            "applied_by": applied.applied_by,
            "host": applied.host,
            "started_at": applied.started_at,
            "finished_at": applied.finished_at,
            "duration_ms": applied.duration_ms,
            "execution_mode": applied.execution_mode,
            "statements_total": applied.statements_total,
            "statements_done": applied.statements_done,
            "note": applied.note,
        },
    }


def _project(sources: list[MigrationSet]) -> MigrationSet | None:
    return next((source for source in sources if source.source == PROJECT_SOURCE), None)


def migrate_status(settings: Settings) -> StatusReport:
    sources = load_sources(settings, keep_broken=True)  # a broken file is shown with the rest, not a refusal
    rows: list[StatusRow] = []
    project = _project(sources)
    recorded: list[str] = []  # the project's versions in tenantdb's ledger
    with open_session(settings, "status") as session:
        for source in sources:
            applied = applied_migrations(session, source.source)
            rows += status(source, applied, interrupted_versions(session, source.source))
            if source is project:
                recorded = [row.version for row in applied]
        found = adoptable(session, project, settings.foreign_ledger) if project else ()
        drift = foreign_drift(session, project, recorded, settings.foreign_ledger) if project and not found else ()
        database = session.database
    return StatusReport(  # the project's directory, never a module's package path
        database=database,
        directory=project.directory if project else settings.migrations_dir,
        layout=project.layout if project else "none",
        rows=tuple(rows),
        adoptable=found,
        foreign_drift=drift,
    )


def migrate_baseline(
    settings: Settings, *, to: Version | None, dry_run: bool, observer: Observer | None = None
) -> BaselineReport:
    """Record what another tool's ledger (or ``--to``) says is applied, without running it."""
    project = _project(load_sources(settings))
    if project is None:
        raise ConfigError(f"no migrations directory at {settings.migrations_dir}: nothing to baseline")
    with open_session(settings) as session:
        adoption = baseline(
            session,
            project,
            settings.runner,
            to=to,
            dry_run=dry_run,
            foreign_table=settings.foreign_ledger,
            observer=observer,
        )
        return BaselineReport(database=session.database, dry_run=dry_run, adoption=adoption)


@dataclass(frozen=True, slots=True, kw_only=True)
class BaselineReport:
    """What ``migrate baseline`` recorded (or, with ``--dry-run``, would record)."""

    database: str
    dry_run: bool
    adoption: Adoption


def refuse_pending_adoption(session: Session, sources: list[MigrationSet], settings: Settings) -> None:
    """Refuse to run the project's migrations on a database another tool's ledger says to adopt first."""
    project = _project(sources)
    if project is not None:
        refuse_if_adoptable(session, project, settings.foreign_ledger)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunReport:
    """What ``migrate up/down/redo`` planned and did."""

    database: str
    direction: Direction
    dry_run: bool
    planned: tuple[str, ...]
    steps: tuple[StepOutcome, ...]
    out_of_order: tuple[str, ...] = ()
    no_migrations_in: Path | None = None  # up found no migration at all (an empty or missing directory)
    empty: tuple[str, ...] = ()  # native migrations run whose up section has no statement (an unfilled template?)


def _report(session: Session, plan: Plan, result: RunResult, dry_run: bool) -> RunReport:
    return RunReport(
        database=session.database,
        direction=plan.direction,
        dry_run=dry_run,
        planned=tuple(step.migration.label for step in plan.steps),
        steps=tuple(result.steps),
        out_of_order=tuple(map(str, plan.out_of_order)),
        empty=tuple(
            step.migration.label
            for step in plan.steps
            if step.direction is Direction.UP
            and step.migration.layout is Layout.NATIVE
            and not step.migration.up.statements
        ),
    )


def migrate_run(settings: Settings, request: RunRequest, observer: Observer | None = None) -> RunReport:
    """``migrate up`` / ``migrate down``."""
    migrations = load_sources(settings)
    if request.direction is Direction.UP and not any(migrations):
        with open_session(settings) as session:  # connects all the same: a wrong DSN is not "nothing found"
            database = session.database
        return RunReport(
            database=database,
            direction=request.direction,
            dry_run=request.dry_run,
            planned=(),
            steps=(),
            no_migrations_in=settings.migrations_dir,
        )
    with open_session(settings) as session:
        if request.direction is Direction.UP:
            refuse_pending_adoption(session, migrations, settings)
        request = replace(
            request,
            keep_foreign_ledger=settings.keep_foreign_ledger,
            foreign_ledger=settings.foreign_ledger,
        )
        plan, result = migrate(session, migrations, settings.runner, request, observer)
        return _report(session, plan, result, request.dry_run)


def migrate_redo(settings: Settings, *, allow_changed: bool, observer: Observer | None = None) -> list[RunReport]:
    """Roll back the newest migration and apply it again."""
    migrations = load_sources(settings)
    with open_session(settings) as session:
        down = RunRequest(direction=Direction.DOWN, steps=1, allow_changed=allow_changed)
        plan, result = migrate(session, migrations, settings.runner, down, observer)
        reports = [_report(session, plan, result, False)]
        if plan.steps:
            target = plan.steps[0].migration.version
            up = RunRequest(direction=Direction.UP, target=target)
            plan, result = migrate(session, migrations, settings.runner, up, observer)
            reports.append(_report(session, plan, result, False))
    return reports


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryReport:
    applied: tuple[AppliedMigration, ...]
    events: tuple[Event, ...]


def migrate_history(settings: Settings, *, limit: int = 50) -> HistoryReport:
    with open_session(settings, "history") as session:
        return HistoryReport(applied=tuple(applied_migrations(session)), events=tuple(recent_events(session, limit)))


def migrate_verify(settings: Settings) -> VerifyReport:
    sources = load_sources(settings)
    with open_session(settings, "verify") as session:
        return verify(session, sources, settings.verify)


def migrate_test(
    settings: Settings, observer: Observer | None = None, on_stage: Callable[[str], None] | None = None
) -> RoundTripReport:
    """Round-trip the modules' and the project's migrations on a scratch database of the configured server."""
    return round_trip(resolve_dsn(settings), load_sources(settings), settings.runner, observer, on_stage)


def new_migration(settings: Settings, name: str) -> list[Path]:
    return new_migration_file(settings.migrations_dir, name, layout=settings.layout)
