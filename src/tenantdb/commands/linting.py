"""Use case of ``tenantdb lint`` (no database involved)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from tenantdb.commands.sources import load_sources
from tenantdb.config import CONFIG_FILE, LintProfile, Settings, load_settings
from tenantdb.errors import MigrationFileError
from tenantdb.lint import LintReport, lint_migrations
from tenantdb.migrations import (
    Migration,
    Script,
    build_script,
    load_migrations,
    load_plain_scripts,
    load_single_file,
)
from tenantdb.sql.tree import fast_trees


def lint(
    settings: Settings,
    paths: list[Path],
    pg_version: int,
    profile: LintProfile | None = None,
    *,
    jobs: int | None = None,
) -> LintReport:
    """Lint the given directories and files, or the project's migrations (``profile`` and ``jobs`` override the
    config's; ``jobs`` defaults to ``[lint] jobs``, else the number of CPUs)."""
    with fast_trees():  # one switch to pglast's fast node construction for every file
        targets = paths or [settings.migrations_dir]
        migrations: list[Migration] = []
        checks = [] if paths else _phase_checks(settings)
        for path in targets:
            if (path / CONFIG_FILE).is_file() or (path / "migrations").is_dir():
                project = load_settings(path)
                migrations.extend(m for source in load_sources(project) for m in source)
                checks.extend(_phase_checks(project))
            elif path.is_dir() and path != settings.migrations_dir:
                migrations.extend(_lintable_directory(path, settings))
            elif path.is_dir():
                migrations.extend(m for source in load_sources(settings) for m in source)
            else:
                migrations.append(load_single_file(path, settings.placeholders))
        options = settings.lint if profile is None else replace(settings.lint, profile=profile)
        return lint_migrations(
            migrations,
            pg_version=pg_version,
            archive=settings.runner.archive,
            online=settings.runner.online,
            lint=options,
            checks=checks,
            database=_configured_database(settings),
            jobs=jobs or settings.lint.jobs or os.cpu_count() or 1,
        )


def _configured_database(settings: Settings) -> str | None:
    """The database a configured DSN names (lint never starts a server to find out)."""
    if not settings.dsn:
        return None
    from tenantdb.db.connect import dsn_database  # only when a DSN is configured: lint need not load the driver

    return dsn_database(settings.dsn)


def _phase_checks(settings: Settings) -> list[Script]:
    """The phases' pre- and post-checks as scripts; an inline one keeps its line in tenantdb.toml."""
    config = settings.project_dir / CONFIG_FILE
    config_text = config.read_text(encoding="utf-8") if config.is_file() else ""
    scripts = []
    for phase in settings.phases:
        for check in (*phase.pre_checks, *phase.post_checks):
            if check.path is not None:
                scripts.append(build_script(check.path, check.sql))
            else:
                at = config_text.find(check.sql.strip())
                padding = "\n" * config_text.count("\n", 0, at) if at >= 0 else ""
                scripts.append(build_script(config, padding + check.sql))
    return scripts


def _lintable_directory(path: Path, settings: Settings) -> list[Migration]:
    """A migration directory in any layout, else a folder of plain SQL scripts read file by file in name order."""
    try:
        return list(load_migrations(path, layout="auto", placeholders=settings.placeholders))
    except MigrationFileError:
        plain = load_plain_scripts(path, settings.placeholders)  # a team's migration documents
        if plain is None:
            raise
        return plain
