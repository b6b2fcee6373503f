"""Human-readable renderings of the use cases' reports (rich tables on stdout)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from tenantdb.cli.paths import shown_path
from tenantdb.cli.render import print_table, prose, stderr, stdout

if TYPE_CHECKING:  # the reports' types only: rendering one loads nothing of the other commands
    from tenantdb.commands import (
        ArchiveView,
        BaselineReport,
        DemoReport,
        HistoryReport,
        ModuleInfo,
        PlanReport,
        RollbackReport,
        RunReport,
        SeedReport,
        StatusReport,
    )
    from tenantdb.db import ArchiveEntry, EmbeddedStatus, StoppedServer
    from tenantdb.execute import RoundTripReport
    from tenantdb.execute.preview import StatementPreview
    from tenantdb.phases import PhasesReport
    from tenantdb.verify import VerifyReport

_STATE_STYLE = {
    "applied": "green",
    "pending": "yellow",
    "interrupted": "bold yellow",
    "changed": "bold red",
    "missing": "magenta",
}


_NEEDS_ATTENTION = {
    "changed": "the file was edited after it was applied (restore it, or accept the edit with "
    "`migrate up --allow-changed`)",
    "missing": "applied, but its file is gone (restore it from version control)",
    "interrupted": "a statement-by-statement run stopped part way (`migrate up` resumes it)",
}
"""States that need someone's attention: counted below the status table and named one by one."""


def show_status(report: StatusReport) -> None:
    where = f"{report.directory} ({report.layout})" if report.layout != "none" else "enabled modules"
    if not report.rows:
        prose(f"no migrations found in {escape(str(report.directory))} on {report.database}")
        return
    table = Table(title=f"{escape(where)} on {report.database}", title_justify="left")
    several = any(row.source != "project" for row in report.rows)
    for column in (["source"] if several else []) + ["version", "name", "state", "applied at", "by"]:
        table.add_column(column)
    for row in report.rows:
        style = _STATE_STYLE[row.state]
        applied = row.applied
        state = row.state if row.statements_done is None else f"{row.state} after {row.statements_done} statements"
        table.add_row(
            *([row.source] if several else []),
            row.version,
            escape(row.name),
            f"[{style}]{state}[/]" + (", [bold red]file broken[/]" if row.broken else ""),
            f"{applied.finished_at:%Y-%m-%d %H:%M:%S}" if applied else "",
            escape(f"{applied.applied_by}@{applied.host}") if applied else "",
        )
    print_table(table)
    broken = [row.broken for row in report.rows if row.broken]
    unsettled = {state: [row for row in report.rows if row.state == state] for state in _NEEDS_ATTENTION}
    counts = [f"{len(rows)} {state}" for state, rows in unsettled.items() if rows]
    stdout.print(
        f"{len(report.rows)} migrations, {report.pending} pending"
        + "".join(f", {count}" for count in counts)
        + (f", {len(broken)} broken" if broken else "")
    )
    for state, rows in unsettled.items():
        for row in rows:
            name = f"{row.version}_{row.name}" if row.name else row.version
            where = "" if row.source == "project" else f"{row.source} "
            prose(f"[{_STATE_STYLE[state]}]{state}:[/] {escape(where + name)}: {_NEEDS_ATTENTION[state]}")
    for file in broken:
        where = f"{shown_path(file.path)}:{file.line}" if file.line is not None else shown_path(file.path)
        prose(f"[bold red]broken:[/] {escape(where)}: {escape(file.reason)} (up refuses to run until it is fixed)")
    for adoption in report.adoptable:
        stdout.print(f"[bold yellow]adoptable:[/] {escape(adoption.message)}")
    for drift in report.foreign_drift:
        stdout.print(f"[bold yellow]out of step:[/] {escape(drift)}")


