"""Use cases: what the CLI (and later the API) call, and nothing lower.

Each function takes :class:`Settings`, opens what it needs, closes it, and returns a report value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any, Protocol

from tenantdb.bi import RefreshObserver, RefreshReport, RefreshRequest, refresh, refresh_in_transaction
from tenantdb.bi.reports import REPORTS, ReportOptions
from tenantdb.bi.reports.executive import ExecutiveReport
from tenantdb.config import CONFIG_FILE, Settings, load_settings
from tenantdb.db import (
    AppliedMigration,
    ArchiveEntry,
    EmbeddedStatus,
    Event,
    Session,
    analyze_tables,
    applied_migrations,
    archived_rows,
    bypasses_row_security,
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
    table_row_counts,
)
from tenantdb.db.scratch import dsn_for_database, recreate_database
from tenantdb.errors import ConfigError, DatabaseError, MigrationFileError
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
from tenantdb.modules import (
    ModuleSpec,
    available_modules,
    iter_module_sets,
    module_migrations,
    resolve_modules,
    seed_script,
)
from tenantdb.phase_feature import FeatureReport, feature_off, feature_on
from tenantdb.phase_rollback import DataRollbackReport, rollback_data
from tenantdb.phases import PhasesReport, phase_members, rollback_phase, run_phases
from tenantdb.plan import Plan, StatusRow, status
from tenantdb.sql import SqlSyntaxError, Statement, split_statements
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


ROLLBACK_LEVELS = ("schema", "data", "feature")


@dataclass(frozen=True, slots=True, kw_only=True)
class RollbackReport:
    """What ``tenantdb rollback`` did, by level: downs run, rows removed, or a feature switched."""

    phase: str
    level: str
    rolled_back: tuple[str, ...] = ()  # schema: the downs run, newest first
    data: DataRollbackReport | None = None
    feature: FeatureReport | None = None


def rollback(
    settings: Settings,
    phase: str,
    level: str,
    observer: Observer | None = None,
    *,
    restore: bool = False,
    force: bool = False,
    dry_run: bool = False,
) -> RollbackReport:
    """``tenantdb rollback --phase NAME --level schema|data|feature`` (``--restore`` turns a feature back on)."""
    spec = next((p for p in settings.phases if p.name == phase), None)
    if spec is None:
        known = ", ".join(p.name for p in settings.phases) or "none configured"
        raise ConfigError(f"no phase named {phase!r}", hint=f"phases: {known}")
    if level not in ROLLBACK_LEVELS:
        raise ConfigError(f"unknown rollback level {level!r}", hint=f"levels: {', '.join(ROLLBACK_LEVELS)}")
    if restore and level != "feature":
        raise ConfigError("--restore only applies to --level feature")
    if dry_run and level != "data":
        raise ConfigError("--dry-run only applies to --level data", hint="`tenantdb migrate up --dry-run` lists downs")
    project = load_project_migrations(settings)
    phase_set = replace(project, migrations=tuple(phase_members(spec, project)))
    observer = observer or SilentObserver()
    with open_session(settings) as session, runner_lock(session, settings.runner, observer):
        if level == "data":
            data = rollback_data(session, phase, phase_set, settings, dry_run=dry_run)
            return RollbackReport(phase=phase, level=level, data=data)
        if level == "feature":
            switch = feature_on if restore else feature_off
            return RollbackReport(phase=phase, level=level, feature=switch(session, spec, settings, force=force))
        labels = rollback_phase(session, phase_set, settings, observer)
        return RollbackReport(phase=phase, level=level, rolled_back=tuple(labels))


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


MAX_SEED_TENANTS = 100_000  # companies in the database: email_infra's seed numbers customer IPs in a /11

# The parameters of every module's seed.sql, for its transaction only; UTC so dates never shift with the server's
# time zone.
_SEED_SETTINGS = (
    "SELECT set_config('tenantdb.seed_tenants', %s, true), set_config('tenantdb.seed_random_seed', %s, true),"
    " set_config('tenantdb.seed_as_of', %s, true), set_config('TimeZone', 'UTC', true)"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SeededTable:
    """Rows one module's seed data added to a table."""

    table: str
    rows: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SeededModule:
    """One module's seed.sql: the rows it added per table and how long its transaction took."""

    module: str
    tables: tuple[SeededTable, ...]
    seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedReport:
    """``tenantdb seed``: what was generated, module by module (requirements first)."""

    database: str
    tenants: int
    random_seed: int
    as_of: date
    appended: bool
    modules: tuple[SeededModule, ...]
    seconds: float


