"""Pure planning over a migration set and the applied ledger."""

from tenantdb.plan.planner import (
    MigrationState,
    Plan,
    StatusRow,
    Step,
    check_unchanged,
    plan_down,
    plan_up,
    status,
)

__all__ = ["MigrationState", "Plan", "StatusRow", "Step", "check_unchanged", "plan_down", "plan_up", "status"]
