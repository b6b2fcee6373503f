"""``tenantdb migrate``, ``rollback``, ``plan`` and ``new``: apply, roll back, preview and create migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tenantdb import commands
from tenantdb.cli import views
from tenantdb.cli.options import (
    AllowChangedOpt,
    DirOpt,
    DsnOpt,
    JsonOpt,
    ProjectOpt,
    SetOpt,
)
from tenantdb.cli.options import render_view as _render
from tenantdb.cli.options import run_command as _run
from tenantdb.cli.options import settings_from as _settings
from tenantdb.cli.progress import ConsoleObserver
from tenantdb.cli.render import emit_json, stderr
from tenantdb.config import CONFIG_FILE
from tenantdb.errors import ExitCode
from tenantdb.execute import RunRequest
from tenantdb.migrations import Direction
from tenantdb.phases import PhasesReport

migrate_app = typer.Typer(help="Apply, roll back, verify and test migrations.", no_args_is_help=True)


@migrate_app.command("status")
def migrate_status(
    project: ProjectOpt = None,
    dsn: DsnOpt = None,
    directory: DirOpt = None,
    sets: SetOpt = None,
    as_json: JsonOpt = False,
    check: Annotated[
        bool,
        typer.Option("--check", help="Exit 6 when anything is pending, interrupted, changed, missing or broken (CI)."),
    ] = False,
) -> None:
    """Show every migration: applied, pending, edited since applied, or applied without a file."""

    def render(report: commands.StatusReport) -> int | None:
        _render(as_json, views.show_status)(report)
        return int(ExitCode.VIOLATIONS) if check and not report.settled else None

    _run(as_json, lambda: commands.migrate_status(_settings(project, dsn, directory, sets)), render)


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
