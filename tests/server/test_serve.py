"""``tenantdb serve`` as a real process on a free port: health, an API call with a token, no token in the logs;
and a clear error on a database without module api."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from tenantdb import commands
from tenantdb.cli.app import app
from tenantdb.config import load_settings
from tenantdb.db.api_tokens import Scope
from tenantdb.errors import ExitCode
from tenantdb.server.settings import ServerSettings
from tests.server.conftest import ServerWorld


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_health_and_the_api_with_a_token(server_world: ServerWorld) -> None:
    token = server_world.token(Scope.EXECUTIVE)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tenantdb", "serve", "--port", str(port), "--dsn", server_world.dsn],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "TENANTDB_DSN": ""},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "tenantdb serve did not start in 30 s"
                time.sleep(0.2)
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        months = httpx.get(f"{base}/api/v1/months", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert months.status_code == 200, months.text
        assert months.json()["months"]
        leaked = httpx.get(f"{base}/api/v1/months?token={token}", timeout=10)
        assert leaked.status_code == 401
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert "GET /api/v1/months" in output
    assert "uvloop + httptools" in output  # uvicorn's C loop and parser, not asyncio's loop and h11
    assert token not in output and token[4:] not in output


def test_serve_refuses_a_database_without_module_api(dsn: str) -> None:
    result = CliRunner().invoke(app, ["serve", "--dsn", dsn, "--port", str(free_port())])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "no module api" in result.stderr and "tenantdb demo" in result.stderr


def test_windows_gets_asyncios_loop_and_every_other_platform_uvloop() -> None:
    from tenantdb.server.protocols import server_protocols

    assert server_protocols("win32").describe() == "asyncio + httptools"
    assert server_protocols("linux").describe() == server_protocols("darwin").describe() == "uvloop + httptools"


def test_settings_survive_the_trip_to_the_workers() -> None:
    settings = ServerSettings(dsn="postgresql://x", cors_origins=("https://a.example",))
    assert ServerSettings.from_json(settings.to_json()) == settings


def test_serve_warns_of_signed_mode_without_a_key(server_world: ServerWorld, tmp_path: Path) -> None:
    from tenantdb.db.context_keys import add_context_key, remove_context_key

    settings = load_settings(tmp_path).with_overrides(dsn=server_world.dsn)
    assert not any("signed" in warning for warning in commands.api_ready(settings, has_context_key=False))
    with server_world.admin() as admin:
        key = add_context_key(admin)
    try:
        warnings = commands.api_ready(settings, has_context_key=False)
        assert any("TENANTDB_CONTEXT_KEY is not set" in warning for warning in warnings)
        assert not any("signed" in w for w in commands.api_ready(settings, has_context_key=True))
    finally:
        with server_world.admin() as admin:
            remove_context_key(admin, key.key_id)
