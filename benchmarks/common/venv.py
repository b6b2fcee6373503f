"""A benchmark's own virtual environment for the peer tools it compares tenantdb with.

The peers are never project dependencies: each benchmark keeps them in its ``.venv``, created on first run and
re-synced when its ``requirements.txt`` changes.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class BenchVenv:
    """``directory/.venv`` holding ``directory/requirements.txt``; ``packages`` are the ones whose versions count."""

    directory: Path
    packages: tuple[str, ...]

    @property
    def path(self) -> Path:
        return self.directory / ".venv"

    @property
    def requirements(self) -> Path:
        return self.directory / "requirements.txt"

    def python(self) -> Path:
        """The interpreter of the venv."""
        return self.binary("python")

    def binary(self, name: str) -> Path:
        """An executable installed in the venv."""
        return self.path / "bin" / name

    def ensure(self) -> Path:
        """Create the venv and install the requirements into it if needed; return the venv directory."""
        if not self.python().exists():
            print(f"creating {self.path} ...", file=sys.stderr)
            subprocess.run([sys.executable, "-m", "venv", str(self.path)], check=True)
        stamp = self.path / ".requirements.sha256"
        digest = hashlib.sha256(self.requirements.read_bytes()).hexdigest()
        if not stamp.exists() or stamp.read_text().strip() != digest:
            print(f"installing {self.requirements.name} into {self.path} ...", file=sys.stderr)
            pip = [str(self.python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            subprocess.run([*pip, "-r", str(self.requirements)], check=True)
            stamp.write_text(digest + "\n")
        return self.path

    def versions(self) -> dict[str, str]:
        """Installed versions of the venv's packages."""
        script = (
            "import importlib.metadata as m, json\n"
            f"print(json.dumps({{name: m.version(name) for name in {list(self.packages)!r}}}))"
        )
        output = subprocess.run([str(self.python()), "-c", script], check=True, capture_output=True, text=True).stdout
        loaded: dict[str, str] = json.loads(output)
        return loaded
