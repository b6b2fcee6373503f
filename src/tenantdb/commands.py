"""Use cases: what the CLI (and later the API) call, and nothing lower.

Each function takes :class:`Settings`, opens what it needs, closes it, and returns a report value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from tenantdb.config import CONFIG_FILE, Settings, load_settings
from tenantdb.db import (
    AppliedMigration,
    ArchiveEntry,
    EmbeddedStatus,
    Event,
    Session,
    applied_migrations,
    archived_rows,
    connect,
    describe_dsn,
    embedded_status,
    interrupted_versions,
    list_entries,
    object_exists,
    purge,
    recent_events,
    record_event,
    restore,
    runner_identity,
    start_embedded,
    stop_embedded,
)
from tenantdb.db.scratch import dsn_for_database, recreate_database
from tenantdb.errors import ConfigError
from tenantdb.execute import (
    Observer,
    RoundTripReport,
    RunRequest,
    RunResult,
    SilentObserver,
    StepOutcome,
    migrate,
    round_trip,
    runner_lock,
)
from tenantdb.execute.preview import Preview, preview
from tenantdb.lint import Finding, LintReport, lint_migrations
from tenantdb.migrations import (
    Direction,
    Migration,
    MigrationSet,
    Version,
    load_migrations,
    load_project_migrations,
    load_single_file,
    new_migration_file,
)
from tenantdb.modules import available_modules, iter_module_sets, module_migrations, resolve_modules
from tenantdb.phases import PhasesReport, phase_members, rollback_phase, run_phases
from tenantdb.plan import Plan, StatusRow, status
from tenantdb.sql.describe import describe
from tenantdb.verify import VerifyReport, verify

DEMO_DATABASE = "tenantdb_demo"


def resolve_dsn(settings: Settings) -> str:
    """The configured DSN, or the project's embedded server (started on first use)."""
    return settings.dsn or start_embedded(settings.project_dir)


def open_session(settings: Settings, purpose: str = "runner") -> Session:
    return connect(
        resolve_dsn(settings),
        application_name=f"tenantdb {purpose} {runner_identity()}"[:63],
        check_interval=settings.runner.connection_check_interval,
        row_security_off=True,
    )


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

    @property
    def pending(self) -> int:
        return sum(1 for row in self.rows if row.state in ("pending", "interrupted"))


def load_sources(settings: Settings) -> list[MigrationSet]:
    """The enabled modules (requirements first), then the project's own migrations."""
    sources = list(iter_module_sets(settings.modules))
    if settings.migrations_dir.is_dir() or not sources:
        sources.append(load_project_migrations(settings))
    return sources


def migrate_status(settings: Settings) -> StatusReport:
    sources = load_sources(settings)
    rows: list[StatusRow] = []
    with open_session(settings, "status") as session:
        for source in sources:
            applied = applied_migrations(session, source.source)
            rows += status(source, applied, interrupted_versions(session, source.source))
        database = session.database
    project = sources[-1]
    return StatusReport(database=database, directory=project.directory, layout=project.layout, rows=tuple(rows))


@dataclass(frozen=True, slots=True, kw_only=True)
class RunReport:
    """What ``migrate up/down/redo`` planned and did."""

    database: str
    direction: Direction
    dry_run: bool
    planned: tuple[str, ...]
    steps: tuple[StepOutcome, ...]
    out_of_order: tuple[str, ...] = ()


def _report(session: Session, plan: Plan, result: RunResult, dry_run: bool) -> RunReport:
    return RunReport(
        database=session.database,
        direction=plan.direction,
        dry_run=dry_run,
        planned=tuple(step.migration.label for step in plan.steps),
        steps=tuple(result.steps),
        out_of_order=tuple(map(str, plan.out_of_order)),
    )


def migrate_run(settings: Settings, request: RunRequest, observer: Observer | None = None) -> RunReport:
    """``migrate up`` / ``migrate down``."""
    migrations = load_sources(settings)
    with open_session(settings) as session:
        plan, result = migrate(session, migrations, settings.runner, request, observer)
        return _report(session, plan, result, request.dry_run)


def migrate_phases(settings: Settings, *, dry_run: bool, observer: Observer | None = None) -> PhasesReport:
    """``migrate up`` for a project with ``[[phases]]``: gates, probes and automatic rollback per phase."""
    sources = load_sources(settings)
    with open_session(settings) as session:
        return run_phases(session, sources, settings, observer, dry_run=dry_run)


