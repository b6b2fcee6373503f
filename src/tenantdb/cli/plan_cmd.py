"""``tenantdb plan``: preview pending migrations against the real database."""

from __future__ import annotations

from typing import Annotated

import typer

from tenantdb import commands
from tenantdb.cli import views
from tenantdb.cli.options import MIGRATION, Common, shared
from tenantdb.config import parse_duration


@shared(*MIGRATION)
def plan(
    statement_timeout: Annotated[
        str,
        typer.Option(
            "--statement-timeout",
            help="Stop the preview at a statement that runs longer (each holds its locks on the live tables until "
            "the preview ends); 0: no limit.",
        ),
    ] = "5s",
    *,
    common: Common,
) -> None:
    """Preview pending migrations against the real database, in a transaction that is always rolled back.

    Per statement: the locks PostgreSQL took, table rewrites and scans, sizes, errors (with file and line),
    online rewrites, and lint findings. Exits 6 when a statement fails or the linter reports an error. A statement
    that runs longer than --statement-timeout is stopped (its locks released) and the preview ends there.
    """
    common.run(
        lambda: commands.plan(
            common.settings(), statement_timeout=parse_duration(statement_timeout, key="--statement-timeout")
        ),
        views.show_plan,
    )
