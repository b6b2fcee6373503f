"""When a session's commits wait for the disk: asynchronous commits during a migration run, one flush at its end.

PostgreSQL's ``synchronous_commit = off`` never makes the database inconsistent: a crash can lose only the newest
commits, each one whole, and WAL is written in order, so any later synchronous commit (ours at the end of the run,
or any other session's) makes every earlier one durable too.
"""

from __future__ import annotations

from tenantdb.db.session import Session


def defer_commits(session: Session) -> None:
    """From now on the session's commits do not wait for the disk (until :func:`flush_commits`)."""
    session.execute("SET synchronous_commit = off")


def flush_commits(session: Session) -> None:
    """Put the session's own setting back and wait until every earlier commit of the session is on disk (one round
    trip, outside any transaction).

    A commit waits for the disk only when its transaction wrote WAL (an xid alone writes none), so the flush
    records when it happened in ``tenantdb.state_info``; its synchronous commit covers all WAL written before it.
    """
    session.execute(
        "RESET synchronous_commit; BEGIN; INSERT INTO tenantdb.state_info (key, value) "
        "VALUES ('last_run_flushed_at', now()::text) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value; COMMIT"
    )
