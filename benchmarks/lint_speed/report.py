"""Summarise timings and render results as a console table and as Markdown."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

GOAL_RATIO = 3.0
"""tenantdb's goal: at most this many times squawk's wall clock over the same files."""

COMPARISONS = (("tenantdb", "squawk"), ("tenantdb-dir", "squawk"), ("tenantdb-1", "squawk-1"))
"""(command, baseline) pairs whose median ratio is reported; the first one is the goal's."""


@dataclass(slots=True)
class CommandResult:
    """Every timed run of one command, or why it has none."""

    name: str
    tool: str
    description: str
    command: str
    files: int
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss: list[float] = field(default_factory=list)
    status: str = "ok"  # ok | failed | skipped
    error: str | None = None

    def fail(self, status: str, error: str) -> None:
        """Record why the command has no (more) timings."""
        self.status, self.error = status, error

    def summary(self) -> dict[str, Any]:
        """JSON form, with median/min/max, CPU, memory and throughput when there are runs."""
        data: dict[str, Any] = {
            "name": self.name,
            "tool": self.tool,
            "description": self.description,
            "command": self.command,
            "files": self.files,
            "status": self.status,
            "error": self.error,
            "runs": [round(wall, 4) for wall in self.walls],
            "cpu_runs": [round(cpu, 4) for cpu in self.cpus],
        }
        if self.walls and self.status == "ok":
            median = statistics.median(self.walls)
            data |= {
                "median": round(median, 4),
                "min": round(min(self.walls), 4),
                "max": round(max(self.walls), 4),
                "cpu_median": round(statistics.median(self.cpus), 4),
                "max_rss_mib": round(max(self.rss), 1),
                "files_per_second": round(self.files / median, 1),
            }
        return data


def ratios(commands: list[dict[str, Any]]) -> dict[str, float | None]:
    """``"<command>/<baseline>"``: median over median for each pair of ``COMPARISONS``."""
    medians = {command["name"]: command.get("median") for command in commands}
    found: dict[str, float | None] = {}
    for name, baseline in COMPARISONS:
        if name not in medians or baseline not in medians:
            continue
        value, base = medians[name], medians[baseline]
        found[f"{name}/{baseline}"] = round(value / base, 2) if value is not None and base else None
    return found


def marginal(commands: list[dict[str, Any]]) -> dict[str, float | None]:
    """Milliseconds per extra file: (all files - one file) / (files - 1), start-up cost taken out."""
    by_name = {command["name"]: command for command in commands}
    found: dict[str, float | None] = {}
    for tool in ("squawk", "tenantdb"):
        full, single = by_name.get(tool, {}), by_name.get(f"{tool}-1", {})
        if full.get("median") is None or single.get("median") is None or full["files"] < 2:
            found[tool] = None
            continue
        found[tool] = round(1000 * (full["median"] - single["median"]) / (full["files"] - 1), 3)
    return found


# -- rendering -----------------------------------------------------------------------------------------

HEADER = ["command", "files", "median s", "min s", "max s", "CPU s", "max RSS MiB", "files/s", "x squawk"]


def _number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _ratio_to_squawk(results: dict[str, Any], name: str) -> str:
    if name in ("squawk", "squawk-1"):
        return "1.00x"
    for key, value in results["ratios"].items():
        if key.split("/", 1)[0] == name:
            return "—" if value is None else f"{value:.2f}x"
    return ""


def _row(results: dict[str, Any], command: dict[str, Any]) -> list[str]:
    if command["status"] != "ok":
        return [command["name"], str(command["files"]), command["status"], "", "", "", "", "", ""]
    return [
        command["name"],
        f"{command['files']:,}",
        _number(command.get("median"), 3),
        _number(command.get("min"), 3),
        _number(command.get("max"), 3),
        _number(command.get("cpu_median"), 3),
        _number(command.get("max_rss_mib"), 0),
        _number(command.get("files_per_second"), 0),
        _ratio_to_squawk(results, command["name"]),
    ]


