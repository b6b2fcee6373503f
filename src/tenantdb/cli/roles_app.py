"""``tenantdb roles``: one login role per service, a member of one of tenantdb's roles, bounded by timeouts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tenantdb import commands
from tenantdb.cli.options import DATABASE, Common, shared
from tenantdb.cli.render import print_table, stdout
from tenantdb.config import parse_duration
from tenantdb.db.service_logins import SERVICE_GROUPS, ServiceLogin, ServiceTimeouts

roles_app = typer.Typer(
    help="Login roles for services (docs/security.md: one per service, SET LOCAL ROLE, pooling).",
    no_args_is_help=True,
)


def show_logins(logins: list[ServiceLogin]) -> None:
    if not logins:
        stdout.print("no login role is a member of tenantdb's roles yet (`tenantdb roles login NAME --as ROLE`)")
        return
    table = Table(title="service logins", title_justify="left")
    table.add_column("login")
    table.add_column("member of")
    table.add_column("defaults")
    for login in logins:
        table.add_row(escape(login.name), login.group, escape(", ".join(login.settings)) or "[red]none[/]")
    print_table(table)


@roles_app.command("login")
@shared(*DATABASE)
def login(
    name: Annotated[str, typer.Argument(help="The new login role, e.g. api_service.")],
    group: Annotated[str, typer.Option("--as", help=f"The role it acts as: {', '.join(SERVICE_GROUPS)}.")],
    statement_timeout: Annotated[str, typer.Option(help="Longest statement.")] = "5s",
    lock_timeout: Annotated[str, typer.Option(help="Longest wait for a lock.")] = "1s",
    idle_timeout: Annotated[str, typer.Option(help="Longest idle time inside a transaction.")] = "10s",
    *,
    common: Common,
) -> None:
    """Create a login role for one service, a member of one role, with timeouts as its session defaults.

    A NOLOGIN role's own settings never apply (PostgreSQL applies defaults only to the role a session logs in as),
    so the bounds that keep one request from holding a table every tenant needs go here. No password is set: use
    psql's \\password NAME (it sends the password hashed) or certificate authentication.
    """

    def action() -> ServiceLogin:
        timeouts = ServiceTimeouts(
            statement=parse_duration(statement_timeout, key="--statement-timeout"),
            lock=parse_duration(lock_timeout, key="--lock-timeout"),
            idle_in_transaction=parse_duration(idle_timeout, key="--idle-timeout"),
        )
        return commands.roles_login(common.settings(), name, group, timeouts)

    def render(created: ServiceLogin) -> None:
        stdout.print(
            f"created login {escape(created.name)}, a member of {created.group}: {', '.join(created.settings)}"
        )
        stdout.print(f"set its password with psql: \\password {escape(created.name)}")

    common.run(action, render)


@roles_app.command("list")
@shared(*DATABASE)
def list_logins(common: Common) -> None:
    """The login roles that are members of tenantdb's roles, and their session defaults."""
    common.run(
        lambda: commands.roles_list(common.settings()),
        show_logins,
    )
