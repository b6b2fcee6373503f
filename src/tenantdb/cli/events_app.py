"""``tenantdb events``: the business-events outbox and its delivery to PostHog."""

from __future__ import annotations

from datetime import UTC, timedelta
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tenantdb.cli.options import DATABASE, Common, shared
from tenantdb.cli.progress import LineProgress
from tenantdb.cli.render import prose, stderr, stdout
from tenantdb.cli.report_format import show_table
from tenantdb.commands.events import (
    FlushReport,
    OutboxStatus,
    PartitionsReport,
    ReplayReport,
    events_flush,
    events_partitions,
    events_prune,
    events_replay,
    events_status,
)
from tenantdb.events.delivery import DEFAULT_BATCH_SIZE, BatchOutcome
from tenantdb.events.retention import PartitionFate, RetentionReport

events_app = typer.Typer(
    help="Business events in PostgreSQL (business_events) and their delivery to PostHog: status, flush, replay; "
    "monthly partitions and retention: partitions, prune. "
    "Setup and guarantees: docs/posthog.md.",
    no_args_is_help=True,
)


def _age(age: timedelta | None) -> str:
    if age is None:
        return "-"
    seconds = int(age.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def _posthog_line(configured: bool, host: str | None) -> str:
    if not configured:
        return "PostHog: not configured (no api_key): events stay in PostgreSQL"
    return f"PostHog: {escape(host or 'the client default (US cloud)')}"


def show_status(status: OutboxStatus) -> None:
    stdout.print(_posthog_line(status.posthog_configured, status.posthog_host))
    if not status.events:
        stdout.print(f"business_events of {escape(status.database)} is empty")
        return
    rows = [
        (
            escape(row.event),
            *(f"{count:,}" for count in (row.pending, row.due, row.leased, row.failing, row.delivered)),
            _age(row.oldest_pending_age),
        )
        for row in status.events
    ]
    headers = ("event", "pending", "due", "leased", "failing", "delivered", "oldest")
    widths = [max(len(header), *(len(row[position]) for row in rows)) for position, header in enumerate(headers)]
    if stdout.is_terminal and stdout.width < sum(widths) + 3 * len(widths) + 1:
        # too narrow for the table: one line per event, every number whole
        stdout.print(f"outbox of {escape(status.database)}")
        for cells in rows:
            stdout.print(f"{cells[0]}: " + ", ".join(f"{h} {c}" for h, c in zip(headers[1:], cells[1:], strict=True)))
    else:
        table = Table(title=f"outbox of {escape(status.database)}", title_justify="left")
        table.add_column("event", no_wrap=True)
        for header in headers[1:]:
            table.add_column(header, justify="right", no_wrap=True)
        for cells in rows:
            table.add_row(*cells)
        show_table(table)
    for row in status.events:
        if row.failing and row.last_error:
            retry = f", next retry {row.next_retry_at.astimezone(UTC):%H:%M:%S} UTC" if row.next_retry_at else ""
            stdout.print(
                f"[red]failing[/] {escape(row.event)}: {row.failing:,} event(s), up to {row.max_attempts} attempt(s)"
                f"{retry}; last error: {escape(row.last_error)}"
            )
    prose(
        f"{status.pending:,} pending ({status.due:,} due, {status.leased:,} leased, {status.failing:,} failing), "
        f"{status.delivered:,} delivered; oldest pending {_age(status.oldest_pending_age)}"
    )


@events_app.command("status")
@shared(*DATABASE)
def status(common: Common) -> None:
    """The outbox by event: pending, due, leased, failing (with the last error), delivered, the oldest pending
    event's age, and whether a PostHog key is configured."""
    common.run(
        lambda: events_status(common.settings()),
        show_status,
    )


class FlushProgress(LineProgress):
    """One line per batch on stderr."""

    def batch_done(self, outcome: BatchOutcome, delivered_so_far: int) -> None:
        failed = f", [red]{outcome.failed} failed[/] ({escape('; '.join(outcome.errors))})" if outcome.failed else ""
        unfinished = f", {outcome.unfinished} unconfirmed" if outcome.unfinished else ""
        self._say(
            f"batch {outcome.number}: {outcome.delivered} delivered{failed}{unfinished} "
            f"[dim]({delivered_so_far:,} so far)[/]"
        )


def show_flush(report: FlushReport) -> None:
    if report.run is None:
        stdout.print(
            f"PostHog is not configured: nothing was sent; {report.waiting:,} event(s) wait in business_events"
        )
        stdout.print(f"to deliver them, {escape(report.hint or '')}")
        return
    run = report.run
    if run.batches == 0:
        if report.waiting:
            stdout.print(f"nothing was due; {report.waiting:,} event(s) wait (backing off or leased by another flush)")
        else:
            stdout.print("nothing to deliver: every event has been delivered")
        return
    stdout.print(
        f"delivered {run.delivered:,} event(s) in {run.batches} batch(es) to {escape(report.posthog_host or 'PostHog')}"
        f" in {run.seconds:.1f} s" + (f", {run.failed:,} failed" if run.failed else "")
    )
    for error in run.errors:
        stdout.print(f"  [red]error:[/] {escape(error)}")
    if run.unfinished:
        stdout.print(f"{run.unfinished:,} sent but unconfirmed: sent again once their lease ends")
    if run.stopped:
        stdout.print(f"stopped: {escape(run.stopped)}")
    stdout.print(
        f"{report.waiting:,} event(s) still wait"
        + (" (failed ones back off; see `tenantdb events status`)" if report.waiting else "")
    )


@events_app.command("flush")
@shared(*DATABASE)
def flush(
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Events leased and sent per batch (one or more HTTP requests).")
    ] = DEFAULT_BATCH_SIZE,
    max_events: Annotated[
        int | None,
        typer.Option(
            "--max-events",
            help="Stop after taking this many events \\[default: until nothing is due].",
            show_default=False,
        ),
    ] = None,
    *,
    common: Common,
) -> None:
    """Deliver due business events to PostHog until nothing is due, then print a summary.

    Each batch is leased (so concurrent flushes share the work and never send an event twice while its lease
    holds), sent with the official posthog client, and marked delivered; a batch PostHog refuses backs off
    (1 s doubling to 1 h, jittered) and is retried by a later flush with the same uuid. Exits 0 when batches failed:
    they wait in the outbox. Key and host: TENANTDB_POSTHOG_API_KEY and TENANTDB_POSTHOG_HOST, or \\[posthog] in
    tenantdb.toml; without a key nothing is sent and the command says how many events wait. Run it from cron or a
    loop (docs/posthog.md).
    """

    def action() -> FlushReport:
        settings = common.settings()
        return events_flush(
            settings, batch_size=batch_size, max_events=max_events, observer=FlushProgress(stderr, quiet=common.as_json)
        )

    common.run(action, show_flush)


