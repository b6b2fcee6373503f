"""The runner's advisory lock: taken by polling ``pg_try_advisory_lock``, never by a blocking wait.

A blocking ``pg_advisory_lock`` in a second runner deadlocks with a ``CREATE INDEX CONCURRENTLY`` of the first
(the build waits for every transaction, including the waiter's). Polling with no transaction open avoids it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tenantdb.db.session import Session, runner_identity

RUNNER_LOCK_KEY = 0x74656E616E746462  # "tenantdb" in ASCII; advisory locks are per database already


@dataclass(frozen=True, slots=True, kw_only=True)
class LockHolder:
    """Who holds the runner lock, as far as pg_stat_activity tells."""

    pid: int
    application_name: str
    client: str | None
    since: datetime | None

    def describe(self) -> str:
        where = f" from {self.client}" if self.client else ""
        # a tenantdb runner's application_name already says since when it holds the lock
        told = " since " in self.application_name
        since = f" since {self.since:%Y-%m-%d %H:%M:%S %Z}" if self.since and not told else ""
        return f"{self.application_name or 'a session'} (backend pid {self.pid}{where}){since}"


def lock_holder(session: Session) -> LockHolder | None:
    row = session.fetch_one(
        "SELECT a.pid, a.application_name, a.client_addr::text, a.state_change"
        " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database"
        "  WHERE datname = current_database())"
        " AND ((l.classid::bigint << 32) | l.objid::bigint) = %s AND l.objsubid = 1",
        (RUNNER_LOCK_KEY,),
    )
    if row is None:
        return None
    pid, application_name, client, since = row
    return LockHolder(pid=pid, application_name=application_name, client=client, since=since)


def try_runner_lock(session: Session) -> bool:
    return bool(session.fetch_value("SELECT pg_try_advisory_lock(%s)", (RUNNER_LOCK_KEY,)))


def acquire_runner_lock(
    session: Session,
    *,
    wait: timedelta,
    poll: timedelta,
    on_wait: Callable[[LockHolder | None], None] | None = None,
) -> None:
    """Take the runner lock, polling until ``wait`` runs out; raise RunnerBusy naming the holder."""
    from tenantdb.errors import RunnerBusy

    deadline = time.monotonic() + wait.total_seconds()
    told = False
    while not try_runner_lock(session):
        holder = lock_holder(session)
        if not told and on_wait is not None:
            on_wait(holder)
            told = True
        if time.monotonic() >= deadline:
            who = holder.describe() if holder else "another session"
            raise RunnerBusy(
                f"another tenantdb runner is migrating this database: {who}",
                hint="wait for it to finish, or raise [runner] advisory_lock_wait",
            )
        time.sleep(poll.total_seconds())
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # the time first: PostgreSQL keeps 63 bytes of a name, and a long host name must not cut "since" off
    session.set_session("application_name", f"tenantdb runner since {stamp} {runner_identity()}"[:63])


def release_runner_lock(session: Session) -> None:
    if not session.closed:
        session.execute("SELECT pg_advisory_unlock(%s)", (RUNNER_LOCK_KEY,))
