"""``tenantdb modules``: the bundled schema modules and whether they are applied."""

from __future__ import annotations

from dataclasses import dataclass

from tenantdb.config import Settings
from tenantdb.errors import ConfigError
from tenantdb.modules import (
    available_modules,
    module_migrations,
    resolve_modules,
)
from tenantdb.sql.describe import describe


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleInfo:
    name: str
    version: str
    description: str
    requires: tuple[str, ...]
    enabled: bool
    migrations: tuple[str, ...]
    tables: tuple[str, ...]


def modules_info(settings: Settings, name: str | None = None) -> list[ModuleInfo]:
    """The bundled modules (or one of them), with their migrations and tables."""
    modules = available_modules()
    if name is not None and name not in modules:
        raise ConfigError(f"unknown module {name!r}", hint=f"bundled modules: {', '.join(modules)}")
    enabled = {spec.name for spec in resolve_modules(settings.modules)} if settings.modules else set()
    result = []
    for spec in modules.values():
        if name is not None and spec.name != name:
            continue
        migrations = module_migrations(spec)
        tables = describe(statement for migration in migrations for statement in migration.up.statements)
        result.append(
            ModuleInfo(
                name=spec.name,
                version=spec.version,
                description=spec.description,
                requires=spec.requires,
                enabled=spec.name in enabled,
                migrations=tuple(m.label for m in migrations),
                tables=tuple(sorted(tables)),
            )
        )
    return result
