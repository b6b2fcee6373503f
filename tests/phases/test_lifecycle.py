"""A phase's lifecycle (pgroll's): pending -> blocked, or started -> completed | rolled back; the ends are final."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenantdb.db import Session
from tenantdb.phases import Lifecycle, PhaseState
from tenantdb.phases.lifecycle import NEXT, IllegalTransition
from tests.phases.test_phases import ADD_LOCALE, project, run

STEPS = {
    "block": PhaseState.BLOCKED,
    "start": PhaseState.STARTED,
    "complete": PhaseState.COMPLETED,
    "rollback": PhaseState.ROLLED_BACK,
}
ALLOWED = {
    (PhaseState.PENDING, "block"),
    (PhaseState.PENDING, "start"),
    (PhaseState.STARTED, "complete"),
    (PhaseState.STARTED, "rollback"),
}


@pytest.mark.parametrize("state", list(PhaseState))
@pytest.mark.parametrize("step", list(STEPS))
def test_every_step_from_every_state(state: PhaseState, step: str) -> None:
    life = Lifecycle("users", state)
    if (state, step) in ALLOWED:
        getattr(life, step)()
        assert life.state is STEPS[step]
    else:
        with pytest.raises(IllegalTransition, match=f"phase 'users' is {state}: it cannot become {STEPS[step]}"):
            getattr(life, step)()
        assert life.state is state


def test_the_ends_are_final_and_only_a_started_phase_rolls_back() -> None:
    assert {state for state, following in NEXT.items() if not following} == {
        PhaseState.BLOCKED,
        PhaseState.COMPLETED,
        PhaseState.ROLLED_BACK,
    }
    assert [state for state, following in NEXT.items() if PhaseState.ROLLED_BACK in following] == [PhaseState.STARTED]


FAILING = "-- migrate:up\nALTER TABLE users ADD COLUMN x int;\nSELECT 1 / 0;\n-- migrate:down\nSELECT 1;\n"
ORPHANING = "-- migrate:up\nUPDATE users SET plan_id = NULL WHERE user_id = 7;\n-- migrate:down\nSELECT 1;\n"
NO_PLAN = 'post_checks = ["SELECT user_id FROM users WHERE plan_id IS NULL"]\n'


@pytest.mark.parametrize(
    ("third", "phase_two", "state", "events"),
    [
        (ADD_LOCALE, "", PhaseState.COMPLETED, ["phase_start", "phase_applied"]),
        (FAILING, "", PhaseState.ROLLED_BACK, ["phase_start", "phase_rollback"]),
        (ORPHANING, NO_PLAN, PhaseState.ROLLED_BACK, ["phase_start", "phase_rollback"]),
        (ORPHANING, NO_PLAN + 'rollback_on = ["failure"]\n', PhaseState.COMPLETED, ["phase_start", "phase_problem"]),
        (ADD_LOCALE, 'pre_checks = ["SELECT name FROM plans"]\n', PhaseState.BLOCKED, ["phase_start", "phase_blocked"]),
    ],
    ids=["gates-pass", "failure", "violation", "kept", "blocked"],
)
def test_a_phase_ends_in_the_state_its_events_record(
    session: Session, tmp_path: Path, third: str, phase_two: str, state: PhaseState, events: list[str]
) -> None:
    report = run(session, project(tmp_path, third, phase_two))
    assert [o.state for o in report.outcomes] == [PhaseState.COMPLETED, state]
    recorded = session.fetch_all(
        "SELECT kind FROM tenantdb.events WHERE details->>'phase' = 'users' AND kind LIKE 'phase%' ORDER BY id"
    )
    assert [kind for (kind,) in recorded] == events


def test_a_dry_run_leaves_every_phase_pending(session: Session, tmp_path: Path) -> None:
    report = run(session, project(tmp_path, ADD_LOCALE), dry_run=True)
    assert [o.state for o in report.outcomes] == [PhaseState.PENDING, PhaseState.PENDING]
