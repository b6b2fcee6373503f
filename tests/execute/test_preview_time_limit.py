"""``tenantdb plan`` runs the pending statements on the live database, and each holds its locks until the preview
rolls back: a stand-in ``CREATE INDEX`` holds SHARE (no writes) for the whole build, a type change ACCESS EXCLUSIVE
for the whole rewrite. On a large table that was minutes of stall caused by a preview (up to the runner's
15-minute statement_timeout). A statement now runs at most ``--statement-timeout`` (5 s) in the preview; one that
takes longer is stopped, its locks released, and the preview ends there, saying so.
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

from tenantdb import commands
from tenantdb.config import load_settings
from tenantdb.db import Session
from tenantdb.execute.preview import PLAN_STATEMENT_TIMEOUT, StoppedAt, preview
from tenantdb.migrations import load_migrations
from tests.helpers import FAST, cli, write_files

FILES = {
    "0001_slow.sql": "-- migrate:up\nCREATE TABLE t (id int);\nSELECT pg_sleep(30);\nCREATE INDEX t_id ON t (id);\n",
    "0002_after.sql": "-- migrate:up\nCREATE TABLE u (id int);\n",
}


def test_the_default_limit_is_five_seconds() -> None:
    assert timedelta(seconds=5) == PLAN_STATEMENT_TIMEOUT


def test_a_slow_statement_is_stopped_and_the_preview_ends_there(session: Session, tmp_path: Path) -> None:
    directory = write_files(tmp_path, FILES)
    migrations = load_migrations(directory)
    started = time.monotonic()
    result = preview(session, migrations, FAST, statement_timeout=timedelta(milliseconds=300))
    assert time.monotonic() - started < 10
    first, second = result.migrations
    created, slow, index = first.statements
    assert created.error is None and not created.stopped
    assert slow.stopped and slow.error is None
    assert index.skipped and second.statements[0].skipped
    assert result.errors == 0 and result.stopped_at == StoppedAt(path=directory / "0001_slow.sql", line=3)
    assert session.fetch_value("SELECT to_regclass('t')") is None  # rolled back as always


def test_the_cli_says_where_it_stopped_and_how_to_allow_more(session: Session, dsn: str, tmp_path: Path) -> None:
    write_files(tmp_path / "migrations", FILES)
    done = cli("plan", "--dsn", dsn, "-C", str(tmp_path), "--statement-timeout", "300ms", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "stopped after 300 ms" in done.stdout and "--statement-timeout" in done.stdout
    # by its path as typed from here, not by its name alone (every diesel migration is an up.sql)
    assert "the preview stopped at migrations/0001_slow.sql:3" in " ".join(done.stdout.split())
    settings = load_settings(tmp_path).with_overrides(dsn=dsn)
    report = commands.plan(settings, statement_timeout=timedelta(milliseconds=300))
    assert report.ok and report.preview.stopped_at is not None and report.preview.stopped_at.line == 3
    as_json = cli("plan", "--dsn", dsn, "-C", str(tmp_path), "--statement-timeout", "300ms", "--json", cwd=tmp_path)
    stopped = json.loads(as_json.stdout)["preview"]["stopped_at"]
    assert stopped == {"path": str(tmp_path / "migrations" / "0001_slow.sql"), "line": 3}
