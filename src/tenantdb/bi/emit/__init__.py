"""Business events from what tenantdb already knows (docs/business-metrics.md, "Events from the refresh"): what a
month's refresh records and emits, and the lifecycle of the cost optimizations it recommends (accepted, done,
dismissed), whose realized savings the following months measure."""

from tenantdb.bi.emit.lifecycle import (
    Optimization,
    OptimizationStatus,
    Transition,
    Transitioned,
    find_optimization,
    list_optimizations,
    transition,
)
from tenantdb.bi.emit.month import MonthEvents, emit_month

__all__ = [
    "MonthEvents",
    "Optimization",
    "OptimizationStatus",
    "Transition",
    "Transitioned",
    "emit_month",
    "find_optimization",
    "list_optimizations",
    "transition",
]
