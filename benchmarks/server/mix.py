"""One simulated executive's visit, step by step: the HTTP request of each step and the report builder behind it.

A visit: the executive summary, the tenants list (page 1, then page 2 through its cursor), one of those tenants'
allocation explained, one of the five dashboard views (in turn), and the data-version poll of the live refresh.
Mostly the default month (the latest complete one), one visit in four another refreshed month, as an executive
browsing history would. The same steps run over HTTP (:mod:`loadgen`) and straight on PostgreSQL (:mod:`direct`),
so the two differ only by the server.

This module is the one place that names the routes and the builders behind them; a route the server does not
serve (not in its OpenAPI document) is left out of both runs, and reported as left out.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tenantdb.bi.reports import ReportOptions, cost_center, decisions, efficiency, executive, explain, revenue_health
from tenantdb.bi.reports import benchmarks as benchmarks_report
from tenantdb.db import Session

PAGE_SIZE = 50
VIEWS: dict[str, Callable[[Session, ReportOptions], Any]] = {
    "revenue-health": revenue_health.build,
    "cost-center": cost_center.build,
    "efficiency": efficiency.build,
    "decisions": decisions.build,
    "benchmarks": benchmarks_report.build,
}
ROUTES = {  # step -> the OpenAPI path that serves it
    "executive summary": "/api/v1/executive-summary",
    "tenants page 1": "/api/v1/tenants",
    "tenants page 2": "/api/v1/tenants",
    "allocation": "/api/v1/tenants/{tenant}/allocation",
    "view": "/api/v1/views/{view}",
    "data-version": "/api/v1/data-version",
}
SUMMARY_ONLY = ("executive summary",)
DATA_VERSION_SQL = "SELECT max(refreshed_at) FROM bi_refresh_state"


def served_steps(openapi_paths: set[str], steps: tuple[str, ...] = tuple(ROUTES)) -> tuple[str, ...]:
    """The steps whose route the server serves (a view counts when all five views are served)."""
    kept = []
    for step in steps:
        path = ROUTES[step]
        wanted = {path.replace("{view}", view) for view in VIEWS} if "{view}" in path else {path}
        if wanted <= openapi_paths or any(_matches(want, openapi_paths) for want in wanted if "{" in want):
            kept.append(step)
    return tuple(kept)


def _matches(template: str, paths: set[str]) -> bool:
    """``/api/v1/tenants/{tenant}/allocation`` is served under whatever its parameter is named."""
    head, _, rest = template.partition("{")
    tail = rest.partition("}")[2]
    return any(path.startswith(head) and path.endswith(tail) and "{" in path for path in paths)


@dataclass(slots=True)
class Visit:
    """What one visit asks for: the month (None: the default), the view of the turn, and a tenant seen on page 1."""

    month: str | None
    view: str
    tenant: str | None = None  # slug (HTTP) or tenant_id (direct), taken from page 1
    after: Any = None  # page 2's cursor from page 1 (a URL or cursor over HTTP, a tenant_id directly)


def new_visit(rng: random.Random, turn: int, months: tuple[str, ...], slugs: tuple[str, ...]) -> Visit:
    month = rng.choice(months[:-1] or months) if months and rng.random() < 0.25 else None
    visit = Visit(month=month, view=tuple(VIEWS)[turn % len(VIEWS)])
    visit.tenant = rng.choice(slugs) if slugs else None  # page 1 may name another one
    return visit


def _options(visit: Visit, **changes: Any) -> ReportOptions:
    month = date.fromisoformat(f"{visit.month}-01") if visit.month else None
    return ReportOptions(month=month, **changes)


def run_direct(session: Session, step: str, visit: Visit) -> None:
    """The step's report builder(s) in the session's transaction (the caller begins and ends it)."""
    if step == "executive summary":
        executive.build(session, _options(visit))
    elif step == "tenants page 1":
        page = benchmarks_report.build(session, _options(visit, limit=PAGE_SIZE))
        visit.after = page.tenants[-1].tenant_id if page.tenants else None
    elif step == "tenants page 2":
        if visit.after is not None:
            benchmarks_report.build(session, _options(visit, limit=PAGE_SIZE, after=visit.after))
    elif step == "allocation":
        if visit.tenant is not None:
            explain.build(session, _options(visit, tenant=visit.tenant))
    elif step == "view":
        VIEWS[visit.view](session, _options(visit))
    elif step == "data-version":
        session.fetch_value(DATA_VERSION_SQL)
    else:
        raise ValueError(step)


def http_request(step: str, visit: Visit) -> tuple[str, dict[str, str]] | None:
    """The step's path and query parameters over HTTP; None when the visit has nothing to ask (no page 2)."""
    params = {"month": visit.month} if visit.month else {}
    if step == "executive summary":
        return ROUTES[step], params
    if step == "tenants page 1":
        return ROUTES[step], params | {"limit": str(PAGE_SIZE)}
    if step == "tenants page 2":
        if visit.after is None:
            return None
        if isinstance(visit.after, str) and visit.after.startswith(("/", "?")):  # the page's own `next` link
            parts = urlsplit(visit.after)
            return parts.path or ROUTES[step], dict(parse_qsl(parts.query, keep_blank_values=True))
        return ROUTES[step], params | {"limit": str(PAGE_SIZE), "cursor": str(visit.after)}
    if step == "allocation":
        if visit.tenant is None:
            return None
        return ROUTES[step].replace("{tenant}", visit.tenant), params
    if step == "view":
        return ROUTES[step].replace("{view}", visit.view), params
    if step == "data-version":
        return ROUTES[step], {}
    raise ValueError(step)


def after_http(step: str, visit: Visit, body: Any) -> None:
    """Take page 2's cursor (and a tenant to open) from page 1's answer."""
    if step != "tenants page 1" or not isinstance(body, dict):
        return
    following = body.get("next")
    if isinstance(following, dict):
        following = following.get("href") or following.get("cursor")
    if isinstance(following, str) and "://" in following:  # an absolute link: its path and query
        parts = urlsplit(following)
        following = f"{parts.path}?{parts.query}" if parts.query else parts.path
    visit.after = following if isinstance(following, str) and following else None
    rows = next((value for value in body.values() if isinstance(value, list) and value), [])
    slugs = [row["slug"] for row in rows if isinstance(row, dict) and isinstance(row.get("slug"), str)]
    if slugs:
        visit.tenant = slugs[len(slugs) // 2]
