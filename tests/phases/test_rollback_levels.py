"""``tenantdb rollback --level data`` removes exactly a phase's rows; ``--level feature`` switches off and back on.

Data: rows the application wrote after the phase stay (even in the phase's own tables), rows it changed stay,
rows still referenced stay, everything removed is archived first (a restore gives equal digests), and
nothing is removed where the phase's ids cannot tell its inserts apart. Feature: off then on restores the exact
previous values; every refusal leaves everything unchanged.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tenantdb import commands
from tenantdb.config import Settings, load_settings
from tenantdb.db import Session, connect, ensure_state, list_entries, table_digest
from tenantdb.db.migration_writes import id_problem
from tenantdb.db.state import STATE_VERSION
from tenantdb.errors import ConfigError, DatabaseStateError, LockTimeoutExhausted
from tenantdb.phases.levels import TableDataRollback
from tests.helpers import FAST, cli, event_kinds, write_files

BASE = """-- migrate:up
CREATE TABLE plans (plan_id int PRIMARY KEY, name text NOT NULL UNIQUE, price int NOT NULL);
INSERT INTO plans VALUES (1, 'Free', 0), (2, 'Pro', 49);
CREATE TABLE users (user_id int PRIMARY KEY, email text NOT NULL);
INSERT INTO users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 20) g;
-- migrate:down
DROP TABLE users;
DROP TABLE plans;
"""
SEED = """-- migrate:up
INSERT INTO plans VALUES (3, 'Business', 199), (4, 'Enterprise', 999);
CREATE TABLE plan_notes (plan_id int PRIMARY KEY REFERENCES plans, note text NOT NULL);
DO $$ BEGIN
    BEGIN  -- a subtransaction: its rows carry their own transaction id
        INSERT INTO plans VALUES (7, 'Nonprofit', 5);
        INSERT INTO plan_notes VALUES (7, 'for registered charities');
    EXCEPTION WHEN unique_violation THEN NULL;
    END;
END $$;
CREATE TABLE subscriptions (
    user_id int PRIMARY KEY REFERENCES users ON DELETE CASCADE,
    plan_id int NOT NULL REFERENCES plans ON DELETE CASCADE
);
INSERT INTO subscriptions SELECT user_id, 1 FROM users;
-- migrate:down
DROP TABLE subscriptions;
DROP TABLE plan_notes;
"""
STATEMENTS = """-- migrate:up
CREATE INDEX CONCURRENTLY plans_price_idx ON plans (price);
INSERT INTO plans VALUES (8, 'Student', 3);
BEGIN;
INSERT INTO plans VALUES (9, 'Team', 29);
COMMIT;
-- migrate:down
DROP INDEX CONCURRENTLY plans_price_idx;
"""
FLAGS = """-- migrate:up
CREATE TABLE feature_flags (name text PRIMARY KEY, enabled boolean NOT NULL, rollout numeric(4, 3), meta jsonb);
INSERT INTO feature_flags VALUES
    ('ai_reports', true, 0.250, '{"owner": "ml"}'), ('ai_chat', true, 1.000, NULL), ('beta_banner', false, 0, '{}');
