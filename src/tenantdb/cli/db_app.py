"""``tenantdb db`` and ``tenantdb archive``: the embedded server, and data archived before migrations destroyed it."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.markup import escape

from tenantdb import commands
from tenantdb.cli import views
from tenantdb.cli.documents import emit_json
from tenantdb.cli.maintain_cmd import maintain
from tenantdb.cli.options import DATABASE, MIGRATION, Common, Shared, shared
from tenantdb.cli.render import stdout
from tenantdb.config import parse_duration
from tenantdb.errors import ConfigError

db_app = typer.Typer(help="The embedded PostgreSQL server used when no DSN is configured.", no_args_is_help=True)
archive_app = typer.Typer(
    help="Data archived before migrations destroyed it: list, inspect, restore, purge.", no_args_is_help=True
)


@db_app.command("status")
@shared(Shared.PROJECT, Shared.JSON)
def db_status(common: Common) -> None:
    """Show whether the project's embedded PostgreSQL is initialized and running."""
    common.run(lambda: commands.db_status(common.settings()), views.show_db_status)


@db_app.command("stop")
@shared(Shared.PROJECT, Shared.JSON)
def db_stop(
    every: Annotated[
        bool, typer.Option("--all", help="Stop every embedded server you started, from any project directory.")
    ] = False,
    *,
    common: Common,
) -> None:
    """Stop the project's embedded PostgreSQL (its data is kept); --all stops every one you started."""
    if every:
        common.run(commands.db_stop_all, views.show_stopped_servers)
        return
    common.run(
        lambda: commands.db_stop(common.settings()),
        lambda stopped: stdout.print("stopped" if stopped else "not running"),
        emit=lambda stopped: emit_json({"stopped": stopped}),
    )


@db_app.command("url")
@shared(*DATABASE)
def db_url(
    database: Annotated[str | None, typer.Option("--database", help="Name another database of the server.")] = None,
    *,
    common: Common,
) -> None:
    """Print the connection URL (starting the embedded server if that is what is configured)."""
    common.run(lambda: commands.db_url(common.settings(), database), print, emit=lambda url: emit_json({"url": url}))


db_app.command("maintain")(maintain)


@archive_app.command("list")
@shared(*MIGRATION)
def archive_list(common: Common) -> None:
    """Every archived table, column and set of rows: where it came from, how many rows, its state."""
    common.run(lambda: commands.archive_list(common.settings()), views.show_archive_list)


@archive_app.command("show")
@shared(*MIGRATION)
def archive_show(
    entry_id: Annotated[int, typer.Argument(help="The archive entry's id (see `tenantdb archive list`).")],
    limit: Annotated[int, typer.Option("--limit", help="How many archived rows to show.")] = 20,
    *,
    common: Common,
) -> None:
    """One archive entry and a sample of its rows."""
    common.run(lambda: commands.archive_show(common.settings(), entry_id, limit), views.show_archive_entry)


@archive_app.command("restore")
@shared(*MIGRATION)
def archive_restore(
    entry_id: Annotated[int, typer.Argument(help="The archive entry's id (see `tenantdb archive list`).")],
    force: Annotated[bool, typer.Option("--force", help="Restore again an entry already restored.")] = False,
    *,
    common: Common,
) -> None:
    """Put archived data back into its table, cast to the live types (rows whose key exists are skipped, rows a
    rolled-back migration wrote stay archived: it recreates them)."""
    common.run(
        lambda: commands.archive_restore(common.settings(), entry_id, force=force),
        lambda report: stdout.print(
            f"restored {report.rows_written} row(s) into {escape(report.entry.object_name)}"
            + (f"; left {report.rows_left} written by migrations that recreate them" if report.rows_left else "")
        ),
    )


@archive_app.command("purge")
@shared(*MIGRATION)
def archive_purge(
    older_than: Annotated[str, typer.Option("--older-than", help="Age, e.g. 30d, 12h (required).")],
    *,
    common: Common,
) -> None:
    """Drop archive copies older than the given age. Nothing is ever purged automatically."""
    common.run(
        lambda: commands.archive_purge(common.settings(), parse_age(older_than)),
        lambda purged: stdout.print(f"purged {len(purged)} archive {'copy' if len(purged) == 1 else 'copies'}"),
        emit=lambda purged: emit_json({"purged": purged}),
    )


def parse_age(text: str) -> timedelta:
    """``30d``, ``12h``, ``90min`` or any duration tenantdb.toml accepts."""
    stripped = text.strip().lower()
    if stripped.endswith("d") and stripped[:-1].replace(".", "", 1).isdigit():
        return timedelta(days=float(stripped[:-1]))
    try:
        return parse_duration(stripped, key="--older-than")
    except ConfigError:
        raise ConfigError(
            f"--older-than: {text!r} is not an age", hint="use a number with d, h, min, s or ms, e.g. 30d or 12h"
        ) from None
