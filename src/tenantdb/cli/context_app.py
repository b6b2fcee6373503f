"""``tenantdb context``: plain or signed tenant context, and the keys tenant tokens are signed with."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import typer

from tenantdb import commands
from tenantdb.cli.documents import emit_json
from tenantdb.cli.options import DATABASE, Common, shared
from tenantdb.cli.render import stdout
from tenantdb.db.context_keys import NewContextKey
from tenantdb.errors import ConfigError

context_app = typer.Typer(
    help="The tenant context the row-level security policies trust: the plain setting, or signed tokens "
    "(docs/security.md).",
    no_args_is_help=True,
)
key_app = typer.Typer(help="Keys tenant tokens are signed with (the first one turns signed mode on).")
context_app.add_typer(key_app, name="key")


def show_status(status: commands.ContextStatus) -> None:
    if status.mode is commands.ContextMode.PLAIN:
        stdout.print(
            "mode: [bold]plain[/] — policies trust app.current_tenant_id, which any role can set: right only "
            "when tenants never run SQL. `tenantdb context key add` switches to signed tokens."
        )
    else:
        stdout.print(
            f"mode: [bold]signed[/] — policies trust only app.tenant_context tokens signed with one of "
            f"{len(status.keys)} key(s); the plain setting sees nothing."
        )
    for key in status.keys:
        stdout.print(f"  key {key.key_id}  added {key.created_at:%Y-%m-%d %H:%M:%S %Z}")


@context_app.command("status")
@shared(*DATABASE)
def status(common: Common) -> None:
    """Which mode the database is in, and the ids of its signing keys (never the secrets)."""
    common.run(
        lambda: commands.context_status(common.settings()),
        show_status,
    )


def show_new_key(key: NewContextKey) -> None:
    stdout.print(f"key id: {key.key_id}")
    stdout.print(f"secret: {key.secret.hex()}")
    stdout.print(
        "Store the secret where the application reads its secrets; it is not shown again. Sign with "
        "tenantdb.tenant_token.TenantTokenSigner(key_id=UUID(id), secret=bytes.fromhex(secret)) and set the "
        "token with set_config('app.tenant_context', token, true) in each request's transaction."
    )


@key_app.command("add")
@shared(*DATABASE)
def key_add(common: Common) -> None:
    """Make a random 256-bit signing key and print its id and secret once.

    The first key switches the database to signed mode at once: from then on only requests that present a valid
    token see tenant rows. Deploy the signer first, or add the key in the same release. To rotate: add a key,
    sign with it everywhere, then remove the old one.
    """

    common.run(
        lambda: commands.context_key_add(common.settings()),
        show_new_key,
        emit=lambda key: emit_json(
            {"key_id": str(key.key_id), "secret": key.secret.hex(), "created_at": key.created_at}
        ),
    )


@key_app.command("list")
@shared(*DATABASE)
def key_list(common: Common) -> None:
    """The signing keys' ids and ages (never their secrets)."""
    common.run(lambda: commands.context_status(common.settings()), show_status)


@key_app.command("remove")
@shared(*DATABASE)
def key_remove(
    key_id: Annotated[str, typer.Argument(help="The key's id, as `tenantdb context key list` shows it.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm removing the last key, which returns the database to plain mode.")
    ] = False,
    *,
    common: Common,
) -> None:
    """Remove a signing key: tokens signed with it stop working at once."""

    def action() -> commands.ContextStatus:
        try:
            parsed = UUID(key_id)
        except ValueError:
            raise ConfigError(f"{key_id!r} is not a key id", hint="`tenantdb context key list` shows them") from None
        settings = common.settings()
        current = commands.context_status(settings)
        if not yes and [key.key_id for key in current.keys] == [parsed]:
            raise ConfigError(
                f"{parsed} is the last key: removing it returns the database to plain mode, where whoever can run "
                "SQL as a tenant role names the tenant",
                hint="add the new key first (rotation), or pass --yes to go back to plain mode",
            )
        return commands.context_key_remove(settings, parsed)

    common.run(action, show_status)
