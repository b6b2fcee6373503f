"""``tenantdb serve``: the HTTP API and the dashboard under uvicorn (docs/server.md)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from tenantdb import commands
from tenantdb.cli.options import Common, Shared, shared
from tenantdb.cli.render import stderr
from tenantdb.errors import ConfigError


@shared(Shared.PROJECT, Shared.DSN)
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0 for every interface).")] = "",
    port: Annotated[int, typer.Option("--port", help="TCP port \\[default: 8000, or [server] port].")] = 0,
    workers: Annotated[int, typer.Option("--workers", help="Worker processes \\[default: 1].")] = 0,
    *,
    common: Common,
) -> None:
    """Serve the HTTP API (/api/v1, OpenAPI at /api/v1/openapi.json) and the executive dashboard.

    Uses the configured database or the embedded one, like every command; module api must be applied (tenantdb
    demo does). Log in to the dashboard with a token from `tenantdb tokens create --scope executive`.
    Rate limits are per worker process (docs/server.md).
    """
    from tenantdb.server.app import SETTINGS_VARIABLE
    from tenantdb.server.settings import ServerSettings, server_settings

    def action() -> ServerSettings:
        settings = common.settings()
        target = commands.resolve_dsn(settings)
        resolved = server_settings(settings, target).with_options(
            host=host or None, port=port or None, workers=workers or None
        )
        for warning in commands.api_ready(settings, has_context_key=resolved.context_signer is not None):
            stderr.print(f"[yellow]warning:[/] {warning}")
        if not 0 < resolved.port < 65536 or resolved.workers < 1:
            raise ConfigError("--port must be 1..65535 and --workers at least 1")
        return resolved

    def run(resolved: ServerSettings) -> None:
        import uvicorn

        from tenantdb.server.logs import log_config
        from tenantdb.server.protocols import server_protocols

        os.environ[SETTINGS_VARIABLE] = resolved.to_json()
        protocols = server_protocols()
        stderr.print(
            f"[cyan]serve:[/] http://{resolved.host}:{resolved.port}/ (dashboard), "
            f"/api/v1/openapi.json (API); {commands.describe_target(common.settings())}; {protocols.describe()}"
        )
        uvicorn.run(
            "tenantdb.server.app:app_from_environment",
            factory=True,
            host=resolved.host,
            port=resolved.port,
            workers=resolved.workers,
            log_config=log_config(),
            server_header=False,
            proxy_headers=False,
            loop=protocols.loop,
            http=protocols.http,
        )

    common.run(action, run)
