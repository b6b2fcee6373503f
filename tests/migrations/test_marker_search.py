"""Section markers (``-- migrate:up``) are found without tokenizing the whole file when the file's sections parse:
the result is the one PostgreSQL's scanner gives, also when marker-like lines hide in strings, dollar quotes, quoted
identifiers or block comments (then the scanner decides), and a file that does not parse fails as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.errors import MigrationFileError
from tenantdb.migrations import ExecutionMode, marked
from tenantdb.migrations.marked import MarkedFile, parse_native

SOURCES = {
    "plain": "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n",
    "verify and options": "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n"
    "-- migrate:down\nDROP INDEX a_id;\n-- migrate:verify\nSELECT 1 WHERE false;\n",
    "indented markers, CRLF": "  -- migrate:up\r\nCREATE TABLE a (id int);\r\n\t--   migrate:down\r\nDROP TABLE a;\r\n",
    "marker in a dollar-quoted body": "-- migrate:up\nCREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$\n"
    "-- migrate:down\nSELECT 'x' $$;\n-- migrate:down\nDROP FUNCTION f();\n",
    "marker in a string": "-- migrate:up\nINSERT INTO notes VALUES ('a\n-- migrate:down\nb');\n-- migrate:down\n"
    "DELETE FROM notes;\n",
    "marker in a block comment": "-- migrate:up\n/* old layout:\n-- migrate:down\n*/\nCREATE TABLE a (id int);\n",
    "marker in a quoted identifier": '-- migrate:up\nCREATE TABLE "a\n-- migrate:verify\n" (id int);\n',
    "unknown marker in a string": "-- migrate:up\nSELECT '\n-- migrate:sideways\n';\n",
    "marker after SQL on its line": "-- migrate:up\nSELECT 1; -- migrate:down\nSELECT 2;\n",
    "no down": "-- migrate:up\nCREATE TABLE a (id int);\n",
    "a capitalised marker is a comment": "-- migrate:up\nSELECT 1;\n-- MIGRATE:down\nSELECT 2;\n",
}
FAILING = {
    "SQL before the first marker": "SELECT 1;\n-- migrate:up\nSELECT 2;\n",
    "a section twice": "-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n",
    "unknown section": "-- migrate:up\nSELECT 1;\n-- migrate:sideways\nSELECT 2;\n",
    "unterminated string": "-- migrate:up\nSELECT 'a;\n-- migrate:down\nSELECT 2;\n",
    "no up marker": "-- migrate:down\nSELECT 1;\n",
}


def _scanned(path: Path, source: str, monkeypatch: pytest.MonkeyPatch) -> MarkedFile:
    """What the scanner alone finds (the search for marker lines switched off)."""
    with monkeypatch.context() as patch:
        patch.setattr(marked, "_marked_by_lines", lambda _path, _source: None)
        return parse_native(path, source)


@pytest.mark.parametrize("source", SOURCES.values(), ids=SOURCES.keys())
def test_the_sections_are_the_scanners(source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "0001_a.sql"
    try:
        expected: MarkedFile | str = _scanned(path, source, monkeypatch)
    except MigrationFileError as error:
        expected = error.message
    try:
        found: MarkedFile | str = parse_native(path, source)
    except MigrationFileError as error:
        found = error.message
    assert found == expected


@pytest.mark.parametrize("source", FAILING.values(), ids=FAILING.keys())
def test_a_file_that_does_not_parse_fails_as_before(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "0001_a.sql"
    with pytest.raises(MigrationFileError) as scanned:
        _scanned(path, source, monkeypatch)
    with pytest.raises(MigrationFileError) as found:
        parse_native(path, source)
    assert (found.value.message, found.value.line) == (scanned.value.message, scanned.value.line)


def test_the_line_search_is_what_usually_answers(tmp_path: Path) -> None:
    assert marked._marked_by_lines(tmp_path / "a.sql", SOURCES["verify and options"]) is not None
    assert marked._marked_by_lines(tmp_path / "a.sql", SOURCES["marker in a string"]) is None  # the scanner decides
    assert marked._marked_by_lines(tmp_path / "a.sql", SOURCES["a capitalised marker is a comment"]) is not None


GOOSE = {
    "plain": "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n",
    "statement blocks": "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$\n"
    "SELECT 1 $$;\n-- +goose StatementEnd\n-- +goose Down\nDROP FUNCTION f();\n",
    "no transaction": "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n",
    "no transaction in a string": "-- +goose Up\nINSERT INTO notes VALUES ('\n-- +goose NO TRANSACTION\n');\n",
    "down in a dollar quote": "-- +goose Up\nDO $$ BEGIN\n-- +goose Down\nEND $$;\n-- +goose Down\nSELECT 1;\n",
    "only comments": "-- nothing to do\n",
}


@pytest.mark.parametrize("source", GOOSE.values(), ids=GOOSE.keys())
def test_goose_annotations_are_the_scanners(source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "00001_a.sql"
    with monkeypatch.context() as patch:
        patch.setattr(marked, "_comment_lines", lambda *_args, **_kwargs: [])  # nothing found on lines: the scanner
        expected = marked.parse_goose(path, source)
    assert marked.parse_goose(path, source) == expected


def test_a_goose_no_transaction_inside_a_string_is_not_one(tmp_path: Path) -> None:
    found = marked.parse_goose(tmp_path / "00001_a.sql", GOOSE["no transaction in a string"])
    assert not found.directives.no_transaction and found.up.mode is not ExecutionMode.STATEMENTS
