"""The load generator: N simulated executives over HTTP (httpx, asyncio), each with its own bearer token.

Each executive loops over visits (:mod:`mix`), waiting a think time drawn in ``[think/2, 3*think/2]`` between
requests. A request is an error unless it answers 2xx with a body that parses (JSON, or CSV/HTML as served): a
429, a 5xx, a time-out or a refused connection all count. Requests that begin during the warm-up or after the
window are not recorded; every executive stops by itself at the window's end.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import httpx

import mix
from stats import Recorder

REQUEST_TIMEOUT_S = 30.0


async def _executive(
    client: httpx.AsyncClient,
    token: str,
    number: int,
    steps: tuple[str, ...],
    recorder: Recorder,
    think: float,
    months: tuple[str, ...],
    slugs: tuple[str, ...],
) -> None:
    rng = random.Random(number)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    await asyncio.sleep(rng.uniform(0, think * 2))  # arrivals spread, not a thundering herd
    turn = number
    while time.perf_counter() < recorder.end:
        visit = mix.new_visit(rng, turn, months, slugs)
        turn += 1
        for step in steps:
            request = mix.http_request(step, visit)
            if request is None:
                continue
            path, params = request
            began = time.perf_counter()
            if began >= recorder.end:
                return
            error: str | None = None
            body: Any = None
            try:
                response = await client.get(path, params=params, headers=headers)
                if not response.is_success:
                    error = f"HTTP {response.status_code} {path}"
                elif response.headers.get("content-type", "").startswith("application/json"):
                    body = response.json()
            except (httpx.HTTPError, ValueError) as problem:
                error = f"{type(problem).__name__} {path}"
            recorder.record(step, began, time.perf_counter() - began, error)
            mix.after_http(step, visit, body)
            await asyncio.sleep(rng.uniform(think / 2, think * 1.5))


async def _run(
    base: str,
    tokens: list[str],
    steps: tuple[str, ...],
    recorder: Recorder,
    think: float,
    months: tuple[str, ...],
    slugs: tuple[str, ...],
) -> None:
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=REQUEST_TIMEOUT_S) as client:
        await asyncio.gather(
            *(
                _executive(client, token, number, steps, recorder, think, months, slugs)
                for number, token in enumerate(tokens)
            )
        )


def run(
    base: str,
    tokens: list[str],
    steps: tuple[str, ...],
    *,
    warmup: float,
    duration: float,
    think: float,
    months: tuple[str, ...],
    slugs: tuple[str, ...],
) -> dict[str, Any]:
    """One phase over HTTP: ``len(tokens)`` executives for ``warmup + duration`` seconds; the window's figures."""
    start = time.perf_counter() + warmup
    recorder = Recorder(start=start, end=start + duration)
    asyncio.run(_run(base, tokens, steps, recorder, think, months, slugs))
    return recorder.summary()


def openapi_paths(base: str, token: str) -> set[str]:
    """The paths the server's OpenAPI document lists."""
    response = httpx.get(
        f"{base}/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"}, timeout=REQUEST_TIMEOUT_S
    )
    response.raise_for_status()
    return set(response.json().get("paths", {}))
