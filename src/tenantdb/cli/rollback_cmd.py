"""``tenantdb rollback``: roll back one phase of a phased project (schema, data or feature)."""

from __future__ import annotations

from typing import Annotated

import typer

from tenantdb import commands
from tenantdb.cli import views
from tenantdb.cli.options import MIGRATION, Common, shared
from tenantdb.cli.progress import ConsoleObserver
from tenantdb.cli.render import stderr


@shared(*MIGRATION)
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
    *,
    common: Common,
) -> None:
    """Roll back one phase of a phased project: its schema, only its rows, or its feature.

    `--level data` removes the rows the phase inserted and keeps everything the application wrote since.

    `--level feature` switches the feature off; `--level feature --restore` switches it on with the previous values.
    """

    def action() -> commands.RollbackReport:
        with ConsoleObserver(stderr, quiet=common.as_json) as observer:
            return commands.rollback(
                common.settings(), phase, level, observer, restore=restore, force=force, dry_run=dry_run
            )

    common.run(action, views.show_rollback)
