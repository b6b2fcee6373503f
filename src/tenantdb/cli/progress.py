"""Progress display of a run: rich progress bars on a terminal, plain lines otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from tenantdb.migrations import PROJECT_SOURCE, Direction

if TYPE_CHECKING:  # types only: a command that shows progress loads what it runs, not every command's modules
    from tenantdb.commands import SeededModule
    from tenantdb.db import LockHolder
    from tenantdb.migrations import Migration
    from tenantdb.sql import Statement

_VERB = {Direction.UP: "applying", Direction.DOWN: "rolling back"}
_DONE = {Direction.UP: "applied", Direction.DOWN: "rolled back"}


def label(migration: Migration) -> str:
    """``0001_companies`` of the project, ``core 0001_companies`` of a module."""
    return migration.label if migration.source == PROJECT_SOURCE else f"{migration.source} {migration.label}"


class LineProgress:
    """Progress told a line at a time on ``console`` (stderr), and nothing when ``quiet``.

    Rich markup on a terminal; for logs and pipes, plain text (without the cost of rendering markup) written out
    at once.
    """

    def __init__(self, console: Console, *, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet

    def _say(self, message: str, plain: str | None = None) -> None:
        """``message`` in rich markup; ``plain``, when given, is the same text without markup (the line said once
        per migration: parsing its markup would cost more than the migration's bookkeeping)."""
        if self.quiet:
            return
        if self.console.is_terminal:
            self.console.print(message)
        else:
            self.console.file.write((Text.from_markup(message).plain if plain is None else plain) + "\n")
            self.console.file.flush()


class ConsoleObserver(LineProgress):
    """Renders runner callbacks on ``console`` (stderr), bars only when it is a terminal."""

    def __init__(self, console: Console, *, quiet: bool = False) -> None:
        super().__init__(console, quiet=quiet)
        self.interactive = console.is_terminal and not quiet
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._overall: TaskID | None = None

    def __enter__(self) -> ConsoleObserver:
        return self

    def __exit__(self, *_: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def _say(self, message: str, plain: str | None = None) -> None:
        if self._progress is not None:  # above the bars (there are none when quiet)
            self._progress.console.print(message)
        else:
            super()._say(message, plain)

    def waiting_for_runner_lock(self, holder: LockHolder | None) -> None:
        who = holder.describe() if holder else "another session"
        self._say(f"[yellow]waiting:[/] another runner holds the migration lock: {escape(who)}")

    def run_started(self, direction: Direction, count: int) -> None:
        if count == 0:
            self._say(
                "nothing to do: the database is up to date" if direction is Direction.UP else "nothing to roll back"
            )
            return
        if self.interactive:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.start()
            self._overall = self._progress.add_task(f"{_VERB[direction]} {count} migration(s)", total=count)

    def migration_started(self, migration: Migration, direction: Direction, statements: int) -> None:
        if self._progress is not None:
            self._task = self._progress.add_task(f"  {escape(label(migration))}", total=max(statements, 1))

    def statement_finished(self, migration: Migration, index: int, statement: Statement) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=index + 1)

    def lock_retry(self, migration: Migration, attempt: int, delay: float, message: str) -> None:
        self._say(
            f"[yellow]lock busy[/] on {escape(label(migration))} (attempt {attempt}): {escape(message)}; "
            f"retrying in {delay:.1f}s"
        )

    def note(self, message: str) -> None:
        self._say(f"[cyan]note:[/] {escape(message)}")

    def restore_progress(self, migration: Migration, object_name: str, done: int, total: int) -> None:
        if total < 100_000 and done == total:
            return  # a short restore: the note that follows says it all
        self._say(f"[dim]{escape(label(migration))}: restoring {escape(object_name)}: {done:,} of {total:,} row(s)[/]")

    def migration_finished(self, migration: Migration, direction: Direction, duration_ms: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None
            if self._overall is not None:
                self._progress.advance(self._overall)
        name = label(migration)
        self._say(
            f"[green]{_DONE[direction]}[/] {escape(name)} [dim]({duration_ms} ms)[/]",
            f"{_DONE[direction]} {name} ({duration_ms} ms)",
        )


class SeedProgress(LineProgress):
    """``tenantdb seed`` progress: one line per module started and committed, on ``console`` (stderr)."""

    def module_started(self, module: str, tenants: int) -> None:
        self._say(f"seeding {escape(module)} for {tenants:,} tenant(s)")

    def module_finished(self, seeded: SeededModule) -> None:
        rows = sum(table.rows for table in seeded.tables)
        self._say(f"[green]seeded[/] {escape(seeded.module)}: {rows:,} rows [dim]({seeded.seconds:.2f} s)[/]")
