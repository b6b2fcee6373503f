"""``tenantdb tokens``: API tokens of ``tenantdb serve`` (module api) — make one, list them, revoke one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tenantdb.commands.connection import open_session
from tenantdb.config import Settings
from tenantdb.db.api_tokens import (
    ApiToken,
    NewApiToken,
    Scope,
    api_module_applied,
    create_token,
    list_tokens,
    revoke_token,
)
from tenantdb.errors import ConfigError

DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=365)


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenList:
    tokens: tuple[ApiToken, ...]


def parse_scope(text: str) -> tuple[Scope, str | None]:
    """``executive``, ``analyst``, ``admin`` or ``tenant:<slug>``."""
    name, _, slug = text.strip().partition(":")
    try:
        scope = Scope(name)
    except ValueError:
        scope = None
    if scope is None or (scope is Scope.TENANT) != bool(slug):
        raise ConfigError(
            f"--scope {text!r}: expected executive, analyst, admin or tenant:<slug>",
            hint="a tenant token names its tenant by slug, e.g. --scope tenant:acme",
        )
    return scope, slug or None


def tokens_create(settings: Settings, *, scope: str, name: str | None, lifetime: timedelta) -> NewApiToken:
    parsed, tenant = parse_scope(scope)
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise ConfigError(f"--expires: at most {MAX_LIFETIME.days}d, and more than nothing")
    with open_session(settings, "tokens") as session:
        return create_token(session, name=name or f"{scope} token", scope=parsed, tenant=tenant, lifetime=lifetime)


def tokens_list(settings: Settings) -> TokenList:
    with open_session(settings, "tokens") as session:
        return TokenList(tokens=tuple(list_tokens(session)))


def tokens_revoke(settings: Settings, ident: str) -> ApiToken:
    with open_session(settings, "tokens") as session:
        return revoke_token(session, ident)


def api_ready(settings: Settings) -> None:
    """Refuse to serve a database without module api, saying how to get it."""
    with open_session(settings, "serve") as session:
        if not api_module_applied(session):
            raise ConfigError(
                f"{session.database} has no module api: `tenantdb serve` needs its tokens",
                hint='run `tenantdb demo`, or apply module api (add "api" to modules in tenantdb.toml and run '
                "`tenantdb migrate up`)",
            )
