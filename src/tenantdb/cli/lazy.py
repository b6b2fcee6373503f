"""The root command group, loading each command's module only when that command is asked for."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, get_args

import typer
from typer._click import Context
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.models import CommandInfo, TyperInfo

from tenantdb.cli.coercion import convert_plainly
from tenantdb.cli.startup import collector_paused

if TYPE_CHECKING:
    from typer import _click as click  # typer bundles click; only its types are needed here

COMMANDS: dict[str, str] = {
    "serve": "tenantdb.cli.serve_cmd:serve",
    "warm": "tenantdb.cli.warm_cmd:warm",
    "rollback": "tenantdb.cli.rollback_cmd:rollback",
    "plan": "tenantdb.cli.plan_cmd:plan",
    "lint": "tenantdb.cli.lint_cmd:lint",
    "init": "tenantdb.cli.init_cmd:init",
    "new": "tenantdb.cli.new_cmd:new",
    "demo": "tenantdb.cli.demo_cmd:demo",
    "seed": "tenantdb.cli.demo_cmd:seed",
    "migrate": "tenantdb.cli.migrate_app:migrate_app",
    "db": "tenantdb.cli.db_app:db_app",
    "archive": "tenantdb.cli.db_app:archive_app",
    "modules": "tenantdb.cli.modules_app:modules_app",
    "bi": "tenantdb.cli.bi_app:bi_app",
    "report": "tenantdb.cli.report_app:report_app",
    "context": "tenantdb.cli.context_app:context_app",
    "roles": "tenantdb.cli.roles_app:roles_app",
    "actions": "tenantdb.cli.actions_app:actions_app",
    "decisions": "tenantdb.cli.decisions_app:decisions_app",
    "events": "tenantdb.cli.events_app:events_app",
    "tokens": "tenantdb.cli.tokens_app:tokens_app",
    "keys": "tenantdb.cli.keys_app:keys_app",
    "audit": "tenantdb.cli.audit_cmd:audit",
}
"""Command name -> ``module:attribute``, a function (one command) or a ``typer.Typer`` (a group), in help order."""


HELP_OPTION_NAMES = ["-h", "--help"]


class LazyGroup(TyperGroup):
    """A typer group whose subcommands in :data:`COMMANDS` are built from their module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in COMMANDS if name not in self.commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = self._load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def _load(self, name: str) -> click.Command:
        module, _, attribute = COMMANDS[name].partition(":")
        with collector_paused():
            target = getattr(import_module(module), attribute)
        if isinstance(target, typer.Typer):
            command: click.Command = typer.main.get_group_from_info(
                TyperInfo(target, name=name),
                pretty_exceptions_short=True,
                suggest_commands=self.suggest_commands,
                rich_markup_mode=self.rich_markup_mode,
            )
        else:
            command = typer.main.get_command_from_info(
                CommandInfo(name=name, callback=target),
                pretty_exceptions_short=True,
                rich_markup_mode=self.rich_markup_mode,
            )
        return plain_help_types(command)

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        params = super().get_params(ctx)  # with --help and the completion flags typer adds to the root
        for param in params:
            _plain_help_type(param)
            convert_plainly(param)
        return params

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and args[0] not in COMMANDS:
            for name in COMMANDS:  # a mistyped command: "did you mean" needs every name loaded
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)


class _RepeatedArgument(TyperArgument):
    """An argument taking several values, shown in help as ``<str>`` beside ``paths...`` (not ``<list[str]>``)."""

    def display_type_rich(self, ctx: click.Context) -> str | None:
        return f"<{_element_type(self)}>"


def _element_type(param: TyperArgument | TyperOption) -> str:
    (element,) = get_args(param.type_descriptor.annotation) or (str,)
    return getattr(element, "__name__", str(element))


def _plain_help_type(param: click.Parameter) -> None:
    if isinstance(param, TyperOption) and param.metavar is None:
        if param.is_flag:
            param.metavar = ""
        elif param.multiple:
            param.metavar = f"<{_element_type(param)}>"
    elif isinstance(param, TyperArgument) and param.nargs != 1 and type(param) is TyperArgument:
        param.__class__ = _RepeatedArgument


def plain_help_types(command: click.Command) -> click.Command:
    """Help names a value's kind, never Python's annotation: no ``<bool>`` on a flag, ``<str>`` for ``list[str]``;
    values of plain types are converted without pydantic (:mod:`tenantdb.cli.coercion`)."""
    help_option = command.get_help_option(Context(command, help_option_names=HELP_OPTION_NAMES))
    for param in [*command.params, *([help_option] if help_option else [])]:
        _plain_help_type(param)
        convert_plainly(param)
    for sub in getattr(command, "commands", {}).values():
        plain_help_types(sub)
    return command
