"""A phase's lifecycle, after pgroll's: a phase is started, then either completed or rolled back.

``PENDING`` -> ``BLOCKED`` when a pre-check refuses (nothing changed), or -> ``STARTED`` once the phase begins to
change the database. A started phase ends ``COMPLETED`` (gates passed, or a trigger fired that the phase does not
roll back for) or ``ROLLED_BACK`` (its applied migrations' downs ran, newest first). Like an active pgroll
migration, only a started phase can be rolled back; the ends are final.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PhaseState(StrEnum):
    PENDING = "pending"
    BLOCKED = "blocked"
    STARTED = "started"
    COMPLETED = "completed"
    ROLLED_BACK = "rolled_back"


NEXT: dict[PhaseState, frozenset[PhaseState]] = {
    PhaseState.PENDING: frozenset({PhaseState.BLOCKED, PhaseState.STARTED}),
    PhaseState.STARTED: frozenset({PhaseState.COMPLETED, PhaseState.ROLLED_BACK}),
    PhaseState.BLOCKED: frozenset(),
    PhaseState.COMPLETED: frozenset(),
    PhaseState.ROLLED_BACK: frozenset(),
}


class IllegalTransition(RuntimeError):
    """A bug in tenantdb: the code asked a phase for a step its lifecycle does not allow."""


@dataclass(slots=True)
class Lifecycle:
    """Where one phase stands in this run; every step is checked against :data:`NEXT`."""

    phase: str
    state: PhaseState = PhaseState.PENDING

    def block(self) -> None:
        self._move(PhaseState.BLOCKED)

    def start(self) -> None:
        self._move(PhaseState.STARTED)

    def complete(self) -> None:
        self._move(PhaseState.COMPLETED)

    def rollback(self) -> None:
        self._move(PhaseState.ROLLED_BACK)

    def _move(self, to: PhaseState) -> None:
        if to not in NEXT[self.state]:
            allowed = ", ".join(NEXT[self.state]) or "nothing (final)"
            raise IllegalTransition(f"phase {self.phase!r} is {self.state}: it cannot become {to} (allowed: {allowed})")
        self.state = to
