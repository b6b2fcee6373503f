"""What a run tells on a log or a pipe: plain lines, written as they happen, names exactly as they are."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from tenantdb.cli.progress import ConsoleObserver
from tenantdb.migrations import Direction, load_migrations
from tests.helpers import write_files


@pytest.mark.parametrize("name", ["0001_add_[bold]tag", "0001_rates_[50%]", "0001_plain"])
def test_a_finished_migration_is_one_plain_line_with_its_name_as_written(tmp_path: Path, name: str) -> None:
    write_files(tmp_path, {f"{name}.sql": "-- migrate:up\nSELECT 1;\n"})
    migration = next(iter(load_migrations(tmp_path)))
    out = io.StringIO()
    observer = ConsoleObserver(Console(file=out, force_terminal=False))
    observer.migration_finished(migration, Direction.UP, 12)
    observer.migration_finished(migration, Direction.DOWN, 3)
    assert out.getvalue() == f"applied {name} (12 ms)\nrolled back {name} (3 ms)\n"


def test_quiet_says_nothing(tmp_path: Path) -> None:
    write_files(tmp_path, {"0001_x.sql": "-- migrate:up\nSELECT 1;\n"})
    migration = next(iter(load_migrations(tmp_path)))
    out = io.StringIO()
    ConsoleObserver(Console(file=out, force_terminal=False), quiet=True).migration_finished(migration, Direction.UP, 1)
    assert out.getvalue() == ""
