"""Profile ``tenantdb lint`` with py-spy and boil the samples down to hotspots a developer can act on.

py-spy samples the Python stack of the process at a fixed rate (``--format raw`` writes "folded" stacks:
``frame;frame;...;frame count``, each frame ``function (path:line)``). From them:

* **self** time of a function: samples where it is the innermost Python frame (time spent in it, or in C code
  it called directly, such as pglast's parser or ``json``);
* **total** time: samples where it is anywhere on the stack (counted once per sample even when recursive),
  listed for the project's own functions (``tenantdb/...``) only, where a fix would go, less the CLI entry
  chain (``tenantdb/cli``, ``tenantdb/commands``) that is on every stack;
* **callers**: for the top self-time functions, the tenantdb call paths (innermost project frames) that
  lead to them, so that time in library code (pglast, typing) is traced to the project code that asked for it;
* **by module**: self time grouped by the file's package directory;
* **phases**: each sample assigned to the first phase whose marker function is on its stack.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT = "tenantdb/"
"""Path prefix (as py-spy shortens it) of the project's own modules."""
ENTRY_CHAIN = ("tenantdb/cli/", "tenantdb/commands/")
"""Project frames on (nearly) every stack: left out of the total-time list."""
CALLER_DEPTH = 3
"""Project frames shown per call path."""

CALLERS = 6
"""Top self-time functions whose call paths are listed."""

RATE = 200
"""Samples per second."""

FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^()]*?)(?::(?P<line>\d+))?\)$")

PHASES: tuple[tuple[str, frozenset[str]], ...] = (
    ("import modules", frozenset({"_find_and_load"})),
    ("parse the command line (typer)", frozenset({"make_context"})),
    ("render output", frozenset({"show_json", "emit_json", "show_text", "render"})),
    ("lint (rules, schema model)", frozenset({"lint_migrations", "_lint_migration", "_lint_script"})),
    ("load + parse files", frozenset({"load_single_file", "load_migrations", "load_project_migrations"})),
)
"""(phase, functions that mark it), first match wins: lazy imports count as imports wherever they happen."""


@dataclass(frozen=True, slots=True)
class Frame:
    """A function, identified by file and name (the line is dropped so that a function's lines add up)."""

    path: str
    function: str

    @property
    def label(self) -> str:
        """``path:function``."""
        return f"{self.path}:{self.function}"

    @property
    def module(self) -> str:
        """The package directory of the file (``tenantdb/lint``, ``pglast``) or the frozen module."""
        if self.path.startswith("<"):
            return "import machinery" if "importlib" in self.path else self.path
        parts = Path(self.path).parts
        return "/".join(parts[:2]) if len(parts) > 2 else parts[0] if parts else self.path


def _own(frame: Frame) -> bool:
    return frame.path.startswith(PROJECT) and not frame.path.startswith(ENTRY_CHAIN)


def record(py_spy: Path, argv: list[str], cwd: Path, output: Path) -> None:
    """Run ``argv`` under ``py-spy record`` writing folded stacks to ``output``."""
    command = [str(py_spy), "record", "--format", "raw", "--rate", str(RATE), "--output", str(output), "--", *argv]
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    if completed.returncode != 0 or not output.exists():
        raise RuntimeError(f"py-spy exited {completed.returncode}: {completed.stderr.strip()[-1500:]}")


def parse_frame(text: str) -> Frame:
    """``function (path:line)`` as a frame (anything else: the whole text as the function)."""
    match = FRAME.match(text.strip())
    if match is None:
        return Frame(path="?", function=text.strip())
    return Frame(path=match["path"], function=match["function"])


def summarize(folded: Path, top: int = 15) -> dict[str, Any]:
    """Top functions by self and total samples, self samples by module, and samples by phase."""
    own: Counter[Frame] = Counter()
    paths: dict[Frame, Counter[str]] = {}
    total: Counter[Frame] = Counter()
    modules: Counter[str] = Counter()
    phases: Counter[str] = Counter()
    samples = 0
    for line in folded.read_text().splitlines():
        stack_text, _, count_text = line.rpartition(" ")
        if not stack_text or not count_text.isdigit():
            continue
        count = int(count_text)
        stack = [parse_frame(part) for part in stack_text.split(";")]
        samples += count
        own[stack[-1]] += count
        project = [frame.label for frame in stack if frame.path.startswith(PROJECT)][-CALLER_DEPTH:]
        paths.setdefault(stack[-1], Counter())[" <- ".join(reversed(project)) or "(outside tenantdb)"] += count
        modules[stack[-1].module] += count
        for frame in set(stack):
            total[frame] += count
        names = {frame.function for frame in stack}
        phase = next((name for name, markers in PHASES if names & markers), "other (start-up, CLI)")
        phases[phase] += count

    def rows(counter: Counter[Frame]) -> list[dict[str, Any]]:
        return [
            {"function": frame.label, "samples": count, "percent": round(100 * count / samples, 1)}
            for frame, count in counter.most_common(top)
        ]

    def shares(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"name": name, "samples": count, "percent": round(100 * count / samples, 1)}
            for name, count in counter.most_common()
        ]

    return {
        "rate_hz": RATE,
        "samples": samples,
        "seconds_sampled": round(samples / RATE, 2),
        "phases": shares(phases),
        "by_module": shares(modules)[:top],
        "self": rows(own),
        "total": rows(Counter({frame: count for frame, count in total.items() if _own(frame)})),
        "callers": [
            {
                "function": frame.label,
                "paths": [
                    {"path": path, "samples": count, "percent": round(100 * count / samples, 1)}
                    for path, count in paths[frame].most_common(3)
                ],
            }
            for frame, _ in own.most_common(CALLERS)
        ],
    }