def show_replay(report: ReplayReport) -> None:
    scope = [f"occurred from {report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC"]
    if report.event:
        scope.append(f"event {escape(report.event)}")
    if report.tenant_slug:
        scope.append(f"tenant {escape(report.tenant_slug)}")
    stdout.print(f"{report.replayed:,} delivered event(s) are pending again ({', '.join(scope)})")
    if report.replayed:
        stdout.print("`tenantdb events flush` sends them again with the same uuid")


@events_app.command("replay")
@shared(*DATABASE)
def replay(
    since: Annotated[
        str, typer.Option("--since", help="First UTC day (2025-06-01) or timestamp (2025-06-01T12:00Z) of the events.")
    ],
    until: Annotated[
        str,
        typer.Option("--until", help="Last UTC day, included (2025-06-30), or a timestamp, excluded."),
    ],
    event: Annotated[str | None, typer.Option("--event", help="Only events of this name, e.g. revenue_impact.")] = None,
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="Only this tenant's events: its id, slug or name.")
    ] = None,
    *,
    common: Common,
) -> None:
    """Make delivered events pending again, to be sent again with the same uuid (after a PostHog project was reset
    or an export lost). PostHog keeps one copy of events it still has. Says how many."""
    common.run(
        lambda: events_replay(common.settings(), since=since, until=until, event=event, tenant=tenant),
        show_replay,
    )


def show_partitions(report: PartitionsReport) -> None:
    if report.created:
        stdout.print(f"created {report.created} monthly partition(s) in {escape(report.database)}")
    else:
        stdout.print(f"every month already has its partition in {escape(report.database)}")


@events_app.command("partitions")
@shared(*DATABASE)
def partitions(
    months_ahead: Annotated[
        int, typer.Option("--months-ahead", help="Months after the current one to create partitions for.")
    ] = 3,
    *,
    common: Common,
) -> None:
    """Create the monthly partitions of business_events, email_delivery_batches and email_delivery_daily: the
    current month, the next ones, and every month whose rows sit in a default partition (they move into it).
    Writers are not blocked; run it monthly (cron), before `events prune`."""
    common.run(
        lambda: events_partitions(common.settings(), months_ahead=months_ahead),
        show_partitions,
    )


_FATES = {
    PartitionFate.DROPPED: "dropped",
    PartitionFate.WOULD_DROP: "would drop",
    PartitionFate.KEPT_UNDELIVERED: "[yellow]kept[/]: undelivered events",
}


def show_prune(report: RetentionReport) -> None:
    if not report.partitions:
        stdout.print(f"no monthly partition is older than the {report.keep_months} month(s) kept")
        return
    table = Table(title=f"months before the {report.keep_months} kept", title_justify="left")
    for column in ("table", "month", "rows", "undelivered", "fate"):
        table.add_column(column, justify="right" if column in ("rows", "undelivered") else "left", no_wrap=True)
    for row in report.partitions:
        table.add_row(
            escape(row.table), f"{row.month:%Y-%m}", f"{row.rows:,}", f"{row.undelivered:,}", _FATES[row.fate]
        )
    show_table(table)
    if report.kept:
        stdout.print("kept months are dropped by a later prune once `tenantdb events flush` has delivered them")
    if report.dry_run:
        stdout.print("dry run: nothing was dropped")


@events_app.command("prune")
@shared(*DATABASE)
def prune(
    keep_months: Annotated[
        int, typer.Option("--keep-months", help="Whole months kept before the current one (13: a year and a month).")
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only say which months would be dropped.")] = False,
    *,
    common: Common,
) -> None:
    """Retention: drop the monthly partitions older than --keep-months (events, delivery batches, daily counts).
    A month of business_events that still holds events PostHog has not accepted is kept and listed: nothing is
    lost silently. Months still in a default partition are left alone (`events partitions` first)."""
    common.run(
        lambda: events_prune(common.settings(), keep_months=keep_months, dry_run=dry_run),
        show_prune,
    )
