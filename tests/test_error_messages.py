"""Errors below the CLI name request parameters, never command-line flags: the CLI spells them as its flags."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tenantdb.errors import ConfigError, DatabaseStateError, LedgerStateError, TenantdbError

SRC = Path(__file__).parents[1] / "src" / "tenantdb"
LOWER = ["execute", "migrations", "phases", "db", "commands", "bi", "plan", "config.py"]
FLAG = re.compile(r"(^|[\s(`'\"])--[a-z]")
ANOTHER_COMMAND = re.compile(r"`tenantdb [^`]*`")  # advice to run another command, flags and all, is not a parameter


def _raised_texts(path: Path) -> list[tuple[int, str]]:
    """The strings of every ``raise SomeError(...)`` in ``path``; an f-string is one text, ``{}`` where it formats."""
    texts = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            inside_fstrings: set[int] = set()
            for inner in ast.walk(node.exc):
                if isinstance(inner, ast.JoinedStr):
                    pieces = [value.value if isinstance(value, ast.Constant) else "{}" for value in inner.values]
                    texts.append((inner.lineno, "".join(str(piece) for piece in pieces)))
                    inside_fstrings.update(id(value) for value in inner.values)
            for inner in ast.walk(node.exc):
                if (
                    isinstance(inner, ast.Constant)
                    and isinstance(inner.value, str)
                    and id(inner) not in inside_fstrings
                ):
                    texts.append((inner.lineno, inner.value))
    return texts


def _files() -> list[Path]:
    return sorted(
        file for part in LOWER for file in ([SRC / part] if part.endswith(".py") else (SRC / part).rglob("*.py"))
    )


@pytest.mark.parametrize("path", _files(), ids=lambda path: str(path.relative_to(SRC)))
def test_lower_layers_write_no_command_line_flag_into_errors(path: Path) -> None:
    flagged = [
        f"{path.name}:{line}: {text!r}"
        for line, text in _raised_texts(path)
        if FLAG.search(ANOTHER_COMMAND.sub("", text))
    ]
    assert not flagged, "name the request parameter (option=, remedy=) and let the CLI spell its flag"


def test_an_error_names_its_parameter_without_a_front_end() -> None:
    error = ConfigError(
        "0 is below {min_size} 1", option="batch_size", remedy="append", refers=("min_size",), hint="to add more"
    )
    assert str(error) == "batch_size 0 is below min_size 1\n  hint: pass append to add more"
    assert error.described(lambda name: f"--{name.replace('_', '-')}") == (
        "--batch-size 0 is below --min-size 1",
        "pass --append to add more",
    )
    assert error.details()["option"] == "batch_size"


def test_database_state_errors_have_their_own_class() -> None:
    assert issubclass(DatabaseStateError, TenantdbError) and not issubclass(DatabaseStateError, ConfigError)
    assert issubclass(LedgerStateError, DatabaseStateError)
    assert DatabaseStateError("x").exit_code == ConfigError("x").exit_code
