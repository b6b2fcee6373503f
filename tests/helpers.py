"""Small helpers shared by the database tests."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from tenantdb.config import RunnerSettings, load_settings
from tenantdb.db import Session
from tenantdb.execute import RunRequest, RunResult, migrate
from tenantdb.migrations import Direction, MigrationSet, load_migrations

FAST = RunnerSettings(
    lock_timeout=timedelta(milliseconds=200),
    lock_retry_budget=timedelta(seconds=10),
    retry_base_delay=timedelta(milliseconds=50),
    retry_max_delay=timedelta(milliseconds=500),
    advisory_lock_wait=timedelta(seconds=30),
    advisory_lock_poll=timedelta(milliseconds=50),
)


def write_files(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return directory


def load(directory: Path) -> MigrationSet:
    """Load a directory with the placeholders of its own tenantdb.toml, if any."""
    return load_migrations(directory, placeholders=load_settings(directory).placeholders)


def up(session: Session, migrations: MigrationSet, settings: RunnerSettings = FAST, **options: object) -> RunResult:
    request = RunRequest(direction=Direction.UP, **options)  # type: ignore[arg-type]
    return migrate(session, migrations, settings, request)[1]


def down(session: Session, migrations: MigrationSet, settings: RunnerSettings = FAST, **options: object) -> RunResult:
    request = RunRequest(direction=Direction.DOWN, **options)  # type: ignore[arg-type]
    return migrate(session, migrations, settings, request)[1]


def everything_down(session: Session, migrations: MigrationSet) -> RunResult:
    return down(session, migrations, steps=max(1, len(migrations)))


def with_runner(**changes: object) -> RunnerSettings:
    return replace(FAST, **changes)  # type: ignore[arg-type]


def ledger_versions(session: Session) -> list[str]:
    rows = session.fetch_all("SELECT version FROM tenantdb.applied_migrations ORDER BY version")
    return [row[0] for row in rows]


def event_kinds(session: Session) -> list[str]:
    return [row[0] for row in session.fetch_all("SELECT kind FROM tenantdb.events ORDER BY id")]


def table_exists(session: Session, name: str) -> bool:
    return bool(session.fetch_value("SELECT to_regclass(%s) IS NOT NULL", (name,)))


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m tenantdb`` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "tenantdb", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )
