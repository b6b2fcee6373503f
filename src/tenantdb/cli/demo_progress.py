"""``tenantdb demo`` progress on stderr: a spinner per step on a terminal, one plain line per step otherwise."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.status import Status

from tenantdb.cli.progress import LineProgress
from tenantdb.commands import DemoStage, SeededModule


class DemoProgress(LineProgress):
    """Implements ``commands.DemoObserver`` (steps, and the seed's modules) on ``console``."""

    def __init__(self, console: Console, *, quiet: bool = False) -> None:
        super().__init__(console, quiet=quiet)
        self._status: Status | None = None

    def __enter__(self) -> DemoProgress:
        return self

    def __exit__(self, *_: object) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def stage_started(self, name: str, detail: str) -> None:
        if self.quiet or not self.console.is_terminal:
            return
        self._stop()
        self._status = self.console.status(f"[cyan]{escape(name)}[/]: {escape(detail)}")
        self._status.start()

    def stage_finished(self, stage: DemoStage) -> None:
        self._stop()
        self._say(f"[green]✓[/] {escape(stage.name)}: {escape(stage.detail)} [dim]({stage.seconds:.1f} s)[/]")

    def module_started(self, module: str, tenants: int) -> None:
        if self._status is not None:
            self._status.update(f"[cyan]seed[/]: {escape(module)} for {tenants:,} tenants")

    def module_finished(self, seeded: SeededModule) -> None:
        """Modules are summed up by the seed step's line."""
