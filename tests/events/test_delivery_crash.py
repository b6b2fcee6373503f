"""A flush killed between sending a batch and marking it: the events are sent again after the lease, with the same
uuid and an identical payload, so PostHog's deduplication on uuid keeps one copy of each."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from tenantdb.db import Session
from tests.events.capture_server import CaptureServer, capture_server
from tests.events.test_delivery import JUNE, company, emit, outbox
from tests.helpers import cli

__all__ = ["capture_server", "outbox"]

KEY = "phc_crash_test"
IDENTITY = ("uuid", "timestamp", "event", "distinct_id", "properties")


def test_a_flush_killed_before_marking_resends_the_same_events_after_the_lease(
    outbox: Session, dsn: str, tmp_path: Path, capture_server: CaptureServer
) -> None:
    acme, globex = company(outbox, "acme"), company(outbox, "globex")
    ids = {
        emit(outbox, "revenue_impact", (acme, globex)[n % 2], {"n": n, "amount": f"{n}.25"}, JUNE + timedelta(hours=n))
        for n in range(20)
    }
    ids.add(emit(outbox, "efficiency_metrics", None, {"score": 91.5}))
    ids.add(emit(outbox, "$groupidentify", acme, {"plan": "Growth", "health": "healthy"}))
    (tmp_path / "tenantdb.toml").write_text('modules = ["events"]\n[posthog]\nlease = "30s"\n', encoding="utf-8")
    env = {name: value for name, value in os.environ.items() if not name.startswith("TENANTDB_POSTHOG_")}
    env |= {"TENANTDB_POSTHOG_API_KEY": KEY, "TENANTDB_POSTHOG_HOST": capture_server.url}
    base = ("--dsn", dsn, "-C", str(tmp_path))

    capture_server.delay = 120  # hold the answer: the batch has arrived, the flush waits to mark it
    flushing = subprocess.Popen(
        [sys.executable, "-m", "tenantdb", "events", "flush", *base],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        capture_server.wait_for(1, timeout=60)
        flushing.send_signal(signal.SIGKILL)
        assert flushing.wait(timeout=30) == -signal.SIGKILL
    finally:
        if flushing.poll() is None:
            flushing.kill()
    capture_server.release()
    first_send = capture_server.all_events()
    assert {UUID(event["uuid"]) for event in first_send} == ids  # all of them reached PostHog once

    pending = outbox.fetch_all("SELECT delivered_at, attempts, leased_until > now() FROM business_events")
    assert set(pending) == {(None, 0, True)}  # nothing marked: the lease still holds
    held = cli("events", "flush", "--json", *base, env=env)
    assert json.loads(held.stdout)["run"]["taken"] == 0  # no second sender while the lease holds

    outbox.execute("UPDATE business_events SET leased_until = now() - interval '1 ms'")  # the lease ran out
    resent = cli("events", "flush", "--json", *base, env=env)
    assert resent.returncode == 0, resent.stderr
    assert json.loads(resent.stdout)["run"]["delivered"] == len(ids)

    copies: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in capture_server.all_events():
        copies[event["uuid"]].append(event)
    assert {UUID(uuid) for uuid in copies} == ids  # PostHog keeps one event per uuid: exactly the outbox's
    for uuid, sent in copies.items():
        assert len(sent) == 2, uuid
        first, second = ({part: json.dumps(event[part], sort_keys=True) for part in IDENTITY} for event in sent)
        assert first == second, uuid  # byte-identical in what PostHog deduplicates and stores
    assert outbox.fetch_value("SELECT count(*) FROM business_events WHERE delivered_at IS NULL") == 0
