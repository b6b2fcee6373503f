"""``tenantdb modules``: the bundled schema modules."""

from __future__ import annotations

from typing import Annotated

import typer

from tenantdb import commands
from tenantdb.cli import views
from tenantdb.cli.options import Common, Shared, shared

modules_app = typer.Typer(help="The bundled schema modules (enable them with modules = [...] in tenantdb.toml).")


@modules_app.command("list")
@shared(Shared.PROJECT, Shared.JSON)
def modules_list(common: Common) -> None:
    """Every bundled module: what it holds, what it requires, whether this project enables it."""
    common.run(lambda: commands.modules_info(common.settings()), views.show_modules)


@modules_app.command("show")
@shared(Shared.PROJECT, Shared.JSON)
def modules_show(name: Annotated[str, typer.Argument(help="Module name, e.g. billing.")], *, common: Common) -> None:
    """One module: its migrations and tables (docs/modules/<name>.md has the columns)."""
    common.run(lambda: commands.modules_info(common.settings(), name)[0], views.show_module)