def rollback(settings: Settings, phase: str, level: str, observer: Observer | None = None) -> list[str]:
    """``tenantdb rollback --phase NAME --level schema``: run the phase's downs, newest first."""
    spec = next((p for p in settings.phases if p.name == phase), None)
    if spec is None:
        known = ", ".join(p.name for p in settings.phases) or "none configured"
        raise ConfigError(f"no phase named {phase!r}", hint=f"phases: {known}")
    if level != "schema":
        raise ConfigError(
            f"rollback level {level!r} is not available yet", hint="use --level schema (runs the phase's downs)"
        )
    project = load_project_migrations(settings)
    phase_set = replace(project, migrations=tuple(phase_members(spec, project)))
    with open_session(settings) as session, runner_lock(session, settings.runner, observer or SilentObserver()):
        return rollback_phase(session, phase_set, settings, observer or SilentObserver())


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
        return verify(session, sources)


def migrate_test(
    settings: Settings, observer: Observer | None = None, on_stage: Callable[[str], None] | None = None
) -> RoundTripReport:
    """Round-trip the modules' and the project's migrations on a scratch database of the configured server."""
    return round_trip(resolve_dsn(settings), load_sources(settings), settings.runner, observer, on_stage)


def lint(settings: Settings, paths: list[Path], pg_version: int) -> LintReport:
    """Lint the given directories and files, or the project's migrations."""
    targets = paths or [settings.migrations_dir]
    migrations: list[Migration] = []
    for path in targets:
        if (path / CONFIG_FILE).is_file() or (path / "migrations").is_dir():
            migrations.extend(m for source in load_sources(load_settings(path)) for m in source)
        elif path.is_dir():
            migrations.extend(
                load_migrations(path, layout="auto", placeholders=settings.placeholders)
                if path != settings.migrations_dir
                else [m for source in load_sources(settings) for m in source]
            )
        else:
            migrations.append(load_single_file(path, settings.placeholders))
    return lint_migrations(migrations, pg_version=pg_version, archive=settings.runner.archive)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanReport:
    """``tenantdb plan``: what the pending migrations do to this database, and what the linter says."""

    preview: Preview
    findings: tuple[Finding, ...]
    server_version: int

    @property
    def ok(self) -> bool:
        return self.preview.errors == 0 and not any(f.severity == "error" for f in self.findings)


