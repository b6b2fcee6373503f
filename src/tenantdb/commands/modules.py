"""``tenantdb modules``: the bundled schema modules and whether they are applied."""

from __future__ import annotations

from dataclasses import dataclass

from tenantdb.commands.connection import open_session
from tenantdb.config import Settings
from tenantdb.db import applied_migrations
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
    """Listed (or required by one listed) in ``modules = [...]`` of the project's tenantdb.toml."""
    migrations: tuple[str, ...]
    tables: tuple[str, ...]
    applied: int | None = None
    """How many of its migrations the configured database's ledger holds; None without a configured database."""
    database: str | None = None
    """The database ``applied`` was read from."""


def modules_info(settings: Settings, name: str | None = None) -> list[ModuleInfo]:
    """The bundled modules (or one of them), with their migrations and tables."""
    modules = available_modules()
    if name is not None and name not in modules:
        raise ConfigError(f"unknown module {name!r}", hint=f"bundled modules: {', '.join(modules)}")
    enabled = {spec.name for spec in resolve_modules(settings.modules)} if settings.modules else set()
    applied: dict[str, int] | None = None
    database = None
    if settings.dsn:  # a configured database (the demo's TENANTDB_DSN); never starts the embedded server for a listing
        with open_session(settings, "modules") as session:
            database = session.database
            applied = {}
            for row in applied_migrations(session):
                applied[row.source] = applied.get(row.source, 0) + 1
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
                applied=None if applied is None else applied.get(spec.name, 0),
                database=database,
            )
        )
    return result
