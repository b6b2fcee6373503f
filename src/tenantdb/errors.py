"""Every error tenantdb raises on purpose derives from :class:`TenantdbError`.

    TenantdbError                       root; ``exit_code`` says how the CLI exits
    ├── ConfigError                     tenantdb.toml or an option is wrong
    ├── MigrationFileError              a migration file is malformed (file, line)
    ├── DatabaseError                   the server refused a statement (sqlstate)
    │   ├── ConnectionFailed            unreachable server, bad credentials, bad DSN
    │   ├── DatabaseUnavailable         the pool has no connection to give in time (server down, pool exhausted)
    │   └── LockTimeoutExhausted        lock_timeout retries used up their budget
    ├── RunnerBusy                      another runner holds the advisory lock
    ├── DatabaseStateError              the database is not in the state the request needs (a module not applied,
    │   │                               a role or table missing or present, an archive restored already)
    │   └── LedgerStateError            the ledger or journal forbids the request (an interrupted run in the way)
    ├── ChecksumMismatch                an applied migration's file was edited
    ├── AdoptionRefused                 another tool's ledger needs ``migrate baseline`` (or cannot be adopted)
    ├── MigrationFailed                 a statement of a migration failed
    ├── RoundTripMismatch               ``migrate test`` found a catalog difference
    └── SecretsError                    tenantdb.secrets: never carries plaintext or key material
        ├── SecretKeyMissing            no key configured (or none of the purpose asked for)
        ├── SecretKeyInvalid            a key spec or key file is malformed or unsafe
        ├── UnknownSecretKey            a value names a key id the key ring does not hold
        └── SecretTampered              a ciphertext failed authentication (tampered, truncated, wrong key)

Messages say what happened and what to do next; structured fields carry the details for ``--json``. Below the
CLI an error names request parameters, never command-line flags: ``option`` is the parameter whose value is wrong,
``remedy`` the one that gets past the error (its ``hint`` then says what it does, "to ..."); a front end spells
them its own way (:meth:`TenantdbError.described`; the CLI as its flags, ``--tenants``).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from typing import Any


class ExitCode(IntEnum):
    """Process exit codes of the ``tenantdb`` command (stable, documented in the README)."""

    OK = 0
    FAILED = 1
    USAGE = 2
    BAD_INPUT = 3
    CONNECTION = 4
    BUSY = 5
    VIOLATIONS = 6
    CHECKSUM = 7
    LOCK_TIMEOUT = 8


class TenantdbError(Exception):
    """Root of tenantdb's errors."""

    exit_code: ExitCode = ExitCode.FAILED

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        option: str | None = None,
        remedy: str | None = None,
        refers: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.option = option
        self.remedy = remedy
        self.refers = refers

    def described(self, name: Callable[[str], str] = str) -> tuple[str, str | None]:
        """The message and the hint, with the request parameters spelt by ``name`` (the CLI passes its flags):
        ``option`` leads the message, ``remedy`` the hint, and each of ``refers`` replaces its ``{name}``."""
        message = f"{name(self.option)} {self.message}" if self.option else self.message
        hint = self.hint
        if self.remedy is not None:
            hint = f"pass {name(self.remedy)}" + (f" {hint}" if hint else "")
        for parameter in self.refers:
            message = message.replace(f"{{{parameter}}}", name(parameter))
            hint = hint and hint.replace(f"{{{parameter}}}", name(parameter))
        return message, hint

    def __str__(self) -> str:
        message, hint = self.described()
        return f"{message}\n  hint: {hint}" if hint else message

    def details(self, name: Callable[[str], str] = str) -> dict[str, Any]:
        """Structured fields for JSON output (request parameters spelt by ``name``)."""
        message, hint = self.described(name)
        named = {key: name(value) for key, value in (("option", self.option), ("remedy", self.remedy)) if value}
        return {"error": type(self).__name__, "message": message, "hint": hint} | named


class ConfigError(TenantdbError):
    """tenantdb.toml, an environment variable or a command-line option is invalid."""

    exit_code = ExitCode.BAD_INPUT


