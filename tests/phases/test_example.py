"""examples/saas_phases runs end to end, and its broken variant rolls its phase back by itself."""

from __future__ import annotations

import json
from pathlib import Path

from tenantdb.db import Session, table_digest
from tests.helpers import cli

EXAMPLE = Path(__file__).parents[2] / "examples" / "saas_phases"


def test_the_phased_example_applies_every_phase(dsn: str) -> None:
    result = cli("migrate", "up", "--dsn", dsn, "-C", str(EXAMPLE), "--json")
    assert result.returncode == 0, result.stderr
    outcomes = json.loads(result.stdout)["outcomes"]
    assert [(o["name"], o["status"]) for o in outcomes] == [
        ("schema preparation", "applied"),
        ("user migration", "applied"),
        ("AI enhancement", "applied"),
    ]
    verified = cli("migrate", "verify", "--dsn", dsn, "-C", str(EXAMPLE), "--json")
    assert json.loads(verified.stdout)["ok"] is True


def test_the_broken_variant_rolls_back_its_phase_and_keeps_the_first(dsn: str) -> None:
    result = cli("migrate", "up", "--dsn", dsn, "-C", str(EXAMPLE / "broken"), "--json")
    assert result.returncode == 6
    first, second = json.loads(result.stdout)["outcomes"]
    assert first["status"] == "applied"
    assert (second["status"], second["trigger"]) == ("rolled_back", "violation")
    assert second["rolled_back"] == ["0004_usage_and_billing", "0003_user_subscriptions"]
    history = json.loads(cli("migrate", "history", "--dsn", dsn, "--json").stdout)
    assert sorted(row["version"] for row in history["applied"]) == ["0001", "0002"]
    assert "phase_rollback" in {event["kind"] for event in history["events"]}


def test_the_example_rolls_back_a_phases_rows_and_its_feature_by_hand(session: Session, dsn: str) -> None:
    assert cli("migrate", "up", "--dsn", dsn, "-C", str(EXAMPLE)).returncode == 0
    session.execute("INSERT INTO users (email) VALUES ('late@example.com')")  # the application, after the phase
    session.execute(
        "INSERT INTO user_subscriptions (user_id, plan_id) SELECT u.user_id, p.plan_id FROM users u, subscription_plans"
        " p WHERE u.email = 'late@example.com' AND p.name = 'Free'"
    )
    session.execute(
        "UPDATE user_subscriptions SET plan_id = (SELECT plan_id FROM subscription_plans WHERE name = 'Pro')"
        " WHERE user_id = (SELECT user_id FROM users WHERE email = 'user1@example.com')"
    )
    before = table_digest(session, "public", "user_subscriptions")

    data = cli("rollback", "--phase", "user migration", "--level", "data", "--dsn", dsn, "-C", str(EXAMPLE), "--json")
    assert data.returncode == 0, data.stderr
    tables = {row["table"]: row for row in json.loads(data.stdout)["data"]["tables"]}
    subscriptions = tables["public.user_subscriptions"]
    assert (subscriptions["removed"], subscriptions["kept_changed"]) == (1999, 1)
    emails = session.fetch_all("SELECT u.email FROM user_subscriptions s JOIN users u USING (user_id) ORDER BY u.email")
    assert emails == [("late@example.com",), ("user1@example.com",)]
    restored = cli("archive", "restore", str(subscriptions["archive_id"]), "--dsn", dsn, "-C", str(EXAMPLE))
    assert restored.returncode == 0, restored.stderr
    assert table_digest(session, "public", "user_subscriptions") == before

    plans = table_digest(session, "public", "subscription_plans")
    feature = ("rollback", "--phase", "AI enhancement", "--level", "feature", "--dsn", dsn, "-C", str(EXAMPLE))
    assert cli(*feature).returncode == 0
    limits = session.fetch_all("SELECT DISTINCT feature_limits ->> 'ai_sessions' FROM subscription_plans")
    assert limits == [("0",)]
    assert cli(*feature, "--restore").returncode == 0
    assert table_digest(session, "public", "subscription_plans") == plans
