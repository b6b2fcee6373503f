"""Embedded servers do not pile up: each stops after a while without clients, and ``db stop --all`` stops every one
this user started (the README's walk-through used to leave five running)."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tenantdb.config import DEFAULT_IDLE_SHUTDOWN, load_settings
from tenantdb.db import connect, embedded_status, start_embedded, stop_embedded
from tenantdb.db.embedded import postmaster_of
from tenantdb.errors import ConfigError
from tests.helpers import cli

pytestmark = pytest.mark.skipif(
    os.environ.get("TENANTDB_TEST_DSN") is not None, reason="tests use an external server, not the embedded one"
)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    stop_embedded(tmp_path)
    shutil.rmtree(tmp_path / ".tenantdb", ignore_errors=True)


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_a_server_without_clients_stops_by_itself_and_the_next_command_starts_it_again(project: Path) -> None:
    start_embedded(project, idle_shutdown=timedelta(seconds=1))
    assert embedded_status(project).running
    assert wait_for(lambda: not embedded_status(project).running, 30), "the idle server is still running"
    url = start_embedded(project, idle_shutdown=None)
    with connect(url) as session:
        assert session.fetch_one("SELECT 1") == (1,)


def test_a_connected_client_keeps_the_server_running(project: Path) -> None:
    url = start_embedded(project, idle_shutdown=timedelta(seconds=1))
    with connect(url) as session:
        time.sleep(4)  # four idle periods: the watcher has looked several times
        assert embedded_status(project).running
        assert session.fetch_one("SELECT 1") == (1,)
    assert wait_for(lambda: not embedded_status(project).running, 30)


def test_a_command_arriving_during_an_idle_shutdown_waits_and_gets_a_server(project: Path) -> None:
    """A smart shutdown waits for the sessions still open; a command starting then must not fail with "another
    server might be running" but wait for the old postmaster to exit and start a new one."""
    url = start_embedded(project, idle_shutdown=None)
    holder = connect(url)
    old = postmaster_of(project / ".tenantdb" / "pgdata")
    assert old is not None
    os.kill(old.pid, 15)  # what the idle watcher sends: SIGTERM, smart shutdown
    assert wait_for(lambda: postmaster_of(project / ".tenantdb" / "pgdata") is None, 10)  # "stopping" now
    threading.Timer(1.0, holder.close).start()  # the last session ends a second later
    new_url = start_embedded(project, idle_shutdown=None)
    new = postmaster_of(project / ".tenantdb" / "pgdata")
    assert new is not None and new.pid != old.pid
    with connect(new_url) as session:
        assert session.fetch_one("SELECT 1") == (1,)


def test_db_stop_all_stops_every_server_this_user_started(tmp_path: Path) -> None:
    env = {**os.environ, "TENANTDB_STATE_DIR": str(tmp_path / "state")}
    env.pop("TENANTDB_DSN", None)
    env.pop("DATABASE_URL", None)
    projects = [tmp_path / "one", tmp_path / "two"]
    try:
        for directory in projects:
            directory.mkdir()
            assert cli("db", "url", "-C", str(directory), env=env).returncode == 0
        assert all(embedded_status(directory).running for directory in projects)
        done = cli("db", "stop", "--all", "--json", env=env)
        assert done.returncode == 0, done.stderr
        stopped = json.loads(done.stdout)
        assert sorted(Path(entry["data_dir"]) for entry in stopped) == [p / ".tenantdb" / "pgdata" for p in projects]
        assert all(entry["stopped"] for entry in stopped)
        assert not any(embedded_status(directory).running for directory in projects)
        again = cli("db", "stop", "--all", env=env)
        assert again.returncode == 0 and again.stdout.count("not running") == 2, again.stdout
    finally:
        for directory in projects:
            stop_embedded(directory)


def test_db_stop_all_without_servers_says_so(tmp_path: Path) -> None:
    done = cli("db", "stop", "--all", env={**os.environ, "TENANTDB_STATE_DIR": str(tmp_path)})
    assert done.returncode == 0 and "no embedded servers" in done.stdout


def test_idle_shutdown_and_database_name_settings(tmp_path: Path) -> None:
    assert load_settings(tmp_path, environ={}).idle_shutdown == DEFAULT_IDLE_SHUTDOWN
    assert load_settings(tmp_path, environ={"TENANTDB_IDLE_SHUTDOWN": "0"}).idle_shutdown is None
    (tmp_path / "tenantdb.toml").write_text('[database]\nidle_shutdown = "2h"\nname = "tenantdb_demo"\n')
    settings = load_settings(tmp_path, environ={})
    assert settings.idle_shutdown == timedelta(hours=2) and settings.database_name == "tenantdb_demo"
    (tmp_path / "tenantdb.toml").write_text('[database]\nidle_shutdown = "soon"\n')
    with pytest.raises(ConfigError, match="idle_shutdown: 'soon' is not a duration"):
        load_settings(tmp_path, environ={})
    (tmp_path / "tenantdb.toml").write_text('[database]\nname = ""\n')
    with pytest.raises(ConfigError, match=r"database\.name"):
        load_settings(tmp_path, environ={})


def test_commands_use_the_configured_database_of_the_embedded_server(project: Path) -> None:
    env = {**os.environ}
    env.pop("TENANTDB_DSN", None)
    env.pop("DATABASE_URL", None)
    url = start_embedded(project, idle_shutdown=None)
    with connect(url) as session:
        session.execute("CREATE DATABASE app_here")
    (project / "tenantdb.toml").write_text('[database]\nname = "app_here"\n')
    done = cli("db", "url", "-C", str(project), env=env)
    assert done.returncode == 0, done.stderr
    with connect(done.stdout.strip()) as session:
        assert session.fetch_one("SELECT current_database()") == ("app_here",)