def show_baseline(report: BaselineReport) -> None:
    adoption = report.adoption
    for problem in adoption.problems:
        stdout.print(f"[yellow]note:[/] {escape(problem)} (accepted: --to {escape(adoption.to or '')})")
    verb = "would mark" if report.dry_run else "marked"
    origin = f" from the {escape(adoption.ledger.describe())}" if adoption.ledger else ""
    stdout.print(f"{verb} {len(adoption.versions)} migration(s) applied on {report.database}{origin}")
    for version in adoption.versions:
        stdout.print(f"  {escape(version)}")
    if adoption.already_recorded:
        stdout.print(f"already recorded: {escape(', '.join(adoption.already_recorded))}")


def show_run(report: RunReport) -> None:
    if report.no_migrations_in is not None:
        prose(
            f"no migrations found in {escape(str(report.no_migrations_in))}: nothing to apply on {report.database} "
            "(create one with `tenantdb new NAME`, or enable modules in tenantdb.toml)"
        )
        return
    for label in report.empty:
        stderr.print(f"[yellow]warning:[/] {escape(label)}: its up section has no statement (an unfilled template?)")
    verb = "would apply" if report.direction == "up" else "would roll back"
    if report.dry_run:
        if not report.planned:
            stdout.print("nothing to do")
        for label in report.planned:
            stdout.print(f"{verb} {escape(label)}")
        return
    forgotten = [step for step in report.steps if step.ledger_only]
    if forgotten and len(forgotten) == len(report.steps):
        stdout.print(
            f"removed {len(forgotten)} migration(s) from the ledger of {report.database} (--ledger-only): "
            "the schema was not changed"
        )
        return
    done = "applied" if report.direction == "up" else "rolled back"
    total_ms = sum(step.duration_ms for step in report.steps)
    retries = sum(step.lock_retries for step in report.steps)
    resumed = [step for step in report.steps if step.resumed_at is not None]
    summary = f"{done} {len(report.steps)} migration(s) on {report.database} in {total_ms} ms"
    if retries:
        summary += f", {retries} lock retr{'y' if retries == 1 else 'ies'}"
    if resumed:
        summary += f", resumed {len(resumed)} interrupted"
    stdout.print(summary)


def show_runs(reports: list[RunReport]) -> None:
    for report in reports:
        show_run(report)


def show_history(report: HistoryReport) -> None:
    table = Table(title="applied migrations", title_justify="left")
    for column in ("source", "version", "name", "finished", "ms", "statements", "by"):
        table.add_column(column)
    for row in report.applied:
        table.add_row(
            row.source,
            row.version,
            escape(row.name),
            f"{row.finished_at:%Y-%m-%d %H:%M:%S}",
            str(row.duration_ms),
            f"{row.statements_done}/{row.statements_total}",
            escape(f"{row.applied_by}@{row.host}"),
        )
    print_table(table)
    events = Table(title="recent events", title_justify="left")
    for column in ("at", "kind", "version", "message"):
        events.add_column(column)
    for event in report.events:
        events.add_row(f"{event.at:%Y-%m-%d %H:%M:%S}", event.kind, event.version or "", escape(event.message or ""))
    print_table(events)


def show_verify(report: VerifyReport) -> None:
    for violation in report.violations:
        where = f"{violation.subject}" + (f" line {violation.line}" if violation.line else "")
        stdout.print(f"[red]{violation.check}[/] {escape(where)}: {escape(violation.message)}")
    verdict = "[green]ok[/]" if report.ok else f"[red]{len(report.violations)} violation(s)[/]"
    queries = f"{report.queries_run} verify quer{'y' if report.queries_run == 1 else 'ies'}"
    blocks = f" of {report.migrations_checked} migration(s)" if report.migrations_checked else ""
    stdout.print(
        f"verified {report.applied} applied migration(s): {queries}{blocks}, {report.ledger_objects} object(s) the "
        f"ledger says exist, INVALID indexes, NOT VALID constraints"
        + (f", {report.references_checked} unenforced reference(s)" if report.references_checked else "")
        + f": {verdict}"
    )


