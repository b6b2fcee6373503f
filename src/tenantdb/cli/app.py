"""The ``tenantdb`` command line (typer). Commands parse options, call :mod:`tenantdb.commands`, render."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.markup import escape

from tenantdb import __version__, commands
from tenantdb.cli import lint_output, views
from tenantdb.cli.actions_app import actions_app
from tenantdb.cli.bi_app import bi_app
from tenantdb.cli.context_app import context_app
from tenantdb.cli.decisions_app import decisions_app
from tenantdb.cli.events_app import events_app
from tenantdb.cli.options import (
    AllowChangedOpt,
    DirOpt,
    DsnOpt,
    JsonOpt,
    ProjectOpt,
    SetOpt,
)
from tenantdb.cli.options import run_command as _run
from tenantdb.cli.options import settings_from as _settings
from tenantdb.cli.progress import ConsoleObserver, SeedProgress
from tenantdb.cli.render import emit_json, stderr, stdout
from tenantdb.cli.report_app import report_app
from tenantdb.cli.roles_app import roles_app
from tenantdb.cli.serve_cmd import serve
from tenantdb.cli.tokens_app import tokens_app
from tenantdb.config import CONFIG_FILE, LintProfile, parse_duration
from tenantdb.errors import ConfigError, ExitCode
from tenantdb.execute import RunRequest
from tenantdb.lint import DEFAULT_PG_VERSION, LintReport
from tenantdb.migrations import Direction
from tenantdb.phases import PhasesReport

T = TypeVar("T")

app = typer.Typer(
    name="tenantdb",
    help="Safe PostgreSQL migrations, a tested multi-tenant SaaS schema, and per-tenant unit economics.\n\n"
    "Connects to --dsn, TENANTDB_DSN, DATABASE_URL or \\[database] dsn in tenantdb.toml; with none of them it "
    "starts an embedded PostgreSQL in .tenantdb/ of the project.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="rich",
)
migrate_app = typer.Typer(help="Apply, roll back, verify and test migrations.", no_args_is_help=True)
db_app = typer.Typer(help="The embedded PostgreSQL server used when no DSN is configured.", no_args_is_help=True)
app.add_typer(migrate_app, name="migrate")
archive_app = typer.Typer(
    help="Data archived before migrations destroyed it: list, inspect, restore, purge.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(archive_app, name="archive")
modules_app = typer.Typer(help="The bundled schema modules (enable them with modules = [...] in tenantdb.toml).")
app.add_typer(modules_app, name="modules")
app.add_typer(bi_app, name="bi")
app.add_typer(report_app, name="report")
app.add_typer(context_app, name="context")
app.add_typer(roles_app, name="roles")
app.add_typer(actions_app, name="actions")
app.add_typer(decisions_app, name="decisions")
app.add_typer(events_app, name="events")
app.add_typer(tokens_app, name="tokens")
app.command("serve")(serve)


def _render(as_json: bool, view: Callable[[T], None]) -> Callable[[T], None]:
    """How a command shows its result: one JSON document with ``--json``, else ``view`` on the terminal."""

    def render(result: T) -> None:
        emit_json(result) if as_json else view(result)

    return render


def _version_callback(value: bool) -> None:
    if value:
        stdout.print(f"tenantdb {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """tenantdb."""


@migrate_app.command("status")
def migrate_status(
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    directory: DirOpt = None,
    sets: SetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show every migration: applied, pending, edited since applied, or applied without a file."""
    _run(
        as_json,
        lambda: commands.migrate_status(_settings(project, dsn, directory, sets)),
        _render(as_json, views.show_status),
    )


def _run_migrations(
    request: RunRequest,
    project: Path | None,
    dsn: str | None,
    directory: Path | None,
    sets: list[str] | None,
    as_json: bool,
) -> None:
    def action() -> commands.RunReport:
        with ConsoleObserver(stderr, quiet=as_json) as observer:
            return commands.migrate_run(_settings(project, dsn, directory, sets), request, observer)

    _run(as_json, action, _render(as_json, views.show_run))


