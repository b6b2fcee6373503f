"""Retention of the events log and the delivery counts: whole months dropped, never an undelivered event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tenantdb.db import Session
from tenantdb.events.ingest import statement


class PartitionFate(StrEnum):
    """What retention did with a month older than the months kept."""

    DROPPED = "dropped"
    WOULD_DROP = "would_drop"  # a dry run
    KEPT_UNDELIVERED = "kept_undelivered"  # business_events still holds events PostHog has not accepted


@dataclass(frozen=True, slots=True, kw_only=True)
class OldPartition:
    """A monthly partition of business_events, email_delivery_batches or email_delivery_daily past retention."""

    table: str
    partition: str
    month: date
    rows: int
    undelivered: int
    fate: PartitionFate


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionReport:
    """``prune``: every partition older than the months kept, and what became of it."""

    keep_months: int
    dry_run: bool
    partitions: tuple[OldPartition, ...]

    @property
    def dropped(self) -> tuple[OldPartition, ...]:
        return tuple(p for p in self.partitions if p.fate is PartitionFate.DROPPED)

    @property
    def kept(self) -> tuple[OldPartition, ...]:
        return tuple(p for p in self.partitions if p.fate is PartitionFate.KEPT_UNDELIVERED)


def prune(session: Session, keep_months: int, dry_run: bool = False) -> RetentionReport:
    """Drop the months before the current UTC month minus ``keep_months`` (``dry_run``: only say which).

    A business_events month with undelivered events is kept and reported (nothing is lost silently); months still
    in a default partition are left alone (tenantdb_events_create_partitions gives them partitions first). Needs
    db_administrators' rights (or the owner's).
    """
    rows = session.fetch_all(statement("drop_partitions"), {"keep_months": keep_months, "dry_run": dry_run})
    return RetentionReport(
        keep_months=keep_months,
        dry_run=dry_run,
        partitions=tuple(
            OldPartition(
                table=str(table),
                partition=str(partition),
                month=month,
                rows=int(count),
                undelivered=int(undelivered),
                fate=PartitionFate.DROPPED
                if dropped
                else PartitionFate.KEPT_UNDELIVERED
                if undelivered
                else PartitionFate.WOULD_DROP,
            )
            for table, partition, month, count, undelivered, dropped in rows
        ),
    )
