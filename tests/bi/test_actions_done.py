"""``tenantdb actions``: the refresh's recommended actions (cost_optimizations) listed, accepted, done or dismissed,
each transition with its ``cost_optimization`` event; marking a fix_deliverability action done resolves the
customer's revenue at risk of that month. Bad input is a clear error and changes nothing (issue 13)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tenantdb import commands
from tenantdb.bi import DEFAULT_TOLERANCE
from tenantdb.bi.emit import OptimizationStatus, Transition, transition
from tenantdb.bi.refresh import refresh_month
from tenantdb.config import load_settings
from tenantdb.db import Session, connect
from tenantdb.errors import ConfigError, ExitCode
from tests import recipes
from tests.bi.builders import JUNE, Rows
from tests.bi.test_events_emitted import World, events, stable_id, table
from tests.helpers import cli

dsn = recipes.database_fixture(recipes.modules_applied(["bi"]))  # every test starts with bi applied


MODULES = ("core", "billing", "email_infra", "cost_tracking", "bi")


@pytest.fixture
def world(session: Session) -> World:
    built = World(Rows(session))
    built.rows.refresh(JUNE)
    return built


@pytest.fixture
def base(dsn: str, tmp_path: Path) -> tuple[str, ...]:
    modules = ", ".join(f'"{name}"' for name in MODULES)
    (tmp_path / "tenantdb.toml").write_text(f"modules = [{modules}]\n", encoding="utf-8")
    return ("--dsn", dsn, "-C", str(tmp_path))


def optimization(session: Session, kind: str) -> dict[str, Any]:
    (found,) = [o for o in table(session, "cost_optimizations", "optimization_id") if o["kind"] == kind]
    return found


def state(session: Session) -> tuple[Any, ...]:
    return (
        events(session),
        table(session, "cost_optimizations", "optimization_id"),
        table(session, "revenue_impacts", "impact_id"),
    )


def test_list_shows_the_months_actions_filtered_as_asked(session: Session, world: World, base: tuple[str, ...]) -> None:
    listed = cli("actions", "list", "--month", "2025-06", *base, "--json")
    assert listed.returncode == 0, listed.stderr
    document = json.loads(listed.stdout)
    recorded = table(session, "cost_optimizations", "optimization_id")
    assert {row["optimization_id"] for row in document["optimizations"]} == {
        str(o["optimization_id"]) for o in recorded
    }
    savings = [row["expected_savings"] for row in document["optimizations"]]
    assert savings == sorted(savings, key=float, reverse=True)
    assert {row["status"] for row in document["optimizations"]} == {"recommended"}
    risky = cli("actions", "list", "--tenant", "risky", "--status", "recommended", *base, "--json")
    assert risky.returncode == 0, risky.stderr
    kinds = {row["kind"] for row in json.loads(risky.stdout)["optimizations"]}
    assert kinds == {"fix_deliverability", "downsize_idle_dedicated", "reprice_unprofitable_tenant"}
    text = cli("actions", "list", *base)
    assert text.returncode == 0, text.stderr
    fix = optimization(session, "fix_deliverability")
    assert str(fix["optimization_id"])[:8] in text.stdout and "fix_deliverability" in text.stdout
    none = cli("actions", "list", "--status", "done", *base)
    assert none.returncode == 0 and "no cost optimization" in none.stdout


def test_accept_then_done_records_who_and_when_and_emits_each_stage(
    session: Session, world: World, base: tuple[str, ...]
) -> None:
    downsize = optimization(session, "downsize_idle_dedicated")
    prefix = str(downsize["optimization_id"])[:8]
    accepted = cli("actions", "accept", prefix, *base)
    assert accepted.returncode == 0, accepted.stderr
    assert "accepted" in accepted.stdout
    after_accept = optimization(session, "downsize_idle_dedicated")
    assert after_accept["status"] == "accepted" and after_accept["accepted_at"] is not None
    done = cli(
        "actions", "done", str(downsize["optimization_id"]), "--note", "moved to a smaller server", *base, "--json"
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["optimization"]["status"] == "done"
    row = optimization(session, "downsize_idle_dedicated")
    user = session.fetch_value("SELECT session_user")
    assert (row["status"], row["done_by"], row["note"]) == ("done", user, "moved to a smaller server")
    assert row["done_at"] >= row["accepted_at"]
    stages = {
        e["properties"]["stage"]: e
        for e in events(session)
        if e["event"] == "cost_optimization" and e["properties"]["optimization_id"] == str(downsize["optimization_id"])
    }
    assert set(stages) == {"recommended", "accepted", "done"}
    for stage in ("accepted", "done"):
        assert stages[stage]["event_id"] == stable_id("cost_optimization", downsize["optimization_id"], stage)
        assert stages[stage]["tenant_id"] == uuid.UUID(world.risky)
    assert stages["accepted"]["occurred_at"] == row["accepted_at"]
    assert stages["done"]["occurred_at"] == row["done_at"]
    assert stages["done"]["properties"]["by"] == user


def test_done_directly_and_dismiss_with_a_note(session: Session, world: World) -> None:
    reprice, pool = optimization(session, "reprice_unprofitable_tenant"), optimization(session, "consolidate_idle_pool")
    with session.transaction():
        done = transition(session, str(reprice["optimization_id"]), Transition.DONE)
        dismissed = transition(session, str(pool["optimization_id"]), Transition.DISMISS, note="capacity for growth")
    assert done.optimization.status is OptimizationStatus.DONE
    assert dismissed.optimization.status is OptimizationStatus.DISMISSED
    assert dismissed.optimization.note == "capacity for growth" and dismissed.optimization.done_at is None
    stages = {
        (e["properties"]["optimization_id"], e["properties"]["stage"])
        for e in events(session)
        if e["event"] == "cost_optimization"
    }
    assert (str(reprice["optimization_id"]), "done") in stages
    assert (str(pool["optimization_id"]), "dismissed") in stages


def test_fixing_deliverability_resolves_the_months_revenue_at_risk(session: Session, world: World) -> None:
    fix = optimization(session, "fix_deliverability")
    with session.transaction():
        done = transition(session, str(fix["optimization_id"]), Transition.DONE)
        now = session.fetch_value("SELECT now()")
    assert done.resolved_impacts == 1
    (impact,) = table(session, "revenue_impacts", "impact_id")
    assert impact["resolved_at"] == now
    (resolution,) = [
        e for e in events(session) if e["event"] == "revenue_impact" and e["properties"]["stage"] == "resolved"
    ]
    assert resolution["event_id"] == stable_id("revenue_impact", impact["impact_id"], "resolved")
    assert resolution["occurred_at"] == now and resolution["tenant_id"] == uuid.UUID(world.risky)
    assert resolution["properties"]["within_response_target"] is False  # detected at June's end, resolved long after


def test_a_back_dated_done_is_kept_between_the_recommendation_and_now(session: Session, world: World) -> None:
    downsize = optimization(session, "downsize_idle_dedicated")
    july = datetime(2025, 7, 10, tzinfo=UTC)
    with session.transaction():
        done = transition(session, str(downsize["optimization_id"]), Transition.DONE, at=july)
    assert done.optimization.done_at == july
    before = state(session)
    for at in (datetime(2025, 6, 15, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1)):
        other = optimization(session, "reprice_unprofitable_tenant")
        with pytest.raises(ConfigError, match="between when it could be acted on"), session.transaction():
            transition(session, str(other["optimization_id"]), Transition.DONE, at=at)
    assert state(session) == before


@pytest.mark.slow
def test_bad_input_is_a_clear_error_and_changes_nothing(session: Session, world: World, base: tuple[str, ...]) -> None:
    downsize = optimization(session, "downsize_idle_dedicated")
    with session.transaction():
        transition(session, str(downsize["optimization_id"]), Transition.DONE)
    # another optimization whose id starts like this one's
    twin = uuid.UUID(str(downsize["optimization_id"])[:9] + "ffff-ffff-ffff-ffffffffffff")
    session.execute(
        "INSERT INTO cost_optimizations (optimization_id, kind, subject, month, expected_savings, recommended_at)"
        " VALUES (%s, 'review_invoice_drift', 'hetzner', %s, 1, now())",
        (twin, JUNE),
    )
    before = state(session)
    cases = {
        ("done", "0123456789abcdef0123456789abcdef"): "no cost optimization",
        ("done", str(downsize["optimization_id"])): "is done: it cannot be marked done",
        ("accept", str(downsize["optimization_id"])): "is done: it cannot be marked accepted",
        ("dismiss", str(downsize["optimization_id"])): "is done: it cannot be marked dismissed",
        ("done", str(downsize["optimization_id"])[:8]): "is the start of several",
        ("done", "abc"): "is not an optimization id",
        ("done", "not-an-id-at-all"): "is not an optimization id",
    }
    for (command, reference), message in cases.items():
        refused = cli("actions", command, reference, *base)
        assert refused.returncode == ExitCode.BAD_INPUT, (command, reference, refused.stdout, refused.stderr)
        assert message in refused.stderr, (command, reference, refused.stderr)
    as_json = cli("actions", "done", "0123456789abcdef", *base, "--json")
    assert as_json.returncode == ExitCode.BAD_INPUT and json.loads(as_json.stdout)["error"] == "ConfigError"
    assert state(session) == before


def test_a_transition_waits_for_the_months_refresh_instead_of_deadlocking_with_it(
    dsn: str, session: Session, world: World, tmp_path: Path
) -> None:
    """Marking fix_deliverability done writes the optimization, then the month's revenue impacts; a refresh of the
    month writes them the other way round. The command takes the month's refresh lock first, so it waits for an open
    refresh of the month and then goes ahead."""
    fix = optimization(session, "fix_deliverability")
    settings = load_settings(tmp_path, environ={}).with_overrides(dsn=dsn)
    outcome: list[Any] = []
    with connect(dsn) as refreshing:
        with refreshing.transaction():
            refresh_month(refreshing, JUNE, tolerance=DEFAULT_TOLERANCE)
            worker = threading.Thread(
                target=lambda: outcome.append(
                    commands.actions_transition(settings, str(fix["optimization_id"]), Transition.DONE)
                )
            )
            worker.start()
            for _ in range(100):  # until it waits for the month's lock
                if session.fetch_value(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'"
                    " AND datname = current_database()"
                ):
                    break
                time.sleep(0.05)
            else:
                pytest.fail("the transition did not wait for the month's refresh")
            assert outcome == []
        worker.join(timeout=30)
    (done,) = outcome
    assert done.optimization.status is OptimizationStatus.DONE and done.resolved_impacts == 1
