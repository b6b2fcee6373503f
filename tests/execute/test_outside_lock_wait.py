"""Statements run outside a transaction wait without a lock_timeout only when they lock in SHARE UPDATE EXCLUSIVE
(concurrent index work, VACUUM, DETACH … CONCURRENTLY): VACUUM FULL behind a long reader used to wait with no limit
while every query on the table queued behind it (found by `db maintain`'s author, 2026-12)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tenantdb.db import connect
from tenantdb.errors import LockTimeoutExhausted
from tenantdb.migrations import load_migrations
from tenantdb.sql import split_statements
from tenantdb.sql.locks import waits_only_for_snapshots
from tests.helpers import up, with_runner, write_files


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CREATE INDEX CONCURRENTLY i ON t (a)", True),
        ("DROP INDEX CONCURRENTLY i", True),
        ("REINDEX INDEX CONCURRENTLY i", True),
        ("VACUUM t", True),
        ("VACUUM (ANALYZE) t", True),
        ("VACUUM (FULL false) t", True),
        ("ALTER TABLE p DETACH PARTITION c CONCURRENTLY", True),
        ("VACUUM FULL t", False),
        ("VACUUM (FULL, ANALYZE) t", False),
        ("REINDEX TABLE t", False),
        ("CLUSTER t USING i", False),
        ("ALTER TABLE p DETACH PARTITION c", False),
        ("ALTER SYSTEM SET work_mem = '8MB'", False),
    ],
)
def test_which_statements_wait_only_for_snapshots(text: str, expected: bool) -> None:
    (statement,) = split_statements(text)
    assert waits_only_for_snapshots(statement) is expected


def test_vacuum_full_behind_a_reader_gives_up_instead_of_queueing_every_query(dsn: str, tmp_path: Path) -> None:
    write_files(tmp_path, {"0001_t.sql": "-- migrate:up\nCREATE TABLE t (a int);\n"})
    settings = with_runner(
        lock_retry_budget=timedelta(seconds=2),
        statement_timeout=timedelta(seconds=30),
        retry_max_delay=timedelta(milliseconds=200),
    )
    with connect(dsn) as session, connect(dsn) as reader:
        up(session, load_migrations(tmp_path), settings)
        reader.execute("BEGIN")
        reader.execute("SELECT * FROM t")  # ACCESS SHARE until the reader ends
        write_files(tmp_path, {"0002_full.sql": "-- migrate:up\nVACUUM FULL t;\n"})
        started = time.monotonic()
        threading.Timer(20, reader.rollback).start()  # without the fix the VACUUM FULL would wait this long
        with pytest.raises(LockTimeoutExhausted):
            up(session, load_migrations(tmp_path), settings)
        assert time.monotonic() - started < 15
        reader.rollback()
