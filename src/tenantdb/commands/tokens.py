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
from tenantdb.db.request_context import signed_mode
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
            f"{text!r}: expected executive, analyst, admin or tenant:<slug>",
            option="scope",
            hint="a tenant token names its tenant by slug, e.g. tenant:acme",
        )
    return scope, slug or None


def tokens_create(settings: Settings, *, scope: str, name: str | None, lifetime: timedelta) -> NewApiToken:
    parsed, tenant = parse_scope(scope)
    if not timedelta(0) < lifetime <= MAX_LIFETIME:
        raise ConfigError(f"must be at most {MAX_LIFETIME.days}d, and more than nothing", option="expires")
    with open_session(settings, "tokens") as session:
        return create_token(session, name=name or f"{scope} token", scope=parsed, tenant=tenant, lifetime=lifetime)


def tokens_list(settings: Settings) -> TokenList:
    with open_session(settings, "tokens") as session:
        return TokenList(tokens=tuple(list_tokens(session)))


def tokens_revoke(settings: Settings, ident: str) -> ApiToken:
    with open_session(settings, "tokens") as session:
        return revoke_token(session, ident)


def api_ready(settings: Settings, *, has_context_key: bool) -> list[str]:
    """Refuse to serve a database without module api, saying how to get it; warnings worth printing at start."""
    with open_session(settings, "serve") as session:
        if not api_module_applied(session):
            raise ConfigError(
                f"{session.database} has no module api: `tenantdb serve` needs its tokens",
                hint="run `tenantdb demo` and use the TENANTDB_DSN it prints, or apply module api (add "
                '"api" to modules in tenantdb.toml and run `tenantdb migrate up`)',
            )
        warnings = []
        if signed_mode(session) and not has_context_key:
            warnings.append(
                "the database is in signed tenant-context mode and TENANTDB_CONTEXT_KEY is not set: tenant tokens "
                "will get 500 (operator scopes work)"
            )
        if session.fetch_value("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"):
            warnings.append(
                f"logged in as {session.user}, a superuser or BYPASSRLS role: fine for a demo; in production "
                "serve with a login role of its own (docs/server.md)"
            )
        return warnings
