"""Shapes seen when linting a public project's migrations (LemmyNet/lemmy, fetched, 684 files) that the new rules
reported wrongly: each case is written here from the shape, not copied."""

from __future__ import annotations

from pathlib import Path

from tenantdb.lint import lint_migration_sets
from tenantdb.migrations import load_migrations


def _rules(tmp_path: Path, *files: str) -> set[str]:
    for number, text in enumerate(files, start=1):
        (tmp_path / f"{number:04d}_m.sql").write_text(f"-- migrate:up\n{text}\n")
    report = lint_migration_sets([load_migrations(tmp_path, layout="native")])
    return {finding.rule for finding in report.findings}


def test_a_counting_subquery_always_gives_one_non_null_row(tmp_path: Path) -> None:
    rules = _rules(
        tmp_path,
        "CREATE TABLE people (id bigint PRIMARY KEY, local boolean NOT NULL);\n"
        "CREATE TABLE totals (id bigint PRIMARY KEY, users bigint NOT NULL, admins bigint NOT NULL);",
        "INSERT INTO totals (id, users, admins) SELECT 1, (SELECT coalesce(count(*), 0) FROM people WHERE local),\n"
        "    (SELECT coalesce(sum(CASE WHEN local THEN 1 ELSE 0 END), 0) FROM people);",
    )
    assert "ban-nullable-scalar-subquery-insert" not in rules


def test_a_lookup_that_may_find_no_row_is_still_reported(tmp_path: Path) -> None:
    rules = _rules(
        tmp_path,
        "CREATE TABLE plans (id bigint PRIMARY KEY, name text NOT NULL);\n"
        "CREATE TABLE accounts (id bigint PRIMARY KEY, plan_id bigint NOT NULL);",
        "INSERT INTO accounts (id, plan_id) SELECT 1, (SELECT coalesce(p.id, 0) FROM plans p WHERE p.name = 'pro');",
    )
    assert "ban-nullable-scalar-subquery-insert" in rules


def test_a_regclass_parameter_formatted_with_s_is_quoted_by_its_type(tmp_path: Path) -> None:
    rules = _rules(
        tmp_path,
        "CREATE FUNCTION add_stamp(target regclass) RETURNS void LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  EXECUTE format('CREATE TRIGGER stamp BEFORE UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION stamp()', target);\n"
        "END\n$$;",
    )
    assert "ban-string-built-sql" not in rules


def test_a_text_parameter_formatted_with_s_is_still_reported(tmp_path: Path) -> None:
    rules = _rules(
        tmp_path,
        "CREATE FUNCTION add_stamp(target text) RETURNS void LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  EXECUTE format('CREATE TRIGGER stamp BEFORE UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION stamp()', target);\n"
        "END\n$$;",
    )
    assert "ban-string-built-sql" in rules


def _messages(tmp_path: Path, rule: str, *files: str) -> list[str]:
    for number, text in enumerate(files, start=1):
        (tmp_path / f"{number:04d}_m.sql").write_text(f"-- migrate:up\n{text}\n")
    report = lint_migration_sets([load_migrations(tmp_path, layout="native")])
    return [finding.message for finding in report.findings if finding.rule == rule]


def test_an_enum_swapped_by_renaming_the_old_type_names_the_type_the_column_had(tmp_path: Path) -> None:
    """ALTER TYPE ... RENAME TO the_type__, a new the_type, the column moved over: the column had the_type__, and the
    finding said '(was the_type)', the type it is changed to."""
    (message,) = _messages(
        tmp_path,
        "ban-column-type-change",
        "CREATE TYPE visibility AS ENUM ('public', 'local');\nCREATE TABLE community (id int, seen visibility);",
        "ALTER TYPE visibility RENAME TO visibility__;\n"
        "CREATE TYPE visibility AS ENUM ('public', 'local', 'private');\n"
        "ALTER TABLE community ALTER COLUMN seen TYPE visibility USING seen::text::visibility;\n"
        "DROP TYPE visibility__;",
    )
    assert "(was visibility__)" in message
