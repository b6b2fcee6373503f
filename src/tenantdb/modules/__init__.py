"""Bundled, tested schema modules for a multi-tenant SaaS (package data: one folder per module)."""

from tenantdb.modules.catalog import (
    ModuleSpec,
    available_modules,
    iter_module_sets,
    module_migrations,
    resolve_modules,
    seed_script,
)

__all__ = ["ModuleSpec", "available_modules", "iter_module_sets", "module_migrations", "resolve_modules", "seed_script"]