def show_round_trip(report: RoundTripReport) -> None:
    if report.irreversible:
        shown = "; ".join(report.irreversible[:5]) + (
            f"; and {len(report.irreversible) - 5} more" if len(report.irreversible) > 5 else ""
        )
        stdout.print(
            f"[yellow]note[/]: {len(report.irreversible)} migration(s) cannot be rolled back, so the round trip covers "
            f"the {report.rolled_back if report.rolled_back is not None else 'newer'} above the newest of them: "
            f"{escape(shown)}"
        )
    for leftover in report.left_by_downs:
        stdout.print("[yellow]note[/]: the project's down migrations do not undo everything (not an error):")
        stdout.print(escape(leftover.describe()))
    if report.volatile:
        shown = ", ".join(report.volatile[:8]) + (", ..." if len(report.volatile) > 8 else "")
        stdout.print(f"[yellow]note[/]: generated values differ between applies (expected): {escape(shown)}")
    for failure in report.down_failures:
        stdout.print(f"[red]the project's down fails[/]: {escape(failure)}")
    if report.ok:
        end = "an empty catalog" if not report.left_by_downs else "the state the downs leave"
        if report.irreversible:
            end = "the newest migration without a down"
        stdout.print(
            f"[green]round trip ok[/]: {report.migrations} migrations applied, rolled back to {end}, "
            f"and re-applied identically ({report.objects} catalog entries and {report.tables} tables' rows compared)"
        )
        return
    if report.down_failures and report.difference is None and not report.data_differences:
        stdout.print(
            f"[red]round trip failed[/]: above the failing down(s), {report.rolled_back} migration(s) were rolled "
            "back and re-applied identically"
        )
        return
    stdout.print("[red]round trip failed[/]")
    if report.difference is not None:
        stdout.print(escape(report.difference.describe()))
    for difference in report.data_differences:
        stdout.print(f"data differs: {escape(difference.describe())}")
    if report.reapply_failure is not None:
        stdout.print(f"applying again failed: {escape(report.reapply_failure)}")


def show_created(paths: list[Path]) -> None:
    for path in paths:
        stdout.print(f"created {escape(str(path))}")


def show_db_status(status: EmbeddedStatus) -> None:
    state = "running" if status.running else ("stopped" if status.initialized else "not initialized")
    stdout.print(f"embedded PostgreSQL {status.version or ''} in {escape(str(status.data_dir))}: {state}")
    if status.url:
        stdout.print(f"url: {escape(status.url)}")
    if status.binaries is not None:
        stdout.print(
            f"binaries: PostgreSQL {status.server_version} from {status.source} ({escape(str(status.binaries))})"
        )
        stdout.print(f"extensions: {', '.join(status.extensions) or 'none'}")
        if status.missing_extensions:
            stdout.print(
                f"[yellow]missing[/]: {', '.join(status.missing_extensions)} "
                "(set TENANTDB_PG_BIN or \\[database] pg_bin to a PostgreSQL that has them, or pass --dsn)"
            )
    if status.problem:
        stdout.print(f"[red]problem[/]: {escape(status.problem)}")


def show_stopped_servers(servers: tuple[StoppedServer, ...]) -> None:
    if not servers:
        stdout.print("no embedded servers were started by this user")
        return
    for server in servers:
        state = f"stopped (pid {server.pid})" if server.stopped else "not running"
        stdout.print(f"{escape(str(server.data_dir))}: {state}")


