"""Pure planning over a migration set and the applied ledger."""

from tenantdb.plan.adoption import Adoption, choose_ledger, ledger_drift, plan_adoption
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

__all__ = [
    "Adoption",
    "MigrationState",
    "Plan",
    "StatusRow",
    "Step",
    "check_unchanged",
    "choose_ledger",
    "ledger_drift",
    "plan_adoption",
    "plan_down",
    "plan_up",
    "status",
]