CREATE TABLE settings_without_key (name text, value text);
INSERT INTO settings_without_key VALUES ('theme', 'dark');
-- migrate:down
DROP TABLE settings_without_key;
DROP TABLE feature_flags;
"""
FEATURE_OFF = (
    "feature_off = [\"UPDATE feature_flags SET enabled = false, meta = NULL WHERE name LIKE 'ai\\\\_%'\", "
    "\"DELETE FROM feature_flags WHERE name = 'beta_banner'\", "
    "\"INSERT INTO feature_flags VALUES ('maintenance', true, NULL, NULL)\"]\n"
)


def project(tmp_path: Path, *, seed: str = SEED, feature_off: str = FEATURE_OFF) -> Path:
    write_files(
        tmp_path / "migrations",
        {"0001_base.sql": BASE, "0002_seed.sql": seed, "0003_statements.sql": STATEMENTS, "0004_flags.sql": FLAGS},
    )
    (tmp_path / "tenantdb.toml").write_text(
        '[[phases]]\nname = "base"\nmigrations = ["0001"]\n\n'
        '[[phases]]\nname = "seed"\nmigrations = "0002-0003"\n\n'
        f'[[phases]]\nname = "flags"\nmigrations = ["0004"]\n{feature_off}'
    )
    return tmp_path


def settings_for(root: Path, dsn: str) -> Settings:
    return replace(load_settings(root), dsn=dsn, runner=FAST)


def applied(root: Path, dsn: str) -> Settings:
    settings = settings_for(root, dsn)
    assert commands.migrate_phases(settings, dry_run=False).ok
    return settings


def ids(session: Session, query: str) -> list[int]:
    return [row[0] for row in session.fetch_all(query)]


def digests(session: Session, *tables: str) -> dict[str, tuple[int, str]]:
    return {table: table_digest(session, "public", table) for table in tables}


def by_table(report: commands.RollbackReport) -> dict[str, TableDataRollback]:
    assert report.data is not None
    return {row.table: row for row in report.data.tables}


def application_activity(session: Session) -> None:
    """What the application does after the seed phase: new rows, a changed row, a reference to a phase row."""
    session.execute("INSERT INTO plans VALUES (5, 'Custom', 10)")
    session.execute("INSERT INTO users VALUES (21, 'late@example.com')")
    session.execute("INSERT INTO subscriptions VALUES (21, 3)")  # references the phase's Business plan
    session.execute("UPDATE subscriptions SET plan_id = 2 WHERE user_id = 1")


def test_data_rollback_removes_exactly_the_phases_rows(session: Session, dsn: str, tmp_path: Path) -> None:
    settings = applied(project(tmp_path), dsn)
    application_activity(session)
    before = digests(session, "plans", "users", "subscriptions", "plan_notes")
    session.execute("VACUUM (FREEZE) plans, subscriptions")  # a frozen row keeps its xmin (PostgreSQL 9.4+)

    report = commands.rollback(settings, "seed", "data")

    tables = by_table(report)
    assert ids(session, "SELECT plan_id FROM plans ORDER BY 1") == [1, 2, 3, 5]  # 4, 7 (subtransaction), 8, 9 gone
    assert ids(session, "SELECT user_id FROM subscriptions ORDER BY 1") == [1, 21]
    assert ids(session, "SELECT count(*) FROM users") == [21]
    plans, subscriptions = tables["public.plans"], tables["public.subscriptions"]
    assert (plans.removed, plans.kept_referenced, plans.kept_changed) == (4, 1, 0)
    assert (subscriptions.removed, subscriptions.kept_changed, subscriptions.kept_referenced) == (19, 1, 0)
    assert tables["public.plan_notes"].removed == 1
    assert "public.users" not in tables
    assert report.data is not None and report.data.migrations == ("0002_seed", "0003_statements")
    assert "phase_data_rollback" in event_kinds(session)

    archived = sorted((t.archive_id for t in tables.values() if t.archive_id is not None), reverse=True)
    assert len(archived) == 3  # children were archived (and deleted) first: restore parents first
    for entry_id in archived:
        commands.archive_restore(settings, entry_id)
    assert digests(session, "plans", "users", "subscriptions", "plan_notes") == before


def test_a_second_data_rollback_finds_nothing_more(session: Session, dsn: str, tmp_path: Path) -> None:
    settings = applied(project(tmp_path), dsn)
    first = by_table(commands.rollback(settings, "seed", "data"))
    assert first["public.subscriptions"].removed == 20
    again = by_table(commands.rollback(settings, "seed", "data"))
    assert {name: (row.removed, row.kept_changed) for name, row in again.items()} == {
        "public.plans": (0, 0),
        "public.plan_notes": (0, 0),
        "public.subscriptions": (0, 0),
    }


def test_rows_the_phase_also_updated_or_rewrote_are_kept(session: Session, dsn: str, tmp_path: Path) -> None:
    seed = """-- migrate:up
