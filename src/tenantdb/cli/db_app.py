"""``tenantdb db`` and ``tenantdb archive``: the embedded server, and data archived before migrations destroyed it."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.markup import escape

from tenantdb import commands
from tenantdb.cli import views
from tenantdb.cli.maintain_cmd import maintain
from tenantdb.cli.options import (
    DsnOpt,
    JsonOpt,
    ProjectOpt,
)
from tenantdb.cli.options import render_view as _render
from tenantdb.cli.options import run_command as _run
from tenantdb.cli.options import settings_from as _settings
from tenantdb.cli.render import emit_json, stdout
from tenantdb.config import parse_duration

db_app = typer.Typer(help="The embedded PostgreSQL server used when no DSN is configured.", no_args_is_help=True)
archive_app = typer.Typer(
    help="Data archived before migrations destroyed it: list, inspect, restore, purge.", no_args_is_help=True
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
def db_stop(
    every: Annotated[
        bool, typer.Option("--all", help="Stop every embedded server you started, from any project directory.")
    ] = False,
    project: ProjectOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Stop the project's embedded PostgreSQL (its data is kept); --all stops every one you started."""
    if every:
        _run(as_json, commands.db_stop_all, _render(as_json, views.show_stopped_servers))
        return
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


db_app.command("maintain")(maintain)


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


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``90min`` or any duration tenantdb.toml accepts."""
    stripped = text.strip().lower()
    if stripped.endswith("d") and stripped[:-1].replace(".", "", 1).isdigit():
        return timedelta(days=float(stripped[:-1]))
    return parse_duration(stripped, key="--older-than")
