"""``tenantdb context``: switching a database to signed tenant tokens, rotating and removing keys, as a user would."""

from __future__ import annotations

import json
import secrets
from uuid import UUID

from psycopg import sql

from tenantdb.db import Session, connect
from tenantdb.db.tenant_context import tenant_transaction
from tenantdb.tenant_token import TenantTokenSigner
from tests import recipes
from tests.helpers import cli
from tests.modules.support import new_company

dsn = recipes.database_fixture(recipes.modules_applied(["security"]))  # every test starts with security applied


def test_key_add_switches_to_signed_mode_and_its_secret_signs_working_tokens(
    empty_dsn: str, dsn: str, session: Session
) -> None:
    plain = cli("context", "status", "--dsn", empty_dsn, "--json")
    assert plain.returncode == 3 and "module security is not applied" in json.loads(plain.stdout)["message"]
    tenant = UUID(new_company(session, "acme"))
    assert json.loads(cli("context", "status", "--dsn", dsn, "--json").stdout) == {"mode": "plain", "keys": []}

    added = cli("context", "key", "add", "--dsn", dsn, "--json")
    assert added.returncode == 0, added.stderr
    key = json.loads(added.stdout)
    signer = TenantTokenSigner(key_id=UUID(key["key_id"]), secret=bytes.fromhex(key["secret"]))
    status = json.loads(cli("context", "status", "--dsn", dsn, "--json").stdout)
    assert status["mode"] == "signed" and [k["key_id"] for k in status["keys"]] == [key["key_id"]]
    assert key["secret"] not in cli("context", "key", "list", "--dsn", dsn).stdout

    with connect(dsn) as app:
        with tenant_transaction(app, role="tenant_api", token=signer.sign(tenant)):
            assert app.fetch_value("SELECT count(*) FROM companies") == 1
        with tenant_transaction(app, role="tenant_api", tenant=tenant):  # the plain setting no longer counts
            assert app.fetch_value("SELECT count(*) FROM companies") == 0


def test_removing_the_last_key_needs_yes_and_a_bad_id_is_a_clear_error(dsn: str, session: Session) -> None:
    key = json.loads(cli("context", "key", "add", "--dsn", dsn, "--json").stdout)
    refused = cli("context", "key", "remove", key["key_id"], "--dsn", dsn)
    assert refused.returncode == 3 and "last key" in refused.stderr
    assert json.loads(cli("context", "status", "--dsn", dsn, "--json").stdout)["mode"] == "signed"
    bad = cli("context", "key", "remove", "not-a-uuid", "--dsn", dsn)
    assert bad.returncode == 3 and "not a key id" in bad.stderr
    unknown = cli("context", "key", "remove", "00000000-0000-4000-8000-000000000000", "--dsn", dsn, "--yes")
    assert unknown.returncode == 3 and "no tenant context key" in unknown.stderr
    removed = cli("context", "key", "remove", key["key_id"], "--dsn", dsn, "--yes", "--json")
    assert removed.returncode == 0 and json.loads(removed.stdout) == {"mode": "plain", "keys": []}


def test_rotation_keeps_both_keys_until_the_old_one_is_removed(dsn: str, session: Session) -> None:
    first = json.loads(cli("context", "key", "add", "--dsn", dsn, "--json").stdout)
    second = json.loads(cli("context", "key", "add", "--dsn", dsn, "--json").stdout)
    assert cli("context", "key", "remove", first["key_id"], "--dsn", dsn).returncode == 0  # not the last: no --yes
    keys = json.loads(cli("context", "status", "--dsn", dsn, "--json").stdout)["keys"]
    assert [k["key_id"] for k in keys] == [second["key_id"]]


def test_roles_login_makes_a_bounded_service_login_and_lists_it(dsn: str, session: Session) -> None:
    name = f"api_{secrets.token_hex(4)}"
    try:
        made = cli("roles", "login", name, "--as", "tenant_api", "--statement-timeout", "2s", "--dsn", dsn, "--json")
        assert made.returncode == 0, made.stderr
        assert json.loads(made.stdout)["settings"] == [
            "statement_timeout=2000ms", "lock_timeout=1000ms", "idle_in_transaction_session_timeout=10000ms"
        ]  # fmt: skip
        listed = json.loads(cli("roles", "list", "--dsn", dsn, "--json").stdout)
        assert {"name": name, "group": "tenant_api"}.items() <= next(r for r in listed if r["name"] == name).items()
        again = cli("roles", "login", name, "--as", "tenant_api", "--dsn", dsn)
        assert again.returncode == 3 and "exists already" in again.stderr
        unknown = cli("roles", "login", f"{name}_x", "--as", "postgres", "--dsn", dsn)
        assert unknown.returncode == 3 and "is not a tenantdb role" in unknown.stderr
        bad = cli("roles", "login", f"{name}_y", "--as", "tenant_api", "--lock-timeout", "soon", "--dsn", dsn)
        assert bad.returncode == 3 and "is not a duration" in bad.stderr
    finally:
        session.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
