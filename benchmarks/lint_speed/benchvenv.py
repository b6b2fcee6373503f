"""The benchmark's own virtual environment, holding squawk and py-spy.

Neither is a project dependency: they live in ``benchmarks/lint_speed/.venv``, created on first run and
re-synced when ``requirements.txt`` changes. Both wheels ship a native binary, so the venv's Python version
does not matter to them.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv"
REQUIREMENTS = HERE / "requirements.txt"
STAMP = VENV / ".requirements.sha256"
PACKAGES = ("squawk-cli", "py-spy")


def python() -> Path:
    """The interpreter of the benchmark venv."""
    return VENV / "bin" / "python"


def binary(name: str) -> Path:
    """An executable installed in the benchmark venv (``squawk``, ``py-spy``)."""
    return VENV / "bin" / name


def ensure() -> Path:
    """Create the venv and install ``requirements.txt`` into it if needed; return the venv directory."""
    if not python().exists():
        print(f"creating {VENV} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != digest:
        print(f"installing {REQUIREMENTS.name} into {VENV} ...", file=sys.stderr)
        pip = [str(python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
        STAMP.write_text(digest + "\n")
    return VENV


def versions() -> dict[str, str]:
    """Installed versions of the benchmark venv's packages."""
    script = (
        "import importlib.metadata as m, json\n"
        f"print(json.dumps({{name: m.version(name) for name in {list(PACKAGES)!r}}}))"
    )
    output = subprocess.run([str(python()), "-c", script], check=True, capture_output=True, text=True).stdout
    loaded: dict[str, str] = json.loads(output)
    return loaded
