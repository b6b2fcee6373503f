"""Archives without side effects (issue 10): re-applying never duplicates rows, restoring is set-based and
linear, and an archive never holds a dependency on a project object (a later ``DROP TYPE`` still works)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from tenantdb import commands
from tenantdb.config import load_settings
from tenantdb.db import Session, list_entries, restore, table_digest
from tenantdb.execute.observer import SilentObserver
from tenantdb.migrations import Migration, MigrationSet, Version, load_migrations
from tests.helpers import FAST, down, event_kinds, load, up, with_runner, write_files

EXAMPLES = Path(__file__).parents[2] / "examples"


def count(session: Session, query: str) -> int:
    return int(session.fetch_value(query))


def as_tenant(session: Session, statement: str) -> None:
    """A write by the application: forced row-level security needs the tenant of the transaction."""
    with session.transaction():
        tenant = session.fetch_value("SELECT tenant_id::text FROM tenants ORDER BY name LIMIT 1")
        session.execute("SELECT set_config('app.current_tenant_id', %s, true)", (tenant,))
        session.execute(statement, (tenant,))


def test_redo_and_reapply_of_the_example_never_duplicate_rows(session: Session, tmp_path: Path) -> None:
    """Finding 2: the example's 0005 inserts servers; redo, then down 2 + up to 0005 kept adding them."""
    project = tmp_path / "examples"
    shutil.copytree(EXAMPLES, project, symlinks=False, ignore=shutil.ignore_patterns(".tenantdb"))
    migrations = load(project / "migrations")
    up(session, migrations)
    fresh = count(session, "SELECT count(*) FROM vps_instances")
    assert fresh > 0
    as_tenant(
        session,
        "INSERT INTO vps_instances (tenant_id, provider, region, approximate_cost)"
        " SELECT %s, 'application', 'us-east', g FROM generate_series(1, 3) g",
    )
    for _ in range(2):
        down(session, migrations, steps=1)  # migrate redo
        up(session, migrations)
        down(session, migrations, steps=2)
        up(session, migrations, target=Version.parse("0005"))
        assert count(session, "SELECT count(*) FROM vps_instances") == fresh + 3
        assert count(session, "SELECT count(*) FROM vps_instances WHERE provider = 'application'") == 3
        up(session, migrations)
    (entry, *_) = [e for e in list_entries(session) if e.object_table == "vps_instances"]
    messages = [row[0] for row in session.fetch_all("SELECT message FROM tenantdb.events WHERE kind = 'restore'")]
    assert any(f"left {fresh} written by migrations" in message for message in messages), messages
    assert entry.row_count == fresh + 3


SEEDED_LATER = {
    "0001_plans.sql": "-- migrate:up\nCREATE TABLE plans (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " name text NOT NULL UNIQUE, price int NOT NULL);\n-- migrate:down\nDROP TABLE plans;\n",
    "0002_seed.sql": "-- migrate:up\nINSERT INTO plans (name, price) VALUES ('Free', 0), ('Pro', 49);\n"
    "-- migrate:down\nSELECT 1;\n",
}


def test_rows_of_a_later_seeding_migration_are_left_for_it(session: Session, tmp_path: Path) -> None:
    migrations = load_migrations(write_files(tmp_path, SEEDED_LATER))
    up(session, migrations)
    session.execute("INSERT INTO plans (name, price) VALUES ('Custom', 10), ('Custom 2', 20)")
    down(session, migrations, steps=2)
    up(session, migrations)
    rows = session.fetch_all("SELECT name, price FROM plans ORDER BY name")
    assert rows == [("Custom", 10), ("Custom 2", 20), ("Free", 0), ("Pro", 49)]
    session.execute("INSERT INTO plans (name, price) VALUES ('Later', 1)")  # the identity continues after them
    assert count(session, "SELECT count(DISTINCT id) FROM plans") == 5


def test_a_table_without_primary_key_is_restored_once(session: Session, tmp_path: Path) -> None:
    files = {
        "0001_log.sql": "-- migrate:up\nCREATE TABLE log (tenant text, n int);\n"
        "INSERT INTO log VALUES ('seed', 1), ('seed', 2);\n-- migrate:down\nDROP TABLE log;\n",
    }
    migrations = load_migrations(write_files(tmp_path, files))
    up(session, migrations)
    session.execute("INSERT INTO log SELECT 'app', g FROM generate_series(1, 3) g")
    for _ in range(2):
        down(session, migrations)
        up(session, migrations)
        assert session.fetch_all("SELECT tenant, count(*) FROM log GROUP BY 1 ORDER BY 1") == [("app", 3), ("seed", 2)]


def test_an_application_update_of_a_seeded_row_wins_over_the_reseeded_row(session: Session, tmp_path: Path) -> None:
    files = {
        "0001_plans.sql": "-- migrate:up\nCREATE TABLE plans (name text PRIMARY KEY, price int);\n"
        "INSERT INTO plans VALUES ('Free', 0), ('Pro', 49);\n-- migrate:down\nDROP TABLE plans;\n",
    }
    migrations = load_migrations(write_files(tmp_path, files))
    up(session, migrations)
    session.execute("UPDATE plans SET price = 59 WHERE name = 'Pro'")  # a new xmin: now the application's row
    down(session, migrations)
    up(session, migrations)
    assert session.fetch_all("SELECT name, price FROM plans ORDER BY name") == [("Free", 0), ("Pro", 59)]


