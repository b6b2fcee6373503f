"""A project's migration sources: the modules it enables and its own migrations (no database involved)."""

from __future__ import annotations

from tenantdb.config import Settings
from tenantdb.migrations import MigrationSet, load_project_migrations


def load_sources(settings: Settings, *, keep_broken: bool = False) -> list[MigrationSet]:
    """The enabled modules (requirements first), then the project's own migrations (``keep_broken``: see
    :func:`tenantdb.migrations.load_migrations`)."""
    sources: list[MigrationSet] = []
    if settings.modules:  # the modules' package and manifests load only for a project that enables some
        from tenantdb.modules import iter_module_sets

        sources.extend(iter_module_sets(settings.modules))
    if settings.migrations_dir.is_dir() or not sources:
        sources.append(load_project_migrations(settings, keep_broken=keep_broken))
    return sources
