"""``tenantdb seed``: every enabled module's seed.sql, one transaction each, requirements first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from time import perf_counter
from typing import Protocol

from tenantdb.bi import refresh_in_transaction
from tenantdb.bi.emit.demo import close_demo_actions
from tenantdb.commands.connection import open_session
from tenantdb.config import Settings
from tenantdb.db import (
    EventKind,
    Session,
    analyze_tables,
    applied_migrations,
    bypasses_row_security,
    interrupted_versions,
    record_event,
    table_row_counts,
)
from tenantdb.errors import ConfigError, DatabaseError, DatabaseStateError, MigrationFileError
from tenantdb.modules import (
    ModuleSpec,
    module_migrations,
    resolve_modules,
    seed_script,
)
from tenantdb.plan import status
from tenantdb.sql import SqlSyntaxError, Statement, split_statements

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
        raise ConfigError(f"must be between 1 and {MAX_SEED_TENANTS:,}, not {tenants}", option="tenants")
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
            raise DatabaseStateError(
                f"{session.database} already has {existing} compan{'y' if existing == 1 else 'ies'}",
                remedy="append",
                hint="to add more tenants after them, or seed an empty database",
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
                    refreshed = refresh_in_transaction(session)
                    close_demo_actions(session, [month.month for month in refreshed])  # the loop to realized savings
                after = table_row_counts(session)
                tables = tuple(
                    SeededTable(table=table, rows=after[table] - before.get(table, 0))
                    for table in sorted(after)
                    if after[table] != before.get(table, 0)
                )
                analyze_tables(session, [seeded_table.table for seeded_table in tables])
                record_event(
                    session,
                    EventKind.SEED,
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
            raise DatabaseStateError(
                f"module {spec.name} is not applied on {session.database}: "
                f"{len(missing)} of {len(migrations)} migration(s) pending",
                hint="run `tenantdb migrate up` first",
            )
