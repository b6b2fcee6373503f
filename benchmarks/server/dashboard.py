"""The dashboard's first view fully rendered in Chromium at 10,000 tenants: navigation timing, cold and warm.

Run on an idle machine with the project's interpreter (playwright from the test extra; Debian's chromium)::

    python benchmarks/server/dashboard.py                 # 10,000 tenants, median of 10 cold and 10 warm views
    python benchmarks/server/dashboard.py --tenants 100 --vps 1000 --days 120 --runs 2   # a smoke run

Builds the dataset (world.py), starts ``tenantdb serve --workers 2``, logs in once with an executive token (the
login form's POST, as a browser sends it) and opens the first view (``--path``, ``/`` by default) in Debian's
chromium (``/usr/bin/chromium``, headless, 1366x768) ``--runs`` times:

- cold: a new browser context each time (empty cache, the session cookie only), ``goto`` until ``load``;
- warm: the same page reloaded (static assets from the browser's cache; pages are never cached).

Each view: the Navigation Timing entry (response start, DOMContentLoaded, ``loadEventEnd``), the first
contentful paint and the frame after the last chart (``svg[role=img]`` or ``canvas``, ``--chart-selector``)
entered the document, all in ms from navigation start; medians and maxima. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import BrowserContext, Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))  # this folder's modules
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/, for the shared `common`

from common import pg
from common.machine import load_average, machine
from common.report import footer

import world

HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "dashboard-results.json"
DATABASE = "server_dashboard_bench"
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1366, "height": 768}
GOAL_MS = 1000.0
SETTLE_MS = 300  # after the network is idle: time for a script-drawn chart's last frame
FIGURES = ("response_start", "dom_content_loaded", "load_event_end", "first_contentful_paint", "last_chart")

# Installed before any page script: the frame after each chart element enters the document (parser or script).
OBSERVER = """
(() => {
  const selector = %s;
  window.__benchCharts = {count: 0, last: null};
  const seen = (node) => {
    if (!(node instanceof Element)) return;
    const found = node.matches(selector) ? [node] : Array.from(node.querySelectorAll(selector));
    if (!found.length) return;
    window.__benchCharts.count += found.length;
    requestAnimationFrame(() => { window.__benchCharts.last = performance.now(); });
  };
  new MutationObserver((records) => {
    for (const record of records) record.addedNodes.forEach(seen);
  }).observe(document, {childList: true, subtree: true});
})();
"""

MEASURE = """
() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return {
    response_start: nav.responseStart,
    dom_content_loaded: nav.domContentLoadedEventEnd,
    load_event_end: nav.loadEventEnd,
    first_contentful_paint: paint ? paint.startTime : null,
    last_chart: window.__benchCharts.last,
    charts: document.querySelectorAll(%s).length,
    transfer_bytes: nav.transferSize,
  };
}
"""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    world.add_dataset_options(parser)
    parser.add_argument("--runs", type=int, default=10, help="cold and warm views each, medians reported (10)")
    parser.add_argument("--path", default="/", help="the first view's path (/)")
    parser.add_argument("--chart-selector", default="svg[role=img], canvas", help="what counts as a chart")
    parser.add_argument("--screenshot", type=Path, help="save the last cold view's screenshot here (PNG)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="results JSON (dashboard-results.json)")
    parser.add_argument("--json", action="store_true", help="print the results JSON instead of the table")
    parser.add_argument(
        "--print-markdown", action="store_true", help="print the RESULTS.md section of --output's results and exit"
    )
    return parser.parse_args(argv)


def login_cookies(base: str, token: str) -> list[dict[str, Any]]:
    """The session cookie of a dashboard login (the login form's POST, same origin), for a browser context."""
    with httpx.Client(base_url=base, timeout=30) as client:
        response = client.post("/login", data={"token": token}, headers={"Origin": base})
        if response.status_code != 303:
            raise SystemExit(f"login failed: HTTP {response.status_code}")
        return [
            {"name": name, "value": value, "url": base, "httpOnly": True, "sameSite": "Strict"}
            for name, value in client.cookies.items()
        ]


def _view(page: Page, args: argparse.Namespace, base: str, *, reload: bool) -> dict[str, Any]:
    target = base + args.path
    response = page.reload(wait_until="load") if reload else page.goto(target, wait_until="load")
    if response is None or response.status != 200 or not page.url.startswith(target):
        status = None if response is None else response.status
        raise SystemExit(f"{target} did not render: HTTP {status} at {page.url}")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(SETTLE_MS)
    figures: dict[str, Any] = page.evaluate(MEASURE % json.dumps(args.chart_selector))
    return {key: round(value, 1) if isinstance(value, float) else value for key, value in figures.items()}


def _context(browser: Any, cookies: list[dict[str, Any]], selector: str) -> BrowserContext:
    context: BrowserContext = browser.new_context(viewport=VIEWPORT)
    context.add_cookies(cookies)  # type: ignore[arg-type]
    context.add_init_script(OBSERVER % json.dumps(selector))
    return context


def measure(base: str, token: str, args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    """``--runs`` cold views (a new context each) and as many warm ones (a reload in that context)."""
    cookies = login_cookies(base, token)
    views: dict[str, list[dict[str, Any]]] = {"cold": [], "warm": []}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            warm_up = _context(browser, cookies, args.chart_selector)  # the server's first request is not counted
            _view(warm_up.new_page(), args, base, reload=False)
            warm_up.close()
            for run in range(args.runs):
                context = _context(browser, cookies, args.chart_selector)
                page = context.new_page()
                views["cold"].append(_view(page, args, base, reload=False))
                views["warm"].append(_view(page, args, base, reload=True))
                if args.screenshot is not None and run == args.runs - 1:
                    page.screenshot(path=str(args.screenshot), full_page=True)
                context.close()
        finally:
            browser.close()
    return views


def summarise(views: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and maximum of each figure over the views (a figure a view lacks, e.g. no chart, is left out)."""
    summary: dict[str, Any] = {}
    for figure in FIGURES:
        values = [view[figure] for view in views if view.get(figure) is not None]
        summary[figure] = (
            {"median_ms": round(statistics.median(values), 1), "max_ms": round(max(values), 1)} if values else None
        )
    summary["charts"] = max((view["charts"] for view in views), default=0)
    return summary


def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {
        "benchmark": "server_dashboard",
        "parameters": {
            key: str(value) if isinstance(value, Path) else value
            for key, value in vars(args).items()
            if key not in ("output", "json", "dsn", "print_markdown")
        },
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python benchmarks/server/dashboard.py", *sys.argv[1:]]),
    }
    with pg.server(args.dsn) as target:
        results["server"] = "embedded" if target.embedded else "--dsn"
        results["postgres"] = pg.server_facts(target)
        dataset = world.build(target, DATABASE, args)
        results["dataset"] = {"seconds": dataset.seconds, "rows": dataset.rows, "months": list(dataset.months)}
        token = world.tokens(dataset.url, 1)[0]
        load_before = load_average()
        with world.serve(dataset.url, args.workers) as served:
            world.log(f"chromium: {args.runs} cold and {args.runs} warm views of {args.path} ...")
            views = measure(served.base, token, args)
        results["views"] = views
        results["summary"] = {kind: summarise(runs) for kind, runs in views.items()}
        results["machine"] = machine() | {"load_average_1m": [load_before, load_average()]}
        pg.drop_database(target, DATABASE)
    return results


def table(results: dict[str, Any]) -> str:
    p = results["parameters"]
    lines = [
        f"server_dashboard: {p['path']} at {p['tenants']:,} tenants in chromium (headless, 1366x768),"
        f" median (max) of {p['runs']} views, ms from navigation start; tenantdb serve --workers {p['workers']}",
        "",
        f"{'view':<6} {'response start':>15} {'DOMContentLoaded':>17} {'loadEventEnd':>14} {'first paint':>13}"
        f" {'last chart':>13} {'charts':>7}",
    ]
    for kind, summary in results["summary"].items():
        cells = []
        for figure in FIGURES:
            value = summary[figure]
            cells.append("-" if value is None else f"{value['median_ms']:g} ({value['max_ms']:g})")
        lines.append(
            f"{kind:<6} {cells[0]:>15} {cells[1]:>17} {cells[2]:>14} {cells[3]:>13} {cells[4]:>13}"
            f" {summary['charts']:>7}"
        )
    worst = max(
        (s[f]["median_ms"] for s in results["summary"].values() for f in ("load_event_end", "last_chart") if s[f]),
        default=None,
    )
    lines += ["", f"goal: fully rendered <= {GOAL_MS:g} ms, cold and warm -> slowest median {worst} ms"]
    if not any(summary["charts"] for summary in results["summary"].values()):
        lines.append(f"note: no chart ({p['chart_selector']}) on {p['path']}: fully rendered is loadEventEnd alone")
    facts, load = results["machine"], results["machine"]["load_average_1m"]
    lines.append(
        f"machine: {facts['cpu']}, {facts['cores']} cores, {facts['ram_gib']} GiB; load {load[0]} / {load[1]}"
        f" (before/after); PostgreSQL {results['postgres']['server_version']} ({results['server']})"
    )
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    """The section for benchmarks/RESULTS.md: the table, then the machine, the server and the command."""
    p = results["parameters"]
    heading = f"Dashboard first view in Chromium: {p['tenants']:,} tenants"
    if p["tenants"] < 10_000 or p["runs"] < 10:
        heading += " (SMOKE RUN: below the issue's parameters, not a result)"
    return "\n".join([f"## {heading} ({results['started'][:10]})", "", "```", table(results), "```", *footer(results)])


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.print_markdown:
        print(markdown(json.loads(args.output.read_text(encoding="utf-8"))), end="")
        return 0
    results = run(args)
    args.output.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, default=str) if args.json else table(results))
    print(f"\nwrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