def test_archive_restore_by_hand_never_duplicates_and_casts_back(session: Session, dsn: str, tmp_path: Path) -> None:
    files = {
        "0001_jobs.sql": "-- migrate:up\nCREATE TYPE job_state AS ENUM ('queued', 'running', 'done');\n"
        "CREATE TABLE jobs (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), state job_state NOT NULL);\n"
        "INSERT INTO jobs (state) VALUES ('done'), ('done');\n"
        "-- migrate:down\nDROP TABLE jobs;\nDROP TYPE job_state;\n",
    }
    root = write_files(tmp_path / "project", {f"migrations/{name}": text for name, text in files.items()})
    settings = replace(load_settings(root), dsn=dsn, runner=with_runner(restore_on_reapply=False))
    migrations = load_migrations(root / "migrations")
    up(session, migrations, settings.runner)
    session.execute("INSERT INTO jobs (state) VALUES ('queued'), ('running'), ('running')")
    down(session, migrations, settings.runner)
    up(session, migrations, settings.runner)
    assert count(session, "SELECT count(*) FROM jobs") == 2  # not restored automatically
    (entry,) = list_entries(session)
    report = commands.archive_restore(settings, entry.id)
    assert report.rows_written == 3
    assert report.rows_left == 2  # the migration inserted them, and it recreated its own
    again = commands.archive_restore(settings, entry.id, force=True)
    assert again.rows_written == 0
    states = session.fetch_all("SELECT state::text, count(*) FROM jobs GROUP BY 1 ORDER BY 1")
    assert states == [("done", 2), ("queued", 1), ("running", 2)]


JOBS = {
    "0001_jobs.sql": "-- migrate:up\nCREATE TYPE job_state AS ENUM ('queued', 'running', 'done', 'failed');\n"
    "CREATE TABLE jobs (id bigint PRIMARY KEY, state job_state NOT NULL, history job_state[]);\n"
    "-- migrate:down\nDROP TABLE jobs;\nDROP TYPE job_state;\n",
    "0002_forget_failed.sql": "-- migrate:up\nDELETE FROM jobs WHERE state = 'failed';\n-- migrate:down\nSELECT 1;\n",
    "0003_priority.sql": "-- migrate:up\nCREATE TYPE job_priority AS ENUM ('low', 'high');\n"
    "ALTER TABLE jobs ADD COLUMN priority job_priority;\n"
    "-- migrate:down\nALTER TABLE jobs DROP COLUMN priority;\nDROP TYPE job_priority;\n",
}


def test_a_down_that_drops_an_enum_after_its_table_succeeds(session: Session, tmp_path: Path) -> None:
    """Finding 4: the table, column and rows archives kept the enum, so DROP TYPE failed."""
    migrations = load_migrations(write_files(tmp_path, JOBS))
    up(session, migrations, target=Version.parse("0001"))
    session.execute(
        "INSERT INTO jobs SELECT g, (ARRAY['queued', 'running', 'done', 'failed'])[1 + g % 4]::job_state,"
        " ARRAY['queued', 'running']::job_state[] FROM generate_series(1, 40) g"
    )
    up(session, migrations)  # 0002 archives the failed jobs it deletes
    session.execute("UPDATE jobs SET priority = CASE WHEN id % 2 = 0 THEN 'high' ELSE 'low' END::job_priority")
    jobs = "SELECT id, state::text, history::text, priority::text FROM jobs ORDER BY id"
    before = session.fetch_all(jobs)
    down(session, migrations, steps=3)  # 0003 drops its column then its type, 0001 its table then its type
    assert not session.fetch_value("SELECT to_regtype('job_state') IS NOT NULL")
    up(session, migrations)
    assert session.fetch_all(jobs) == before
    assert "failure" not in event_kinds(session)


