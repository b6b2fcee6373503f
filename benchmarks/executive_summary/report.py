"""Goals, the console table and the RESULTS.md section of the executive-summary benchmark."""

from __future__ import annotations

import math
from typing import Any

READER_EXECUTIVE = "executive summary (tenantdb report executive)"
READER_TENANT = "executive_business_summary, one customer's row"
READER_WHOLE_VIEW = "executive_business_summary, whole view (informational, not a goal)"
TENANT_ROW = "SELECT * FROM executive_business_summary WHERE tenant_id = %s"
"""What one dashboard reads for one customer (a random customer per read)."""
GOAL_READERS = (READER_EXECUTIVE, READER_TENANT)
"""The reads the readers goal is about; the whole 10,000-row view is reported beside them (see README.md)."""

EXECUTIVE = "executive report (tenantdb report executive)"
NAIVE = "naive single query (naive.sql)"
GOAL_SUMMARY_P95_S = 0.100
GOAL_REFRESH_S = 60.0
GOAL_READERS_P95_S = 0.300


def goals(results: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(goal, measured, met) for the issue's three goals."""
    summary = results["queries"][EXECUTIVE]
    refresh = results["refresh"]["full"]["wall_seconds"]
    readers = {name: load for name, load in results["readers"].items() if name in GOAL_READERS}
    worst_reader = max((load["p95"] for load in readers.values()), default=math.inf)
    return [
        (
            "executive summary p95 < 100 ms from rollups",
            f"{summary['p95'] * 1000:.1f} ms",
            summary["p95"] < GOAL_SUMMARY_P95_S,
        ),
        ("full bi refresh < 60 s", f"{refresh:.1f} s", refresh < GOAL_REFRESH_S),
        (
            f"{results['parameters']['readers']} concurrent readers, p95 < 300 ms (executive summary, one "
            "customer's row)",
            ", ".join(f"{name}: {load['p95'] * 1000:.0f} ms" for name, load in readers.items()),
            worst_reader < GOAL_READERS_P95_S,
        ),
    ]


def _ms(value: float | None) -> str:
    if value is None or math.isnan(value):  # the query was cancelled
        return "timed out"
    return f"{value * 1000:,.1f}"


def _query_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for name, figures in results["queries"].items():
        if figures.get("error"):
            rows.append([name, "timed out", "timed out", "timed out", "-"])
            continue
        rows.append([name, _ms(figures["p50"]), _ms(figures["p95"]), _ms(figures["max"]), f"{figures['rows']:,}"])
    return rows


def _speedup(results: dict[str, Any]) -> str:
    naive, ours = results["queries"][NAIVE], results["queries"]["executive_business_summary"]
    if naive.get("error"):
        return "the naive query did not finish within the statement timeout"
    return f"executive_business_summary p50 is {naive['p50'] / ours['p50']:,.0f}x faster than the naive query"


def console(results: dict[str, Any]) -> str:
    lines = [f"{'query':<52} {'p50 ms':>10} {'p95 ms':>10} {'max ms':>10} {'rows':>10}"]
    lines += [f"{a:<52} {b:>10} {c:>10} {d:>10} {e:>10}" for a, b, c, d, e in _query_rows(results)]
    lines.append(_speedup(results))
    for goal, measured, met in goals(results):
        lines.append(f"{'MET ' if met else 'MISSED'} {goal}: {measured}")
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    """The RESULTS.md section: what was measured, the figures, the goals, then machine, server and command."""
    params, box, postgres = results["parameters"], results["machine"], results["postgres"]
    generated = results.get("generate", {}).get("rows", {})
    refresh = results["refresh"]
    out = [
        f"## Executive summary: {params['tenants']:,} tenants, {params['vps']:,} servers ({results['started'][:10]})",
        "",
        f"tenantdb's executive report, served from the `bi_month_summary` rollup, and the three dashboard views "
        f"for the reporting month {params['month'][:7]}, against the single query teams usually write "
        f"(naive.sql); {params['runs']} timed runs after 2 warm-ups ({params['naive_runs']} for the naive query), "
        f"every row fetched; then {params['readers']} concurrent readers for {params['reader_seconds']:g} s per load.",
        "",
    ]
    if generated:
        out += [
            "Rows: "
            + ", ".join(f"{table} {count:,}" for table, count in generated.items())
            + f" (generated in {results['generate']['seconds']:.0f} s).",
            "",
        ]
    out += [
        f"`tenantdb bi refresh --all` (the first build of every month): {refresh['full']['wall_seconds']:.1f} s "
        f"wall clock; again with nothing changed: {refresh['unchanged']['wall_seconds']:.1f} s.",
        "",
        "| query | p50 ms | p95 ms | max ms | rows |",
        "|---|---:|---:|---:|---:|",
    ]
    out += [f"| {' | '.join(row)} |" for row in _query_rows(results)]
    out += [
        "",
        _speedup(results) + ".",
        "",
        "| readers | load | reads | p50 ms | p95 ms | p99 ms | errors |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for name, load in results["readers"].items():
        out.append(
            f"| {load['readers']} | {name} | {load['queries']:,} | {_ms(load['p50'])} | {_ms(load['p95'])} | "
            f"{_ms(load['p99'])} | {load['errors']} |"
        )
    out += ["", "| goal | measured | met |", "|---|---|---|"]
    out += [f"| {goal} | {measured} | {'yes' if met else '**no**'} |" for goal, measured, met in goals(results)]
    load = box["load_average_1m"]
    out += [
        "",
        f"- Machine: {box['cpu']}, {box['cores']} cores, {box['ram_gib']} GiB RAM, {box['os']}; 1-min load average "
        f"{load[0]} / {load[1]} (before/after)",
        f"- PostgreSQL {postgres['server_version']} (shared_buffers={postgres['shared_buffers']}, "
        f"fsync={postgres['fsync']}, synchronous_commit={postgres['synchronous_commit']})",
        f"- Python {box['python']}",
        f"- Command: `python benchmarks/executive_summary/run.py` (tenants {params['tenants']:,}, servers "
        f"{params['vps']:,}, {params['ips_per_vps']} addresses per server, {params['days']} days)",
    ]
    return "\n".join(out) + "\n"
