"""``tenantdb tokens create|list|revoke``: the secret printed once, only its hash stored, clear errors."""

from __future__ import annotations

import hashlib
import json

import pytest
from typer.testing import CliRunner

from tenantdb.cli.app import app
from tenantdb.cli.tokens_app import parse_lifetime
from tenantdb.errors import ConfigError, ExitCode
from tests.server.conftest import ServerWorld


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def tokens(world: ServerWorld, *args: str) -> tuple[int, str, str]:
    return run("tokens", *args, "--dsn", world.dsn)


def test_create_prints_the_token_once_and_stores_only_its_hash(server_world: ServerWorld) -> None:
    code, out, err = tokens(server_world, "create", "--scope", "tenant:alpha-mail", "--name", "alpha bi", "--json")
    assert code == 0, err
    created = json.loads(out)
    secret = created["token"]
    assert secret.startswith("tdb_") and len(secret) >= 40
    assert created["scope"] == "tenant" and created["tenant"] == "alpha-mail" and created["prefix"] == secret[:12]
    with server_world.admin() as admin:
        row = admin.fetch_one("SELECT token_hash, prefix FROM api_tokens WHERE token_id = %s", (created["id"],))
        dump = admin.fetch_value("SELECT string_agg(t::text, ' ') FROM api_tokens t")
    assert row is not None and bytes(row[0]) == hashlib.sha256(secret.encode()).digest()
    assert secret not in dump
    code, listed, _ = tokens(server_world, "list", "--json")
    assert code == 0 and secret not in listed
    assert any(item["id"] == created["id"] and item["prefix"] == secret[:12] for item in json.loads(listed)["tokens"])
    code, text, _ = tokens(server_world, "list")
    assert code == 0 and secret[:12] in text and secret not in text


def test_revoke_by_prefix_or_id(server_world: ServerWorld) -> None:
    first = json.loads(tokens(server_world, "create", "--scope", "executive", "--json")[1])
    second = json.loads(tokens(server_world, "create", "--scope", "admin", "--expires", "7d", "--json")[1])
    assert tokens(server_world, "revoke", first["prefix"])[0] == 0
    assert tokens(server_world, "revoke", second["id"], "--json")[0] == 0
    listed = {item["id"]: item for item in json.loads(tokens(server_world, "list", "--json")[1])["tokens"]}
    assert listed[first["id"]]["revoked_at"] and listed[second["id"]]["revoked_at"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--scope", "tenant:no-such-tenant"), "no tenant with slug 'no-such-tenant'"),
        (("--scope", "owner"), "--scope 'owner'"),
        (("--scope", "executive", "--expires", "soon"), "--expires 'soon'"),
        (("--scope", "executive", "--expires", "400d"), "at most 365d"),
    ],
)
def test_bad_input_is_a_clear_error_and_changes_nothing(
    server_world: ServerWorld, args: tuple[str, ...], message: str
) -> None:
    with server_world.admin() as admin:
        before = admin.fetch_value("SELECT count(*) FROM api_tokens")
    code, _, err = tokens(server_world, "create", *args)
    assert code == ExitCode.BAD_INPUT and message in err
    with server_world.admin() as admin:
        assert admin.fetch_value("SELECT count(*) FROM api_tokens") == before
    assert tokens(server_world, "revoke", "tdb_unknown1")[0] == ExitCode.BAD_INPUT


def test_tokens_without_module_api_say_how_to_get_it(dsn: str) -> None:
    code, _, err = run("tokens", "list", "--dsn", dsn)
    assert code == ExitCode.BAD_INPUT
    assert "module api is not applied" in err and "tenantdb demo" in err


def test_lifetimes() -> None:
    assert parse_lifetime("90d").days == 90
    assert parse_lifetime("12h").total_seconds() == 12 * 3600
    with pytest.raises(ConfigError):
        parse_lifetime("0d")
