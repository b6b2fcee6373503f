"""Cases found by running public projects' migration directories (issue 10, benchmarks/real_projects).

Each test is a hand-written, minimal reproduction of what one project's unedited directory hit; the project
is named in the docstring. The SQL is ours, not the project's.
"""

from __future__ import annotations

from pathlib import Path

from tenantdb.db import Session
from tests.helpers import cli, down, everything_down, ledger_versions, load, table_exists, up, write_files


def _type_exists(session: Session, name: str) -> bool:
    return bool(session.fetch_value("SELECT to_regtype(%s) IS NOT NULL", (name,)))


def test_dropping_the_primary_key_column_is_archived(session: Session, tmp_path: Path) -> None:
    """LemmyNet/lemmy (diesel): ``DROP COLUMN id, ADD PRIMARY KEY (other)`` on tables whose key was ``id``.

    The archive copies the key columns plus the dropped one; when the dropped column is the key, it names
    ``id`` twice and the migration fails with "column "id" specified more than once".
    """
    files = {
        "2024-01-01-000000_answers/up.sql": "CREATE TABLE answers (id serial PRIMARY KEY, token uuid NOT NULL UNIQUE,"
        " body text);\nINSERT INTO answers (token, body) VALUES (gen_random_uuid(), 'a'), (gen_random_uuid(), 'b');",
        "2024-01-01-000000_answers/down.sql": "DROP TABLE answers;",
        "2024-02-01-000000_key_on_token/up.sql": "ALTER TABLE answers DROP COLUMN id, ADD PRIMARY KEY (token),"
        " DROP CONSTRAINT answers_token_key;",
        "2024-02-01-000000_key_on_token/down.sql": "ALTER TABLE answers DROP CONSTRAINT answers_pkey,"
        " ADD COLUMN id serial PRIMARY KEY, ADD UNIQUE (token);",
    }
    migrations = load(write_files(tmp_path, files))
    up(session, migrations)
    assert len(ledger_versions(session)) == 2
    assert session.fetch_value("SELECT count(*) FROM answers") == 2


def test_dropping_an_enum_column_then_its_type(session: Session, tmp_path: Path) -> None:
    """kestra-io/kestra (Flyway, V1_1__initial.sql): ``ALTER TABLE ... DROP COLUMN`` of an enum array column,
    then ``DROP TYPE`` of the enum, in one migration.

    The archive table keeps a column of the enum type, so the ``DROP TYPE`` fails: "cannot drop type ...
    because other objects depend on it (column ... of table tenantdb_archive_...)".
    """
    files = {
        "V1__queues.sql": "CREATE TYPE queue_consumer AS ENUM ('indexer', 'worker');\n"
        "CREATE TABLE queues (offset_id bigint PRIMARY KEY, consumers queue_consumer[]);\n"
        "INSERT INTO queues VALUES (1, '{indexer}'), (2, '{worker,indexer}');",
        "V2__consumer_flags.sql": "ALTER TABLE queues ADD COLUMN consumer_indexer boolean NOT NULL DEFAULT false;\n"
        "UPDATE queues SET consumer_indexer = consumers && '{indexer}'::queue_consumer[];\n"
        "ALTER TABLE queues DROP COLUMN consumers;\n"
        "DROP TYPE queue_consumer;",
    }
    migrations = load(write_files(tmp_path, files))
    up(session, migrations)
    assert ledger_versions(session) == ["1", "2"]
    assert not _type_exists(session, "queue_consumer")


