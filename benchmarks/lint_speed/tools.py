"""The timed commands: how squawk and tenantdb are invoked, measured, and how their findings are counted."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PG_VERSION = 16
"""Both linters are told the same target version (tenantdb's default)."""

ERROR_TAIL = 1500
"""Characters of a failing command's output kept for the report."""


class ToolFailed(Exception):
    """A command could not start, exited with an unexpected status, or printed something unreadable."""


@dataclass(frozen=True, slots=True)
class Command:
    """One timed command line."""

    name: str  # e.g. "squawk", "tenantdb", "tenantdb-dir", "squawk-1"
    tool: str  # "squawk" or "tenantdb"
    description: str
    argv: list[str]
    files: int
    ok_codes: frozenset[int]  # exit statuses that mean "linted" (squawk exits 1 when it found something)


@dataclass(frozen=True, slots=True)
class Measurement:
    """One run of a command: wall clock, CPU time (user + system) and peak memory of the process."""

    wall: float
    cpu: float
    max_rss_mib: float


@dataclass(frozen=True, slots=True)
class Findings:
    """What a linter reported: total, per rule, and what it says it read."""

    total: int
    by_rule: dict[str, int]
    files_with_findings: int
    statements: int | None = None
    files: int | None = None
    rules: int | None = None

    def summary(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "total": self.total,
            "by_rule": dict(sorted(self.by_rule.items())),
            "files_with_findings": self.files_with_findings,
            "statements": self.statements,
            "files": self.files,
            "rules": self.rules,
        }


def squawk_command(squawk: Path, name: str, files: list[Path], description: str) -> Command:
    """``squawk --reporter json --pg-version 16 FILE...`` (the GitHub upload is a separate subcommand, not run)."""
    argv = [str(squawk), "--reporter", "json", f"--pg-version={PG_VERSION}.0", *map(str, files)]
    return Command(name, "squawk", description, argv, len(files), frozenset({0, 1}))


def tenantdb_command(tenantdb: Path, name: str, targets: list[Path], files: int, description: str) -> Command:
    """``tenantdb lint TARGET... --format json --fail-on never --pg-version 16``."""
    argv = [
        str(tenantdb),
        "lint",
        *map(str, targets),
        "--format",
        "json",
        "--fail-on",
        "never",
        "--pg-version",
        str(PG_VERSION),
    ]
    return Command(name, "tenantdb", description, argv, files, frozenset({0}))


RUN_ENVIRONMENT = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
"""The commands' environment: Python may write its ``.pyc`` files (in the warm-up run), as an installed tool has
them; with PYTHONDONTWRITEBYTECODE set every timed run would compile tenantdb's modules again."""


def run_measured(command: Command, cwd: Path, output: Path) -> Measurement:
    """Run ``command`` with stdout to ``output``; wall clock from start to exit, CPU and peak RSS from ``wait4``."""
    errors = output.with_suffix(".stderr")
    with output.open("wb") as stdout, errors.open("wb") as stderr:
        started = time.perf_counter()
        try:
            process = subprocess.Popen(
                command.argv, cwd=cwd, env=RUN_ENVIRONMENT, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr
            )
        except OSError as error:
            raise ToolFailed(f"cannot start {command.argv[0]}: {error}") from error
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen from waiting again
    if process.returncode not in command.ok_codes:
        text = (errors.read_text(errors="replace") or output.read_text(errors="replace")).strip()
        raise ToolFailed(f"{Path(command.argv[0]).name} exited {process.returncode}: {text[-ERROR_TAIL:]}")
    return Measurement(wall=wall, cpu=usage.ru_utime + usage.ru_stime, max_rss_mib=usage.ru_maxrss / 1024)


def findings(tool: str, output: Path) -> Findings:
    """Count the findings in a JSON report written by ``tool``."""
    try:
        document = json.loads(output.read_text())
    except (OSError, ValueError) as error:
        raise ToolFailed(f"{tool} printed no readable JSON: {error}") from error
    if tool == "squawk":
        if not isinstance(document, list):
            raise ToolFailed(f"squawk printed {type(document).__name__}, not a list of violations")
        rules = Counter(str(item.get("rule_name")) for item in document)
        paths = {item.get("file") for item in document}
        return Findings(total=len(document), by_rule=dict(rules), files_with_findings=len(paths))
    if not isinstance(document, dict) or "findings" not in document:
        raise ToolFailed(f"tenantdb printed no findings: {json.dumps(document)[:ERROR_TAIL]}")
    rules = Counter(str(item.get("rule")) for item in document["findings"])
    return Findings(
        total=len(document["findings"]),
        by_rule=dict(rules),
        files_with_findings=len({item.get("path") for item in document["findings"]}),
        statements=document.get("statements"),
        files=document.get("files"),
        rules=document.get("rules"),
    )


def version(argv: list[str], prefix: str) -> str:
    """First line of ``argv``'s output without ``prefix``, or ``unknown``."""
    try:
        completed = subprocess.run(argv, capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    lines = completed.stdout.strip().splitlines()
    return lines[0].removeprefix(prefix).strip() if lines else "unknown"
