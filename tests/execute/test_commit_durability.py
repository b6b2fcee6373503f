"""A run's commits are asynchronous but its last (``[runner] durable = "end-of-run"``): each migration still commits
atomically with its ledger row, and the last synchronous commit makes the whole run durable (WAL is flushed in
order); a run that fails flushes on its way out. Alembic's single transaction gives no more, and a 500-migration
run stops paying 500 disk flushes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.config import Durability, load_settings
from tenantdb.db import Session, connect
from tenantdb.errors import ConfigError, MigrationFailed
from tenantdb.migrations import load_migrations
from tests.helpers import up, with_runner, write_files

SEEN = "INSERT INTO seen SELECT current_setting('synchronous_commit'), pg_current_wal_insert_lsn();\n"


def files(count: int, *, failing_last: bool = False) -> dict[str, str]:
    found = {"0001_seen.sql": "-- migrate:up\nCREATE TABLE seen (setting text, lsn pg_lsn);\n" + SEEN}
    for number in range(2, count + 1):
        found[f"{number:04d}_step.sql"] = "-- migrate:up\n" + SEEN
    if failing_last:
        found[f"{count + 1:04d}_broken.sql"] = "-- migrate:up\nSELECT 1 / 0;\n"
    return found


def settings_seen(session: Session) -> list[str]:
    return [row[0] for row in session.fetch_all("SELECT setting FROM seen")]


def durable(session: Session) -> bool:
    """Everything the migrations wrote is on disk (WAL flushed past the last recorded position)."""
    return bool(session.fetch_value("SELECT pg_current_wal_flush_lsn() >= (SELECT max(lsn) FROM seen)"))


def test_a_run_commits_asynchronously_but_its_last_migration(session: Session, tmp_path: Path) -> None:
    before = session.fetch_value("SELECT current_setting('synchronous_commit')")
    up(session, load_migrations(write_files(tmp_path, files(3))))
    assert settings_seen(session) == ["off", "off", before]
    assert session.fetch_value("SELECT current_setting('synchronous_commit')") == before  # SET LOCAL only
    assert durable(session)


def test_each_migration_waits_for_the_disk_when_configured(session: Session, tmp_path: Path) -> None:
    settings = with_runner(durable=Durability.EACH_MIGRATION)
    up(session, load_migrations(write_files(tmp_path, files(3))), settings)
    assert set(settings_seen(session)) == {session.fetch_value("SHOW synchronous_commit")} != {"off"}


def test_a_single_migration_commits_synchronously(session: Session, tmp_path: Path) -> None:
    up(session, load_migrations(write_files(tmp_path, files(1))))
    assert settings_seen(session) != ["off"]


def test_a_failing_step_still_leaves_the_session_restored_and_the_earlier_steps_applied(
    dsn: str, tmp_path: Path
) -> None:
    migrations = load_migrations(write_files(tmp_path, files(2, failing_last=True)))
    with connect(dsn) as session:
        before = session.fetch_value("SELECT current_setting('synchronous_commit')")
        with pytest.raises(MigrationFailed):
            up(session, migrations)
        assert session.fetch_value("SELECT current_setting('synchronous_commit')") == before
        assert settings_seen(session) == ["off", "off"]
        assert session.fetch_value("SELECT count(*) FROM tenantdb.applied_migrations") == 2
        assert durable(session)  # flushed on the way out


def test_the_setting_is_checked(tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text('[runner]\ndurable = "each-migration"\n')
    assert load_settings(tmp_path, environ={}).runner.durable is Durability.EACH_MIGRATION
    (tmp_path / "tenantdb.toml").write_text('[runner]\ndurable = "sometimes"\n')
    with pytest.raises(ConfigError, match=r"runner\.durable .sometimes.: expected one of end-of-run, each-migration"):
        load_settings(tmp_path, environ={})