def test_down_drops_a_table_then_its_enum_type(session: Session, tmp_path: Path) -> None:
    """riverqueue/river (golang-migrate): a down that drops the table, then the enum type of one of its columns.

    The archive of the dropped table keeps the enum column, so the down's ``DROP TYPE`` fails.
    """
    files = {
        "1_jobs.up.sql": "CREATE TYPE job_state AS ENUM ('available', 'running', 'done');\n"
        "CREATE TABLE jobs (id bigserial PRIMARY KEY, state job_state NOT NULL DEFAULT 'available');\n"
        "INSERT INTO jobs (state) VALUES ('running'), ('done');",
        "1_jobs.down.sql": "DROP TABLE jobs;\nDROP TYPE job_state;",
    }
    migrations = load(write_files(tmp_path, files))
    up(session, migrations)
    down(session, migrations)
    assert not table_exists(session, "jobs")
    assert not _type_exists(session, "job_state")


def test_down_drops_a_column_keyed_by_an_enum_then_the_type(session: Session, tmp_path: Path) -> None:
    """ente-io/ente (golang-migrate): a table whose primary key includes an enum column; a later migration's
    down drops another column, an earlier one's down changes the key column to text and drops the type.

    The column archive copies the key columns with their enum type, so the ``DROP TYPE`` fails.
    """
    files = {
        "1_shares.up.sql": "CREATE TYPE share_role AS ENUM ('viewer', 'owner');\n"
        "CREATE TABLE shares (collection_id int, role share_role, PRIMARY KEY (collection_id, role));\n"
        "INSERT INTO shares VALUES (1, 'viewer'), (1, 'owner');",
        "1_shares.down.sql": "DROP TABLE shares;",
        "2_role_as_text.up.sql": "SELECT 1;",
        "2_role_as_text.down.sql": "ALTER TABLE shares ALTER COLUMN role TYPE text;\nDROP TYPE share_role;",
        "3_shared_at.up.sql": "ALTER TABLE shares ADD COLUMN shared_at bigint NOT NULL DEFAULT 0;",
        "3_shared_at.down.sql": "ALTER TABLE shares DROP COLUMN shared_at;",
    }
    migrations = load(write_files(tmp_path, files))
    up(session, migrations)
    everything_down(session, migrations)
    assert ledger_versions(session) == []
    assert not _type_exists(session, "share_role")


def test_migrate_test_reports_flyway_versions_without_undo(dsn: str, tmp_path: Path) -> None:
    """kestra-io/kestra (Flyway without ``U`` files, as Flyway's community edition has no undo).

    ``migrate test`` stopped with exit code 3 ("version 1 has no down migration") after applying everything.
    Missing downs are a fact the round trip names; it covers the migrations above the newest irreversible one.
    """
    files = {
        "V1__notes.sql": "CREATE TABLE notes (id int PRIMARY KEY)",
        "V2__body.sql": "ALTER TABLE notes ADD b text",
        "V3__tags.sql": "CREATE TABLE tags (id int PRIMARY KEY)",
        "U3__tags.sql": "DROP TABLE tags",
    }
    result = cli("migrate", "test", str(write_files(tmp_path / "migrations", files)), "--dsn", dsn)
    assert result.returncode == 0, result.stderr
    assert "2 migration(s) cannot be rolled back" in result.stdout
    assert "2_body: it has no down" in result.stdout


def test_up_runs_when_only_a_down_file_has_a_syntax_error(dsn: str, tmp_path: Path) -> None:
    """ente-io/ente (golang-migrate): two old down files have syntax errors (missing commas; ``DROP INDEX IF NOT
    EXISTS``). golang-migrate never reads a down file while applying, so the project applies fine with its own
    tool; tenantdb refuses the whole directory (exit 3) before ``migrate up`` applies anything.

    The broken down should be an error when something would roll back through it (``migrate down``,
    ``migrate test``), not when applying.
    """
    files = {
        "1_items.up.sql": "CREATE TABLE items (id int PRIMARY KEY, a text, b text);",
        "1_items.down.sql": "DROP TABLE items;",
        "2_drop_ab.up.sql": "ALTER TABLE items DROP COLUMN a, DROP COLUMN b;",
        "2_drop_ab.down.sql": "ALTER TABLE items\n    ADD COLUMN a text\n    ADD COLUMN b text;",
    }
    directory = write_files(tmp_path / "migrations", files)
    result = cli("migrate", "up", "--dir", str(directory), "--dsn", dsn)
    assert result.returncode == 0, result.stderr
    rolled = cli("migrate", "down", "--steps", "1", "--dir", str(directory), "--dsn", dsn)
    assert rolled.returncode == 3
    assert "2_drop_ab.down.sql" in rolled.stderr