def show_demo(report: DemoReport) -> None:
    """The executive summary of the demo month, then what to try next."""
    from tenantdb.cli.report_views import show_executive

    if not report.verify.ok:
        show_verify(report.verify)
    if report.executive is not None:
        show_executive(report.executive)
    else:
        stdout.print(
            f"[yellow]no rollups for {report.month:%Y-%m}: the executive summary needs `tenantdb bi refresh`[/]"
        )
    slug = report.executive.tenants[0].slug if report.executive and report.executive.tenants else "SLUG"
    stdout.print(
        f"\ndemo database built in {report.seconds:.1f} s: {len(report.modules)} modules, "
        f"{report.migrations_applied} migrations verified, {report.seed.tenants:,} tenants\n"
        f"{_project_note(report)}"
        "  tenantdb report cost-optimization          # savings in dollars: idle capacity, unprofitable tenants\n"
        "  tenantdb report deliverability --csv       # rates against the SES and Gmail limits, as CSV\n"
        f"  tenantdb report plans --month {report.month:%Y-%m}      # plan profitability and the spread of margins\n"
        f"  tenantdb report explain --tenant {slug:<16} # every allocation line of one tenant's cost\n"
        f"  tenantdb report executive --tenant {slug:<14} # one customer's KPIs against the plan's targets\n"
        "  tenantdb report executive --json           # the report model, as the HTTP API would serve it\n"
        "  tenantdb bi refresh                        # recompute the months whose data changed\n"
        "  tenantdb actions list --status recommended # the cost optimizations to take; `actions done ID` records one\n"
        "  tenantdb events status                     # business events waiting for PostHog (docs/posthog.md)\n"
        "  tenantdb modules list                      # the schema modules the demo applied\n"
        '  psql "$TENANTDB_DSN"                       # views executive_business_summary, business_cost_allocation, '
        "deliverability_business_impact\n"
        "Open the dashboard (same TENANTDB_DSN):\n"
        "  tenantdb tokens create --scope executive   # prints a token once: copy it\n"
        "  tenantdb serve                             # then open http://127.0.0.1:8000/ and paste the token",
        markup=False,
    )


def _project_note(report: DemoReport) -> str:
    """Where the next commands find the demo database."""
    from tenantdb.commands import ProjectFile  # the demo's own module, loaded already when it reports

    url = report.database_url
    if report.project.file is ProjectFile.WRITTEN:
        return (
            f"wrote {report.project.path}: commands run in {report.project.path.parent} use the demo database\n"
            f"(from another directory: export TENANTDB_DSN='{url}')\nTry next:\n"
        )
    if report.project.file is ProjectFile.KEPT:
        return (
            f"left {report.project.path} as it was; to use the demo database:\n"
            f"  export TENANTDB_DSN='{url}'\nTry next:\n"
        )
    return f"Try next (every command reads TENANTDB_DSN):\n  export TENANTDB_DSN='{url}'\n"


_STRONG = {"AccessExclusiveLock", "ExclusiveLock", "ShareRowExclusiveLock", "ShareLock"}


def _size(size: tuple[int, int | None], unanalyzed: bool) -> str:
    number, unit = float(size[0]), "B"
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if number < 1024 or unit == "TB":
            break
        number /= 1024
    if size[1] is None:
        return f"{number:.0f} {unit}, rows unknown (statistics missing: never analyzed)"
    rows = f"~{size[1]:,} rows"
    return (
        f"{number:.0f} {unit}, {rows} (estimated from its pages: never analyzed)"
        if unanalyzed
        else f"{number:.0f} {unit}, {rows}"
    )


def _duration(value: timedelta) -> str:
    milliseconds = round(value.total_seconds() * 1000)
    return f"{milliseconds} ms" if milliseconds < 1000 else f"{milliseconds / 1000:g} s"


MANY_ROWS = 10_000
"""Rows changed in one transaction from which plan shows the count as a hazard (each stays locked until commit)."""


