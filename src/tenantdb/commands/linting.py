"""Use case of ``tenantdb lint``, and loading a project's migration sources (no database involved)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tenantdb.config import CONFIG_FILE, LintProfile, Settings, load_settings
from tenantdb.lint import LintReport, lint_migrations
from tenantdb.migrations import (
    Migration,
    MigrationSet,
    load_migrations,
    load_project_migrations,
    load_single_file,
)
from tenantdb.modules import iter_module_sets
from tenantdb.sql.tree import fast_trees


def load_sources(settings: Settings) -> list[MigrationSet]:
    """The enabled modules (requirements first), then the project's own migrations."""
    sources = list(iter_module_sets(settings.modules))
    if settings.migrations_dir.is_dir() or not sources:
        sources.append(load_project_migrations(settings))
    return sources


def lint(settings: Settings, paths: list[Path], pg_version: int, profile: LintProfile | None = None) -> LintReport:
    """Lint the given directories and files, or the project's migrations (``profile`` overrides the config's)."""
    with fast_trees():  # one switch to pglast's fast node construction for every file
        targets = paths or [settings.migrations_dir]
        migrations: list[Migration] = []
        for path in targets:
            if (path / CONFIG_FILE).is_file() or (path / "migrations").is_dir():
                migrations.extend(m for source in load_sources(load_settings(path)) for m in source)
            elif path.is_dir():
                migrations.extend(
                    load_migrations(path, layout="auto", placeholders=settings.placeholders)
                    if path != settings.migrations_dir
                    else [m for source in load_sources(settings) for m in source]
                )
            else:
                migrations.append(load_single_file(path, settings.placeholders))
        options = settings.lint if profile is None else replace(settings.lint, profile=profile)
        return lint_migrations(
            migrations,
            pg_version=pg_version,
            archive=settings.runner.archive,
            online=settings.runner.online,
            lint=options,
        )
