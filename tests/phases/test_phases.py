"""Phased migrations: each trigger rolls back exactly the failing phase; earlier phases stay applied."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tenantdb.config import VerifySettings, load_settings
from tenantdb.db import Session
from tenantdb.errors import ConfigError
from tenantdb.migrations import load_project_migrations
from tenantdb.phases import PhasesReport, PhaseStatus, run_phases
from tenantdb.verify import verify
from tests.helpers import FAST, cli, event_kinds, ledger_versions, table_exists, write_files

PLANS = """-- migrate:up
CREATE TABLE plans (plan_id int PRIMARY KEY, name text NOT NULL, price int NOT NULL);
INSERT INTO plans VALUES (1, 'Free', 0), (2, 'Pro', 49);
-- migrate:down
DROP TABLE plans;
"""
USERS = """-- migrate:up
CREATE TABLE users (user_id int PRIMARY KEY, email text NOT NULL, plan_id int REFERENCES plans);
INSERT INTO users SELECT g, 'u' || g || '@example.com', 1 FROM generate_series(1, 3000) g;
CREATE INDEX users_email_idx ON users (email);
-- migrate:down
DROP TABLE users;
"""


ADD_LOCALE = (
    "-- migrate:up\nALTER TABLE users ADD COLUMN locale text;\n-- migrate:down\nALTER TABLE users DROP COLUMN locale;\n"
)


def project(tmp_path: Path, third: str, phase_two: str = "") -> Path:
    write_files(
        tmp_path / "migrations",
        {"0001_plans.sql": PLANS, "0002_users.sql": USERS, "0003_change.sql": third},
    )
    (tmp_path / "tenantdb.toml").write_text(
        '[[phases]]\nname = "plans"\nmigrations = "0001-0001"\n\n'
        '[[phases]]\nname = "users"\nmigrations = ["0002", "0003"]\n'
        f"{phase_two}\n"
    )
    return tmp_path


def run(session: Session, root: Path, *, dry_run: bool = False) -> PhasesReport:
    settings = replace(load_settings(root), runner=FAST)
    return run_phases(session, [load_project_migrations(settings)], settings, dry_run=dry_run)


def test_all_phases_apply_when_the_gates_pass(session: Session, tmp_path: Path) -> None:
    root = project(
        tmp_path,
        ADD_LOCALE,
        'post_checks = ["SELECT user_id FROM users WHERE plan_id IS NULL"]\n'
        "probes = { by_email = \"SELECT * FROM users WHERE email = 'u5@example.com'\" }\n",
    )
    report = run(session, root)
    assert [o.status for o in report.outcomes] == [PhaseStatus.APPLIED, PhaseStatus.APPLIED]
    assert report.ok
    assert ledger_versions(session) == ["0001", "0002", "0003"]
    assert {"phase_start", "phase_applied"} <= set(event_kinds(session))
    (probe,) = report.outcomes[1].probes
    assert probe.name == "by_email"


def test_failure_rolls_back_only_the_failing_phase(session: Session, tmp_path: Path) -> None:
    root = project(
        tmp_path, "-- migrate:up\nALTER TABLE users ADD COLUMN x int;\nSELECT 1 / 0;\n-- migrate:down\nSELECT 1;\n"
    )
    report = run(session, root)
    plans, users = report.outcomes
    assert plans.status is PhaseStatus.APPLIED
    assert (users.status, users.trigger) == (PhaseStatus.ROLLED_BACK, "failure")
    assert users.rolled_back == ("0002_users",)
    assert ledger_versions(session) == ["0001"]
    assert table_exists(session, "plans") and not table_exists(session, "users")
    assert "phase_rollback" in event_kinds(session)


def test_violation_of_a_post_check_rolls_the_phase_back(session: Session, tmp_path: Path) -> None:
    root = project(
        tmp_path,
        "-- migrate:up\nUPDATE users SET plan_id = NULL WHERE user_id = 7;\n-- migrate:down\nSELECT 1;\n",
        "post_checks = [\"SELECT user_id, 'user without a plan' FROM users WHERE plan_id IS NULL\"]\n",
    )
    report = run(session, root)
    users = report.outcomes[1]
    assert (users.status, users.trigger) == (PhaseStatus.ROLLED_BACK, "violation")
    assert [v.row for v in users.violations] == [(7, "user without a plan")]
    assert users.rolled_back == ("0003_change", "0002_users")
    assert ledger_versions(session) == ["0001"]


def test_regression_rolls_the_phase_back(session: Session, tmp_path: Path) -> None:
    root = project(
        tmp_path,
        "-- migrate:up\nDROP INDEX users_email_idx;\n-- migrate:down\nCREATE INDEX users_email_idx ON users (email);\n",
    )
    (root / "tenantdb.toml").write_text(
        '[[phases]]\nname = "schema"\nmigrations = "0001-0002"\n\n'
        '[[phases]]\nname = "cleanup"\nmigrations = ["0003"]\n'
        "probes = { by_email = \"SELECT * FROM users WHERE email = 'u5@example.com'\" }\n"
    )
    report = run(session, root)
    schema, cleanup = report.outcomes
    assert schema.status is PhaseStatus.APPLIED
    assert (cleanup.status, cleanup.trigger) == (PhaseStatus.ROLLED_BACK, "regression")
    assert "sequential scan replaced an index scan on users" in cleanup.message
    assert ledger_versions(session) == ["0001", "0002"]


def test_pre_check_violation_stops_before_anything_changes(session: Session, tmp_path: Path) -> None:
    root = project(
        tmp_path,
        "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n",
        'pre_checks = ["SELECT name FROM plans WHERE price = 0"]\n',
    )
    report = run(session, root)
    users = report.outcomes[1]
    assert users.status is PhaseStatus.BLOCKED
    assert ledger_versions(session) == ["0001"]
    assert not table_exists(session, "users")


def test_a_trigger_left_out_of_rollback_on_keeps_the_phase(session: Session, tmp_path: Path) -> None:
    root = project(
        tmp_path,
        "-- migrate:up\nUPDATE users SET plan_id = NULL WHERE user_id = 7;\n-- migrate:down\nSELECT 1;\n",
        'post_checks = ["SELECT user_id FROM users WHERE plan_id IS NULL"]\nrollback_on = ["failure"]\n',
    )
    report = run(session, root)
    assert report.outcomes[1].status is PhaseStatus.KEPT_WITH_PROBLEMS
    assert ledger_versions(session) == ["0001", "0002", "0003"]


def test_dry_run_describes_phases_and_changes_nothing(session: Session, tmp_path: Path) -> None:
    root = project(tmp_path, "-- migrate:up\nALTER TABLE users DROP COLUMN email;\n")
    report = run(session, root, dry_run=True)
    assert [o.status for o in report.outcomes] == [PhaseStatus.PLANNED, PhaseStatus.PLANNED]
    assert report.outcomes[1].destructive == ("0003_change:2 ALTER TABLE users DROP COLUMN email",)
    assert report.outcomes[1].missing_downs == ("0003_change",)
    assert ledger_versions(session) == []


def test_migrations_outside_every_phase_are_refused(session: Session, tmp_path: Path) -> None:
    root = project(tmp_path, "-- migrate:up\nSELECT 1;\n")
    (root / "tenantdb.toml").write_text('[[phases]]\nname = "plans"\nmigrations = "0001-0002"\n')
    with pytest.raises(ConfigError, match="in no phase: 0003_change"):
        run(session, root)


def test_cli_up_runs_phases_and_rollback_undoes_one(dsn: str, tmp_path: Path) -> None:
    root = project(
        tmp_path,
        ADD_LOCALE,
    )
    result = cli("migrate", "up", "--dsn", dsn, "-C", str(root), "--json")
    assert result.returncode == 0, result.stderr
    assert [o["status"] for o in json.loads(result.stdout)["outcomes"]] == ["applied", "applied"]
    undone = cli("rollback", "--phase", "users", "--dsn", dsn, "-C", str(root), "--json")
    assert json.loads(undone.stdout)["rolled_back"] == ["0003_change", "0002_users"]
    unknown = cli("rollback", "--phase", "nope", "--dsn", dsn, "-C", str(root))
    assert unknown.returncode == 3 and "no phase named 'nope'" in unknown.stderr


def test_preserved_tables_must_keep_every_tenants_rows(session: Session, tmp_path: Path) -> None:
    root = project(
        tmp_path, "-- migrate:up\nUPDATE plans SET price = 59 WHERE name = 'Pro';\n-- migrate:down\nSELECT 1;\n"
    )
    (root / "tenantdb.toml").write_text(
        '[[phases]]\nname = "plans"\nmigrations = "0001-0002"\n\n'
        '[[phases]]\nname = "repricing"\nmigrations = ["0003"]\npreserve = ["plans", "users"]\n'
    )
    report = run(session, root)
    repricing = report.outcomes[1]
    assert (repricing.status, repricing.trigger) == (PhaseStatus.ROLLED_BACK, "violation")
    assert [(v.check, v.subject) for v in repricing.violations] == [("preserved-data", "plans")]


def test_adding_a_column_does_not_count_as_changing_preserved_rows(session: Session, tmp_path: Path) -> None:
    root = project(tmp_path, ADD_LOCALE)
    (root / "tenantdb.toml").write_text(
        '[[phases]]\nname = "schema"\nmigrations = "0001-0002"\n\n'
        '[[phases]]\nname = "locale"\nmigrations = ["0003"]\npreserve = ["users"]\n'
    )
    assert [o.status for o in run(session, root).outcomes] == [PhaseStatus.APPLIED, PhaseStatus.APPLIED]


ORPHANS = """-- migrate:up
CREATE TABLE seats (seat_id int PRIMARY KEY, user_id int NOT NULL);
INSERT INTO seats VALUES (1, 1), (2, 2);
-- migrate:down
DROP TABLE seats;
"""


def test_integrity_problems_already_there_do_not_fail_a_later_phase(session: Session, tmp_path: Path) -> None:
    """An orphan the database had before the phase is not the phase's fault; one the phase adds is."""
    session.execute("CREATE TABLE accounts (id int PRIMARY KEY)")
    session.execute("CREATE TABLE notes (note_id int PRIMARY KEY, account_id int)")
    session.execute("INSERT INTO notes VALUES (1, 42)")  # an orphan the phases did not make
    root = project(tmp_path, ORPHANS)
    before = verify(session, [], VerifySettings()).violations
    assert [(v.check, v.subject) for v in before] == [("orphaned-reference", "public.notes.account_id")]
    report = run(session, root)
    assert [o.status for o in report.outcomes] == [PhaseStatus.APPLIED, PhaseStatus.APPLIED]

    orphan = (
        "-- migrate:up\nINSERT INTO seats VALUES (3, 9999);\n-- migrate:down\nDELETE FROM seats WHERE seat_id = 3;\n"
    )
    write_files(tmp_path / "migrations", {"0004_orphan.sql": orphan})
    (tmp_path / "tenantdb.toml").write_text(
        (tmp_path / "tenantdb.toml").read_text() + '\n[[phases]]\nname = "seats"\nmigrations = ["0004"]\n'
    )
    report = run(session, root)
    seats = report.outcomes[-1]
    assert (seats.status, seats.trigger) == (PhaseStatus.ROLLED_BACK, "violation")
    assert [v.check for v in seats.violations] == ["orphaned-reference"]
    assert "seats.user_id" in seats.violations[0].subject