class MigrationFileError(TenantdbError):
    """A migration file or directory cannot be used as it is; nothing was applied."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(
        self, message: str, *, path: Path, line: int | None = None, hint: str | None = None, remedy: str | None = None
    ) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}", hint=hint, remedy=remedy)
        self.reason = message  # without the file and line
        self.path = path
        self.line = line

    def details(self, name: Callable[[str], str] = str) -> dict[str, Any]:
        return super().details(name) | {"path": str(self.path), "line": self.line}


class DatabaseError(TenantdbError):
    """PostgreSQL refused a statement."""

    def __init__(
        self, message: str, *, sqlstate: str | None = None, hint: str | None = None, remedy: str | None = None
    ) -> None:
        super().__init__(message, hint=hint, remedy=remedy)
        self.sqlstate = sqlstate

    def details(self, name: Callable[[str], str] = str) -> dict[str, Any]:
        return super().details(name) | {"sqlstate": self.sqlstate}


class StatementFailed(DatabaseError):
    """PostgreSQL refused one of several statements sent together; ``index`` says which (0: the first)."""

    def __init__(self, error: DatabaseError, index: int) -> None:
        super().__init__(error.message, sqlstate=error.sqlstate, hint=error.hint, remedy=error.remedy)
        self.index = index


class ConnectionFailed(DatabaseError):
    """The server cannot be reached or refused the login."""

    exit_code = ExitCode.CONNECTION


class DatabaseUnavailable(DatabaseError):
    """No connection to the database in time: the server is down or restarting, or every pooled connection is busy.

    The HTTP server answers ``503`` with ``Retry-After``; retrying later is the right move.
    """

    exit_code = ExitCode.CONNECTION


class LockTimeoutExhausted(DatabaseError):
    """A statement kept waiting for a lock longer than the retry budget allows."""

    exit_code = ExitCode.LOCK_TIMEOUT


class RunnerBusy(TenantdbError):
    """Another tenantdb runner holds the migration lock on this database."""

    exit_code = ExitCode.BUSY


class DatabaseStateError(TenantdbError):
    """The database is not in the state the request needs (not what tenantdb.toml or an option says); nothing was
    changed."""

    exit_code = ExitCode.BAD_INPUT


class LedgerStateError(DatabaseStateError):
    """What the ledger or the statement journal records forbids the request; nothing was changed."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, version: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.version = version

    def details(self, name: Callable[[str], str] = str) -> dict[str, Any]:
        return super().details(name) | {"version": self.version}


class ChecksumMismatch(TenantdbError):
    """An already applied migration was edited afterwards."""

    exit_code = ExitCode.CHECKSUM

    def __init__(
        self, message: str, *, version: str, diff: str, hint: str | None = None, refers: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message, hint=hint, refers=refers)
        self.version = version
        self.diff = diff

    def details(self, name: Callable[[str], str] = str) -> dict[str, Any]:
        return super().details(name) | {"version": self.version, "diff": self.diff}


class AdoptionRefused(TenantdbError):
    """Another tool's ledger manages this database: ``migrate up`` waits for ``migrate baseline``, which refuses
    a doubtful ledger (dirty, failed rows, versions without files) unless ``--to`` says what is applied."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(
        self, message: str, *, hint: str | None = None, remedy: str | None = None, ledger: str | None = None
    ) -> None:
        super().__init__(message, hint=hint, remedy=remedy)
        self.ledger = ledger

    def details(self, name: Callable[[str], str] = str) -> dict[str, Any]:
        return super().details(name) | {"ledger": self.ledger}


class MigrationFailed(TenantdbError):
    """A migration's statement failed; its transaction (if any) was rolled back."""

    def __init__(
        self,
        message: str,
        *,
        version: str,
        path: Path | None,
        line: int | None,
        statement: str,
        sqlstate: str | None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.version = version
        self.path = path
        self.line = line
        self.statement = statement
        self.sqlstate = sqlstate

    def details(self, name: Callable[[str], str] = str) -> dict[str, Any]:
        return super().details(name) | {
            "version": self.version,
            "path": str(self.path) if self.path else None,
            "line": self.line,
            "statement": self.statement,
            "sqlstate": self.sqlstate,
        }


class StepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a migration step; the message says what the step left and what the next command does."""


class RoundTripMismatch(TenantdbError):
    """Rolling migrations back and forth did not reproduce the same catalog."""

    exit_code = ExitCode.VIOLATIONS


class SecretsError(TenantdbError):
    """Encrypting, decrypting or hashing a secret failed; messages name key ids and sources, never a value or a key."""

    exit_code = ExitCode.BAD_INPUT


class SecretKeyMissing(SecretsError):
    """No key is configured, or none of the purpose asked for (an encryption or a hash key)."""


class SecretKeyInvalid(SecretsError):
    """The key spec (TENANTDB_SECRET_KEYS or the key file) is malformed, or the key file is readable by others."""


class UnknownSecretKey(SecretsError):
    """A stored value names a key id the key ring does not hold (a key removed before its rows were rotated)."""

    def __init__(self, message: str, *, key_id: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.key_id = key_id

    def details(self, name: Callable[[str], str] = str) -> dict[str, Any]:
        return super().details(name) | {"key_id": self.key_id}


class SecretTampered(SecretsError):
    """A ciphertext failed authentication: changed, truncated, relabelled with another key id, or the key is wrong."""

    exit_code = ExitCode.FAILED
