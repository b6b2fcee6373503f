"""How the runner reports progress: an observer the CLI renders as progress bars or plain lines."""

from __future__ import annotations

from typing import Protocol

from tenantdb.db import LockHolder
from tenantdb.migrations import Direction, Migration
from tenantdb.sql import Statement


class Observer(Protocol):
    """Callbacks of a run, in order; every method is optional to act on."""

    def waiting_for_runner_lock(self, holder: LockHolder | None) -> None: ...

    def run_started(self, direction: Direction, count: int) -> None: ...

    def migration_started(self, migration: Migration, direction: Direction, statements: int) -> None: ...

    def statement_finished(self, migration: Migration, index: int, statement: Statement) -> None: ...

    def lock_retry(self, migration: Migration, attempt: int, delay: float, message: str) -> None: ...

    def note(self, message: str) -> None: ...

    def restore_progress(self, migration: Migration, object_name: str, done: int, total: int) -> None: ...

    def migration_finished(self, migration: Migration, direction: Direction, duration_ms: int) -> None: ...


class SilentObserver:
    """An observer that ignores everything (for tests and library use)."""

    def waiting_for_runner_lock(self, holder: LockHolder | None) -> None:
        return None

    def run_started(self, direction: Direction, count: int) -> None:
        return None

    def migration_started(self, migration: Migration, direction: Direction, statements: int) -> None:
        return None

    def statement_finished(self, migration: Migration, index: int, statement: Statement) -> None:
        return None

    def lock_retry(self, migration: Migration, attempt: int, delay: float, message: str) -> None:
        return None

    def note(self, message: str) -> None:
        return None

    def restore_progress(self, migration: Migration, object_name: str, done: int, total: int) -> None:
        return None

    def migration_finished(self, migration: Migration, direction: Direction, duration_ms: int) -> None:
        return None
