"""Statements a team already reviewed for another linter: diesel-guard's blocks (``-- safety-assured:start`` ...
``-- safety-assured:end``: found adopting rust-lang/crates.io, whose reviewed drops failed ``tenantdb lint`` as
warnings) and squawk's ignore comments. A reviewed warning is reported as info, saying so; an error (a statement that
fails as written) still fails."""

from __future__ import annotations

from pathlib import Path

from tenantdb.lint import Finding, Severity, lint_migration_sets
from tenantdb.migrations import load_migrations


def _findings(folder: Path, script: str, name: str = "0001_step.up.sql") -> list[Finding]:
    (folder / name).write_text(script, encoding="utf-8")
    return list(lint_migration_sets([load_migrations(folder)]).findings)


def _lint(folder: Path, script: str) -> list[tuple[str, Severity, str]]:
    return [(f.rule, f.severity, f.message) for f in _findings(folder, script)]


def test_a_warning_inside_a_reviewed_block_is_info_and_says_why(tmp_path: Path) -> None:
    found = _lint(
        tmp_path,
        "-- safety-assured:start\n-- The column is no longer read or written.\n"
        "ALTER TABLE users DROP COLUMN gh_avatar;\n-- safety-assured:end\n",
    )
    ((rule, severity, message),) = found
    assert (rule, severity) == ("ban-drop-column", Severity.INFO)
    assert message.endswith("(reviewed: inside a safety-assured block)")


def test_only_the_statements_inside_the_block_are_reviewed(tmp_path: Path) -> None:
    found = _lint(
        tmp_path,
        "ALTER TABLE users DROP COLUMN a;\n-- Safety-Assured:Start\nALTER TABLE users DROP COLUMN b;\n"
        "-- safety-assured:end\nALTER TABLE users DROP COLUMN c;\n",
    )
    assert [severity for _, severity, _ in found] == [Severity.WARNING, Severity.INFO, Severity.WARNING]


def test_an_error_inside_a_reviewed_block_still_fails(tmp_path: Path) -> None:
    found = _lint(
        tmp_path,
        "-- safety-assured:start\nBEGIN;\nCREATE INDEX CONCURRENTLY users_email ON users (email);\nCOMMIT;\n"
        "-- safety-assured:end\n",
    )
    assert Severity.ERROR in {severity for _, severity, _ in found}


def test_a_marker_inside_a_string_is_not_a_block(tmp_path: Path) -> None:
    found = _lint(
        tmp_path,
        "SELECT '-- safety-assured:start';\nALTER TABLE users DROP COLUMN a;\n",
    )
    assert [severity for _, severity, _ in found] == [Severity.WARNING]


# squawk's ignore comments (``-- squawk-ignore rule[, rule]`` before a statement, ``-- squawk-ignore-file [rule,
# ...]`` anywhere in the file, also as ``/* ... */``): a team moving from squawk keeps its reviews, under squawk's
# rule names, which differ from tenantdb's.


def test_a_squawk_ignore_before_a_statement_reviews_its_warnings_of_that_rule(tmp_path: Path) -> None:
    found = _lint(
        tmp_path,
        "-- squawk-ignore renaming-column, ban-drop-column\nALTER TABLE users DROP COLUMN a;\n"
        "ALTER TABLE users DROP COLUMN b;\n"
        "/* squawk-ignore renaming-column */\nALTER TABLE users RENAME COLUMN c TO d;\n"
        "-- squawk-ignore renaming-column\nALTER TABLE users DROP COLUMN e;\n",
    )
    assert [(rule, severity) for rule, severity, _ in found] == [
        ("ban-drop-column", Severity.INFO),
        ("ban-drop-column", Severity.WARNING),  # no comment before it
        ("ban-rename-column", Severity.INFO),  # squawk's renaming-column is tenantdb's ban-rename-column
        ("ban-drop-column", Severity.WARNING),  # the comment names another rule
    ]
    assert found[0][2].endswith("(reviewed: squawk-ignore ban-drop-column)")
    assert found[2][2].endswith("(reviewed: squawk-ignore renaming-column)")


def test_a_squawk_file_ignore_reviews_the_whole_file(tmp_path: Path) -> None:
    named = _lint(
        tmp_path,
        "ALTER TABLE users DROP COLUMN a;\n-- squawk-ignore-file ban-drop-column\n"
        "ALTER TABLE users RENAME COLUMN b TO c;\nALTER TABLE users DROP COLUMN d;\n",
    )
    assert [(rule, severity) for rule, severity, _ in named] == [
        ("ban-drop-column", Severity.INFO),
        ("ban-rename-column", Severity.WARNING),
        ("ban-drop-column", Severity.INFO),
    ]
    every = _lint(tmp_path, "-- squawk-ignore-file\nALTER TABLE users DROP COLUMN a;\nALTER TABLE u RENAME a TO b;\n")
    assert {severity for _, severity, _ in every} == {Severity.INFO}


def test_a_squawk_ignore_does_not_make_an_error_pass(tmp_path: Path) -> None:
    found = _lint(
        tmp_path,
        "BEGIN;\n-- squawk-ignore ban-concurrent-index-creation-in-transaction\n"
        "CREATE INDEX CONCURRENTLY users_email ON users (email);\nCOMMIT;\n",
    )
    assert ("ban-concurrently-in-transaction", Severity.ERROR) in {(rule, severity) for rule, severity, _ in found}


def test_every_squawk_name_maps_to_tenantdb_rules_that_exist() -> None:
    from tenantdb.lint.reviews import SQUAWK_RULES
    from tenantdb.lint.rules import RULES_BY_ID

    assert len(SQUAWK_RULES) >= 30
    assert all(targets and set(targets) <= set(RULES_BY_ID) for targets in SQUAWK_RULES.values())
    documented = (Path(__file__).parents[2] / "docs" / "lint.md").read_text(encoding="utf-8")
    for name, targets in SQUAWK_RULES.items():  # the page's translation table is the one the linter uses
        assert f"| `{name}` | {', '.join(f'`{rule}`' for rule in targets)} |" in documented, name


def test_a_squawk_ignore_in_the_down_section_of_a_native_file(tmp_path: Path) -> None:
    native = (
        "-- migrate:up\nALTER TABLE users ALTER COLUMN a TYPE bigint;\n"
        "-- migrate:down\n-- squawk-ignore changing-column-type -- back as it was\n"
        "ALTER TABLE users ALTER COLUMN a TYPE int;\n"
    )
    findings = _findings(tmp_path, native, name="0001_step.sql")
    changes = [(f.line, f.severity) for f in findings if f.rule == "ban-column-type-change"]
    assert changes == [(2, Severity.WARNING), (5, Severity.INFO)]