def show_plan(report: PlanReport) -> None:
    preview = report.preview
    if not preview.migrations:
        stdout.print(f"nothing pending on {preview.database}")
    for migration in preview.migrations:
        table = Table(
            title=f"{migration.version} {escape(migration.name)} ({migration.path.name})", title_justify="left"
        )
        table.add_column("line", justify="right")
        for column in ("statement", "locks", "effect"):
            table.add_column(column, overflow="fold")
        for statement in migration.statements:
            locks = [
                f"[{'red' if lock.mode in _STRONG and not lock.new_relation else 'green'}]{escape(lock.relation)}: "
                f"{lock.mode}{' (documented)' if lock.documented else ''}[/]"
                for lock in statement.locks
                if not lock.new_relation or lock.mode != "AccessExclusiveLock"
            ]
            effects = _statement_effects(statement, preview.statement_timeout)
            text = statement.statement if len(statement.statement) < 90 else statement.statement[:87] + "..."
            table.add_row(str(statement.line), escape(text), "\n".join(locks), "\n".join(effects))
        print_table(table)
        for rewrite in migration.rewrites:
            stdout.print(f"  [cyan]online rewrite[/] {escape(rewrite)}")
    for finding in report.findings:
        style = {"error": "bold red", "warning": "yellow"}.get(finding.severity, "cyan")
        where = f"{shown_path(finding.path)}:{finding.line}"
        prose(f"[{style}]{finding.severity}[/] {escape(where)} [bold]{finding.rule}[/]: {escape(finding.message)}")
    if preview.stopped_at is not None:
        stopped = f"{shown_path(preview.stopped_at.path)}:{preview.stopped_at.line}"
        prose(
            f"[yellow]the preview stopped at {escape(stopped)}[/]: that statement was stopped after "
            f"{_duration(preview.statement_timeout)} (its locks released) and the statements after it were not "
            "previewed, since each statement holds its locks on the live tables until the preview ends. Raise "
            "--statement-timeout (0: no limit) to preview further, at a quiet time."
        )
    verdict = "[green]ok[/]" if report.ok else "[red]problems found[/]"
    prose(
        f"{len(preview.migrations)} pending migration(s), {preview.errors} failing statement(s), "
        f"{len(report.findings)} lint finding(s) on PostgreSQL {report.server_version // 10000}: {verdict}"
    )


def _statement_effects(statement: StatementPreview, timeout: timedelta) -> list[str]:
    """What one previewed statement did, as the plan table's effect lines."""
    effects = [f"[red]rewrites {escape(name)}[/]" for name in statement.rewritten]
    effects += [f"[yellow]scans {escape(name)}[/]" for name in statement.scanned]
    effects += [
        f"{escape(name)}: {_size(size, name in statement.unanalyzed)}" for name, size in sorted(statement.sizes.items())
    ]
    effects += [
        f"[{'red' if hazard.blocks_writes else 'yellow'}]{escape(hazard.describe())}[/]"
        for hazard in statement.if_existing
    ]
    if statement.rows_changed:
        style = "yellow" if statement.rows_changed >= MANY_ROWS else "default"
        plural = "row" if statement.rows_changed == 1 else "rows"
        effects.append(
            f"[{style}]changes {statement.rows_changed:,} {plural}, each locked until the migration commits[/]"
        )
    if statement.outside_transaction:
        effects.append("runs outside a transaction")
    if statement.stopped:
        stopped = f"stopped after {_duration(timeout)}"
        if statement.changes_rows:
            stopped += (
                ": it locks every row it changes until the migration commits (writers of those rows wait); "
                "on a large table, change them in batches of their own transactions"
            )
        effects.append(f"[yellow]{stopped}[/]")
    if statement.skipped:
        effects.append("[dim]not previewed: a statement before it was stopped[/]")
    if statement.done_before:
        effects.append("[dim]done by the interrupted run: the rerun resumes after it[/]")
    effects += [f"[cyan]{escape(repair)}[/]" for repair in statement.repairs]
    if statement.error:
        effects.append(f"[bold red]ERROR {statement.sqlstate}: {escape(statement.error)}[/]")
    return effects


def _archive_state(entry: ArchiveEntry) -> str:
    if entry.purged_at:
        return f"purged {entry.purged_at:%Y-%m-%d}"
    if entry.restored_at:
        return f"restored {entry.restored_at:%Y-%m-%d %H:%M}"
    return "[yellow]kept[/]"


