"""Versions stay typed down to the database: the db functions the runner writes with take a ``Version`` and store
its text exactly as written in the file."""

from __future__ import annotations

import typing
from collections.abc import Callable

import pytest

from tenantdb.db import (
    JournalKey,
    JournalState,
    Session,
    ensure_state,
    journal_clear,
    journal_entries,
    journal_mark,
    journal_void,
    remove_applied,
)
from tenantdb.db.migration_writes import PendingWrite, record_writes, transaction_writes
from tenantdb.migrations import Version

WRITERS: tuple[Callable[..., object] | type, ...] = (
    JournalKey,
    PendingWrite,
    journal_clear,
    remove_applied,
    record_writes,
    transaction_writes,
)


@pytest.mark.parametrize("writer", WRITERS, ids=lambda writer: writer.__name__)
def test_the_runner_writes_versions_as_versions(writer: Callable[..., object] | type) -> None:
    assert typing.get_type_hints(writer)["version"] is Version


def test_journal_void_takes_versions() -> None:
    hint = typing.get_type_hints(journal_void)["versions"]
    assert typing.get_args(hint) == (Version,)


@pytest.mark.usefixtures("pg_server")
def test_a_version_is_stored_as_written_in_the_file(session: Session) -> None:
    ensure_state(session)
    key = JournalKey(source="project", version=Version.parse("0007"), direction="up")
    journal_mark(session, key, 0, "SELECT 1", JournalState.DONE)
    assert session.fetch_value("SELECT version FROM tenantdb.statement_journal") == "0007"
    assert journal_entries(session, key)[0].state is JournalState.DONE
    journal_void(session, "project", [Version.parse("0007")])
    assert journal_entries(session, key) == {}
    journal_mark(session, key, 0, "SELECT 1", JournalState.DONE)
    journal_clear(session, "project", Version.parse("0007"))
    assert journal_entries(session, key) == {}
