"""Summaries across runs, the goal check, and the console and Markdown renderings."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

GOAL_MAX_STALL_S = 0.1
GOAL_RATIO = 50.0
"""The goal with the reader already running (the lock queue): longest write stall at most 100 ms, at least 50x
shorter than psql's, the same end state, no load errors."""
GOAL_MAX_STALL_S_READER_LATER = 1.0
GOAL_RATIO_READER_LATER = 10.0
"""The goal when the reader starts after the migration (the blocking statements themselves): under 1 s, 10x."""


def goal_limits(reader_start: float) -> tuple[float, float]:
    """(longest stall allowed in seconds, ratio to psql required) for a scenario."""
    if reader_start < 0:
        return GOAL_MAX_STALL_S, GOAL_RATIO
    return GOAL_MAX_STALL_S_READER_LATER, GOAL_RATIO_READER_LATER


def tenantdb_actions(events: list[dict[str, Any]]) -> dict[str, Any]:
    """tenantdb's own account of the run from ``tenantdb.events``: online rewrites, lock retries, repairs."""
    kinds = Counter(event["kind"] for event in events)
    retried = Counter(_short(event["statement"] or "", 70) for event in events if event["kind"] == "lock_retry")
    return {
        "rewrites": [event["message"] for event in events if event["kind"] == "rewrite"],
        "lock_retries": kinds["lock_retry"],
        "lock_retries_by_statement": dict(retried),
        "repairs": [event["message"] for event in events if event["kind"] == "repair"],
        "failures": [event["message"] for event in events if event["kind"] == "failure"],
        "events": events,
    }


def _group_key(run: dict[str, Any]) -> tuple[float, str]:
    return run["reader_start_s"], run["variant"]


