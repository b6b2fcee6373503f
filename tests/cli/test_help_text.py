"""``--help`` as a user reads it: the documented syntax survives, paragraphs flow, types are plain words."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from tenantdb.cli.app import app
from tenantdb.cli.lazy import COMMANDS


def help_of(*command: str, columns: int = 100) -> str:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    return result.output


def flat(text: str) -> str:
    """The help without the box drawing and line breaks, as one run of words."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def test_lint_help_documents_the_suppression_syntax_the_linter_accepts() -> None:
    text = flat(help_of("lint"))
    assert "-- tenantdb: ignore[rule-id] reason" in text
    assert "tenantdb.toml's [lint.rules] (rule-id" in text


def test_help_paragraphs_are_reflowed_to_the_terminal_not_broken_where_the_docstring_was() -> None:
    lines = help_of("lint", columns=200).splitlines()
    assert any("prefer-identity-over-serial) run under --profile strict" in line for line in lines)
    assert any("VALIDATE, ...) is reported as info" in line for line in lines)


def all_commands() -> list[list[str]]:
    found: list[list[str]] = [[]]
    for name in COMMANDS:
        found.append([name])
        listing = help_of(name)
        if "Commands" in listing:
            section = listing.split("Commands", 1)[1]
            found += [[name, sub] for sub in re.findall(r"│ ([a-z][a-z-]+) ", section)]
    return found


@pytest.mark.parametrize("command", all_commands(), ids=lambda c: " ".join(c) or "tenantdb")
def test_help_shows_value_kinds_not_python_annotations(command: list[str]) -> None:
    text = help_of(*command)
    assert "list[" not in text and "<bool>" not in text
    assert "\\[" not in text  # an escaped bracket meant for rich markup shows as written