def _table(rows: list[list[str]], markdown: bool, right: int = 1) -> list[str]:
    if markdown:
        head, *body = rows
        rule = "|" + "|".join(["---"] * right + ["---:"] * (len(head) - right)) + "|"
        return ["| " + " | ".join(head) + " |", rule, *("| " + " | ".join(row) + " |" for row in body)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


def timing_table(results: dict[str, Any], markdown: bool = False) -> list[str]:
    """Median/min/max wall clock, CPU, memory, throughput and ratio of every command."""
    rows = [HEADER, *(_row(results, command) for command in results["commands"])]
    if markdown:
        rows[1:] = [[f"`{row[0]}`", *row[1:]] for row in rows[1:]]
    return _table(rows, markdown)


def findings_table(results: dict[str, Any], markdown: bool = False) -> list[str]:
    """Findings per rule of each linter over the whole set (context only: the rule sets differ)."""
    found = results.get("findings") or {}
    squawk = (found.get("squawk") or {}).get("by_rule", {})
    tenantdb = (found.get("tenantdb") or {}).get("by_rule", {})
    names = sorted(set(squawk) | set(tenantdb), key=lambda rule: (-(squawk.get(rule, 0) + tenantdb.get(rule, 0)), rule))
    rows = [["rule", "squawk", "tenantdb"]]
    rows += [
        [f"`{name}`" if markdown else name, str(squawk.get(name, "")), str(tenantdb.get(name, ""))] for name in names
    ]
    total = ["**total**" if markdown else "total"]
    rows.append([*total, *(str((found.get(tool) or {}).get("total", "—")) for tool in ("squawk", "tenantdb"))])
    return _table(rows, markdown)


def goal_line(results: dict[str, Any]) -> str:
    """Whether tenantdb stays within ``GOAL_RATIO`` of squawk on the full set."""
    ratio = results["ratios"].get("tenantdb/squawk")
    if ratio is None:
        return f"Goal (tenantdb ≤ {GOAL_RATIO:g}x squawk): not measured in this run."
    verdict = "met" if ratio <= GOAL_RATIO else "NOT met"
    files = results["parameters"]["files"]
    return f"Goal (tenantdb ≤ {GOAL_RATIO:g}x squawk over {files:,} files): {verdict} ({ratio:.2f}x)."


def profile_lines(results: dict[str, Any], markdown: bool = False, top: int = 10) -> list[str]:
    """Phases, modules and top self/total functions of the py-spy profile, if one was taken."""
    profile = results.get("profile")
    if not profile:
        return []
    if profile.get("error"):
        return [f"Profile: failed: {profile['error']}"]
    code = (lambda text: f"`{text}`") if markdown else (lambda text: text)
    lines = [
        f"Profile of `{profile['command']}` (py-spy, {profile['rate_hz']} Hz, {profile['samples']:,} samples, "
        f"{profile['seconds_sampled']:.1f} s; raw stacks in {profile['folded']}):"
        if markdown
        else f"Profile ({profile['samples']:,} samples at {profile['rate_hz']} Hz; stacks in {profile['folded']}):",
        "",
    ]
    phases = [["phase", "share"], *([code(p["name"]), f"{p['percent']:.1f}%"] for p in profile["phases"])]
    lines += [*_table(phases, markdown), ""]
    modules = [
        ["module (self time)", "share"],
        *([code(m["name"]), f"{m['percent']:.1f}%"] for m in profile["by_module"][:top]),
    ]
    lines += [*_table(modules, markdown), ""]
    for kind, title in (("self", "self time"), ("total", "total time incl. callees, tenantdb's own")):
        rows = [
            [f"function ({title})", "share"],
            *([code(f["function"]), f"{f['percent']:.1f}%"] for f in profile[kind][:top]),
        ]
        lines += [*_table(rows, markdown), ""]
    lines += ["Where the top self-time functions are called from (innermost tenantdb frames first):", ""]
    for entry in profile.get("callers", []):
        lines.append(f"- {code(entry['function'])}" + (":" if entry["paths"] else ""))
        lines += [f"  - {path['percent']:.1f}% {code(path['path'])}" for path in entry["paths"]]
    return lines


def console(results: dict[str, Any]) -> str:
    """Everything ``run.py`` prints after the runs."""
    lines = timing_table(results)
    lines += [
        f"\n{command['name']} {command['status']}: {command['error']}"
        for command in results["commands"]
        if command["error"]
    ]
    lines += ["", goal_line(results), _marginal_line(results), "", "Findings (context, not a correctness claim):", ""]
    lines += findings_table(results)
    profile = profile_lines(results)
    if profile:
        lines += ["", *profile]
    return "\n".join(lines)


def _marginal_line(results: dict[str, Any]) -> str:
    per_file = results.get("marginal_ms_per_file") or {}
    parts = [f"{tool} {value:.3f} ms" for tool, value in per_file.items() if value is not None]
    return "Per extra file, start-up taken out: " + (", ".join(parts) if parts else "not measured") + "."


def markdown(results: dict[str, Any]) -> str:
    """A section for ``benchmarks/RESULTS.md``."""
    params, box, versions = results["parameters"], results["machine"], results["versions"]
    found = results.get("findings") or {}
    tenantdb_found = found.get("tenantdb") or {}
    lines = [
        f"## Lint speed: {params['files']:,} migration files ({results['date'][:10]})",
        "",
        f"Wall clock of the whole linter process over {params['files']:,} generated SaaS migrations "
        f"({params['statements']:,} statements, {params['megabytes']:.1f} MB; seed {params['seed']}), "
        f"median of {params['repeat']} runs after {params['warmup']} warm-up run(s); `-1` rows lint one file "
        f"({params['single_file']}, {params['single_file_statements']} statements) to show start-up cost. "
        "Ratios divide medians.",
        "",
        *timing_table(results, markdown=True),
        "",
        goal_line(results),
        _marginal_line(results),
        "",
        f"Findings per rule (context only: the rule sets differ; tenantdb read "
        f"{tenantdb_found.get('statements', '?')} statements with {tenantdb_found.get('rules', '?')} rules):",
        "",
        *findings_table(results, markdown=True),
    ]
    profile = profile_lines(results, markdown=True)
    if profile:
        lines += ["", *profile]
    tool_versions = ", ".join(f"{name} {version}" for name, version in versions.items())
    validated = params.get("validated_seconds")
    lines += [
        "",
        f"- Machine: {box['cpu']}, {box['cores']} cores, {box['ram_gib']} GiB RAM, {box['os']}; "
        f"1-min load average {_load(box.get('load_average_1m'))} (before/after the timed runs)",
        f"- Versions: Python {box['python']}; {tool_versions}",
        f"- Command: `{results['command']}`",
        "- Generated SQL "
        + (
            f"applied without error to PostgreSQL 16 before timing ({validated:.0f} s)"
            if validated is not None
            else "not applied to PostgreSQL in this run (`--validate` does)"
        ),
    ]
    failures = [f"- {c['name']} {c['status']}: {_one_line(c['error'])}" for c in results["commands"] if c["error"]]
    return "\n".join(lines + failures) + "\n"


def _load(values: list[float | None] | None) -> str:
    return " / ".join("?" if value is None else f"{value:.2f}" for value in values or [None, None])


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
