"""Summarise timings and render results as a console table and as Markdown."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

BASELINES = ("psql-per-file", "psql-single")
GOAL_RATIO = 1.5
"""Issue 15's goal: tenantdb faster than Alembic and at most this many times the wall clock of psql in one
process."""


@dataclass(slots=True)
class ToolResult:
    """Every timed run of one tool, or why it has none."""

    name: str
    description: str
    runs: list[float] = field(default_factory=list)
    error: str | None = None
    status: str = "ok"  # ok | failed | unavailable | skipped

    def fail(self, status: str, error: str) -> None:
        """Record why the tool has no (more) timings."""
        self.status, self.error = status, error

    def summary(self) -> dict[str, Any]:
        """JSON form, with median/min/max when there are runs."""
        data: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "status": self.status,
            "error": self.error,
            "runs": [round(run, 4) for run in self.runs],
        }
        if self.runs and self.status == "ok":
            data |= {
                "median": round(statistics.median(self.runs), 4),
                "min": round(min(self.runs), 4),
                "max": round(max(self.runs), 4),
            }
        return data


def add_ratios(tools: list[dict[str, Any]]) -> None:
    """Add ``ratio_<baseline>`` (median over the baseline's median) to every summarised tool."""
    medians = {tool["name"]: tool.get("median") for tool in tools}
    for tool in tools:
        for baseline in BASELINES:
            base = medians.get(baseline)
            ratio = tool["median"] / base if tool.get("median") is not None and base else None
            tool[f"ratio_{baseline}"] = round(ratio, 3) if ratio is not None else None


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}x"


def _row(tool: dict[str, Any]) -> list[str]:
    if tool["status"] != "ok":
        return [tool["name"], tool["status"], "", "", "", ""]
    return [
        tool["name"],
        _seconds(tool.get("median")),
        _seconds(tool.get("min")),
        _seconds(tool.get("max")),
        _ratio(tool.get("ratio_psql-per-file")),
        _ratio(tool.get("ratio_psql-single")),
    ]


HEADER = ["tool", "median s", "min s", "max s", "x psql per-file", "x psql single"]


def console_table(results: dict[str, Any]) -> str:
    """A plain aligned table, followed by the errors of tools that did not run."""
    rows = [HEADER, *(_row(tool) for tool in results["tools"])]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines += [f"\n{tool['name']} {tool['status']}: {tool['error']}" for tool in results["tools"] if tool["error"]]
    return "\n".join(lines)


def goal_line(results: dict[str, Any]) -> str:
    """Whether tenantdb is faster than Alembic and within ``GOAL_RATIO`` of psql in one process."""
    goal = f"Goal (tenantdb faster than alembic and ≤ {GOAL_RATIO}x psql in one process)"
    medians = {tool["name"]: tool.get("median") for tool in results["tools"] if tool.get("median") is not None}
    tenantdb = next((tool for tool in results["tools"] if tool["name"] == "tenantdb"), None)
    ratio = tenantdb.get("ratio_psql-single") if tenantdb else None
    if ratio is None or "alembic" not in medians:
        return f"{goal}: not measured in this run."
    faster = _compared(medians["tenantdb"], medians["alembic"]) == "faster than"
    verdict = "met" if faster and ratio <= GOAL_RATIO else "NOT met"
    line = f"{goal}: {verdict} ({ratio:.2f}x psql in one process)."
    for variant in ("tenantdb", "tenantdb-plain"):
        if variant not in medians:
            continue
        peers = [
            f"{_compared(medians[variant], medians[peer])} {peer} ({medians[variant]:.2f} s vs {medians[peer]:.2f} s)"
            for peer in ("yoyo", "alembic")
            if peer in medians
        ]
        if peers:
            line += f" `{variant}`: " + ", ".join(peers) + "."
    return line


def _compared(seconds: float, peer: float) -> str:
    """How ``seconds`` compares with ``peer`` as the report prints them (to the hundredth): equal ones are level."""
    mine, theirs = round(seconds, 2), round(peer, 2)
    return "level with" if mine == theirs else "faster than" if mine < theirs else "slower than"


def markdown(results: dict[str, Any]) -> str:
    """A section for ``benchmarks/RESULTS.md``."""
    params, box, versions = results["parameters"], results["machine"], results["versions"]
    postgres = results["postgres"]
    table = [
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(HEADER) - 1)) + "|",
        *("| " + " | ".join(_markdown_row(tool)) + " |" for tool in results["tools"]),
    ]
    tool_versions = ", ".join(f"{name} {version}" for name, version in versions.items())
    lines = [
        f"## Runner overhead: {params['migrations']} migrations ({results['date'][:10]})",
        "",
        f"Wall clock to apply {params['migrations']} migrations ({params['statements']} statements, "
        f"{params['seed_rows']} seed rows; seed {params['seed']}) to a fresh database, "
        f"median of {params['repeat']} runs. Ratios divide medians.",
        "",
        *table,
        "",
        goal_line(results),
        "",
        f"- Machine: {box['cpu']}, {box['cores']} cores, {box['ram_gib']} GiB RAM, {box['os']}; "
        f"1-min load average {_load(box.get('load_average_1m'))} (before/after the timed runs)",
        f"- PostgreSQL {postgres['server_version']} ({results['server']}; fsync={postgres['fsync']}, "
        f"synchronous_commit={postgres['synchronous_commit']}, shared_buffers={postgres['shared_buffers']}"
        f"{_pgoptions(params.get('pgoptions'))})",
        f"- Python {box['python']}; {tool_versions}",
        f"- Command: `{results['command']}`",
    ]
    failures = [f"- {tool['name']} {tool['status']}: {_one_line(tool['error'])}" for tool in results["tools"]
                if tool["error"]]  # fmt: skip
    return "\n".join(lines + failures) + "\n"


def _load(values: list[float | None] | None) -> str:
    return " / ".join("?" if value is None else f"{value:.2f}" for value in values or [None, None])


def _pgoptions(value: str | None) -> str:
    return f"; PGOPTIONS `{value}` for every tool" if value else ""


def _markdown_row(tool: dict[str, Any]) -> list[str]:
    row = _row(tool)
    row[0] = f"`{row[0]}`"
    return row


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