@migrate_app.command("up")
def migrate_up(
    to: Annotated[str | None, typer.Option("--to", help="Apply up to and including this version.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would run; change nothing.")] = False,
    allow_changed: AllowChangedOpt = False,
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    directory: DirOpt = None,
    sets: SetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Apply pending migrations, oldest first, with lock timeouts, retries and resumable journaling."""
    request = RunRequest(
        direction=Direction.UP, target=commands.parse_version(to), allow_changed=allow_changed, dry_run=dry_run
    )

    def action() -> Any:
        settings = _settings(project, dsn, directory, sets)
        with ConsoleObserver(stderr, quiet=as_json) as observer:
            if settings.phases and to is None:
                return commands.migrate_phases(settings, dry_run=dry_run, observer=observer)
            return commands.migrate_run(settings, request, observer)

    def render(report: Any) -> int:
        if isinstance(report, PhasesReport):
            emit_json(report) if as_json else views.show_phases(report)
            return 0 if report.ok else int(ExitCode.VIOLATIONS)
        emit_json(report) if as_json else views.show_run(report)
        return 0

    _run(as_json, action, render)


@migrate_app.command("baseline")
def migrate_baseline(
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Mark every migration up to and including this version applied (0: none), whatever another "
            "tool's ledger says.",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be recorded; change nothing.")] = False,
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    directory: DirOpt = None,
    sets: SetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Adopt a database another tool manages: record what its ledger says is applied, without running it.

    Reads the ledger of golang-migrate, Flyway, goose, dbmate, diesel or Alembic. A dirty or failed state, versions
    without files, Alembic revisions, or a non-empty tenantdb ledger are refused (exit 3) unless --to says what is
    applied.
    """

    def action() -> commands.BaselineReport:
        with ConsoleObserver(stderr, quiet=as_json) as observer:
            settings = _settings(project, dsn, directory, sets)
            return commands.migrate_baseline(
                settings, to=commands.parse_version(to), dry_run=dry_run, observer=observer
            )

    _run(as_json, action, _render(as_json, views.show_baseline))


@migrate_app.command("down")
def migrate_down(
    to: Annotated[
        str | None, typer.Option("--to", help="Roll back every migration newer than this version (0 = all).")
    ] = None,
    steps: Annotated[
        int | None, typer.Option("--steps", "-n", help="Roll back this many migrations (default 1).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would run; change nothing.")] = False,
    include_interrupted: Annotated[
        bool,
        typer.Option(
            "--include-interrupted",
            help="Also roll back a migration whose up run was interrupted (it counts as the newest); "
            "without this, rolling back under it is refused.",
        ),
    ] = False,
    ledger_only: Annotated[
        bool,
        typer.Option(
            "--ledger-only",
            help="Only remove the migrations from the ledger; run nothing (for irreversible migrations).",
        ),
    ] = False,
    allow_changed: AllowChangedOpt = False,
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    directory: DirOpt = None,
    sets: SetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Roll back applied migrations, newest first. A migration without a down script is refused (irreversible)."""
    request = RunRequest(
        direction=Direction.DOWN,
        target=commands.parse_version(to),
        steps=steps,
        allow_changed=allow_changed,
        dry_run=dry_run,
        include_interrupted=include_interrupted,
        ledger_only=ledger_only,
    )
    _run_migrations(request, project, dsn, directory, sets, as_json)


@migrate_app.command("redo")
def migrate_redo(
    allow_changed: AllowChangedOpt = False,
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    directory: DirOpt = None,
    sets: SetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Roll back the newest migration and apply it again (while you iterate on it)."""

    def action() -> list[commands.RunReport]:
        with ConsoleObserver(stderr, quiet=as_json) as observer:
            return commands.migrate_redo(
                _settings(project, dsn, directory, sets), allow_changed=allow_changed, observer=observer
            )

    _run(as_json, action, _render(as_json, views.show_runs))


@migrate_app.command("history")
def migrate_history(
    limit: Annotated[int, typer.Option("--limit", help="How many recent events to show.")] = 30,
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show applied migrations (who, where, when, how long) and the recent event log."""
    _run(
        as_json,
        lambda: commands.migrate_history(_settings(project, dsn, None, None), limit=limit),
        _render(as_json, views.show_history),
    )


@migrate_app.command("verify")
def migrate_verify(
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    directory: DirOpt = None,
    sets: SetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run every applied migration's verify block and check for INVALID indexes and NOT VALID constraints.

    Exits with 6 when anything is found.
    """

    def render(report: Any) -> int:
        emit_json(report) if as_json else views.show_verify(report)
        return 0 if report.ok else int(ExitCode.VIOLATIONS)

    _run(as_json, lambda: commands.migrate_verify(_settings(project, dsn, directory, sets)), render)


@migrate_app.command("test")
def migrate_test(
    path: Annotated[
        Path | None, typer.Argument(help="Migrations directory, or a project directory with tenantdb.toml.")
    ] = None,
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    sets: SetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Apply all, roll back all, apply all again on a scratch database; the catalog must match each time.

    The scratch database is created next to the configured one (or on the embedded server) and dropped after.
    """

    def action() -> Any:
        if path is not None and (path / CONFIG_FILE).is_file():
            settings = _settings(project or path, dsn, None, sets)
        else:
            settings = _settings(project, dsn, path, sets)
        with ConsoleObserver(stderr, quiet=True) as observer:
            say = (lambda _: None) if as_json else (lambda stage: stderr.print(f"[cyan]{stage}[/]"))
            return commands.migrate_test(settings, observer, say)

    def render(report: Any) -> int:
        emit_json(report) if as_json else views.show_round_trip(report)
        return 0 if report.ok else int(ExitCode.VIOLATIONS)

    _run(as_json, action, render)


@app.command("rollback")
def rollback(
    phase: Annotated[str, typer.Option("--phase", help="The \\[\\[phases]] name to roll back.")],
    level: Annotated[
        str,
        typer.Option(
            "--level",
            help="schema: run the phase's downs, newest first. data: remove only the rows the phase's migrations "
            "inserted (archived first; rows created or changed later stay). feature: run the phase's feature_off, "
            "storing the previous values of every row it changes.",
        ),
    ] = "schema",
    restore: Annotated[
        bool,
        typer.Option("--restore", help="With --level feature: turn the feature back on, restoring the stored rows."),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="With --level feature: switch off again although it is off, or restore over rows changed since.",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --level data: report what would be removed; change nothing.")
    ] = False,
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Roll back one phase of a phased project: its schema, only its rows, or its feature.

    `--level data` removes the rows the phase inserted and keeps everything the application wrote since.

    `--level feature` switches the feature off; `--level feature --restore` switches it on with the previous values.
    """

    def action() -> commands.RollbackReport:
        with ConsoleObserver(stderr, quiet=as_json) as observer:
            settings = _settings(project, dsn, None, None)
            return commands.rollback(settings, phase, level, observer, restore=restore, force=force, dry_run=dry_run)

    _run(as_json, action, _render(as_json, views.show_rollback))


@app.command("plan")
def plan(
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    directory: DirOpt = None,
    sets: SetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Preview pending migrations against the real database, in a transaction that is always rolled back.

    Per statement: the locks PostgreSQL took, table rewrites and scans, sizes, errors (with file and line),
    online rewrites, and lint findings. Exits 6 when a statement fails or the linter reports an error.
    """

    def render(report: commands.PlanReport) -> int:
        emit_json(report) if as_json else views.show_plan(report)
        return 0 if report.ok else int(ExitCode.VIOLATIONS)

    _run(as_json, lambda: commands.plan(_settings(project, dsn, directory, sets)), render)


@app.command("lint")
def lint(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Migration directories or .sql files [default: the project's].")
    ] = None,
    output: Annotated[str, typer.Option("--format", "-f", help="text, json, github or sarif.")] = "text",
    pg_version: Annotated[
        int, typer.Option("--pg-version", help="PostgreSQL major version the migrations target.")
    ] = DEFAULT_PG_VERSION,
    fail_on: Annotated[
        str, typer.Option("--fail-on", help="Exit 6 on: warning, error or never (info findings never fail).")
    ] = "warning",
    profile: Annotated[
        LintProfile | None,
        typer.Option(
            "--profile",
            help="default: hazards only; strict: opinions (prefer-*) too [default: [lint] profile in tenantdb.toml].",
            case_sensitive=False,
        ),
    ] = None,
    rules: Annotated[bool, typer.Option("--rules", help="List every rule and exit.")] = False,
    project: ProjectOpt = None,
    sets: SetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check migrations for statements that stall writers, fail, lose data, mislead, or expose tenants.

    Hazards run by default; opinions (prefer-text-over-varchar, prefer-bigint-over-int, prefer-identity-over-serial)
    run under --profile strict or when set in tenantdb.toml's [lint.rules] (rule-id = "off", "info", "warning" or
    "error"). A statement the runner rewrites online (CREATE INDEX to CONCURRENTLY, ADD CONSTRAINT to NOT VALID +
    VALIDATE, ...) is reported as info, which never fails. Suppress a finding with
    `-- tenantdb: ignore[rule-id] reason` on the line before the statement.
    """
    if rules:
        lint_output.show_rules()
        return
    output = "json" if as_json else output
    if output not in lint_output.RENDERERS:
        raise typer.BadParameter(f"--format must be one of {', '.join(lint_output.RENDERERS)}")
    if fail_on not in ("warning", "error", "never"):
        raise typer.BadParameter("--fail-on must be warning, error or never")

    def render(report: LintReport) -> int:
        lint_output.RENDERERS[output](report)
        return int(ExitCode.VIOLATIONS) if report.failing(fail_on) else 0

    _run(
        output == "json",
        lambda: commands.lint(
            _settings(project, None, None, sets), [p.resolve() for p in paths or []], pg_version, profile
        ),
        render,
    )


@app.command("new")
def new(
    name: Annotated[str, typer.Argument(help="What the migration does, e.g. 'add cost columns'.")],
    project: ProjectOpt = None,
    directory: DirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create the next migration file(s) in the directory's layout."""
    _run(
        as_json,
        lambda: commands.new_migration(_settings(project, None, directory, None), name),
        lambda paths: emit_json({"created": paths}) if as_json else views.show_created(paths),
    )


@db_app.command("status")
def db_status(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """Show whether the project's embedded PostgreSQL is initialized and running."""
    _run(
        as_json,
        lambda: commands.db_status(_settings(project, None, None, None)),
        _render(as_json, views.show_db_status),
    )


@db_app.command("stop")
def db_stop(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """Stop the project's embedded PostgreSQL (its data is kept)."""
    _run(
        as_json,
        lambda: commands.db_stop(_settings(project, None, None, None)),
        lambda stopped: (
            emit_json({"stopped": stopped}) if as_json else stdout.print("stopped" if stopped else "not running")
        ),
    )


@db_app.command("url")
def db_url(
    database: Annotated[str | None, typer.Option("--database", help="Name another database of the server.")] = None,
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the connection URL (starting the embedded server if that is what is configured)."""
    _run(
        as_json,
        lambda: commands.db_url(_settings(project, dsn, None, None), database),
        lambda url: emit_json({"url": url}) if as_json else print(url),
    )


@app.command("demo")
def demo(
    tenants: Annotated[
        int, typer.Option("--tenants", "-n", help="How many demo companies (tenants) to seed.")
    ] = commands.DEMO_TENANTS,
    random_seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same data.")] = 0,
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Build a demo database and print its executive summary (embedded PostgreSQL unless --dsn).

    Creates a fresh tenantdb_demo database, applies and verifies every bundled module, seeds realistic tenants
    with a year of history up to the end of last month, allocates costs and refreshes the rollups, and prints
    the executive summary of last month. --json prints the whole result, the report model under "executive".
    """
    from tenantdb.cli.demo_progress import DemoProgress

    def action() -> commands.DemoReport:
        settings = _settings(project, dsn, None, None)
        if not as_json:
            stderr.print(f"[cyan]demo:[/] database tenantdb_demo on {escape(commands.describe_target(settings))}")
        with DemoProgress(stderr, quiet=as_json) as progress:
            return commands.run_demo(settings, tenants=tenants, random_seed=random_seed, observer=progress)

    def render(report: commands.DemoReport) -> None:
        if as_json:
            from tenantdb.cli.report_json import emit_report

            emit_report(report)
        else:
            views.show_demo(report)

    _run(as_json, action, render)


@app.command("seed")
def seed(
    tenants: Annotated[int, typer.Option("--tenants", "-n", help="How many companies (tenants) to add.")],
    random_seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same data.")] = 0,
    append: Annotated[
        bool, typer.Option("--append", help="Add the tenants to a database that already has companies.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="UTC day the generated history ends, YYYY-MM-DD (today when omitted).", show_default=False
        ),
    ] = None,
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fill every enabled module with realistic, consistent data, generated inside PostgreSQL.

    Companies with users, teams and licenses; subscriptions, 12 months of payments and the ledger; affiliates,
    referrals and commissions; usage events and aggregates; sending servers, IP addresses and 90 days of
    deliverability; AI analyses, as the enabled modules define them. Each module is one transaction; every
    constraint, trigger and verify block holds afterwards. Needs the modules applied (`tenantdb migrate up`) and,
    without --append, a database without companies.
    """

    def action() -> commands.SeedReport:
        settings = _settings(project, dsn, None, None)
        return commands.seed(
            settings,
            tenants=tenants,
            random_seed=random_seed,
            append=append,
            as_of=_parse_day(as_of, "--as-of"),
            observer=SeedProgress(stderr, quiet=as_json),
        )

    _run(as_json, action, _render(as_json, views.show_seed))


def _parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} {text!r}: expected a date like 2025-06-30") from None


@archive_app.command("list")
def archive_list(project: ProjectOpt = None, dsn: DsnOpt = None, as_json: JsonOpt = False) -> None:
    """Every archived table, column and set of rows: where it came from, how many rows, its state."""
    _run(
        as_json,
        lambda: commands.archive_list(_settings(project, dsn, None, None)),
        _render(as_json, views.show_archive_list),
    )


@archive_app.command("show")
def archive_show(
    entry_id: Annotated[int, typer.Argument(help="The archive entry's id (see `tenantdb archive list`).")],
    limit: Annotated[int, typer.Option("--limit", help="How many archived rows to show.")] = 20,
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One archive entry and a sample of its rows."""
    _run(
        as_json,
        lambda: commands.archive_show(_settings(project, dsn, None, None), entry_id, limit),
        _render(as_json, views.show_archive_entry),
    )


@archive_app.command("restore")
def archive_restore(
    entry_id: Annotated[int, typer.Argument(help="The archive entry's id (see `tenantdb archive list`).")],
    force: Annotated[bool, typer.Option("--force", help="Restore again an entry already restored.")] = False,
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Put archived data back into its table, cast to the live types (rows whose key exists are skipped, rows a
    rolled-back migration wrote stay archived: it recreates them)."""
    _run(
        as_json,
        lambda: commands.archive_restore(_settings(project, dsn, None, None), entry_id, force=force),
        lambda report: (
            emit_json(report)
            if as_json
            else stdout.print(
                f"restored {report.rows_written} row(s) into {escape(report.entry.object_name)}"
                + (f"; left {report.rows_left} written by migrations that recreate them" if report.rows_left else "")
            )
        ),
    )


@archive_app.command("purge")
def archive_purge(
    older_than: Annotated[str, typer.Option("--older-than", help="Age, e.g. 30d, 12h (required).")],
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Drop archive copies older than the given age. Nothing is ever purged automatically."""

    def action() -> Any:
        return commands.archive_purge(_settings(project, dsn, None, None), parse_age(older_than))

    _run(
        as_json,
        action,
        lambda purged: (
            emit_json({"purged": purged}) if as_json else stdout.print(f"purged {len(purged)} archive copie(s)")
        ),
    )


@modules_app.command("list")
def modules_list(project: ProjectOpt = None, as_json: JsonOpt = False) -> None:
    """Every bundled module: what it holds, what it requires, whether this project enables it."""
    _run(
        as_json,
        lambda: commands.modules_info(_settings(project, None, None, None)),
        _render(as_json, views.show_modules),
    )


@modules_app.command("show")
def modules_show(
    name: Annotated[str, typer.Argument(help="Module name, e.g. billing.")],
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One module: its migrations and tables (docs/modules/<name>.md has the columns)."""
    _run(
        as_json,
        lambda: commands.modules_info(_settings(project, None, None, None), name),
        lambda modules: emit_json(modules[0]) if as_json else views.show_module(modules[0]),
    )


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``90min`` or any duration tenantdb.toml accepts."""
    stripped = text.strip().lower()
    if stripped.endswith("d") and stripped[:-1].replace(".", "", 1).isdigit():
        return timedelta(days=float(stripped[:-1]))
    return parse_duration(stripped, key="--older-than")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BrokenPipeError:
        sys.exit(0)
