"""How a file is named in output: relative to the working directory when it is under it (as the user would type
it), else in full; never by its name alone, which diesel's ``up.sql`` files all share."""

from __future__ import annotations

from pathlib import Path


def shown_path(path: Path | None) -> str:
    if path is None:
        return "<input>"
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
