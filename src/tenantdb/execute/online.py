"""Online rewrites that a resumed run reproduces exactly.

A rewrite names what it adds the way PostgreSQL would (``t_v_check``) and leaves a statement as written when that
name is already taken. An interrupted run leaves its own objects under those names — the ``NOT VALID`` constraint
whose ``VALIDATE`` was cut short — so the rerun would see the names taken, leave the statement as written, and add
a second constraint (``t_v_check1``) under an ACCESS EXCLUSIVE lock next to the one still NOT VALID. When a name
collision changes the rewrite of a journaled migration, the rewrite that matches the statements the journal says
already ran is the one to resume.

Only tables of ``[runner] online_min_size`` or more are rewritten: on a smaller one the statement as written holds
its lock for a build or scan of milliseconds, waits for it like any DDL (the adaptive lock wait), and stays atomic
with its migration, where ``CONCURRENTLY`` would wait for every older transaction in the database. A migration with
a journal (an interrupted statement-by-statement run) is rewritten whatever the size, so that it resumes as it was
split.
"""

from __future__ import annotations

from tenantdb.db import (
    JournalKey,
    JournalState,
    Session,
    journal_entries,
    journaled_table_size,
    name_taken,
    plain_table_size,
    statement_sha,
)
from tenantdb.sql import Rewrite, Statement, rewrite_statements

Rewritten = tuple[tuple[Statement, ...], tuple[Rewrite, ...]]


def resumable_rewrite(
    session: Session, key: JournalKey, statements: tuple[Statement, ...], min_size: int, *, journals: bool = True
) -> Rewritten:
    """The online rewrite of a script; on resume, the one whose finished statements the journal recorded.
    ``journals=False``: the database has no tenantdb state yet, so no journal to read (``tenantdb plan``)."""
    existing: dict[str, bool] = {}
    collided = False

    def is_existing(table: str) -> bool:
        if table not in existing:
            if journals:
                size, journaled = journaled_table_size(session, table, key)
            else:
                size, journaled = plain_table_size(session, table), False
            existing[table] = rewrites_online(size, min_size, journaled=journaled)
        return existing[table]

    def taken(table: str, name: str) -> bool:
        nonlocal collided
        found = name_taken(session, table, name)
        collided = collided or found
        return found

    rewritten = rewrite_statements(statements, is_existing, taken)
    if not collided or not journals:
        return rewritten
    done = {
        index: entry.statement_sha
        for index, entry in journal_entries(session, key).items()
        if entry.state is JournalState.DONE
    }
    if not done or _ran(rewritten[0], done):
        return rewritten
    as_before = rewrite_statements(statements, is_existing, lambda _table, _name: False)
    return as_before if _ran(as_before[0], done) else rewritten


def _ran(statements: tuple[Statement, ...], done: dict[int, str]) -> bool:
    """Whether the journal's finished statements are these statements, at these positions."""
    return all(index < len(statements) and statement_sha(statements[index].text) == sha for index, sha in done.items())


def rewrites_online(size: int | None, min_size: int, *, journaled: bool = False) -> bool:
    """Whether a statement on a table of ``size`` bytes (None: no ordinary table) is rewritten online."""
    return size is not None and (journaled or size >= min_size)