class SeedObserver(Protocol):
    """Progress of ``seed``: a module's transaction starts, and commits."""

    def module_started(self, module: str, tenants: int) -> None: ...

    def module_finished(self, seeded: SeededModule) -> None: ...


def seed(
    settings: Settings,
    *,
    tenants: int,
    random_seed: int = 0,
    append: bool = False,
    as_of: date | None = None,
    observer: SeedObserver | None = None,
) -> SeedReport:
    """Fill every enabled module with generated, internally consistent data, computed inside PostgreSQL.

    Each module's ``seed.sql`` runs in its own transaction, requirements first, with triggers on, as the
    migration role (row-level security must not filter it), and the tables it filled are analyzed. The same
    ``random_seed`` and ``as_of`` (the UTC day the generated history ends, today by default) give the same rows.
    A database that already has companies is refused unless ``append``: the new tenants are then added after the
    existing ones.
    """
    if not 1 <= tenants <= MAX_SEED_TENANTS:
        raise ConfigError(f"--tenants must be between 1 and {MAX_SEED_TENANTS:,}, not {tenants}")
    specs = resolve_modules(settings.modules)
    scripts = [(spec, _seed_statements(spec, text)) for spec in specs if (text := seed_script(spec)) is not None]
    if not scripts:
        raise ConfigError(
            "no enabled module has seed data",
            hint='enable the bundled modules in tenantdb.toml, e.g. modules = ["core", "billing", "email_infra"]',
        )
    day = as_of or datetime.now(UTC).date()
    started = perf_counter()
    with open_session(settings, "seed") as session:
        if not bypasses_row_security(session):
            raise ConfigError(
                f"role {session.user} is subject to row-level security: it would seed only what its policies allow",
                hint="seed as the role that runs the migrations, a superuser or a role with BYPASSRLS",
            )
        _require_applied(session, specs)
        existing = int(session.fetch_value("SELECT count(*) FROM companies"))
        if existing and not append:
            raise ConfigError(
                f"{session.database} already has {existing} compan{'y' if existing == 1 else 'ies'}",
                hint="pass --append to add more tenants after them, or seed an empty database",
            )
        if existing + tenants > MAX_SEED_TENANTS:
            raise ConfigError(
                f"{session.database} has {existing} companies: {tenants} more would pass the seed data's limit of "
                f"{MAX_SEED_TENANTS:,}"
            )
        before = table_row_counts(session)
        seeded: list[SeededModule] = []
        for spec, statements in scripts:
            if observer is not None:
                observer.module_started(spec.name, tenants)
            began = perf_counter()
            with session.transaction(
                lock_timeout=settings.runner.lock_timeout, statement_timeout=settings.runner.statement_timeout
            ):
                session.execute(_SEED_SETTINGS, (str(tenants), str(random_seed), day.isoformat()))
                _run_seed(session, spec, statements, done=[module.module for module in seeded])
                if spec.name == "bi":  # bi's tables are rollups: the refresh engine computes them
                    refresh_in_transaction(session)
                after = table_row_counts(session)
                tables = tuple(
                    SeededTable(table=table, rows=after[table] - before.get(table, 0))
                    for table in sorted(after)
                    if after[table] != before.get(table, 0)
                )
                analyze_tables(session, [seeded_table.table for seeded_table in tables])
                record_event(
                    session,
                    "seed",
                    source=spec.name,
                    message=f"seeded {tenants} tenant(s): {sum(t.rows for t in tables)} row(s)",
                    details={
                        "tenants": tenants,
                        "random_seed": random_seed,
                        "as_of": day.isoformat(),
                        "rows": {t.table: t.rows for t in tables},
                    },
                )
            module = SeededModule(module=spec.name, tables=tables, seconds=round(perf_counter() - began, 3))
            seeded.append(module)
            before = after
            if observer is not None:
                observer.module_finished(module)
        database = session.database
    return SeedReport(
        database=database,
        tenants=tenants,
        random_seed=random_seed,
        as_of=day,
        appended=existing > 0,
        modules=tuple(seeded),
        seconds=round(perf_counter() - started, 3),
    )


def _seed_statements(spec: ModuleSpec, text: str) -> tuple[Statement, ...]:
    """A module's seed.sql, split before anything runs (a syntax error changes nothing)."""
    try:
        return split_statements(text)
    except SqlSyntaxError as error:
        raise MigrationFileError(error.message, path=spec.directory / "seed.sql", line=error.line) from None


