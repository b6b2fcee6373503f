"""Settings of ``tenantdb serve``: ``[server]`` of tenantdb.toml, then ``TENANTDB_SERVER_*`` variables, then options.

    [server]
    host = "127.0.0.1"
    port = 8000
    workers = 1
    statement_timeout = "5s"        # per request, SET LOCAL in its transaction
    pool_min = 1
    pool_max = 10
    pool_timeout = "5s"             # wait for a pooled connection, then 503
    pool_busy_timeout = "20s"       # ... or this in all while every connection is open and busy (a burst)
    token_rate = 10.0               # requests per second per token (token bucket), burst token_burst
    token_burst = 60
    tenant_rate = 20.0              # per tenant, whatever token it uses
    tenant_burst = 120
    failed_auth_rate = 0.5          # bad tokens / failed logins per second per client address
    failed_auth_burst = 10
    cors_origins = []               # origins allowed to call the API from a browser (none by default)
    session_lifetime = "12h"        # dashboard login
    cache_entries = 1000            # responses kept per worker (LRU; 0: no cache)
    cache_bytes = 67108864          # and their bytes per worker
    cache_shared = true             # the operator scopes' answers also in PostgreSQL, shared by the workers

A signing key for signed tenant context (``tenantdb context key add``) comes from ``TENANTDB_CONTEXT_KEY`` as
``<key id>:<hex secret>``, never from the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from tenantdb.config import Settings, parse_duration, reject_unknown
from tenantdb.errors import ConfigError
from tenantdb.tenant_token import TenantTokenSigner


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerSettings:
    """Everything the HTTP server needs; ``dsn`` is the login role's connection."""

    dsn: str = field(repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    statement_timeout: timedelta = timedelta(seconds=5)
    pool_min: int = 1
    pool_max: int = 10
    pool_timeout: timedelta = timedelta(seconds=5)
    pool_busy_timeout: timedelta = timedelta(seconds=20)  # a live database's pool, every connection in use
    token_rate: float = 10.0
    token_burst: int = 60
    tenant_rate: float = 20.0
    tenant_burst: int = 120
    failed_auth_rate: float = 0.5
    failed_auth_burst: int = 10
    cors_origins: tuple[str, ...] = ()
    session_lifetime: timedelta = timedelta(hours=12)
    cache_entries: int = 1000  # the response cache of each worker (LRU); 0 turns it off
    cache_bytes: int = 64 * 1024 * 1024
    cache_shared: bool = True  # also keep the operator scopes' answers in module api's api_response_cache
    retry_after: int = 5  # seconds, on 503
    context_signer: TenantTokenSigner | None = None

    def with_options(self, **changes: Any) -> ServerSettings:
        return replace(self, **{key: value for key, value in changes.items() if value is not None})

    def to_json(self) -> str:
        """For the worker processes (an environment variable of the server's own process tree)."""
        document: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, timedelta):
                value = value.total_seconds() * 1000
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, TenantTokenSigner):
                value = f"{value.key_id}:{value.secret.hex()}"
            document[name] = value
        return json.dumps(document)

    @classmethod
    def from_json(cls, text: str) -> ServerSettings:
        document = json.loads(text)
        signer = _signer(document.pop("context_signer"))
        values: dict[str, Any] = {
            name: timedelta(milliseconds=value)
            if name in _DURATIONS
            else tuple(value)
            if isinstance(value, list)
            else value
            for name, value in document.items()
        }
        return cls(context_signer=signer, **values)


_DURATIONS = {"statement_timeout", "pool_timeout", "pool_busy_timeout", "session_lifetime"}
_INTS = {
    "port",
    "workers",
    "pool_min",
    "pool_max",
    "token_burst",
    "tenant_burst",
    "failed_auth_burst",
    "retry_after",
    "cache_entries",
    "cache_bytes",
}
_FLOATS = {"token_rate", "tenant_rate", "failed_auth_rate"}
_BOOLS = {"cache_shared"}
_KNOWN = _DURATIONS | _INTS | _FLOATS | _BOOLS | {"host", "cors_origins"}
_TRUTH = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _value(key: str, value: Any) -> Any:
    if key in _DURATIONS:
        return parse_duration(value, key=f"server.{key}")
    if key in _INTS:
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            raise ConfigError(f"server.{key}: expected a whole number, got {value!r}")
        return int(value)
    if key in _BOOLS:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUTH:
            return _TRUTH[value.strip().lower()]
        raise ConfigError(f"server.{key}: expected true or false, got {value!r}")
    if key in _FLOATS:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"server.{key}: expected a number, got {value!r}") from None
        if number <= 0:
            raise ConfigError(f"server.{key}: must be positive")
        return number
    if key == "cors_origins":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise ConfigError("server.cors_origins: expected a list of origins like https://bi.example.com")
        return tuple(item.strip().rstrip("/") for item in items if item.strip())
    if not isinstance(value, str):
        raise ConfigError(f"server.{key}: expected a string")
    return value


def _signer(text: str | None) -> TenantTokenSigner | None:
    if not text:
        return None
    key_id, _, secret = text.partition(":")
    try:
        return TenantTokenSigner(key_id=UUID(key_id), secret=bytes.fromhex(secret))
    except ValueError:
        raise ConfigError(
            "TENANTDB_CONTEXT_KEY: expected <key id>:<hex secret>", hint="`tenantdb context key add` prints both"
        ) from None


def server_settings(settings: Settings, dsn: str, environ: Mapping[str, str] | None = None) -> ServerSettings:
    """``[server]`` of the project's tenantdb.toml overlaid with ``TENANTDB_SERVER_<KEY>`` variables."""
    import tomllib

    environ = os.environ if environ is None else environ
    table: dict[str, Any] = {}
    if settings.config_file is not None and Path(settings.config_file).is_file():
        raw = tomllib.loads(Path(settings.config_file).read_text(encoding="utf-8")).get("server", {})
        if not isinstance(raw, dict):
            raise ConfigError(f"{settings.config_file}: [server] must be a table")
        table = dict(raw)
    reject_unknown(table, _KNOWN, "server", settings.config_file)
    for key in _KNOWN:
        variable = f"TENANTDB_SERVER_{key.upper()}"
        if variable in environ:
            table[key] = environ[variable]
    values = {key: _value(key, value) for key, value in table.items()}
    if values.get("pool_min", 1) > values.get("pool_max", 10) or values.get("pool_max", 10) < 1:
        raise ConfigError("server.pool_min must be at most server.pool_max, and pool_max at least 1")
    return ServerSettings(dsn=dsn, context_signer=_signer(environ.get("TENANTDB_CONTEXT_KEY")), **values)
