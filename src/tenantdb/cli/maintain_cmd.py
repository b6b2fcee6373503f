"""``tenantdb db maintain``: VACUUM, ANALYZE and REINDEX CONCURRENTLY where the statistics call for them."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from tenantdb import commands
from tenantdb.cli.options import DATABASE, Common, shared
from tenantdb.cli.render import stderr, stdout
from tenantdb.commands.maintain import IndexSizes, MaintainReport, TableSizes, human_size


@shared(*DATABASE)
def maintain(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan (table, action, reason, sizes) and run nothing.")
    ] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Allow VACUUM FULL on tables past \\[maintain] full_dead_ratio; it blocks reads and writes "
            "of the table while it rewrites it.",
        ),
    ] = False,
    tables: Annotated[
        list[str] | None,
        typer.Option("--table", "-t", help="Only this table, as schema.table or table (repeatable)."),
    ] = None,
    *,
    common: Common,
) -> None:
    """VACUUM, ANALYZE and REINDEX INDEX CONCURRENTLY the tables and indexes of the connected database whose
    statistics call for it (thresholds in tenantdb.toml \\[maintain]), with the runner's lock timeouts; reports
    table and index sizes with their growth since the last run. Progress goes to stderr.

    Exit codes: 0 done, 8 a table's lock never came within \\[runner] lock_retry_budget, 1 a statement failed.
    """

    def progress(message: str) -> None:
        stderr.print(escape(message))

    def action() -> MaintainReport:
        report = commands.db_maintain(
            common.settings(), dry_run=dry_run, full=full, tables=tables or (), progress=progress
        )
        if report.dry_run:
            for warning in report.warnings:  # a real run says them before it starts
                stderr.print(f"[yellow]warning:[/] {escape(warning)}")
        return report

    common.run(action, show_maintain)


def show_maintain(report: MaintainReport) -> None:
    """The plan or what ran, then every table's sizes."""
    what = "maintenance plan (dry run: nothing ran)" if report.dry_run else "maintenance"
    stdout.print(f"[bold]{what}[/] of database {escape(report.database)}")
    if not report.actions:
        stdout.print("  nothing to do: every table's statistics are within the \\[maintain] thresholds")
    for action in report.actions:
        target = f"{action.schema}.{action.table}" + (f" index {action.index}" if action.index else "")
        took = f" in {action.seconds:.1f}s" if action.seconds is not None else ""
        stdout.print(f"  {escape(target)}: {action.kind.value}, {action.outcome.value}{took}: {escape(action.reason)}")
        stdout.print(f"    {escape(action.statement)}", style="dim")
        if action.error:
            stdout.print(f"    [red]{escape(action.error)}[/]")
    since = f"the last run, {report.previous_run_at:%Y-%m-%d %H:%M %Z}" if report.previous_run_at else "no earlier run"
    stdout.print(f"[bold]sizes[/] (growth since {since})")
    for table in report.tables:
        stdout.print(f"  {escape(table.schema)}.{escape(table.name)}: {_sizes(table)}, {_rows(table)}")
        for index in table.indexes:
            stdout.print(f"    index {escape(index.name)}: {_sizes(index)}{_bloat(index)}")


def _sizes(relation: TableSizes | IndexSizes) -> str:
    text = human_size(relation.bytes)
    if relation.growth_bytes is not None:
        sign = "+" if relation.growth_bytes >= 0 else "-"
        text += f" ({sign}{human_size(abs(relation.growth_bytes))})"
    if relation.bytes_after is not None and relation.bytes_after != relation.bytes:
        text += f", {human_size(relation.bytes_after)} after"
    return text


def _rows(table: TableSizes) -> str:
    analyzed = f"analyzed {table.last_analyze:%Y-%m-%d %H:%M}" if table.last_analyze else "never analyzed"
    return f"{table.live_rows} live and {table.dead_rows} dead rows, {analyzed}"


def _bloat(index: IndexSizes) -> str:
    if not index.valid:
        return ", INVALID"
    if index.bloat_ratio is None or index.bloat_bytes is None:
        return ""
    return f", estimated bloat {index.bloat_ratio:.0%} ({human_size(index.bloat_bytes)})"
