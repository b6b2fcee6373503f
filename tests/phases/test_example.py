"""examples/saas_phases runs end to end, and its broken variant rolls its phase back by itself."""

from __future__ import annotations

import json
from pathlib import Path

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
