"""``tenantdb init``: start a project (tenantdb.toml, a migrations directory, the chosen schema modules)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from tenantdb.cli.options import Common, Shared, shared
from tenantdb.cli.render import stdout
from tenantdb.commands.init import InitReport, init_project
from tenantdb.migrations import Layout


@shared(Shared.JSON)
def init(
    directory: Annotated[
        Path | None, typer.Argument(help="Project directory (created if missing) [default: current directory].")
    ] = None,
    modules: Annotated[
        list[str] | None,
        typer.Option("--module", "-m", help="Bundled schema module to enable, with what it requires (repeatable)."),
    ] = None,
    all_modules: Annotated[bool, typer.Option("--all-modules", help="Enable every bundled schema module.")] = False,
    migrations_dir: Annotated[
        str, typer.Option("--migrations-dir", help="Migrations directory, relative to the project.")
    ] = "migrations",
    layout: Annotated[
        Layout | None,
        typer.Option(
            "--layout",
            help="File layout of the migrations (native, golang-migrate, flyway, ...) [default: the layout of the "
            "migrations already in the directory, else native].",
            show_default=False,
        ),
    ] = None,
    *,
    common: Common,
) -> None:
    """Create tenantdb.toml and the migrations directory; refuses, changing nothing, where tenantdb.toml exists.

    In a git work tree it also lists .tenantdb/ (the embedded server's data) in .gitignore. `tenantdb modules list`
    shows the modules; `tenantdb new NAME` then writes the first migration.
    """

    def action() -> InitReport:
        from tenantdb.modules import available_modules

        chosen = tuple(available_modules()) if all_modules else tuple(modules or ())
        return init_project(directory or Path.cwd(), modules=chosen, directory=migrations_dir, layout=layout)

    common.run(action, _show)


def _show(report: InitReport) -> None:
    stdout.print(f"created {escape(str(report.config_file))}")
    where = escape(str(report.migrations_dir))
    if report.migrations_found:
        stdout.print(f"found {report.migrations_found} migrations in {where}/ ({report.layout.value} layout)")
    else:
        stdout.print(f"created {where}/ ({report.layout.value} layout)")
    stdout.print(f"modules: {', '.join(report.modules) or 'none (add them with modules = [...] in tenantdb.toml)'}")
    if report.gitignore is not None:
        stdout.print(f".tenantdb/ is listed in {escape(str(report.gitignore))}")
    here = report.config_file.parent
    cd = "" if here == Path.cwd().resolve() else f"  cd {here}\n"
    if report.migrations_found:
        steps = (
            "  tenantdb migrate status          # what the database has of them (adopts an existing ledger)\n"
            "  tenantdb lint                    # what in them could lock, lose data or fail on re-run"
        )
    else:
        steps = "  tenantdb new 'create accounts'   # the first migration file\n"
        steps += "  tenantdb migrate up              # embedded PostgreSQL unless TENANTDB_DSN or [database] dsn"
    stdout.print(f"Next:\n{cd}{steps}", markup=False)
