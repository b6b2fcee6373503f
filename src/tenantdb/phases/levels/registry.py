"""The registry of rollback levels: exactly one implementation per :class:`Level`, checked when it is built."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from tenantdb.errors import ConfigError
from tenantdb.phases.levels.data import DataLevel
from tenantdb.phases.levels.feature import FeatureLevel
from tenantdb.phases.levels.model import Level, RollbackLevel
from tenantdb.phases.levels.schema import SchemaLevel


def build(implementations: Iterable[RollbackLevel]) -> Mapping[Level, RollbackLevel]:
    """``{level: implementation}``; a level implemented twice, or not at all, is a bug caught at import."""
    registry: dict[Level, RollbackLevel] = {}
    for implementation in implementations:
        if implementation.level in registry:
            raise ValueError(f"rollback level {implementation.level} has two implementations")
        registry[implementation.level] = implementation
    missing = [level for level in Level if level not in registry]
    if missing:
        raise ValueError(f"rollback level(s) without an implementation: {', '.join(missing)}")
    return MappingProxyType({level: registry[level] for level in Level})


LEVELS = build((SchemaLevel(), DataLevel(), FeatureLevel()))


def level_named(name: str) -> Level:
    """The level called ``name``; an unknown name is refused with the valid ones."""
    try:
        return Level(name)
    except ValueError:
        raise ConfigError(f"unknown rollback level {name!r}", hint=f"levels: {', '.join(Level)}") from None


def implementation(level: Level | str) -> RollbackLevel:
    """The one implementation of ``level`` (a :class:`Level` or its name)."""
    return LEVELS[level_named(level)]
