"""Phases: migrations grouped with verification gates, applied and rolled back as one unit.

``run`` applies phases (:mod:`tenantdb.phases.run`), ``gates`` measures around them, ``lifecycle`` is the
started / completed / rolled-back state of a phase, after pgroll's, and ``levels`` holds the manual rollbacks
(``schema``, ``data``, ``feature``) behind one protocol. Their settings are ``[[phases]]`` in
:mod:`tenantdb.config`; their row-level SQL lives in ``tenantdb.db``.
"""

from tenantdb.phases.levels import Level, LevelOutcome, LevelRequest
from tenantdb.phases.lifecycle import Lifecycle, PhaseState
from tenantdb.phases.run import PhaseOutcome, PhasesReport, PhaseStatus, phase_members, phase_set, run_phases

__all__ = [
    "Level",
    "LevelOutcome",
    "LevelRequest",
    "Lifecycle",
    "PhaseOutcome",
    "PhaseState",
    "PhaseStatus",
    "PhasesReport",
    "phase_members",
    "phase_set",
    "run_phases",
]