INSERT INTO plans VALUES (3, 'Business', 199);
UPDATE plans SET price = 59 WHERE plan_id = 2;
CREATE TABLE subscriptions (user_id int PRIMARY KEY REFERENCES users, plan_id int NOT NULL REFERENCES plans);
INSERT INTO subscriptions SELECT user_id, 1 FROM users;
INSERT INTO users VALUES (100, 'phase@example.com');
ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();
-- migrate:down
SELECT 1;
"""
    settings = applied(project(tmp_path, seed=seed), dsn)
    before = digests(session, "users")
    tables = by_table(commands.rollback(settings, "seed", "data"))
    assert digests(session, "users") == before
    assert ids(session, "SELECT plan_id FROM plans ORDER BY 1") == [1, 2, 3]  # Student and Team (0003) removed
    plans, users = tables["public.plans"], tables["public.users"]
    assert (plans.removed, plans.kept_ambiguous) == (2, 2)  # Pro (updated) and Business (inserted) both kept
    assert (users.removed, users.kept_ambiguous) == (0, 21)  # the rewrite stamped every row with the phase's id
    assert tables["public.subscriptions"].removed == 20  # created by the phase: every row is its own


def test_refusals_change_nothing(session: Session, dsn: str, tmp_path: Path) -> None:
    settings = applied(project(tmp_path), dsn)
    before = digests(session, "plans", "subscriptions")
    session.execute("UPDATE tenantdb.migration_writes SET cluster = 'another cluster'")
    with pytest.raises(DatabaseStateError, match="another PostgreSQL cluster"):
        commands.rollback(settings, "seed", "data")
    assert digests(session, "plans", "subscriptions") == before
    assert list_entries(session) == []
    with pytest.raises(ConfigError, match="only applies to level feature"):
        commands.rollback(settings, "seed", "data", restore=True)
    session.execute(
        "UPDATE tenantdb.migration_writes SET cluster = (SELECT system_identifier::text FROM pg_control_system())"
    )
    with connect(dsn) as application:  # a writer holding its lock: the rollback gives up instead of waiting forever
        application.execute("BEGIN")
        application.execute("INSERT INTO plans VALUES (6, 'Busy', 1)")
        with pytest.raises(LockTimeoutExhausted, match=r"could not lock .*public\.plans"):
            commands.rollback(settings, "seed", "data")
        application.rollback()
    assert digests(session, "plans", "subscriptions") == before
    assert list_entries(session) == []


def test_ids_too_old_or_from_elsewhere_are_ambiguous() -> None:
    assert id_problem(now=10_000, oldest=9_000, newest=9_500) is None
    assert id_problem(now=2**31 + 5, oldest=5, newest=6) is not None  # 32-bit xmin could name a newer one
    assert id_problem(now=2**40, oldest=2**40 - 2**31 + 1, newest=2**40 - 1) is None
    assert id_problem(now=100, oldest=50, newest=101) is not None  # newer than the server's counter


def test_schema_level_forgets_what_the_downs_undid(session: Session, dsn: str, tmp_path: Path) -> None:
    settings = applied(project(tmp_path), dsn)
    commands.rollback(settings, "seed", "schema")
    forgotten = "SELECT count(*) FROM tenantdb.migration_writes WHERE version IN ('0002', '0003') AND {}"
    assert ids(session, forgotten.format("rolled_back_at IS NULL")) == [0]
    assert ids(session, forgotten.format("rolled_back_at IS NOT NULL")) != [0]  # kept to tell rows in archives


def flags(session: Session) -> list[tuple[object, ...]]:
    return session.fetch_all("SELECT name, enabled, rollout::text, meta::text FROM feature_flags ORDER BY name")


def test_feature_off_then_on_restores_exact_values(session: Session, dsn: str, tmp_path: Path) -> None:
    settings = applied(project(tmp_path), dsn)
    before = flags(session)
    off = commands.rollback(settings, "flags", "feature")
    assert off.feature is not None and [(t.table, t.rows) for t in off.feature.tables] == [("public.feature_flags", 4)]
    assert flags(session) == [
        ("ai_chat", False, "1.000", None),
        ("ai_reports", False, "0.250", None),
        ("maintenance", True, None, None),
    ]
    with pytest.raises(DatabaseStateError, match="already off"):
        commands.rollback(settings, "flags", "feature")
    on = commands.rollback(settings, "flags", "feature", restore=True)
    assert on.feature is not None and on.feature.action == "restore"
    assert flags(session) == before
    assert {"phase_feature_off", "phase_feature_on"} <= set(event_kinds(session))
    with pytest.raises(DatabaseStateError, match="nothing to restore"):
        commands.rollback(settings, "flags", "feature", restore=True)


def test_restore_refuses_rows_changed_since_unless_forced(session: Session, dsn: str, tmp_path: Path) -> None:
    settings = applied(project(tmp_path), dsn)
    before = flags(session)
    commands.rollback(settings, "flags", "feature")
    session.execute("UPDATE feature_flags SET rollout = 0.5 WHERE name = 'ai_chat'")
    changed = flags(session)
    with pytest.raises(DatabaseStateError, match=r"1 row\(s\) changed since .*ai_chat"):
        commands.rollback(settings, "flags", "feature", restore=True)
    assert flags(session) == changed
    forced = commands.rollback(settings, "flags", "feature", restore=True, force=True)
    assert forced.feature is not None and len(forced.feature.overwritten) == 1
    assert flags(session) == before


def test_feature_off_refuses_tables_without_a_primary_key(session: Session, dsn: str, tmp_path: Path) -> None:
    off = (
        'feature_off = ["UPDATE feature_flags SET enabled = false", '
        "\"UPDATE settings_without_key SET value = 'light'\"]\n"
    )
    settings = applied(project(tmp_path, feature_off=off), dsn)
    before = flags(session)
    with pytest.raises(DatabaseStateError, match="settings_without_key, which has no primary key"):
        commands.rollback(settings, "flags", "feature")
    assert flags(session) == before
    assert ids(session, "SELECT count(*) FROM tenantdb.feature_snapshots") == [0]
    with pytest.raises(ConfigError, match="declares no feature_off"):
        commands.rollback(settings, "seed", "feature")


def test_state_upgrades_from_version_2(session: Session) -> None:
    ensure_state(session)
    session.execute("INSERT INTO tenantdb.events (kind, runner, message) VALUES ('note', 'test', 'kept')")
    session.execute("DROP TABLE tenantdb.migration_writes, tenantdb.feature_rows, tenantdb.feature_snapshots")
    session.execute("UPDATE tenantdb.state_info SET value = '2' WHERE key = 'state_version'")
    ensure_state(session)
    version = session.fetch_value("SELECT value FROM tenantdb.state_info WHERE key = 'state_version'")
    assert version == str(STATE_VERSION)
    assert session.fetch_value("SELECT to_regclass('tenantdb.migration_writes') IS NOT NULL")
    assert session.fetch_value("SELECT to_regclass('tenantdb.feature_rows') IS NOT NULL")
    assert session.fetch_value("SELECT message FROM tenantdb.events WHERE kind = 'note'") == "kept"


@pytest.mark.slow
def test_cli_levels(session: Session, dsn: str, tmp_path: Path) -> None:
    root = project(tmp_path)
    assert cli("migrate", "up", "--dsn", dsn, "-C", str(root)).returncode == 0
    session.execute("INSERT INTO plans VALUES (5, 'Custom', 10)")
    planned = cli(
        "rollback", "--phase", "seed", "--level", "data", "--dry-run", "--dsn", dsn, "-C", str(root), "--json"
    )
    assert json.loads(planned.stdout)["data"]["dry_run"] is True, planned.stderr
    assert ids(session, "SELECT count(*) FROM plans") == [8]  # nothing changed
    data = cli("rollback", "--phase", "seed", "--level", "data", "--dsn", dsn, "-C", str(root), "--json")
    assert data.returncode == 0, data.stderr
    tables = {row["table"]: row for row in json.loads(data.stdout)["data"]["tables"]}
    assert tables["public.plans"]["removed"] == 5 and tables["public.plans"]["archive_id"] is not None
    text = cli("rollback", "--phase", "flags", "--level", "feature", "--dsn", dsn, "-C", str(root))
    assert "feature switched off" in text.stdout, text.stderr
    on = cli("rollback", "--phase", "flags", "--level", "feature", "--restore", "--dsn", dsn, "-C", str(root))
    assert "feature restored" in on.stdout, on.stderr
    unknown = cli("rollback", "--phase", "seed", "--level", "rows", "--dsn", dsn, "-C", str(root))
    assert unknown.returncode == 3 and "unknown rollback level 'rows'" in unknown.stderr
    shown = cli("rollback", "--help")
    assert "--restore" in shown.stdout and "feature_off" in shown.stdout


PARTITIONED = """-- migrate:up
CREATE TABLE events (event_id int, region text, PRIMARY KEY (event_id, region)) PARTITION BY LIST (region);
CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu');
CREATE TABLE events_us PARTITION OF events FOR VALUES IN ('us');
CREATE TABLE event_notes (
    event_id int, region text, note text NOT NULL, FOREIGN KEY (event_id, region) REFERENCES events
);
INSERT INTO events VALUES (1, 'eu'), (2, 'us'), (3, 'eu');
-- migrate:down
DROP TABLE event_notes;
DROP TABLE events;
"""


def test_partitions_and_references_to_their_parent(session: Session, dsn: str, tmp_path: Path) -> None:
    write_files(tmp_path / "migrations", {"0001_events.sql": PARTITIONED})
    (tmp_path / "tenantdb.toml").write_text('[[phases]]\nname = "events"\nmigrations = ["0001"]\n')
    settings = applied(tmp_path, dsn)
    session.execute("INSERT INTO events VALUES (4, 'us')")
    session.execute("INSERT INTO event_notes VALUES (1, 'eu', 'written by the application')")
    tables = by_table(commands.rollback(settings, "events", "data"))
    assert session.fetch_all("SELECT event_id, region FROM events ORDER BY 1") == [(1, "eu"), (4, "us")]
    assert (tables["public.events_eu"].removed, tables["public.events_eu"].kept_referenced) == (1, 1)
    assert tables["public.events_us"].removed == 1
