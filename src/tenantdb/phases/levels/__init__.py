"""Rollback levels of a phase: ``schema`` (downs), ``data`` (the phase's rows), ``feature`` (its flags).

Each level implements :class:`RollbackLevel` and is registered once in :data:`LEVELS`, keyed by :class:`Level`.
"""

from tenantdb.phases.levels.model import (
    DataRollbackReport,
    FeatureReport,
    FeatureTableChange,
    Level,
    LevelOutcome,
    LevelRequest,
    Restorable,
    RollbackLevel,
    TableDataRollback,
)
from tenantdb.phases.levels.registry import LEVELS, implementation, level_named

__all__ = [
    "LEVELS",
    "DataRollbackReport",
    "FeatureReport",
    "FeatureTableChange",
    "Level",
    "LevelOutcome",
    "LevelRequest",
    "Restorable",
    "RollbackLevel",
    "TableDataRollback",
    "implementation",
    "level_named",
]
