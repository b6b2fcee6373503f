"""What every benchmark's RESULTS.md section ends with, and how its command line writes and prints it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def footer(results: dict[str, Any]) -> list[str]:
    """The machine and its load before and after, the PostgreSQL server, and the command: the section's last lines."""
    facts, postgres, load = results["machine"], results["postgres"], results["machine"]["load_average_1m"]
    return [
        "",
        f"- Machine: {facts['cpu']}, {facts['cores']} cores, {facts['ram_gib']} GiB RAM, {facts['os']};"
        f" 1-min load average {load[0]} / {load[1]} (before/after)",
        f"- PostgreSQL {postgres['server_version']} ({results['server']}; fsync={postgres['fsync']},"
        f" shared_buffers={postgres['shared_buffers']})",
        f"- Command: `{results['command']}`",
        "",
    ]


def publish(results: dict[str, Any], output: Path, markdown: Callable[[dict[str, Any]], str]) -> None:
    """Write the results as JSON and print the Markdown section for benchmarks/RESULTS.md."""
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {output}\n\nMarkdown for benchmarks/RESULTS.md:\n")
    print(markdown(results), end="")