def plan(settings: Settings) -> PlanReport:
    """Preview the pending migrations on the target database in a rolled-back transaction, and lint them."""
    sources = load_sources(settings)
    with open_session(settings, "plan") as session:
        result = preview(session, sources, settings.runner)
        version = session.server_version
    pending = {m.path for m in result.migrations}
    migrations = [m for source in sources for m in source]
    report = lint_migrations(migrations, pg_version=version // 10000, archive=settings.runner.archive)
    findings = tuple(f for f in report.findings if f.path in pending)
    return PlanReport(preview=result, findings=findings, server_version=version)


def new_migration(settings: Settings, name: str) -> list[Path]:
    return new_migration_file(settings.migrations_dir, name, layout=settings.layout)


def db_status(settings: Settings) -> EmbeddedStatus:
    return embedded_status(settings.project_dir)


def db_stop(settings: Settings) -> bool:
    return stop_embedded(settings.project_dir)


def db_url(settings: Settings, database: str | None = None) -> str:
    dsn = resolve_dsn(settings)
    return dsn_for_database(dsn, database) if database else dsn


@dataclass(frozen=True, slots=True, kw_only=True)
class DemoReport:
    """What ``tenantdb demo`` built and found."""

    database_url: str
    run: RunReport
    verify: VerifyReport
    columns: tuple[str, ...]
    summary: tuple[tuple[Any, ...], ...]


def run_demo(settings: Settings, observer: Observer | None = None) -> DemoReport:
    """Fresh demo database, every demo migration applied and verified, and a per-plan economics preview."""
    demo_dsn = recreate_database(resolve_dsn(settings), DEMO_DATABASE)
    demo = resources.files("tenantdb.demo")
    with resources.as_file(demo / "migrations") as directory:
        migrations = load_migrations(directory)
        with connect(demo_dsn, application_name=f"tenantdb demo {runner_identity()}") as session:
            plan, result = migrate(session, migrations, settings.runner, RunRequest(direction=Direction.UP), observer)
            report = verify(session, migrations)
            columns, rows = session.fetch_script((demo / "summary.sql").read_text(encoding="utf-8"))
            run = _report(session, plan, result, False)
    return DemoReport(
        database_url=demo_dsn,
        run=run,
        verify=report,
        columns=tuple(columns),
        summary=tuple(tuple(row) for row in rows),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveView:
    """One archive entry with a sample of its rows."""

    entry: ArchiveEntry
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def archive_list(settings: Settings) -> list[ArchiveEntry]:
    with open_session(settings, "archive") as session:
        return list_entries(session)


def _archive_entry(session: Session, entry_id: int) -> ArchiveEntry:
    entries = list_entries(session, entry_id=entry_id)
    if not entries:
        raise ConfigError(f"no archive entry {entry_id}", hint="`tenantdb archive list` shows the entries")
    return entries[0]


def archive_show(settings: Settings, entry_id: int, limit: int = 20) -> ArchiveView:
    with open_session(settings, "archive") as session:
        entry = _archive_entry(session, entry_id)
        if entry.purged_at is not None:
            return ArchiveView(entry=entry, columns=(), rows=())
        columns, rows = archived_rows(session, entry, limit)
        return ArchiveView(entry=entry, columns=tuple(columns), rows=tuple(rows))


@dataclass(frozen=True, slots=True, kw_only=True)
class RestoreReport:
    entry: ArchiveEntry
    rows_written: int


def archive_restore(settings: Settings, entry_id: int, *, force: bool = False) -> RestoreReport:
    """Put an archived table, column or set of rows back into its live object, in one transaction."""
    with open_session(settings, "archive") as session:
        entry = _archive_entry(session, entry_id)
        if entry.purged_at is not None:
            raise ConfigError(f"archive {entry_id} was purged on {entry.purged_at:%Y-%m-%d}; nothing to restore")
        if entry.restored_at is not None and not force:
            raise ConfigError(
                f"archive {entry_id} was already restored on {entry.restored_at:%Y-%m-%d %H:%M}",
                hint="pass --force to restore it again (rows whose key exists are skipped)",
            )
        if not object_exists(session, entry):
            raise ConfigError(
                f"{entry.object_name} does not exist", hint="apply the migration that creates it, then restore"
            )
        with session.transaction():
            written = restore(session, entry)
            record_event(
                session,
                "restore",
                source=entry.source,
                version=entry.version,
                message=(f"restored {written} of {entry.row_count} archived row(s) into {entry.object_name} by hand"),
            )
        return RestoreReport(entry=_archive_entry(session, entry_id), rows_written=written)


def archive_purge(settings: Settings, older_than: timedelta) -> list[ArchiveEntry]:
    """Drop archive copies older than ``older_than`` (never done automatically)."""
    with open_session(settings, "archive") as session, session.transaction():
        purged = purge(session, older_than)
        if purged:
            record_event(session, "purge", message=f"purged {len(purged)} archive copies older than {older_than}")
        return purged


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleInfo:
    name: str
    version: str
    description: str
    requires: tuple[str, ...]
    enabled: bool
    migrations: tuple[str, ...]
    tables: tuple[str, ...]


def modules_info(settings: Settings, name: str | None = None) -> list[ModuleInfo]:
    """The bundled modules (or one of them), with their migrations and tables."""
    modules = available_modules()
    if name is not None and name not in modules:
        raise ConfigError(f"unknown module {name!r}", hint=f"bundled modules: {', '.join(modules)}")
    enabled = {spec.name for spec in resolve_modules(settings.modules)} if settings.modules else set()
    result = []
    for spec in modules.values():
        if name is not None and spec.name != name:
            continue
        migrations = module_migrations(spec)
        tables = describe(statement for migration in migrations for statement in migration.up.statements)
        result.append(
            ModuleInfo(
                name=spec.name,
                version=spec.version,
                description=spec.description,
                requires=spec.requires,
                enabled=spec.name in enabled,
                migrations=tuple(m.label for m in migrations),
                tables=tuple(sorted(tables)),
            )
        )
    return result


def describe_target(settings: Settings) -> str:
    """Where commands will connect, without secrets."""
    return describe_dsn(settings.dsn) if settings.dsn else f"embedded PostgreSQL in {settings.project_dir}"
