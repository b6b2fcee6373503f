"""Generated documentation folders: write them, or report how they drifted from their source.

Used by ``python -m tenantdb.lint.docs`` (rule docs) and ``python -m tenantdb.modules.docs`` (module docs);
the tests call :func:`drift` so undocumented changes fail.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path


def drift(folder: Path, expected: dict[Path, str]) -> list[Path]:
    """Files that are missing, stale, or no longer belong to anything."""
    stale = [path for path, text in expected.items() if not path.is_file() or path.read_text() != text]
    extra = [path for path in folder.glob("*.md") if path not in expected] if folder.is_dir() else []
    return sorted(stale + extra)


def write(folder: Path, expected: dict[Path, str]) -> None:
    """Make ``folder`` hold exactly the expected files."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.glob("*.md"):
        if path not in expected:
            path.unlink()
    for path, text in expected.items():
        path.write_text(text, encoding="utf-8")


def main(argv: list[str], folder: Path, expected: Callable[[Path], dict[Path, str]], command: str) -> int:
    """``--check`` exits 1 on drift (naming the files); otherwise write the files."""
    root = Path.cwd()
    files = expected(root)
    if "--check" in argv:
        stale = drift(root / folder, files)
        for path in stale:
            print(f"out of date: {path}", file=sys.stderr)
        if stale:
            print(f"run `{command}` to regenerate", file=sys.stderr)
        return 1 if stale else 0
    write(root / folder, files)
    return 0
