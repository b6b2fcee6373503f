"""The enums of the state tables' values hold exactly what the tables' CHECK constraints allow."""

from __future__ import annotations

import json

import pglast
import pytest

from tenantdb.db import ArchiveKind, EventKind, JournalState, Session, ensure_state, record_event

pytestmark = pytest.mark.usefixtures("pg_server")


def _allowed(session: Session, table: str, column: str) -> set[str]:
    """The string constants of the CHECK constraint on ``column`` of ``tenantdb.<table>``, read from the catalog."""
    rows = session.fetch_all(
        "SELECT pg_get_expr(c.conbin, c.conrelid) FROM pg_constraint c"
        " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
        " WHERE c.conrelid = %s::regclass AND c.contype = 'c' AND a.attname = %s",
        (f"tenantdb.{table}", column),
    )
    assert len(rows) == 1, f"expected one CHECK constraint on {table}.{column}, found {len(rows)}"
    tree = json.loads(pglast.parser.parse_sql_json(f"SELECT {rows[0][0]}"))
    return set(_strings(tree))


def _strings(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["sval"]["sval"]] if isinstance(node.get("sval"), dict) else []
        return found + [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def test_journal_states_are_what_the_journal_table_allows(session: Session) -> None:
    ensure_state(session)
    assert _allowed(session, "statement_journal", "state") == {state.value for state in JournalState}


def test_archive_kinds_are_what_the_archive_manifest_allows(session: Session) -> None:
    ensure_state(session)
    assert _allowed(session, "archive", "kind") == {kind.value for kind in ArchiveKind}


def test_only_table_and_column_archives_come_back_on_reapply() -> None:
    assert {kind for kind in ArchiveKind if kind.restored_on_reapply} == {ArchiveKind.TABLE, ArchiveKind.COLUMN}


def test_event_kinds_are_stored_as_their_strings(session: Session) -> None:
    ensure_state(session)
    record_event(session, EventKind.LOCK_RETRY, message="m")
    assert session.fetch_value("SELECT kind FROM tenantdb.events") == "lock_retry"
