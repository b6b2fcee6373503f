"""Blocks a team already reviewed with diesel-guard (``-- safety-assured:start`` ... ``-- safety-assured:end``):
found adopting rust-lang/crates.io, whose reviewed drops failed ``tenantdb lint`` as warnings. Inside such a block a
warning is reported as info, saying so; an error (a statement that fails as written) still fails."""

from __future__ import annotations

from pathlib import Path

from tenantdb.lint import Severity, lint_migration_sets
from tenantdb.migrations import load_migrations


def _lint(folder: Path, script: str) -> list[tuple[str, Severity, str]]:
    (folder / "0001_step.up.sql").write_text(script, encoding="utf-8")
    report = lint_migration_sets([load_migrations(folder)])
    return [(f.rule, f.severity, f.message) for f in report.findings]


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
