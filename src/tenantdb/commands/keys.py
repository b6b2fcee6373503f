"""``tenantdb keys``: make keys, count values per key id, and rotate every encrypted value to the current key.

Rotation works column by column (every ``<name>_ciphertext`` / ``<name>_key_id`` pair the catalog has) in small
batches, each its own short transaction with the runner's lock timeouts: lock the batch's rows (``FOR UPDATE SKIP
LOCKED``: a row a writer holds is left for later, never waited for), re-wrap each value's data key under the
current key, write it back, commit. The key id is the progress: an interrupted run loses at most the uncommitted
batch, and running again continues with the rows still under an old key.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from tenantdb.commands.connection import open_session
from tenantdb.config import Settings
from tenantdb.db import Session, is_lock_timeout
from tenantdb.db.sealed_columns import (
    FIRST_TID,
    SealedColumn,
    claim_stale,
    count_stale,
    rows_per_key,
    sealed_columns,
    tid_order,
    write_sealed,
)
from tenantdb.errors import ConfigError, DatabaseError, ExitCode, SecretsError
from tenantdb.execute import Backoff, with_lock_retries
from tenantdb.secrets import KeyPurpose, KeyRing, Sealed, generate_key, rewrap

DEFAULT_BATCH_SIZE = 500
MAX_BATCH_SIZE = 10_000
_MAX_PASSES = 3  # a pass that finds rows behind its position (moved or written meanwhile) is followed by another


@dataclass(frozen=True, slots=True, kw_only=True)
class RotationProgress:
    """After each committed batch: how far one column got."""

    table: str
    column: str
    label: str
    done: int
    total: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnRotation:
    """One encrypted column: rows under an old key before (``pending``), re-encrypted, and left (locked rows)."""

    schema: str
    table: str
    column: str
    pending: int
    rotated: int
    batches: int
    remaining: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RotationReport:
    current_key_id: str
    dry_run: bool
    stopped_early: bool  # --max-batches ended the run; running again continues
    columns: tuple[ColumnRotation, ...]

    @property
    def remaining(self) -> int:
        return sum(column.remaining for column in self.columns)

    @property
    def exit_code(self) -> ExitCode:
        """5 when rows other transactions held are left under an old key (run it again), else 0."""
        left = self.remaining and not self.dry_run and not self.stopped_early
        return ExitCode.BUSY if left else ExitCode.OK


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnKeys:
    schema: str
    table: str
    column: str
    current_key_id: str | None
    key_ids: tuple[tuple[str, int], ...]  # (key id, rows), by key id
    unknown_key_ids: tuple[str, ...]  # ids the key ring does not hold: those values cannot be decrypted


@dataclass(frozen=True, slots=True, kw_only=True)
class KeysStatus:
    columns: tuple[ColumnKeys, ...]

    @property
    def exit_code(self) -> ExitCode:
        """1 when values are under key ids the key ring lacks (they cannot be decrypted), else 0."""
        return ExitCode.FAILED if any(column.unknown_key_ids for column in self.columns) else ExitCode.OK


def _open(settings: Settings, purpose: str) -> Session:
    """A session whose every statement waits at most the runner's lock_timeout: a count queued behind a migration's
    ACCESS EXCLUSIVE lock would queue the application's queries behind it too."""
    session = open_session(settings, purpose)
    try:
        session.set_timeouts(
            lock_timeout=settings.runner.lock_timeout, statement_timeout=settings.runner.statement_timeout, local=False
        )
    except BaseException:
        session.close()
        raise
    return session


def _backoff(settings: Settings) -> Backoff:
    runner = settings.runner
    return Backoff(base=runner.retry_base_delay, cap=runner.retry_max_delay, budget=runner.lock_retry_budget)


def keys_generate(purpose: KeyPurpose, key_id: str, *, current: bool = False) -> str:
    """A new key entry for TENANTDB_SECRET_KEYS or the key file (shown once; tenantdb stores it nowhere)."""
    return generate_key(purpose, key_id, current=current)


def keys_status(settings: Settings, keyring: KeyRing | None) -> KeysStatus:
    """Rows per key id of every encrypted column; with a key ring, which ids it lacks."""
    current = next((key.key_id for key in keyring.of(KeyPurpose.ENCRYPT) if key.current), None) if keyring else None
    with _open(settings, "keys status") as session:
        columns = []
        for column in sealed_columns(session):
            counts = tuple(with_lock_retries(partial(rows_per_key, session, column), _backoff(settings)))
            unknown = tuple(
                key_id
                for key_id, _ in counts
                if keyring is not None and keyring.find(KeyPurpose.ENCRYPT, key_id) is None
            )
            columns.append(
                ColumnKeys(
                    schema=column.schema,
                    table=column.table,
                    column=column.name,
                    current_key_id=current,
                    key_ids=counts,
                    unknown_key_ids=unknown,
                )
            )
    return KeysStatus(columns=tuple(columns))


