"""Who is in the way of a lock: the other sessions holding locks on the relations a statement names.

Read right after a lock timeout (the request is gone by then, so ``pg_blocking_pids`` has nothing to say): the
holders' transaction age steers the next wait, and the give-up error names them. An autovacuum worker is a holder
PostgreSQL removes itself: it cancels the vacuum for a lock request that has waited ``deadlock_timeout``, unless
the vacuum prevents transaction-id wraparound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from tenantdb.db.session import Session

_QUERY_CHARS = 200


WRAPAROUND_MARKER = "(to prevent wraparound)"
"""How pg_stat_activity's query of an anti-wraparound autovacuum ends."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LockBlocker:
    """A session holding a lock on a relation the waiting statement needs."""

    pid: int
    application_name: str
    state: str | None  # pg_stat_activity.state: active, idle in transaction, ...
    transaction_age: timedelta  # how long its transaction has been open
    query: str  # its current or last statement, shortened
    relation: str
    mode: str
    cancelled_after: timedelta | None = None  # an autovacuum PostgreSQL cancels for a wait this long, else None

    @property
    def prevents_wraparound(self) -> bool:
        """An autovacuum that prevents transaction-id wraparound, which PostgreSQL never cancels (the marker
        :func:`lock_blockers` reads to leave its ``cancelled_after`` empty)."""
        return self.query.startswith("autovacuum:") and WRAPAROUND_MARKER in self.query

    def describe(self) -> str:
        who = f"{self.application_name}, " if self.application_name else ""
        state = self.state or "unknown state"
        age = self.transaction_age.total_seconds()
        described = (
            f"pid {self.pid} ({who}{state}, transaction open {age:.1f}s, holds {self.mode} on {self.relation}): "
            f"{self.query}"
        )
        if self.cancelled_after is not None:
            wait = self.cancelled_after.total_seconds()
            described += f" (PostgreSQL cancels this autovacuum for a lock wait of deadlock_timeout, {wait:g}s)"
        return described


def lock_blockers(session: Session, relations: Sequence[tuple[str | None, str]]) -> list[LockBlocker]:
    """Other sessions holding granted locks on these ``(schema or None, name)`` relations, oldest first."""
    if not relations:
        return []
    rows = session.fetch_all(
        "WITH wanted AS ("
        "  SELECT to_regclass(CASE WHEN s IS NULL THEN quote_ident(r) ELSE quote_ident(s) || '.' || quote_ident(r)"
        "   END) AS oid FROM unnest(%s::text[], %s::text[]) AS w (s, r))"
        " SELECT DISTINCT ON (a.pid) a.pid, coalesce(a.application_name, ''), a.state,"
        "  greatest(clock_timestamp() - coalesce(a.xact_start, a.query_start, clock_timestamp()), interval '0'),"
        "  left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), %s), l.relation::regclass::text, l.mode,"
        "  CASE WHEN a.backend_type = 'autovacuum worker' AND strpos(a.query, %s) = 0"
        "   THEN current_setting('deadlock_timeout')::interval END"
        " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()"
        "  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        "  AND l.relation IN (SELECT oid FROM wanted WHERE oid IS NOT NULL)"
        " ORDER BY a.pid, l.mode DESC",
        ([schema for schema, _ in relations], [name for _, name in relations], _QUERY_CHARS, WRAPAROUND_MARKER),
    )
    blockers = [
        LockBlocker(
            pid=pid,
            application_name=name,
            state=state,
            transaction_age=age,
            query=query,
            relation=rel,
            mode=mode,
            cancelled_after=cancelled_after,
        )
        for pid, name, state, age, query, rel, mode, cancelled_after in rows
    ]
    return sorted(blockers, key=lambda blocker: blocker.transaction_age, reverse=True)
