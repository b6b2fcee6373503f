"""Directories from other tools behave as those tools run them (cases found on public repositories)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.config import PlaceholderSettings
from tenantdb.db import Session
from tenantdb.migrations import Layout, load_migrations
from tests.helpers import down, everything_down, ledger_versions, table_exists, up, write_files


def test_goose_annotations_are_case_insensitive(tmp_path: Path) -> None:
    text = "-- +goose no transaction\n-- +goose up\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- +goose down\nSELECT 1;\n"
    (migration,) = load_migrations(write_files(tmp_path, {"00001_a.sql": text}))
    assert migration.up.no_transaction and len(migration.up.statements) == 1


def test_goose_statement_end_ends_a_statement_without_semicolon(tmp_path: Path) -> None:
    text = (
        "-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE counters (id int PRIMARY KEY, n int)\n"
        "-- +goose StatementEnd\n-- +goose StatementBegin\n"
        "CREATE FUNCTION bump(i int) RETURNS void LANGUAGE sql AS $$ UPDATE counters SET n = n + 1 WHERE id = i $$\n"
        "-- +goose StatementEnd\n-- +goose Down\nDROP FUNCTION bump(int);\nDROP TABLE counters;\n"
    )
    (migration,) = load_migrations(write_files(tmp_path, {"00001_counters.sql": text}))
    assert [s.node for s in migration.up.statements] == ["CreateStmt", "CreateFunctionStmt"]


def test_diesel_versions_order_as_strings_and_keep_their_suffixes(tmp_path: Path) -> None:
    folders = ["20160101000000_create_crates", "2017-01-01-000000_add_downloads", "2017-01-01-000000-0000_more"]
    files = {f"{folder}/up.sql": "SELECT 1;" for folder in folders} | {f"{f}/down.sql": "SELECT 1;" for f in folders}
    migrations = load_migrations(write_files(tmp_path, files))
    assert migrations.layout is Layout.DIESEL
    assert [m.name for m in migrations] == ["create_crates", "add_downloads", "more"]


def test_dbmate_dollar_brace_text_runs_as_written(tmp_path: Path) -> None:
    text = "-- migrate:up\nSELECT 'Hello ${first_name}, welcome!';\n-- migrate:down\nSELECT 1;\n"
    (migration,) = load_migrations(
        write_files(tmp_path, {"20240101000000_hello.sql": text}), placeholders=PlaceholderSettings()
    )
    assert "${first_name}" in migration.up.statements[0].text


def test_native_placeholders_apply_once_values_are_set(tmp_path: Path) -> None:
    text = "-- migrate:up\nCREATE TABLE ${schema}.t (a int);\n"
    settings = PlaceholderSettings(values={"schema": "app"})
    (migration,) = load_migrations(write_files(tmp_path, {"0001_t.sql": text}), placeholders=settings)
    assert migration.up.statements[0].text == "CREATE TABLE app.t (a int)"


def test_dbmate_names_with_dashes(tmp_path: Path) -> None:
    (migration,) = load_migrations(write_files(tmp_path, {"20240101000000-create-t.sql": "-- migrate:up\nSELECT 1;\n"}))
    assert migration.name == "create-t"


def test_flyway_reads_subfolders_and_builtin_placeholders(tmp_path: Path) -> None:
    files = {
        "V1__create_notes.sql": "CREATE TABLE ${flyway:defaultSchema}.notes (id int);",
        "v2/V2__add_body.sql": "ALTER TABLE notes ADD COLUMN body text;",
    }
    migrations = load_migrations(write_files(tmp_path, files), placeholders=PlaceholderSettings())
    assert [m.version.text for m in migrations] == ["1", "2"]
    assert migrations.migrations[0].up.statements[0].text == "CREATE TABLE public.notes (id int)"


def test_golang_migrate_missing_down_is_irreversible(tmp_path: Path) -> None:
    """golang-migrate treats a missing down file as nothing to run; tenantdb says the migration cannot be undone
    (``down`` refuses it unless ``--ledger-only``), while an empty up file needs no down."""
    files = {"1_a.up.sql": "CREATE TABLE a (id int);", "2_seed.up.sql": "SELECT 1;", "3_empty.up.sql": "-- nothing"}
    _, seed, empty = load_migrations(write_files(tmp_path, files)).migrations
    assert seed.down is None
    assert empty.down is not None and empty.down.statements == ()


# -- online rewrites keep what the statement means ------------------------------------------------------

BASE = (
    "-- migrate:up\n"
    "CREATE TABLE items (id int PRIMARY KEY, currency text NOT NULL, balance int CHECK (balance >= 0));\n"
)


@pytest.mark.parametrize(
    ("name", "change"),
    [
        (
            "alter-order",
            "ALTER TABLE items ADD CONSTRAINT currency_reference CHECK ((currency IS NULL) <> (custom IS NULL)),"
            " ALTER COLUMN currency DROP NOT NULL, ADD COLUMN custom text NULL;",
        ),
        ("own-transaction", "BEGIN;\nCREATE INDEX items_currency_idx ON items (currency);\nCOMMIT;"),
        ("default-name-taken", "ALTER TABLE items ADD CHECK (balance < 1000000);"),
    ],
)
def test_rewrites_keep_the_statement_meaning(session: Session, tmp_path: Path, name: str, change: str) -> None:
    migrations = load_migrations(
        write_files(tmp_path, {"0001_items.sql": BASE, "0002_change.sql": f"-- migrate:up\n{change}\n"})
    )
    up(session, migrations)
    assert ledger_versions(session) == ["0001", "0002"]
    if name == "default-name-taken":
        names = {
            row[0] for row in session.fetch_all("SELECT conname FROM pg_constraint WHERE conrelid = 'items'::regclass")
        }
        assert "items_balance_check1" in names


def test_set_local_keeps_the_migration_in_one_transaction(session: Session, tmp_path: Path) -> None:
    files = {
        "0001_init.sql": "-- migrate:up\nCREATE SCHEMA app;\nCREATE TABLE events (id int PRIMARY KEY, kind text);\n"
        "-- migrate:down\nDROP TABLE events;\nDROP SCHEMA app;\n",
        "0002_widgets.sql": "-- migrate:up\nSET LOCAL search_path TO app, public;\n"
        "CREATE INDEX events_kind_idx ON events (kind);\nCREATE TABLE widgets (id int PRIMARY KEY);\n"
        "-- migrate:down\nDROP TABLE app.widgets;\nDROP INDEX events_kind_idx;\n",
    }
    migrations = load_migrations(write_files(tmp_path, files))
    up(session, migrations)
    assert table_exists(session, "app.widgets")
    down(session, migrations)
    everything_down(session, migrations)
    assert not table_exists(session, "events")