def summarise_runs(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per scenario and tool: the worst stall over the repeats, medians of the percentiles, all errors."""
    groups: dict[tuple[float, str], list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault(_group_key(run), []).append(run)
    summary = []
    for (reader_start, variant), items in sorted(groups.items(), key=lambda item: _order(item[0], runs)):
        figures = [run["figures"] for run in items]
        errors: Counter[str] = Counter()
        for figure in figures:
            errors.update(figure["errors"])
        summary.append(
            {
                "reader_start_s": reader_start,
                "variant": variant,
                "runs": len(items),
                "migration_s": _median([run["migration"]["seconds"] for run in items]),
                "migration_ok": all(run["migration"]["returncode"] == 0 for run in items),
                "longest_stall_s": _worst(figures, "longest_stall_s"),
                "longest_stall_s_best": min(figure["longest_stall_s"] or 0.0 for figure in figures),
                "max_write_s": _worst(figures, "max_write_s"),
                "longest_write_gap_s": _worst(figures, "longest_write_gap_s"),
                "write_p99_ms": _median([figure["write_p99_ms"] for figure in figures]),
                "write_p999_ms": _median([figure["write_p999_ms"] for figure in figures]),
                "read_p99_ms": _median([figure["read_p99_ms"] for figure in figures]),
                "stalled_s": _worst(figures, "stalled_s"),
                "writes_over_500ms": sum(figure["writes_over_500ms"] for figure in figures),
                "baseline_write_p99_ms": _median([figure["baseline_write_p99_ms"] for figure in figures]),
                "baseline_max_write_s": _worst(figures, "baseline_max_write_s"),
                "errors": dict(errors),
                "end_state_ok": all(not run["end_state"]["problems"] for run in items),
                "lock_retries": sum(run.get("tenantdb", {}).get("lock_retries", 0) for run in items),
            }
        )
    return summary


def _order(key: tuple[float, str], runs: list[dict[str, Any]]) -> tuple[int, str]:
    """Scenarios in the order they ran, psql before tenantdb."""
    starts = list(dict.fromkeys(run["reader_start_s"] for run in runs))
    return starts.index(key[0]), key[1]


def _worst(figures: list[dict[str, Any]], key: str) -> float | None:
    values = [figure[key] for figure in figures if figure[key] is not None]
    return max(values) if values else None


def _median(values: list[Any]) -> float | None:
    present = [value for value in values if value is not None]
    return round(statistics.median(present), 3) if present else None


def goal(summary: list[dict[str, Any]], reader_start: float) -> dict[str, Any]:
    """Whether tenantdb meets the goal in one scenario (worst tenantdb run against psql's best)."""
    rows = {row["variant"]: row for row in summary if row["reader_start_s"] == reader_start}
    psql, tenantdb = rows.get("psql"), rows.get("tenantdb")
    if psql is None or tenantdb is None or tenantdb["longest_stall_s"] is None:
        return {"reader_start_s": reader_start, "met": None, "why": "not measured"}
    stall = tenantdb["longest_stall_s"]
    ratio = psql["longest_stall_s_best"] / stall if stall > 0 else None
    errors = sum(tenantdb["errors"].values())
    most, times = goal_limits(reader_start)
    checks = {
        f"tenantdb's longest stall {stall * 1000:.0f} ms <= {most * 1000:g} ms": stall <= most,
        f"psql's / tenantdb's = {_ratio(ratio)} >= {times:g}x": ratio is not None and ratio >= times,
        f"{errors} load errors under tenantdb": errors == 0,
        "tenantdb applied the migration": tenantdb["migration_ok"] and tenantdb["end_state_ok"],
    }
    return {
        "reader_start_s": reader_start,
        "met": all(checks.values()),
        "ratio": None if ratio is None else round(ratio, 1),
        "checks": checks,
    }


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [goal(results["summary"], start) for start in results["parameters"]["reader_start_s"]]


def goal_line(verdict: dict[str, Any]) -> str:
    scenario = _scenario(verdict["reader_start_s"])
    if verdict["met"] is None:
        return f"Goal ({scenario}): not measured in this run."
    parts = "; ".join(f"{text} {'✓' if ok else '✗'}" for text, ok in verdict["checks"].items())
    return f"Goal ({scenario}): {'met' if verdict['met'] else 'NOT met'} — {parts}."


def _scenario(reader_start: float) -> str:
    if reader_start >= 0:
        return f"reader starts {reader_start:g} s after the migration"
    return f"reader starts {-reader_start:g} s before the migration"


def consistent(results: dict[str, Any]) -> bool:
    """Every migration exited 0 and every run ended in the same, complete schema."""
    runs = results["runs"]
    shapes = {_shape(run["end_state"]) for run in runs}
    return all(run["migration"]["returncode"] == 0 and not run["end_state"]["problems"] for run in runs) and (
        len(shapes) == 1
    )


def _shape(state: dict[str, Any]) -> str:
    return repr((state["column"], sorted(state["constraints"].items()), sorted(state["indexes"].items())))


# -- rendering -------------------------------------------------------------------------------------------------

HEADER = [
    "reader",
    "tool",
    "migration s",
    "write stall s",
    "longest write s",
    "no-write gap s",
    "write p99 ms",
    "write p99.9 ms",
    "read p99 ms",
    "writes stalled s",
    "load errors",
    "end state",
]


def _cell(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}x"


def _errors(errors: dict[str, int]) -> str:
    return ", ".join(f"{count}x {state}" for state, count in sorted(errors.items())) or "0"


def _row(row: dict[str, Any]) -> list[str]:
    migration = _cell(row["migration_s"]) if row["migration_ok"] else "FAILED"
    return [
        f"{row['reader_start_s']:+g} s",
        row["variant"],
        migration,
        _cell(row["longest_stall_s"], 3),
        _cell(row["max_write_s"], 3),
        _cell(row["longest_write_gap_s"], 3),
        _cell(row["write_p99_ms"], 1),
        _cell(row["write_p999_ms"], 1),
        _cell(row["read_p99_ms"], 1),
        _cell(row["stalled_s"], 2),
        _errors(row["errors"]),
        "ok" if row["end_state_ok"] else "WRONG",
    ]


def one_line(run: dict[str, Any]) -> str:
    """Progress line after a run."""
    figures, stall = run["figures"], run["longest_stall"]
    during = "; ".join(stall.get("during", [])) or "no migration statement"
    return (
        f"migration {run['migration']['seconds']:.2f} s (exit {run['migration']['returncode']}), "
        f"write stall {figures['longest_stall_s']} s during {during}, errors {_errors(figures['errors'])}"
    )


def console(results: dict[str, Any]) -> str:
    """The summary table, then per run the statement timeline and the longest stall's cause, then the goal."""
    rows = [HEADER, *(_row(row) for row in results["summary"])]
    widths = [max(len(row[column]) for row in rows) for column in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    for run in results["runs"]:
        lines += ["", *_run_details(run)]
    lines += ["", *(goal_line(verdict) for verdict in goals(results)), end_state_line(results)]
    return "\n".join(lines)


def end_state_line(results: dict[str, Any]) -> str:
    """Whether every run ended in the same complete schema."""
    if consistent(results):
        return "End state: every run has the column, both constraints validated and the index valid; identical."
    return "End state: NOT the same complete schema in every run (each run's problems are in the JSON)."


def _run_details(run: dict[str, Any]) -> list[str]:
    reader, stall = run["reader"], run["longest_stall"]
    lines = [
        f"{run['variant']} (reader {run['reader_start_s']:+g} s, run {run['repeat'] + 1}): reader began at "
        f"{_cell(reader['started_s'])} s, waited {_cell(reader['lock_wait_s'], 3)} s for its lock, held it "
        f"{_cell(reader['held_s'])} s",
        "  t(s)    dur(s)  lock wait  worst write meanwhile  statement",
    ]
    lines += [
        f"  {row['start_s']:6.2f}  {row['duration_s']:6.2f}  {row['lock_wait_s']:5.2f}"
        f"{' (' + ','.join(row['blocked_by']) + ')' if row['blocked_by'] else ''}"
        f"  {_cell(row['max_write_meanwhile_s'], 3):>8} s  {row['statement']}"
        for row in run["timeline"]
    ]
    if stall:
        waited = "; ".join(stall["load_waited_on"]) or "no lock wait sampled"
        events = ", ".join(f"{name} x{count}" for name, count in stall.get("load_wait_events", {}).items())
        waited += f" (load wait events: {events or 'none sampled'})"
        what = f"one {stall['op']}" if stall["op"] else "no write completed"
        lines.append(f"  longest stall: {stall['seconds']} s from {stall['started_s']} s ({what}); {waited}")
    actions = run.get("tenantdb")
    if actions:
        lines.append(f"  tenantdb: {len(actions['rewrites'])} online rewrites, {actions['lock_retries']} lock retries "
                     f"{actions['lock_retries_by_statement'] or ''}, repairs {len(actions['repairs'])}")  # fmt: skip
    if run["migration"]["returncode"] != 0:
        lines.append(f"  migration FAILED: {_short(run['migration']['output'], 300)}")
    lines += [f"  end state problem: {problem}" for problem in run["end_state"]["problems"]]
    return lines


def markdown(results: dict[str, Any]) -> str:
    """A section for ``benchmarks/RESULTS.md``."""
    params, box, postgres = results["parameters"], results["machine"], results["postgres"]
    table = [
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join(["---", "---"] + ["---:"] * (len(HEADER) - 3) + ["---"]) + "|",
        *("| " + " | ".join(_markdown_row(row)) + " |" for row in results["summary"]),
    ]
    lines = [
        f"## Zero downtime: {params['rows']:,}-row table, reader holding {params['reader_hold_s']:g} s "
        f"({results['date'][:10]})",
        "",
        f"The same 4-statement migration applied with `psql -f` and with `tenantdb migrate up` (defaults) while "
        f"{params['workers']} connections write and read `vps_instances` with a {params['think_ms']:g} ms think "
        f"time and one long reader ({params.get('reader_isolation', 'read committed')}) holds ACCESS SHARE for "
        f"{params['reader_hold_s']:g} s, starting at the offset in the first column. Stall = the longest write in "
        f"flight, or the longest time no write completed, while the migration or the reader ran; percentiles cover "
        f"operations started then; {params['repeat']} run(s) per tool and scenario (worst "
        f"stall, median percentiles).",
        "",
        *table,
        "",
        *(goal_line(verdict) for verdict in goals(results)),
        end_state_line(results),
        "",
        *_markdown_causes(results["runs"]),
        f"- Load alone (the {params['baseline_s']:g} s before each migration): {_baseline(results)}",
        f"- Setup: {_setup(results['setup'])}",
        f"- Machine: {box['cpu']}, {box['cores']} cores, {box['ram_gib']} GiB RAM, {box['os']}; "
        f"1-min load average {_load(box.get('load_average_1m'))} (before/after)",
        f"- PostgreSQL {postgres['server_version']} ({results['server']}; fsync={postgres['fsync']}, "
        f"synchronous_commit={postgres['synchronous_commit']}, shared_buffers={postgres['shared_buffers']}, "
        f"maintenance_work_mem={postgres['maintenance_work_mem']}, "
        f"max_parallel_maintenance_workers={postgres['max_parallel_maintenance_workers']})",
        f"- Python {box['python']}; psql {results['versions']['psql']}; tenantdb {results['versions']['tenantdb']}",
        f"- Command: `{results['command']}`",
    ]
    return "\n".join(lines) + "\n"


def _markdown_row(row: dict[str, Any]) -> list[str]:
    cells = _row(row)
    cells[1] = f"`{cells[1]}`"
    return cells


def _markdown_causes(runs: list[dict[str, Any]]) -> list[str]:
    lines = []
    for run in runs:
        stall = run["longest_stall"]
        during = "; ".join(f"`{text}`" for text in stall.get("during", [])) or "no migration statement"
        line = (
            f"- {run['variant']} (reader {run['reader_start_s']:+g} s): write stall {stall.get('seconds')} s, "
            f"during {during}"
        )
        actions = run.get("tenantdb")
        if actions:
            line += f"; {len(actions['rewrites'])} online rewrites, {actions['lock_retries']} lock retries"
        migration = run["migration"]
        if migration["returncode"] != 0:
            last = (migration["output"].strip().splitlines() or [""])[-1]
            line += f"; migration FAILED (exit {migration['returncode']}): {_short(last, 150)}"
        lines.append(line)
    return lines


def _baseline(results: dict[str, Any]) -> str:
    rows = [row for row in results["summary"] if row["baseline_write_p99_ms"] is not None]
    if not rows:
        return "—"
    p99 = [row["baseline_write_p99_ms"] for row in rows]
    longest = max(row.get("baseline_max_write_s") or 0.0 for row in rows)
    return f"write p99 {min(p99):.1f} to {max(p99):.1f} ms, longest write {longest:.3f} s (the noise floor)"


def _setup(setup: dict[str, float]) -> str:
    return (
        f"{setup['table_mib']} MiB table; insert {setup['insert_s']} s, primary key {setup['primary_key_s']} s, "
        f"VACUUM ANALYZE {setup['vacuum_analyze_s']} s (once; each run gets a file copy)"
    )


def _load(values: list[float | None] | None) -> str:
    return " / ".join("?" if value is None else f"{value:.2f}" for value in values or [None, None])


def _short(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
