"""``tenantdb migrate``: apply, roll back, verify and test migrations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tenantdb import commands
from tenantdb.cli import views
from tenantdb.cli.documents import emit_json
from tenantdb.cli.options import MIGRATION, AllowChangedOpt, Common, Judged, shared
from tenantdb.cli.progress import ConsoleObserver
from tenantdb.cli.render import stderr
from tenantdb.config import CONFIG_FILE
from tenantdb.errors import ConfigError
from tenantdb.execute import RunRequest
from tenantdb.migrations import Direction

if TYPE_CHECKING:  # a project without phases does not load them
    from tenantdb.phases import PhasesReport

migrate_app = typer.Typer(help="Apply, roll back, verify and test migrations.", no_args_is_help=True)


@migrate_app.command("status")
@shared(*MIGRATION)
def migrate_status(
    check: Annotated[
        bool,
        typer.Option("--check", help="Exit 6 when anything is pending, interrupted, changed, missing or broken (CI)."),
    ] = False,
    *,
    common: Common,
) -> None:
    """Show every migration: applied, pending, edited since applied, or applied without a file."""

    def action() -> Judged[commands.StatusReport]:
        report = commands.migrate_status(common.settings())
        return Judged(report, not check or report.settled)

    common.run(action, lambda judged: views.show_status(judged.report), emit=lambda judged: emit_json(judged.report))


@migrate_app.command("up")
@shared(*MIGRATION)
def migrate_up(
    to: Annotated[str | None, typer.Option("--to", help="Apply up to and including this version.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would run; change nothing.")] = False,
    allow_changed: AllowChangedOpt = False,
    *,
    common: Common,
) -> None:
    """Apply pending migrations, oldest first, with lock timeouts, retries and resumable journaling."""
    request = RunRequest(
        direction=Direction.UP, target=commands.parse_version(to), allow_changed=allow_changed, dry_run=dry_run
    )

    def action() -> PhasesReport | commands.RunReport:
        settings = common.settings()
        with ConsoleObserver(stderr, quiet=common.as_json) as observer:
            if settings.phases and to is None:
                return commands.migrate_phases(settings, dry_run=dry_run, observer=observer)
            return commands.migrate_run(settings, request, observer)

    def view(report: PhasesReport | commands.RunReport) -> None:
        views.show_run(report) if isinstance(report, commands.RunReport) else views.show_phases(report)

    common.run(action, view)


@migrate_app.command("baseline")
@shared(*MIGRATION)
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
    *,
    common: Common,
) -> None:
    """Adopt a database another tool manages: record what its ledger says is applied, without running it.

    Reads the ledger of golang-migrate, Flyway, goose, dbmate, diesel or Alembic. A dirty or failed state, versions
    without files, Alembic revisions, or a non-empty tenantdb ledger are refused (exit 3) unless --to says what is
    applied.
    """

    def action() -> commands.BaselineReport:
        with ConsoleObserver(stderr, quiet=common.as_json) as observer:
            return commands.migrate_baseline(
                common.settings(), to=commands.parse_version(to), dry_run=dry_run, observer=observer
            )

    common.run(action, views.show_baseline)


@migrate_app.command("down")
@shared(*MIGRATION)
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
    *,
    common: Common,
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

    def action() -> commands.RunReport:
        with ConsoleObserver(stderr, quiet=common.as_json) as observer:
            return commands.migrate_run(common.settings(), request, observer)

    common.run(action, views.show_run)


@migrate_app.command("redo")
@shared(*MIGRATION)
def migrate_redo(allow_changed: AllowChangedOpt = False, *, common: Common) -> None:
    """Roll back the newest migration and apply it again (while you iterate on it)."""

    def action() -> list[commands.RunReport]:
        with ConsoleObserver(stderr, quiet=common.as_json) as observer:
            return commands.migrate_redo(common.settings(), allow_changed=allow_changed, observer=observer)

    common.run(action, views.show_runs)


@migrate_app.command("history")
@shared(*MIGRATION)
def migrate_history(
    limit: Annotated[int, typer.Option("--limit", help="How many recent events to show.")] = 30,
    *,
    common: Common,
) -> None:
    """Show applied migrations (who, where, when, how long) and the recent event log."""
    common.run(lambda: commands.migrate_history(common.settings(), limit=limit), views.show_history)


@migrate_app.command("verify")
@shared(*MIGRATION)
def migrate_verify(common: Common) -> None:
    """Run every applied migration's verify block and check for INVALID indexes and NOT VALID constraints.

    Exits with 6 when anything is found.
    """
    common.run(lambda: commands.migrate_verify(common.settings()), views.show_verify)


@migrate_app.command("test")
@shared(*MIGRATION)
def migrate_test(
    path: Annotated[
        Path | None, typer.Argument(help="Migrations directory, or a project directory with tenantdb.toml.")
    ] = None,
    *,
    common: Common,
) -> None:
    """Apply all, roll back all, apply all again on a scratch database; the catalog must match each time.

    The scratch database is created next to the configured one (or on the embedded server) and dropped after.
    """

    def action() -> commands.RoundTripReport:
        if path is not None and (path / CONFIG_FILE).is_file():
            settings = common.settings(project=common.project or path)
        elif path is not None and common.directory is not None:
            raise ConfigError(
                f"two migrations directories: {path} and --dir {common.directory}", hint="name the directory once"
            )
        else:
            settings = common.settings(directory=path)
        with ConsoleObserver(stderr, quiet=True) as observer:
            say = (lambda _: None) if common.as_json else (lambda stage: stderr.print(f"[cyan]{stage}[/]"))
            return commands.migrate_test(settings, observer, say)

    common.run(action, views.show_round_trip)