def show_archive_list(entries: list[ArchiveEntry]) -> None:
    if not entries:
        stdout.print("nothing archived")
        return
    table = Table(title="archived data", title_justify="left")
    for column in ("id", "migration", "kind", "object", "rows", "archived", "state", "copy"):
        table.add_column(column)
    for entry in entries:
        table.add_row(
            str(entry.id),
            escape(f"{entry.source}/{entry.version} ({entry.direction})"),
            entry.kind,
            escape(entry.object_name),
            str(entry.row_count),
            f"{entry.archived_at:%Y-%m-%d %H:%M}",
            _archive_state(entry),
            escape(f"{entry.archive_schema}.{entry.archive_table}"),
        )
    print_table(table)


def show_archive_entry(view: ArchiveView) -> None:
    entry = view.entry
    stdout.print(f"[bold]archive {entry.id}[/]: {entry.kind} {escape(entry.object_name)}, {entry.row_count} row(s)")
    stdout.print(f"  from migration {escape(entry.source)}/{escape(entry.version)} ({entry.direction})")
    stdout.print(f"  statement: {escape(entry.statement)}")
    stdout.print(f"  copy: {escape(entry.archive_schema)}.{escape(entry.archive_table)}, digest {entry.digest}")
    stdout.print(f"  state: {_archive_state(entry)}")
    if view.columns:
        table = Table()
        for column in view.columns:
            table.add_column(escape(column))
        for row in view.rows:
            table.add_row(*(escape("" if value is None else str(value)) for value in row))
        print_table(table)


MAX_VIOLATIONS_SHOWN = 10

_PHASE_STYLE = {
    "applied": "green",
    "up_to_date": "green",
    "planned": "cyan",
    "blocked": "bold red",
    "rolled_back": "bold red",
    "kept_with_problems": "yellow",
}


def show_phases(report: PhasesReport) -> None:
    for outcome in report.outcomes:
        style = _PHASE_STYLE[outcome.status]
        stdout.print(f"[bold]phase {escape(outcome.name)}[/]: [{style}]{outcome.status}[/]")
        for label in outcome.migrations if outcome.status == "planned" else outcome.applied:
            stdout.print(f"  {'would apply' if outcome.status == 'planned' else 'applied'} {escape(label)}")
        for gate in outcome.checks:
            stdout.print(f"  gate: {escape(gate)}")
        for step in outcome.destructive:
            stdout.print(f"  [yellow]destroys data (archived first)[/]: {escape(step)}")
        for label in outcome.missing_downs:
            stdout.print(f"  [red]no down section[/]: {escape(label)} cannot be rolled back")
        shown = outcome.violations[:MAX_VIOLATIONS_SHOWN]
        for violation in shown:
            stdout.print(f"  [red]{violation.check}[/] {escape(violation.subject)}: {escape(violation.message)}")
        if len(outcome.violations) > len(shown):
            stdout.print(f"  ... and {len(outcome.violations) - len(shown)} more violation(s) (--json lists them all)")
        for probe in outcome.probes:
            stdout.print(f"  probe {escape(probe.name)}: {probe.verdict} ({escape(probe.detail)})")
        if outcome.trigger:
            stdout.print(f"  [bold red]trigger: {outcome.trigger}[/] {escape(outcome.message)}")
        for label in outcome.rolled_back:
            stdout.print(f"  rolled back {escape(label)}")
        if outcome.message and not outcome.trigger:
            stdout.print(f"  [dim]{escape(outcome.message)}[/]")


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _applied(module: ModuleInfo) -> str:
    if module.applied is None:
        return "-"
    return f"{module.applied} of {len(module.migrations)}"


def show_modules(modules: list[ModuleInfo]) -> None:
    database = next((module.database for module in modules if module.database), None)
    table = Table(title="bundled schema modules", title_justify="left")
    for column in ("module", "version", "requires", "enabled"):
        table.add_column(column, no_wrap=column != "requires")
    if database:
        table.add_column(f"applied in {escape(database)}", no_wrap=True)
    table.add_column("tables", justify="right")
    table.add_column("what it holds", ratio=1, min_width=24)
    for module in modules:
        table.add_row(
            module.name,
            module.version,
            ", ".join(module.requires) or "-",
            "[green]yes[/]" if module.enabled else "no",
            *([_applied(module)] if database else []),
            str(len(module.tables)),
            escape(module.description),
        )
    print_table(table)
    if not any(module.enabled for module in modules):
        stdout.print("[dim]enabled: listed in modules = [...] of tenantdb.toml (none here)[/]")


