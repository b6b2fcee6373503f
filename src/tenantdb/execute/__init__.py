"""Executing plans: the runner, lock-timeout retries, the journal, and whole runs."""

from tenantdb.execute.baseline import BASELINE_EVENT, adoptable, baseline, foreign_drift, refuse_if_adoptable
from tenantdb.execute.engine import RunRequest, accept_changed, migrate, migrate_locked, runner_lock
from tenantdb.execute.observer import Observer, SilentObserver
from tenantdb.execute.retry import Backoff, LockRetry, LockWait, with_lock_retries
from tenantdb.execute.roundtrip import CatalogDifference, RoundTripReport, first_difference, round_trip
from tenantdb.execute.runner import Runner, RunResult, StepOutcome

__all__ = [
    "BASELINE_EVENT",
    "Backoff",
    "CatalogDifference",
    "LockRetry",
    "LockWait",
    "Observer",
    "RoundTripReport",
    "RunRequest",
    "RunResult",
    "Runner",
    "SilentObserver",
    "StepOutcome",
    "accept_changed",
    "adoptable",
    "baseline",
    "first_difference",
    "foreign_drift",
    "migrate",
    "migrate_locked",
    "refuse_if_adoptable",
    "round_trip",
    "runner_lock",
    "with_lock_retries",
]