def _run_seed(session: Session, spec: ModuleSpec, statements: tuple[Statement, ...], *, done: list[str]) -> None:
    """Run a module's seed statements in the open transaction; a failure names the file and line."""
    for statement in statements:
        try:
            session.run_script(statement.text)
        except DatabaseError as error:
            committed = ", ".join(done) or "none"
            raise type(error)(  # a lost connection stays a ConnectionFailed (exit code 4)
                f"{spec.directory / 'seed.sql'}:{statement.line}: seeding module {spec.name} failed: {error.message}",
                sqlstate=error.sqlstate,
                hint=f"{error.hint + '; ' if error.hint else ''}modules seeded and committed before it: {committed}",
            ) from error


def _require_applied(session: Session, specs: list[ModuleSpec]) -> None:
    """Every migration of every enabled module is applied (seed data needs their tables and triggers)."""
    for spec in specs:
        migrations = module_migrations(spec)
        rows = status(migrations, applied_migrations(session, spec.name), interrupted_versions(session, spec.name))
        missing = [row for row in rows if row.state in ("pending", "interrupted")]
        if missing:
            raise ConfigError(
                f"module {spec.name} is not applied on {session.database}: "
                f"{len(missing)} of {len(migrations)} migration(s) pending",
                hint="run `tenantdb migrate up` first",
            )


def describe_target(settings: Settings) -> str:
    """Where commands will connect, without secrets."""
    return describe_dsn(settings.dsn) if settings.dsn else f"embedded PostgreSQL in {settings.project_dir}"


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
        raise ConfigError(f"--tenants must be between 1 and {MAX_SEED_TENANTS:,}, not {tenants}")
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
    last_day = datetime.now(UTC).date().replace(day=1) - timedelta(days=1)
    began = begin("seed", f"seeding {tenants:,} tenants")
    seeded = seed(
        replace(settings, dsn=demo_dsn, modules=modules),
        tenants=tenants,
        random_seed=random_seed,
        as_of=last_day,
        observer=observer,
    )
    rows = sum(table.rows for module in seeded.modules for table in module.tables)
    stage("seed", f"{tenants:,} tenants, {rows:,} rows", began)
    month = last_day.replace(day=1)
    with connect(demo_dsn, application_name=f"tenantdb demo {runner_identity()}") as session:
        began = begin("refresh", "allocating costs and refreshing the rollups")
        refreshed = _refresh_rollups(session)
        stage("refresh", refreshed, began)
        executive: ExecutiveReport | None = None
        if _has_rollups(session, month):
            began = begin("report", "building the executive summary")
            executive = _read_report(session, REPORTS["executive"], ReportOptions(month=month))
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
    )


def _refresh_rollups(session: Session) -> str:
    """``tenantdb bi refresh`` of every month with data whose inputs changed; says what it did.

    Seeding module bi already computed every month (in the seed's transaction), so this normally finds them all
    up to date; it is the same call a user makes after changing data.
    """
    report = refresh(session, RefreshRequest())
    months = len(report.refreshed) + len(report.skipped)
    return f"{months} month(s): {len(report.refreshed)} refreshed ({report.lines:,} allocation lines), " + (
        f"{len(report.skipped)} already up to date"
    )


def _has_rollups(session: Session, month: date) -> bool:
    if not session.fetch_value("SELECT to_regclass('bi_tenant_monthly') IS NOT NULL"):
        return False
    return bool(session.fetch_value("SELECT EXISTS (SELECT FROM bi_tenant_monthly WHERE month = %s)", (month,)))


def _read_report(session: Session, build: Callable[[Session, ReportOptions], Any], options: ReportOptions) -> Any:
    """Build a report in one read-only snapshot: a refresh committing meanwhile never mixes two versions."""
    session.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    try:
        return build(session, options)
    finally:
        session.rollback()


def report(settings: Settings, name: str, options: ReportOptions) -> Any:
    """``tenantdb report NAME``: one report model (docs/business-metrics.md) from the rollups of the month."""
    if name not in REPORTS:
        raise ConfigError(f"unknown report {name!r}", hint=f"reports: {', '.join(REPORTS)}")
    # Row-level security stays on: analysts read the rollups through their policies (the migration role's
    # sessions turn it off so that RLS raises instead of filtering; a report reader must not be refused).
    application = f"tenantdb report {runner_identity()}"[:63]
    check = settings.runner.connection_check_interval
    with connect(resolve_dsn(settings), application_name=application, check_interval=check) as session:
        return _read_report(session, REPORTS[name], options)


def bi_refresh(settings: Settings, request: RefreshRequest, observer: RefreshObserver | None = None) -> RefreshReport:
    """``tenantdb bi refresh``: recompute the months of module bi's rollups whose inputs changed (or those asked
    for), one transaction per month, as the migration role (docs/business-metrics.md)."""
    with open_session(settings, "bi refresh") as session:
        return refresh(session, request, observer, connect=lambda: open_session(settings, "bi refresh"))