def show_module(module: ModuleInfo) -> None:
    stdout.print(f"[bold]{module.name}[/] {module.version}: {escape(module.description)}")
    stdout.print(f"requires: {', '.join(module.requires) or 'nothing'}")
    stdout.print(f"enabled in tenantdb.toml: {_yes_no(module.enabled)}")
    if module.database:
        stdout.print(f"applied in {escape(module.database)}: {_applied(module)} migrations")
    stdout.print("migrations: " + ", ".join(module.migrations))
    stdout.print("tables: " + ", ".join(module.tables))


def show_seed(report: SeedReport) -> None:
    table = Table(title=f"seed data in {report.database}", title_justify="left")
    table.add_column("module")
    table.add_column("table")
    table.add_column("rows added", justify="right")
    table.add_column("seconds", justify="right")
    for module in report.modules:
        for index, seeded in enumerate(module.tables):
            table.add_row(
                module.module if index == 0 else "",
                seeded.table,
                f"{seeded.rows:,}",
                f"{module.seconds:.2f}" if index == 0 else "",
            )
    print_table(table)
    rows = sum(seeded.rows for module in report.modules for seeded in module.tables)
    verb = "added" if report.appended else "seeded"
    stdout.print(
        f"{verb} {report.tenants:,} tenant(s) with seed {report.random_seed}, history up to {report.as_of:%Y-%m-%d}: "
        f"{rows:,} rows in {report.seconds:.1f} s"
    )


def show_rollback(report: RollbackReport) -> None:
    """``tenantdb rollback``: downs run, rows removed and kept per table, or a feature switched."""
    phase = escape(report.phase)
    if report.data is not None:
        data = report.data
        done = "would be removed (dry run, nothing changed)" if data.dry_run else "removed"
        stdout.print(f"phase {phase}: data rollback, {data.removed} row(s) {done}")
        for row in data.tables:
            archive = f" (archive {row.archive_id})" if row.archive_id is not None else ""
            kept = [
                f"{count} {why}"
                for count, why in (
                    (row.kept_changed, "changed or deleted since the phase"),
                    (row.kept_referenced, "still referenced by rows that stay"),
                    (row.kept_ambiguous, "ambiguous"),
                )
                if count
            ]
            stdout.print(
                f"  {escape(row.table)}: removed {row.removed}{archive}" + (f"; kept {', '.join(kept)}" if kept else "")
            )
            for note in row.notes:
                stdout.print(f"    [yellow]note:[/] {escape(note)}")
        if not data.tables:
            stdout.print(
                f"  nothing recorded for the phase's {len(data.migrations)} applied migration(s): they inserted no "
                "rows, or ran before tenantdb recorded what migrations write (state version 3)"
            )
        return
    if report.feature is not None:
        feature = report.feature
        verb = "switched off" if feature.action == "off" else "restored"
        stdout.print(f"phase {phase}: feature {verb} (snapshot {feature.snapshot_id})")
        for change in feature.tables:
            stdout.print(f"  {escape(change.table)}: {change.rows} row(s)")
        for key in feature.overwritten:
            stdout.print(f"  [yellow]overwritten[/] a change made since: {escape(key)}")
        for name in feature.not_captured:
            stdout.print(
                f"  [yellow]not captured[/] (written by a trigger or function, not restorable): {escape(name)}"
            )
        return
    stdout.print(f"rolled back {len(report.rolled_back)} migration(s) of phase {phase}")
    for label in report.rolled_back:
        stdout.print(f"  {escape(label)}")
    if report.left_applied:
        stderr.print(
            f"[yellow]warning:[/] newer migrations stay applied above phase {phase}: "
            f"{escape(', '.join(report.left_applied))} (they may use what its downs removed; roll them back first with "
            "`tenantdb migrate down --to V` or their own phase)"
        )
