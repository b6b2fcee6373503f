"""``tenantdb events status|flush|replay`` from the command line, against a local capture server."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from uuid import UUID

from tenantdb.db import Session, connect
from tenantdb.errors import ExitCode
from tests import recipes
from tests.events.capture_server import CaptureServer, capture_server
from tests.events.test_delivery import JUNE, company, emit
from tests.helpers import cli

dsn = recipes.database_fixture(recipes.modules_applied(["events"]))  # `migrate up` in each test finds it applied

__all__ = ["capture_server"]

KEY = "phc_cli_test_key"


def project(tmp_path: Path, dsn: str) -> tuple[str, ...]:
    (tmp_path / "tenantdb.toml").write_text('modules = ["events"]\n', encoding="utf-8")
    return ("--dsn", dsn, "-C", str(tmp_path))


def environment(server: CaptureServer | None = None) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("TENANTDB_POSTHOG_")}
    if server is not None:
        env |= {"TENANTDB_POSTHOG_API_KEY": KEY, "TENANTDB_POSTHOG_HOST": server.url}
    return env


def seeded(tmp_path: Path, dsn: str) -> tuple[tuple[str, ...], Session, UUID]:
    base = project(tmp_path, dsn)
    migrated = cli("migrate", "up", *base, env=environment())
    assert migrated.returncode == 0, migrated.stderr
    session = connect(dsn, application_name="tenantdb test")
    acme = company(session, "acme")
    emit(session, "revenue_impact", acme, {"n": 1})
    emit(session, "revenue_impact", acme, {"n": 2}, JUNE + timedelta(days=1))
    emit(session, "cost_optimization", None, {"n": 3}, JUNE + timedelta(days=40))
    return base, session, acme


def test_without_a_key_flush_sends_nothing_says_what_waits_and_how_to_send_it(
    tmp_path: Path, dsn: str, capture_server: CaptureServer
) -> None:
    base, session, _ = seeded(tmp_path, dsn)
    with session:
        host_only = environment() | {"TENANTDB_POSTHOG_HOST": capture_server.url}  # a host is not enough
        flushed = cli("events", "flush", *base, env=host_only)
        assert flushed.returncode == 0, flushed.stderr
        assert "PostHog is not configured: nothing was sent; 3 event(s) wait in business_events" in flushed.stdout
        assert "TENANTDB_POSTHOG_API_KEY" in flushed.stdout

        document = json.loads(cli("events", "flush", *base, "--json", env=environment()).stdout)
        assert (document["posthog_configured"], document["run"], document["waiting"]) == (False, None, 3)

        status = cli("events", "status", *base, env=environment())
        assert status.returncode == 0, status.stderr
        assert "PostHog: not configured" in status.stdout
        assert capture_server.requests == []
        assert session.fetch_value("SELECT count(*) FROM business_events WHERE delivered_at IS NULL") == 3
        assert "revenue_impact" in status.stdout and "cost_optimization" in status.stdout


def test_flush_delivers_in_batches_and_status_counts_by_event(
    tmp_path: Path, dsn: str, capture_server: CaptureServer
) -> None:
    base, session, _ = seeded(tmp_path, dsn)
    env = environment(capture_server)
    with session:
        before = json.loads(cli("events", "status", *base, "--json", env=env).stdout)
        assert before["posthog_configured"] is True and before["posthog_host"] == capture_server.url
        assert (before["pending"], before["due"], before["delivered"]) == (3, 3, 0)
        by_event = {row["event"]: row for row in before["events"]}
        assert by_event["revenue_impact"]["pending"] == 2 and by_event["cost_optimization"]["pending"] == 1
        assert before["oldest_pending_age"] >= 0

        partial = cli("events", "flush", "--batch-size", "1", "--max-events", "2", *base, env=env)
        assert partial.returncode == 0, partial.stderr
        assert "delivered 2 event(s) in 2 batch(es)" in partial.stdout
        assert "1 event(s) still wait" in partial.stdout
        assert "--max-events 2 reached" in partial.stdout
        assert "batch 2: 1 delivered" in partial.stderr  # progress on stderr

        rest = json.loads(cli("events", "flush", *base, "--json", env=env).stdout)
        assert (rest["run"]["delivered"], rest["waiting"]) == (1, 0)
        assert len({event["uuid"] for event in capture_server.accepted_events()}) == 3

        after = json.loads(cli("events", "status", *base, "--json", env=env).stdout)
        assert (after["pending"], after["delivered"], after["oldest_pending_age"]) == (0, 3, None)


def test_status_shows_failing_events_with_their_last_error(
    tmp_path: Path, dsn: str, capture_server: CaptureServer
) -> None:
    base, session, _ = seeded(tmp_path, dsn)
    env = environment(capture_server)
    capture_server.fail(1, status=503)
    with session:
        failed = cli("events", "flush", *base, env=env)
        assert failed.returncode == 0, failed.stderr  # a failed batch waits for the next flush; not an error
        assert "3 failed" in failed.stdout and "PostHog answered 503" in failed.stdout

        status = cli("events", "status", *base, env=env)
        assert "PostHog answered 503" in status.stdout
        document = json.loads(cli("events", "status", *base, "--json", env=env).stdout)
        assert document["failing"] == 3
        assert all(row["last_error"].startswith("PostHog answered 503") for row in document["events"])
        assert KEY not in status.stdout and KEY not in json.dumps(document)


def test_replay_makes_delivered_events_pending_again_and_says_how_many(
    tmp_path: Path, dsn: str, capture_server: CaptureServer
) -> None:
    base, session, _ = seeded(tmp_path, dsn)
    env = environment(capture_server)
    with session:
        assert cli("events", "flush", *base, env=env).returncode == 0

        replayed = cli(
            "events", "replay", "--since", "2025-06-01", "--until", "2025-06-03", "--event", "revenue_impact",
            "--tenant", "acme", *base, env=env,
        )  # fmt: skip
        assert replayed.returncode == 0, replayed.stderr
        assert "1 delivered event(s) are pending again" in replayed.stdout  # June 4th's is after --until's day
        whole = json.loads(
            cli("events", "replay", "--since", "2025-06-01", "--until", "2025-07-31", *base, "--json", env=env).stdout
        )
        assert whole["replayed"] == 2 and whole["since"] == "2025-06-01T00:00:00+00:00"
        assert whole["until"] == "2025-08-01T00:00:00+00:00"  # --until's day is included

        again = json.loads(cli("events", "flush", *base, "--json", env=env).stdout)
        assert again["run"]["delivered"] == 3
        uuids = [event["uuid"] for event in capture_server.accepted_events()]
        assert len(uuids) == 6 and len(set(uuids)) == 3  # the same uuids again


def test_replay_refuses_bad_input_and_changes_nothing(tmp_path: Path, dsn: str) -> None:
    base, session, _ = seeded(tmp_path, dsn)
    with session:
        session.execute("UPDATE business_events SET delivered_at = now()")
        missing = cli("events", "replay", "--since", "2025-06-01", *base, env=environment())
        assert missing.returncode == ExitCode.USAGE and "--until" in missing.stderr
        cases = [
            (("--since", "June", "--until", "2025-06-30"), "expected a UTC day like 2025-06-01"),
            (("--since", "2025-06-30", "--until", "2025-06-01"), "is not after --since"),
            (("--since", "2025-06-01", "--until", "2025-06-30", "--event", "nope"), "no event named 'nope'"),
            (("--since", "2025-06-01", "--until", "2025-06-30", "--tenant", "nobody"), "no tenant 'nobody'"),
        ]
        for options, message in cases:
            refused = cli("events", "replay", *options, *base, env=environment())
            assert refused.returncode == ExitCode.BAD_INPUT and message in refused.stderr, refused.stderr
        assert session.fetch_value("SELECT count(*) FROM business_events WHERE delivered_at IS NULL") == 0


def test_commands_refuse_a_database_without_module_events(tmp_path: Path, empty_dsn: str) -> None:
    base = project(tmp_path, empty_dsn)
    for command in ("status", "flush"):
        refused = cli("events", command, *base, env=environment())
        assert refused.returncode == ExitCode.BAD_INPUT and "module events is not applied" in refused.stderr
    bad = cli("events", "flush", "--batch-size", "0", *base, env=environment())
    assert bad.returncode == ExitCode.BAD_INPUT and "--batch-size" in bad.stderr


def test_help_says_what_each_command_does() -> None:
    group = cli("events", "--help")
    assert group.returncode == 0
    for command in ("status", "flush", "replay"):
        assert command in group.stdout
    flush_help = cli("events", "flush", "--help").stdout
    assert "--batch-size" in flush_help and "--max-events" in flush_help and "TENANTDB_POSTHOG_API_KEY" in flush_help
    assert "same uuid" in cli("events", "replay", "--help").stdout


def test_status_never_cuts_a_number_or_a_name_on_a_narrow_or_piped_output(tmp_path: Path, dsn: str) -> None:
    """Seen trying the demo: piped on 80 columns the table printed 'pendi…' and '15,3…'."""
    base, session, acme = seeded(tmp_path, dsn)
    with session:
        session.execute(
            "INSERT INTO business_events (event_id, occurred_at, event, tenant_id)"
            " SELECT gen_random_uuid(), now(), 'email_delivery_outcome', %s FROM generate_series(1, 12345)",
            (acme,),
        )
        for columns in ("60", "80"):
            shown = cli("events", "status", *base, env=environment() | {"COLUMNS": columns})
            assert shown.returncode == 0, shown.stderr
            assert "…" not in shown.stdout
            assert "email_delivery_outcome" in shown.stdout and "12,345" in shown.stdout and "pending" in shown.stdout