def test_custom_layout_reads_goose_marked_files(dsn: str, tmp_path: Path) -> None:
    """hatchet-dev/hatchet (goose, with Go migrations among the SQL files): a custom ``file_pattern`` picks the
    SQL files below the first Go migration, but the custom layout read every single file as a native one and
    refused ``-- +goose Up`` ("no '-- migrate:up' marker"). A custom layout's goose-marked files are goose files.
    """
    files = {
        "20240101000000_jobs.sql": "-- +goose Up\nCREATE TABLE jobs (id int PRIMARY KEY);\n"
        "-- +goose Down\nDROP TABLE jobs;\n",
        "20240201000000_jobs_index.sql": "-- +goose NO TRANSACTION\n-- +goose Up\n"
        "CREATE INDEX CONCURRENTLY jobs_id_idx ON jobs (id);\n-- +goose Down\nDROP INDEX CONCURRENTLY jobs_id_idx;\n",
        "20240301000000_backfill.go": "package migrations\n",
    }
    directory = write_files(tmp_path / "migrations", files)
    (tmp_path / "tenantdb.toml").write_text(
        f'[migrations]\ndir = "{directory}"\nlayout = "custom"\n'
        "file_pattern = '(?P<version>\\d+)_(?P<name>\\w+)\\.sql'\n"
    )
    result = cli("migrate", "test", str(tmp_path), "--dsn", dsn)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 migrations applied" in result.stdout


def test_round_trip_above_an_irreversible_migration_ignores_dropped_column_slots(dsn: str, tmp_path: Path) -> None:
    """quickwit-oss/quickwit (sqlx up/down files; some old migrations have no down): the round trip starts above
    the newest irreversible migration, so tables created below it stay. A migration above it adds a column to
    such a table; rolling back drops it and applying again adds it back with the next ``attnum`` (PostgreSQL
    keeps the dropped column's slot). The catalog snapshot compares ``attnum``, so ``migrate test`` reports
    "columns differ" for a schema that is the same (same columns, same order).
    """
    files = {
        "1_items.up.sql": "CREATE TABLE items (id int PRIMARY KEY, body text);",
        "2_item_size.up.sql": "ALTER TABLE items ADD COLUMN size bigint;",
        "2_item_size.down.sql": "ALTER TABLE items DROP COLUMN size;",
    }
    result = cli("migrate", "test", str(write_files(tmp_path / "migrations", files)), "--dsn", dsn)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "round trip ok" in result.stdout


def test_round_trip_does_not_double_a_row_the_up_inserts(dsn: str, tmp_path: Path) -> None:
    """chirpstack/chirpstack (diesel): the initial up creates a table and inserts its default row with a key
    from ``gen_random_uuid()``; the down drops the table. With the archive on, the down archives the row and
    the second apply restores it next to the row the up inserted again (``ON CONFLICT DO NOTHING`` sees no
    conflict: the keys differ), so ``migrate test`` reports "1 row(s) after the first apply, 2 row(s) after
    applying again", and a real down + up leaves two default rows.
    """
    files = {
        "1_teams.up.sql": "CREATE TABLE teams (id uuid PRIMARY KEY, name text NOT NULL);\n"
        "INSERT INTO teams VALUES (gen_random_uuid(), 'default');",
        "1_teams.down.sql": "DROP TABLE teams;",
    }
    result = cli("migrate", "test", str(write_files(tmp_path / "migrations", files)), "--dsn", dsn)
    assert result.returncode == 0, result.stdout + result.stderr