class _Rotation:
    """One run of ``keys rotate``: the batch budget and the progress callback shared by every column."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        keyring: KeyRing,
        *,
        batch_size: int,
        max_batches: int | None,
        progress: Callable[[RotationProgress], None] | None,
    ) -> None:
        self.session = session
        self.runner = settings.runner
        self.keyring = keyring
        self.current = keyring.current(KeyPurpose.ENCRYPT).key_id
        self.batch_size = batch_size
        self.batches_left = max_batches
        self.progress = progress
        self.backoff = _backoff(settings)
        self.rotated: dict[SealedColumn, int] = {}

    def stale(self, column: SealedColumn) -> int:
        return with_lock_retries(lambda: count_stale(self.session, column, self.current), self.backoff)

    @property
    def stopped(self) -> bool:
        return self.batches_left is not None and self.batches_left <= 0

    def _batch(self, column: SealedColumn, after: str, *, wait: bool) -> list[str]:
        """Re-encrypt one batch past ``after`` in its own transaction; the ctids it rewrote (none: the pass is over)."""

        def attempt() -> list[str]:
            with self.session.transaction(
                lock_timeout=self.runner.lock_timeout, statement_timeout=self.runner.statement_timeout
            ):
                claimed = claim_stale(self.session, column, self.current, after=after, limit=self.batch_size, wait=wait)
                values = []
                for row in claimed:
                    try:
                        sealed = rewrap(Sealed(ciphertext=row.ciphertext, key_id=row.key_id), self.keyring)
                    except SecretsError as error:
                        raise _located(error, f"{column.label}, row at ctid {row.ctid}") from None
                    values.append((row.ctid, sealed.ciphertext))
                if values:
                    write_sealed(self.session, column, self.current, values)
            return [row.ctid for row in claimed]

        if not wait:
            return with_lock_retries(attempt, self.backoff)
        # Not with_lock_retries with a one-attempt budget: here a lock timeout is an answer (the row stays held, the
        # walk ends and reports it), not an error to retry or to raise as LockTimeoutExhausted.
        try:  # one wait of lock_timeout for a row a writer holds; still held: the walk ends and the row is reported
            return attempt()
        except DatabaseError as error:
            if is_lock_timeout(error):
                return []
            raise

    def _pass(self, column: SealedColumn, pending: int, *, wait: bool) -> tuple[int, int]:
        """One walk through the table in ctid order: (batches, rows) re-encrypted; ``wait``: wait (within the
        lock_timeout, retried) for rows writers hold instead of skipping them."""
        batches = rotated = 0
        after = FIRST_TID
        while pending and not self.stopped:
            done = self._batch(column, after, wait=wait)
            if not done:
                break
            after = max(done, key=tid_order)
            batches += 1
            rotated += len(done)
            self.rotated[column] = self.rotated.get(column, 0) + len(done)
            if self.batches_left is not None:
                self.batches_left -= 1
            if self.progress is not None:
                label = column.label
                total = max(pending, self.rotated[column])
                self.progress(
                    RotationProgress(
                        table=column.table, column=column.name, label=label, done=self.rotated[column], total=total
                    )
                )
        return batches, rotated

    def rotate(self, column: SealedColumn, *, dry_run: bool = False) -> ColumnRotation:
        """Walk ``column`` until no row is under an old key (at most ``_MAX_PASSES`` walks); ``dry_run``: count only."""
        pending = left = self.stale(column)
        rotated = batches = 0
        for attempt in range(0 if dry_run else _MAX_PASSES):
            if not left or self.stopped:
                break
            if attempt:  # rows moved behind the walk, or writers held them: a moment, then one more walk
                time.sleep(self.backoff.delay(attempt - 1))
            # The first walk never waits for a row; the later ones (the few rows writers held) wait for each
            # within the lock_timeout, so a row a writer updates all the time is rotated too.
            walked_batches, walked_rows = self._pass(column, pending, wait=attempt > 0)
            batches, rotated = batches + walked_batches, rotated + walked_rows
            left = self.stale(column)
        return ColumnRotation(
            schema=column.schema,
            table=column.table,
            column=column.name,
            pending=pending,
            rotated=rotated,
            batches=batches,
            remaining=left,
        )


def _located(error: SecretsError, where: str) -> SecretsError:
    """The same error, its message prefixed with the row's place (never its value)."""
    error.message = f"{where}: {error.message}"
    error.args = (error.message,)
    return error


def keys_rotate(
    settings: Settings,
    keyring: KeyRing,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    dry_run: bool = False,
    max_batches: int | None = None,
    progress: Callable[[RotationProgress], None] | None = None,
) -> RotationReport:
    """Re-encrypt every value whose key id is not the ring's current encryption key, online and resumable."""
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ConfigError(f"{batch_size}: expected 1 to {MAX_BATCH_SIZE} rows", option="batch_size")
    if max_batches is not None and max_batches < 1:
        raise ConfigError(f"{max_batches}: expected at least 1", option="max_batches")
    with _open(settings, "keys rotate") as session:
        columns = sealed_columns(session)
        rotation = _Rotation(
            session, settings, keyring, batch_size=batch_size, max_batches=max_batches, progress=progress
        )
        results = [rotation.rotate(column, dry_run=dry_run) for column in columns]
        return RotationReport(
            current_key_id=rotation.current, dry_run=dry_run, stopped_early=rotation.stopped, columns=tuple(results)
        )
