"""``tenantdb tokens``: API tokens for ``tenantdb serve`` — create (shown once), list (prefixes only), revoke."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

import typer
from rich.markup import escape

from tenantdb import commands
from tenantdb.cli.documents import emit_json
from tenantdb.cli.options import DATABASE, Common, shared
from tenantdb.cli.render import stdout
from tenantdb.db.api_tokens import ApiToken, NewApiToken
from tenantdb.errors import ConfigError

tokens_app = typer.Typer(
    help="API tokens of `tenantdb serve` (docs/server.md): scoped, stored as hashes, shown once.",
    no_args_is_help=True,
)

_LIFETIME = re.compile(r"(\d+)\s*(d|h)")


def parse_lifetime(text: str) -> timedelta:
    """``90d`` or ``12h``; at most 365 days."""
    match = _LIFETIME.fullmatch(text.strip().lower())
    amount = int(match.group(1)) if match else 0
    if not match or amount <= 0:
        raise ConfigError(f"--expires {text!r}: expected a number of days or hours, like 90d or 12h")
    lifetime = timedelta(days=amount) if match.group(2) == "d" else timedelta(hours=amount)
    if lifetime > commands.MAX_LIFETIME:
        raise ConfigError(f"--expires {text!r}: at most {commands.MAX_LIFETIME.days}d; make a new token when it ends")
    return lifetime


def _document(token: ApiToken) -> dict[str, object]:
    return {
        "id": str(token.token_id),
        "name": token.name,
        "scope": token.scope.value,
        "tenant": token.tenant_slug,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "last_used_at": token.last_used_at,
    }


@tokens_app.command("create")
@shared(*DATABASE)
def create(
    scope: Annotated[
        str, typer.Option("--scope", help="executive, analyst, admin, or tenant:<slug> (one customer's data).")
    ],
    name: Annotated[str | None, typer.Option("--name", help="What the token is for (shown in listings).")] = None,
    expires: Annotated[str, typer.Option("--expires", help="Lifetime: days or hours, at most 365d.")] = "90d",
    *,
    common: Common,
) -> None:
    """Make a random token and print it once: only its SHA-256 is stored, so it cannot be shown again."""

    def render(made: NewApiToken) -> None:
        stdout.print(f"token: {made.secret}", soft_wrap=True, highlight=False)
        stdout.print(
            f"scope {made.token.scope}{f' ({made.token.tenant_slug})' if made.token.tenant_slug else ''}, "
            f"id {made.token.token_id}, expires {made.token.expires_at:%Y-%m-%d %H:%M %Z}. Store it now: it is not "
            "shown again. Use it as `Authorization: Bearer <token>` or paste it into the dashboard's login page."
        )

    common.run(
        lambda: commands.tokens_create(common.settings(), scope=scope, name=name, lifetime=parse_lifetime(expires)),
        render,
        emit=lambda made: emit_json({**_document(made.token), "token": made.secret}),
    )


@tokens_app.command("list")
@shared(*DATABASE)
def list_(common: Common) -> None:
    """Every token: id, prefix, scope, dates (never the token itself)."""

    def render(listed: commands.TokenList) -> None:
        if not listed.tokens:
            stdout.print("no API tokens yet (`tenantdb tokens create --scope executive`)")
            return
        for token in listed.tokens:  # one line each: whole in a pipe or a narrow terminal
            scope = f"tenant:{token.tenant_slug}" if token.tenant_slug else token.scope.value
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            stdout.print(
                f"{token.prefix}  {escape(scope)}  {state}  expires {token.expires_at:%Y-%m-%d}  last used {used}  "
                f"id {token.token_id}  {escape(token.name)}",
                soft_wrap=True,
                highlight=False,
            )

    common.run(
        lambda: commands.tokens_list(common.settings()),
        render,
        emit=lambda listed: emit_json({"tokens": [_document(token) for token in listed.tokens]}),
    )


@tokens_app.command("revoke")
@shared(*DATABASE)
def revoke(
    token: Annotated[str, typer.Argument(help="The token's id or prefix (tdb_xxxxxxxx), as `tokens list` shows.")],
    *,
    common: Common,
) -> None:
    """Revoke a token at once: requests and dashboard sessions made with it stop working."""

    common.run(
        lambda: commands.tokens_revoke(common.settings(), token),
        lambda revoked: stdout.print(f"revoked {revoked.prefix} ({revoked.token_id})"),
        emit=lambda revoked: emit_json(_document(revoked)),
    )