def test_archives_depend_on_no_project_type_collation_or_sequence(session: Session, tmp_path: Path) -> None:
    files = {
        "0001_things.sql": "-- migrate:up\nCREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');\n"
        "CREATE DOMAIN positive AS int CHECK (VALUE > 0);\n"
        "CREATE TYPE amount AS (currency text, cents bigint);\n"
        'CREATE COLLATION sorted_c FROM "C";\n'
        "CREATE TABLE things (id bigserial PRIMARY KEY, mood mood, score positive, price amount, moods mood[],"
        " label text COLLATE sorted_c);\n"
        "CREATE VIEW happy_things AS SELECT * FROM things WHERE mood = 'happy';\n"
        "CREATE MATERIALIZED VIEW moods_now AS SELECT id, mood, moods FROM things;\n"
        "-- migrate:down\nDROP TABLE things CASCADE;\nDROP TYPE mood;\nDROP DOMAIN positive;\nDROP TYPE amount;\n"
        "DROP COLLATION sorted_c;\n",
    }
    migrations = load_migrations(write_files(tmp_path, files))
    up(session, migrations)
    session.execute(
        "INSERT INTO things (mood, score, price, moods, label) SELECT (ARRAY['sad', 'ok', 'happy'])[1 + g % 3]::mood,"
        " g, ROW('EUR', g * 100)::amount, ARRAY['ok', 'sad']::mood[], 'label ' || g FROM generate_series(1, 30) g"
    )
    session.execute("REFRESH MATERIALIZED VIEW moods_now")
    things = "SELECT id, mood::text, score, price::text, moods::text, label FROM things ORDER BY id"
    before = session.fetch_all(things)
    down(session, migrations)
    dependencies = session.fetch_all(
        "SELECT pg_describe_object(d.refclassid, d.refobjid, 0) FROM pg_depend d JOIN pg_class c ON c.oid = d.objid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE d.classid = 'pg_class'::regclass"
        " AND starts_with(n.nspname, 'tenantdb_archive_') AND d.refobjid >= 16384"
        " AND d.refclassid <> 'pg_namespace'::regclass AND d.refobjid NOT IN (SELECT oid FROM pg_class"
        "  WHERE relnamespace IN (SELECT oid FROM pg_namespace WHERE starts_with(nspname, 'tenantdb_archive_')))"
    )
    assert dependencies == []
    up(session, migrations)
    assert session.fetch_all(things) == before
    assert session.fetch_value("SELECT pg_collation_for(label) FROM things LIMIT 1") == "sorted_c"


def test_citext_values_are_archived_as_text_and_restored(session: Session, tmp_path: Path) -> None:
    if not session.fetch_value("SELECT count(*) FROM pg_available_extensions WHERE name = 'citext'"):
        pytest.skip("the test server has no citext extension")
    files = {
        "0001_users.sql": "-- migrate:up\nCREATE EXTENSION citext;\n"
        "CREATE TABLE users (id int PRIMARY KEY, email citext NOT NULL);\n"
        "-- migrate:down\nDROP TABLE users;\nDROP EXTENSION citext;\n",
    }
    migrations = load_migrations(write_files(tmp_path, files))
    up(session, migrations)
    session.execute("INSERT INTO users VALUES (1, 'Ann@Example.com'), (2, 'bob@example.com')")
    down(session, migrations)
    up(session, migrations)
    assert session.fetch_all("SELECT id, email::text FROM users WHERE email = 'ann@example.COM'") == [
        (1, "Ann@Example.com")
    ]


class Progress(SilentObserver):
    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int]] = []

    def restore_progress(self, migration: Migration, object_name: str, done: int, total: int) -> None:
        self.calls.append((object_name, done, total))


COLUMN = {
    "0001_events.sql": "-- migrate:up\nCREATE TABLE events (id bigint PRIMARY KEY, tenant int NOT NULL);\n"
    "-- migrate:down\nDROP TABLE events;\n",
    "0002_cost.sql": "-- migrate:up\nALTER TABLE events ADD COLUMN cost numeric(10,2);\n"
    "-- migrate:down\nALTER TABLE events DROP COLUMN cost;\n",
}


def test_a_column_of_50000_rows_is_restored_exactly_with_progress(session: Session, tmp_path: Path) -> None:
    """Finding 3: restoring a column joined with IS NOT DISTINCT FROM (no hash join): quadratic."""
    migrations = load_migrations(write_files(tmp_path, COLUMN))
    up(session, migrations)
    session.execute("INSERT INTO events SELECT g, g % 100, (g % 997) / 7.0 FROM generate_series(1, 50000) g")
    before = table_digest(session, "public", "events")
    down(session, migrations)
    progress = Progress()
    migrate_up(session, migrations, progress)
    assert table_digest(session, "public", "events") == before
    assert progress.calls and progress.calls[-1] == ("public.events.cost", 50000, 50000)


def test_restore_runs_in_key_ordered_batches(session: Session, tmp_path: Path) -> None:
    migrations = load_migrations(write_files(tmp_path, COLUMN))
    up(session, migrations)
    session.execute("INSERT INTO events SELECT g, g % 100, g / 3.0 FROM generate_series(1, 20000) g")
    session.execute("DELETE FROM events WHERE id % 5 = 0")  # holes in the key
    before = table_digest(session, "public", "events")
    down(session, migrations, steps=2)
    up(session, migrations, with_runner(restore_on_reapply=False))
    (column, table) = sorted(list_entries(session), key=lambda e: e.kind)
    seen: list[int] = []
    with session.transaction():
        assert restore(session, table, batch_rows=3000, progress=lambda done, total: seen.append(done)).written == 16000
        assert restore(session, column, batch_rows=3000).written == 16000
    assert table_digest(session, "public", "events") == before
    assert len(seen) >= 5 and seen == sorted(seen) and seen[-1] == 16000


def migrate_up(session: Session, migrations: MigrationSet, observer: SilentObserver) -> None:
    from tenantdb.execute import RunRequest, migrate
    from tenantdb.migrations import Direction

    migrate(session, migrations, FAST, RunRequest(direction=Direction.UP), observer)
