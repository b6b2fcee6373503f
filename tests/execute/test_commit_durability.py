"""A run's commits are asynchronous (``[runner] durable = "end-of-run"``): each migration still commits atomically
with its ledger row, and one flush when the run ends, however it ends, makes the whole run durable (WAL is flushed
in order). Alembic's single transaction gives no more, and a 500-migration run stops paying 500 disk flushes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.config import Durability, load_settings
from tenantdb.db import Session, connect
from tenantdb.errors import ConfigError, MigrationFailed
from tenantdb.execute import RunRequest, migrate
from tenantdb.migrations import Direction, load_migrations
from tests.helpers import InterruptAfter, up, with_runner, write_files

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


def test_a_run_commits_asynchronously_and_flushes_once_at_its_end(session: Session, tmp_path: Path) -> None:
    before = session.fetch_value("SELECT current_setting('synchronous_commit')")
    up(session, load_migrations(write_files(tmp_path, files(3))))
    assert settings_seen(session) == ["off", "off", "off"]
    assert session.fetch_value("SELECT current_setting('synchronous_commit')") == before  # the session's own again
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


# Triggers record the setting every ledger and journal write of the run committed with.
WATCHED = """-- migrate:up
CREATE TABLE seen (setting text, lsn pg_lsn);
CREATE TABLE items (id int);
CREATE FUNCTION note_setting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO seen SELECT current_setting('synchronous_commit'), pg_current_wal_insert_lsn();
  RETURN NULL;
END $$;
CREATE TRIGGER noted AFTER INSERT OR UPDATE ON tenantdb.statement_journal FOR EACH ROW EXECUTE FUNCTION note_setting();
CREATE TRIGGER noted AFTER INSERT ON tenantdb.applied_migrations FOR EACH ROW EXECUTE FUNCTION note_setting();
"""


def test_statement_by_statement_steps_commit_asynchronously_too(session: Session, tmp_path: Path) -> None:
    """The journal marks and ledger row of a step that runs statement by statement (a concurrent index build) wait
    for the disk no more than a transactional step's commit; the run ends durable, the session as it was."""
    before = session.fetch_value("SELECT current_setting('synchronous_commit')")
    migrations = load_migrations(
        write_files(
            tmp_path,
            {
                "0001_watch.sql": WATCHED,
                "0002_index.sql": "-- migrate:up\nCREATE INDEX CONCURRENTLY items_id ON items (id);\n",
                "0003_more.sql": "-- migrate:up\nINSERT INTO items VALUES (1);\n",
            },
        )
    )
    up(session, migrations)
    seen = settings_seen(session)
    assert len(seen) >= 4  # 0001's ledger row, 0002's journal marks and ledger row, 0003's ledger row
    assert set(seen) == {"off"}
    assert session.fetch_value("SELECT current_setting('synchronous_commit')") == before
    assert durable(session)


@pytest.mark.parametrize("durability", list(Durability))
@pytest.mark.parametrize("alone", [False, True], ids=["after-another-step", "alone"])
def test_ctrl_c_inside_a_files_own_transaction_commits_nothing_of_it(
    dsn: str, tmp_path: Path, durability: Durability, alone: bool
) -> None:
    """Nothing on the way out (the run's closing flush, events, the lock's release) commits the half of a
    ``BEGIN ... COMMIT`` block a Ctrl-C interrupted."""
    files = {
        "0001_items.sql": "-- migrate:up\nCREATE TABLE items (id int);\n",
        "0002_block.sql": "-- migrate:up\nCREATE INDEX CONCURRENTLY items_id ON items (id);\n"
        "BEGIN;\nINSERT INTO items VALUES (1);\nINSERT INTO items VALUES (2);\nCOMMIT;\n",
    }
    if alone:  # the interrupted step is the run's only one
        with connect(dsn) as session:
            session.execute("CREATE TABLE items (id int)")
        del files["0001_items.sql"]
    migrations = load_migrations(write_files(tmp_path, files))
    settings = with_runner(durable=durability)
    with connect(dsn) as session, pytest.raises(KeyboardInterrupt):
        migrate(session, migrations, settings, RunRequest(direction=Direction.UP), InterruptAfter("0002", 2))
    with connect(dsn) as session:
        assert session.fetch_value("SELECT count(*) FROM items") == 0
        assert session.fetch_value("SELECT count(*) FROM tenantdb.applied_migrations") == (0 if alone else 1)
