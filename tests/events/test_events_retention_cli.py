"""``tenantdb events partitions`` and ``tenantdb events prune``: monthly partitions and retention from the command
line; a month with events PostHog has not accepted is never dropped."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from tenantdb.db import connect
from tenantdb.errors import ExitCode
from tests import recipes
from tests.events.test_delivery import company, emit
from tests.events.test_events_cli import environment, project
from tests.helpers import cli

dsn = recipes.database_fixture(recipes.modules_applied(["events"]))  # `migrate up` in each test finds it applied


def test_partitions_then_prune_drops_delivered_months_and_keeps_undelivered_ones(tmp_path: Path, dsn: str) -> None:
    base = project(tmp_path, dsn)
    assert cli("migrate", "up", *base, env=environment()).returncode == 0
    now = datetime.now(UTC)
    old_delivered = datetime(now.year - 2, 1, 15, tzinfo=UTC)
    old_pending = datetime(now.year - 2, 2, 15, tzinfo=UTC)
    with connect(dsn, application_name="tenantdb test") as session:
        acme = company(session, "acme")
        emit(session, "revenue_impact", acme, {"n": 1}, old_delivered)
        emit(session, "revenue_impact", acme, {"n": 2}, old_pending)
        emit(session, "revenue_impact", acme, {"n": 3}, now)
        session.execute("UPDATE business_events SET delivered_at = now() WHERE occurred_at = %s", (old_delivered,))

        made = cli("events", "partitions", *base, "--months-ahead", "2", "--json", env=environment())
        assert made.returncode == 0, made.stderr
        assert json.loads(made.stdout)["created"] == 2  # the two old months of business_events (the rest exist)

        dry = cli("events", "prune", *base, "--keep-months", "12", "--dry-run", env=environment())
        assert dry.returncode == 0, dry.stderr
        assert "would drop" in dry.stdout and "kept" in dry.stdout
        assert session.fetch_value("SELECT count(*) FROM business_events") == 3  # a dry run changes nothing

        pruned = cli("events", "prune", *base, "--keep-months", "12", "--json", env=environment())
        assert pruned.returncode == 0, pruned.stderr
        fates = {
            (row["table"], row["month"]): row["fate"]
            for row in json.loads(pruned.stdout)["partitions"]
            if row["table"] == "business_events"
        }
        assert fates == {
            ("business_events", f"{old_delivered:%Y-%m}-01"): "dropped",
            ("business_events", f"{old_pending:%Y-%m}-01"): "kept_undelivered",
        }
        remaining = session.fetch_all("SELECT properties->>'n' FROM business_events ORDER BY occurred_at")
        assert [row[0] for row in remaining] == ["2", "3"]  # the undelivered old event is still there


def test_prune_refuses_a_retention_shorter_than_a_month(tmp_path: Path, dsn: str) -> None:
    base = project(tmp_path, dsn)
    assert cli("migrate", "up", *base, env=environment()).returncode == 0
    refused = cli("events", "prune", *base, "--keep-months", "0", env=environment())
    assert refused.returncode == ExitCode.BAD_INPUT, refused.stdout
    assert "--keep-months" in refused.stderr
