"""The demo's loop from recommendation to realized savings (``tenantdb seed``, ``tenantdb demo``): after the seeded
history is refreshed, a few of an early month's recommended actions are marked done during the following month (of
each kind, the one whose problem shrank the most since), the two largest others accepted and one dismissed, and the
months that began after them measure their realized savings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tenantdb.bi.emit.lifecycle import Transition, transition
from tenantdb.bi.emit.month import emit_month, emits
from tenantdb.bi.statements import statement
from tenantdb.db import Session

DONE = 3  # actions marked done: of each kind, the one whose problem shrank the most since
ACCEPTED = 2  # then the next largest, accepted
_STEP = timedelta(days=1)


def close_demo_actions(session: Session, months: list[date]) -> int:
    """In the caller's transaction, as the role that refreshes, after ``months`` (the seeded history, oldest first)
    were refreshed: close a few actions of the month two before the latest and measure the months after them; how
    many actions it closed (none when the history is shorter or some action was closed already)."""
    if len(months) < 3 or not emits(session):
        return 0
    if session.fetch_value("SELECT EXISTS (SELECT FROM cost_optimizations WHERE status <> 'recommended')"):
        return 0
    early, latest = months[-3], months[-1]
    candidates = session.fetch_all(statement("emit_demo_candidates"), {"month": early, "latest": latest})
    done: list[str] = []
    kinds: set[str] = set()
    by_saving = sorted(candidates, key=lambda row: (Decimal(row[3]) - Decimal(row[2]), str(row[0])))
    for optimization_id, kind, expected, worth in by_saving:  # the largest saving since first
        if len(done) < DONE and kind not in kinds and Decimal(worth) < Decimal(expected):
            done.append(str(optimization_id))
            kinds.add(kind)
    rest = [str(row[0]) for row in candidates if str(row[0]) not in done]
    pool = next((str(row[0]) for row in candidates if row[1] == "consolidate_idle_pool"), None)
    dismissed = [pool] if pool in rest else rest[ACCEPTED : ACCEPTED + 1]
    accepted = [o for o in rest if o not in dismissed][:ACCEPTED]
    following = early.replace(year=early.year + early.month // 12, month=early.month % 12 + 1)
    at = datetime(following.year, following.month, 2, 10, tzinfo=UTC)
    if at + 2 * _STEP > session.fetch_value("SELECT now()"):  # a history generated ahead of the clock
        return 0
    for step, (ids, change, note) in enumerate(
        (
            (accepted, Transition.ACCEPT, "demo: planned for next quarter"),
            (dismissed, Transition.DISMISS, "demo: capacity kept for the growth expected"),
            (done, Transition.DONE, "demo: done"),
        )
    ):
        for reference in ids:
            transition(session, reference, change, note=note, at=at + step * _STEP)
    for month in months:
        if month > following:  # began after them: measures what the done ones realized
            emit_month(session, month)
    return len(done) + len(accepted) + len(dismissed)
