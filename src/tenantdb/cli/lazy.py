"""The root command group, loading each command's module only when that command is asked for."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

import typer
from typer.core import TyperGroup
from typer.models import CommandInfo, TyperInfo

if TYPE_CHECKING:
    from typer import _click as click  # typer bundles click; only its types are needed here

COMMANDS: dict[str, str] = {
    "serve": "tenantdb.cli.serve_cmd:serve",
    "rollback": "tenantdb.cli.migrate_app:rollback",
    "plan": "tenantdb.cli.migrate_app:plan",
    "lint": "tenantdb.cli.lint_cmd:lint",
    "init": "tenantdb.cli.init_cmd:init",
    "new": "tenantdb.cli.migrate_app:new",
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
        target = getattr(import_module(module), attribute)
        if isinstance(target, typer.Typer):
            return typer.main.get_group_from_info(
                TyperInfo(target, name=name),
                pretty_exceptions_short=True,
                suggest_commands=self.suggest_commands,
                rich_markup_mode=self.rich_markup_mode,
            )
        return typer.main.get_command_from_info(
            CommandInfo(name=name, callback=target),
            pretty_exceptions_short=True,
            rich_markup_mode=self.rich_markup_mode,
        )

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and args[0] not in COMMANDS:
            for name in COMMANDS:  # a mistyped command: "did you mean" needs every name loaded
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)
