"""The ``tenantdb`` command line (typer). Commands parse options, call :mod:`tenantdb.commands`, render.

Each command group lives in its own module, imported only when that command runs (or when help lists them),
so ``tenantdb lint`` starts without loading the database driver, the server or the BI reports.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from tenantdb import __version__
from tenantdb.cli.lazy import HELP_OPTION_NAMES, LazyGroup

app = typer.Typer(
    name="tenantdb",
    cls=LazyGroup,
    help="Safe PostgreSQL migrations, a tested multi-tenant SaaS schema, and per-tenant unit economics.\n\n"
    "Connects to --dsn, TENANTDB_DSN, DATABASE_URL or \\[database] dsn in tenantdb.toml; with none of them it "
    "starts an embedded PostgreSQL in .tenantdb/ of the project.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": HELP_OPTION_NAMES},
    rich_markup_mode="markdown",
)


def _version_callback(value: bool) -> None:
    if value:
        print(f"tenantdb {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """tenantdb."""


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BrokenPipeError:
        sys.exit(0)
