"""Bad migration files get one clear error naming file and line; nothing is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.config import PlaceholderSettings
from tenantdb.errors import MigrationFileError
from tenantdb.migrations import load_migrations, load_single_file
from tenantdb.sql import Comment, line_comments


def write(directory: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return directory


def load_error(directory: Path, **options: object) -> MigrationFileError:
    with pytest.raises(MigrationFileError) as error:
        load_migrations(directory, **options)  # type: ignore[arg-type]
    return error.value


UP = "-- migrate:up\nSELECT 1;\n"


def test_duplicate_versions(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"0001_a.sql": UP, "001_b.sql": UP}))
    assert "duplicate version" in error.message


def test_duplicate_versions_in_golang_migrate(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"1_a.up.sql": "SELECT 1;", "01_b.up.sql": "SELECT 1;"}))
    assert "duplicate version" in error.message


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"0001_a.sql": "-- migrate:up\nSELECT 1;\nCREATE TABLE (;\n"}))
    assert error.path.name == "0001_a.sql"
    assert error.line == 3
    assert "syntax error" in error.message


def test_syntax_error_in_down_section(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"0001_a.sql": UP + "-- migrate:down\nDROP TABLE;\n"}))
    assert error.line == 4


def test_unknown_directive(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"0001_a.sql": "-- tenantdb: no-transactions\n" + UP}))
    assert error.line == 1
    assert "unknown directive" in error.message
    assert error.hint and "no-transaction" in error.hint


def test_bad_directive_duration(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"0001_a.sql": "-- tenantdb: lock-timeout soon\n" + UP}))
    assert error.line == 1


def test_unknown_section_marker(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"0001_a.sql": UP + "-- migrate:sideways\nSELECT 2;\n"}))
    assert (error.line, "unknown section marker" in error.message) == (3, True)


def test_non_utf8_file(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"0001_a.sql": b"-- migrate:up\nSELECT 'caf\xe9';\n"}))
    assert (error.line, "UTF-8" in error.message) == (2, True)


def test_native_file_without_up_marker(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"0001_a.sql": "CREATE TABLE t (a int);\n"}))
    assert "migrate:up" in error.message


def test_sql_before_the_first_marker(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"0001_a.sql": "SELECT 0;\n" + UP}))
    assert "before the first section marker" in error.message


def test_section_twice(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"0001_a.sql": UP + UP}))
    assert "appears twice" in error.message and error.line == 3


def test_undefined_placeholder(tmp_path: Path) -> None:
    write(tmp_path, {"V1__a.sql": "SELECT 1;\nCREATE TABLE ${schema}.t (a int);\n"})
    error = load_error(tmp_path, placeholders=PlaceholderSettings(values={}))
    assert (error.line, "${schema}" in error.message) == (2, True)
    assert error.remedy == "sets" and "pass sets schema=VALUE" in str(error)


def test_goose_file_without_up_annotation(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"00001_a.sql": "-- +goose Down\nSELECT 1;\n", "00002_b.sql": "-- +goose Up\n"}))
    assert "+goose Up" in error.message


def test_unsupported_goose_annotation(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"00001_a.sql": "-- +goose ENVSUB ON\n-- +goose Up\nSELECT 1;\n"}))
    assert error.line == 1


def test_golang_down_without_up(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"1_a.up.sql": "SELECT 1;", "2_b.down.sql": "SELECT 1;"}))
    assert "has no up migration" in error.message


def test_flyway_repeatable_is_refused_with_a_way_out(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"V1__a.sql": "SELECT 1;", "R__views.sql": "SELECT 1;"}))
    assert "repeatable" in error.message and error.hint


def test_file_not_following_the_layout(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"1_a.up.sql": "SELECT 1;", "notes.sql": "SELECT 1;"}))
    assert error.path.name == "notes.sql"


def test_missing_directory(tmp_path: Path) -> None:
    error = load_error(tmp_path / "nope")
    assert "not found" in error.message


def test_unterminated_string(tmp_path: Path) -> None:
    error = load_error(write(tmp_path, {"0001_a.sql": "-- migrate:up\nSELECT 'abc;\n"}))
    assert error.line == 2


@pytest.mark.parametrize("layout", ["plain", "golang-migrate"])
def test_unterminated_string_in_a_file_without_markers_names_its_line(tmp_path: Path, layout: str) -> None:
    """Such a file is not scanned for comments (none can be a marker or a directive): the parse reports the error."""
    text = "SELECT 1;\n-- a comment\nSELECT 'abc;\n"
    if layout == "plain":
        path = tmp_path / "script.sql"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(MigrationFileError) as error:
            load_single_file(path)
        found = error.value
    else:
        found = load_error(write(tmp_path, {"1_a.up.sql": text, "1_a.down.sql": "SELECT 1;\n"}))
    assert found.line == 3
    assert "unterminated quoted string" in found.message


def test_a_plain_file_is_not_scanned_for_comments_it_cannot_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scanned: list[str] = []

    def counting(source: str) -> tuple[Comment, ...]:
        scanned.append(source)
        return line_comments(source)

    monkeypatch.setattr("tenantdb.migrations.scripts.line_comments", counting)
    plain = tmp_path / "plain.sql"
    plain.write_text("-- backfill\nSELECT 1;\n", encoding="utf-8")
    assert len(load_single_file(plain).up.statements) == 1
    assert scanned == []
    directive = tmp_path / "directive.sql"
    directive.write_text("-- tenantdb: no-transaction\nSELECT 1;\n", encoding="utf-8")
    assert load_single_file(directive).up.no_transaction
    assert scanned
