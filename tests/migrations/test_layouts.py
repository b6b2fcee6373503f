"""Every supported layout loads into the same migration model."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.config import PlaceholderSettings, load_settings
from tenantdb.migrations import ExecutionMode, Layout, load_migrations, load_project_migrations, new_migration_file

EXAMPLES = Path(__file__).parents[2] / "examples"
LAYOUTS = EXAMPLES / "layouts"


@pytest.mark.parametrize(
    ("folder", "layout", "count"),
    [
        ("golang-migrate", Layout.GOLANG_MIGRATE, 4),
        ("flyway", Layout.FLYWAY, 3),
        ("dbmate", Layout.NATIVE, 3),
        ("goose", Layout.GOOSE, 4),
        ("diesel", Layout.DIESEL, 3),
    ],
)
def test_layout_is_detected_and_loaded(folder: str, layout: Layout, count: int) -> None:
    placeholders = load_settings(LAYOUTS / folder).placeholders
    migrations = load_migrations(LAYOUTS / folder, placeholders=placeholders)
    assert migrations.layout is layout
    assert len(migrations) == count
    assert all(m.down is not None for m in migrations)
    index_migration = migrations.migrations[1]
    assert index_migration.up.mode is ExecutionMode.STATEMENTS


def test_native_example_project_has_verify_blocks() -> None:
    migrations = load_project_migrations(load_settings(EXAMPLES))
    assert migrations.layout is Layout.NATIVE
    assert [m.version.text for m in migrations] == ["0001", "0002", "0003", "0004", "0005", "0006"]
    assert all(m.verify is not None and m.verify.statements for m in migrations)
    assert migrations.migrations[4].lock_timeout is not None


def test_file_with_own_transaction_runs_as_written() -> None:
    migrations = load_migrations(LAYOUTS / "golang-migrate")
    add_plan = migrations.migrations[2]
    assert add_plan.up.manages_transactions
    assert add_plan.up.mode is ExecutionMode.STATEMENTS


def test_empty_foreign_files_are_no_ops_both_ways() -> None:
    golang = load_migrations(LAYOUTS / "golang-migrate").migrations[3]
    goose = load_migrations(LAYOUTS / "goose").migrations[3]
    for migration in (golang, goose):
        assert migration.up.statements == ()
        assert migration.down is not None and migration.down.statements == ()


def test_dbmate_transaction_false_and_goose_no_transaction_are_honoured() -> None:
    dbmate = load_migrations(LAYOUTS / "dbmate").migrations[1]
    goose = load_migrations(LAYOUTS / "goose").migrations[1]
    assert dbmate.up.no_transaction and goose.up.no_transaction


def test_goose_statement_blocks_keep_function_bodies_whole() -> None:
    migration = load_migrations(LAYOUTS / "goose").migrations[2]
    nodes = [s.node for s in migration.up.statements]
    assert nodes == ["AlterTableStmt", "CreateFunctionStmt", "InsertStmt"]


def test_flyway_placeholders_and_versions(tmp_path: Path) -> None:
    migrations = load_migrations(
        LAYOUTS / "flyway", placeholders=PlaceholderSettings(values={"table": "accounts", "default_plan": "x"})
    )
    assert [m.version.text for m in migrations] == ["1", "1.1", "2"]
    assert "ALTER TABLE accounts" in migrations.migrations[2].up.statements[0].text
    assert migrations.migrations[2].name == "add plan"


def test_flyway_conf_executes_outside_transaction(tmp_path: Path) -> None:
    (tmp_path / "V1__vacuum_ready.sql").write_text("ANALYZE;\n")
    (tmp_path / "V1__vacuum_ready.sql.conf").write_text("executeInTransaction=false\n")
    (migration,) = load_migrations(tmp_path)
    assert migration.up.mode is ExecutionMode.STATEMENTS


def test_checksum_ignores_line_endings_and_trailing_space(tmp_path: Path) -> None:
    (tmp_path / "0001_a.sql").write_text("-- migrate:up\nSELECT 1;\n")
    first = load_migrations(tmp_path).migrations[0].checksum
    (tmp_path / "0001_a.sql").write_bytes(b"-- migrate:up  \r\nSELECT 1;\r\n\r\n")
    assert load_migrations(tmp_path).migrations[0].checksum == first
    (tmp_path / "0001_a.sql").write_text("-- migrate:up\nSELECT 2;\n")
    assert load_migrations(tmp_path).migrations[0].checksum != first


def test_custom_file_pattern(tmp_path: Path) -> None:
    (tmp_path / "001-create.forward.sql").write_text("CREATE TABLE t (a int);")
    (tmp_path / "001-create.backward.sql").write_text("DROP TABLE t;")
    pattern = r"(?P<version>\d+)-(?P<name>\w+)\.(?P<direction>forward|backward)\.sql"
    with pytest.raises(Exception, match="direction must be 'up' or 'down'"):
        load_migrations(tmp_path, file_pattern=pattern)
    (tmp_path / "001-create.forward.sql").rename(tmp_path / "001-create.up.sql")
    (tmp_path / "001-create.backward.sql").rename(tmp_path / "001-create.down.sql")
    pattern = r"(?P<version>\d+)-(?P<name>\w+)\.(?P<direction>up|down)\.sql"
    (migration,) = load_migrations(tmp_path, file_pattern=pattern)
    assert (migration.name, migration.down is not None) == ("create", True)


@pytest.mark.parametrize("layout", ["native", "golang-migrate", "flyway", "goose"])
def test_new_creates_the_next_file_in_the_layout(tmp_path: Path, layout: str) -> None:
    seed = {
        "native": {"0001_init.sql": "-- migrate:up\nSELECT 1;\n"},
        "golang-migrate": {"1_init.up.sql": "SELECT 1;", "1_init.down.sql": ""},
        "flyway": {"V1__init.sql": "SELECT 1;"},
        "goose": {"00001_init.sql": "-- +goose Up\nSELECT 1;\n"},
    }[layout]
    for name, text in seed.items():
        (tmp_path / name).write_text(text)
    created = new_migration_file(tmp_path, "Add cost columns!")
    migrations = load_migrations(tmp_path)
    assert migrations.layout.value == layout if layout != "native" else migrations.layout is Layout.NATIVE
    assert len(migrations) == 2
    assert all(path.exists() for path in created)
    assert "add_cost_columns" in created[0].name
