"""``tenantdb modules``: the bundled schema modules."""

from __future__ import annotations

from typing import Annotated

import typer

from tenantdb import commands
from tenantdb.cli import views
from tenantdb.cli.options import (
    JsonOpt,
    ProjectOpt,
)
from tenantdb.cli.options import render_view as _render
from tenantdb.cli.options import run_command as _run
from tenantdb.cli.options import settings_from as _settings
from tenantdb.cli.render import emit_json

modules_app = typer.Typer(help="The bundled schema modules (enable them with modules = [...] in tenantdb.toml).")


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
