"""The options every command group shares, how a command runs with them, and the exit code of its result.

A command declares only its own parameters and ``common: Common``; :func:`shared` adds the shared options to the
signature typer reads::

    @migrate_app.command("status")
    @shared(*MIGRATION)
    def migrate_status(common: Common) -> None:
        # the docstring is the help text
        common.run(lambda: commands.migrate_status(common.settings()), views.show_status)
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Generic, Protocol, TypeVar, get_type_hints, runtime_checkable

import typer
from typer.models import OptionInfo

from tenantdb.cli.documents import emit_json
from tenantdb.config import Settings, load_settings
from tenantdb.errors import ConfigError, ExitCode, TenantdbError

T = TypeVar("T")

ProjectOpt = Annotated[
    Path | None,
    typer.Option("--project", "-C", help="Project directory holding tenantdb.toml \\[default: current directory]."),
]
DsnOpt = Annotated[
    str | None,
    typer.Option(
        "--dsn",
        help="PostgreSQL URL; overrides TENANTDB_DSN, DATABASE_URL and tenantdb.toml.",
        show_default=False,
    ),
]
DirOpt = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        "-d",
        help="Migrations directory \\[default: \\[migrations] dir of tenantdb.toml, else ./migrations].",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout instead of text.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Placeholder value NAME=VALUE for ${NAME} in migrations (repeatable)."),
]
AllowChangedOpt = Annotated[
    bool,
    typer.Option("--allow-changed", help="Accept applied migrations whose files were edited (recorded in events)."),
]


class Shared(StrEnum):
    """An option many commands share; a command names the ones it takes in :func:`shared`."""

    PROJECT = "project"
    DSN = "dsn"
    DIR = "directory"
    SET = "sets"
    JSON = "as_json"


MIGRATION = (Shared.PROJECT, Shared.DSN, Shared.DIR, Shared.SET, Shared.JSON)
"""What every migration command takes (README, "Commands")."""
DATABASE = (Shared.PROJECT, Shared.DSN, Shared.JSON)
"""What a command that reads or writes the configured database takes."""

_OPTIONS: dict[str, tuple[Any, Any]] = {
    Shared.PROJECT: (ProjectOpt, None),
    Shared.DSN: (DsnOpt, None),
    Shared.DIR: (DirOpt, None),
    Shared.SET: (SetOpt, None),
    Shared.JSON: (JsonOpt, False),
}


@runtime_checkable
class Verdict(Protocol):
    """A report that says whether what it checked passed (verify, plan, migrate test, phases, lint)."""

    @property
    def ok(self) -> bool: ...


@runtime_checkable
class Graded(Protocol):
    """A report that says its own exit code (``db maintain``: 1 a statement failed, 8 a lock never came)."""

    @property
    def exit_code(self) -> ExitCode: ...


@dataclass(frozen=True, slots=True)
class Judged(Generic[T]):
    """A report with the verdict a request option gives it (``lint --fail-on``, ``migrate status --check``)."""

    report: T
    ok: bool


def exit_for(report: object) -> ExitCode:
    """The exit code of a command that ran to its end: the report's own, else 6 when it says something failed,
    else 0."""
    if isinstance(report, Graded):
        return report.exit_code
    return ExitCode.VIOLATIONS if isinstance(report, Verdict) and not report.ok else ExitCode.OK


@dataclass(frozen=True, slots=True, kw_only=True)
class Common:
    """The shared options of one command line, and how a command runs with them."""

    project: Path | None = None
    dsn: str | None = None
    directory: Path | None = None
    sets: tuple[str, ...] = ()
    as_json: bool = False
    flags: Mapping[str, str] = field(default_factory=dict)  # the command's parameters -> their flags, for errors

    def settings(self, *, project: Path | None = None, directory: Path | None = None) -> Settings:
        """tenantdb.toml of the project (``project`` instead of ``-C``) with these options over it."""
        values = {}
        for item in self.sets:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise ConfigError(f"--set {item!r}: expected NAME=VALUE")
            values[name] = value
        directory = directory or self.directory
        return load_settings(project or self.project).with_overrides(
            dsn=self.dsn, migrations_dir=directory.resolve() if directory else None, placeholder_values=values
        )

    def flag(self, parameter: str) -> str:
        """This command's flag for a request parameter an error names (``tenants`` -> ``--tenants``)."""
        return self.flags.get(parameter) or _SHARED_FLAGS.get(parameter) or _dashed(parameter)

    def run(
        self, action: Callable[[], T], view: Callable[[T], object], *, emit: Callable[[T], object] = emit_json
    ) -> None:
        """Run a use case and show its result: ``emit`` (one JSON document) under ``--json``, else ``view``.

        Errors become one clear message (or a JSON error document) and their documented exit code; a report that
        says something failed exits as :func:`exit_for` says.
        """
        try:
            result = action()
        except TenantdbError as error:
            from tenantdb.cli.render import report_error  # rich loads only when a console prints

            raise typer.Exit(int(report_error(error, as_json=self.as_json, name=self.flag))) from None
        except KeyboardInterrupt as interrupt:
            from tenantdb.cli.render import stderr

            said = str(interrupt) or "interrupted (Ctrl-C)"  # a migration step says what it left
            stderr.print(said, markup=False)
            if self.as_json:  # a script reading stdout gets its one document even now
                emit_json({"ok": False, "exit_code": 130, "error": "Interrupted", "message": said})
            raise typer.Exit(130) from None
        emit(result) if self.as_json else view(result)
        code = exit_for(result)
        if code:
            raise typer.Exit(int(code))


def _flag(parameter: inspect.Parameter) -> str:
    """The long flag typer gives a parameter: the first ``--`` name of its ``typer.Option``, else from its name."""
    for info in getattr(parameter.annotation, "__metadata__", ()):
        if isinstance(info, OptionInfo):
            names = [info.default, *(info.param_decls or ())]
            return next((n for n in names if isinstance(n, str) and n.startswith("--")), _dashed(parameter.name))
    return _dashed(parameter.name)


def _dashed(name: str) -> str:
    return f"--{name.replace('_', '-')}"


_SHARED_FLAGS = {
    name: _flag(inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation))
    for name, (annotation, _) in _OPTIONS.items()
}
"""The shared options' flags, for an error naming one the running command does not take (``--dir``)."""


def shared(*options: Shared) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the shared ``options``, handed to it as its ``common: Common`` parameter.

    The command declares only its own parameters; typer reads the signature this builds (the command's own
    parameters, then the shared ones in one order), so every command spells, documents and orders them alike.
    """

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        hints = get_type_hints(command, include_extras=True)
        own = [
            parameter.replace(annotation=hints.get(name, parameter.annotation))
            for name, parameter in inspect.signature(command).parameters.items()
            if name != "common"
        ]
        names = [option.value for option in Shared if option in options]
        added = [
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, annotation=_OPTIONS[name][0], default=_OPTIONS[name][1]
            )
            for name in names
        ]
        parameters = [*own, *added]
        flags = {parameter.name: _flag(parameter) for parameter in parameters}

        @functools.wraps(command)
        def with_common(*args: Any, **values: Any) -> None:
            given = {name: values.pop(name) for name in names}
            given[Shared.SET] = tuple(given.get(Shared.SET) or ())
            command(*args, common=Common(**given, flags=flags), **values)

        return with_signature(with_common, parameters)

    return decorate


def with_signature(command: Callable[..., None], parameters: list[inspect.Parameter]) -> Callable[..., None]:
    """``command`` with the signature typer reads: ``parameters``, their annotations resolved."""
    command.__signature__ = inspect.Signature(parameters, return_annotation=None)  # type: ignore[attr-defined]
    command.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    return command


def parse_ratio(option: str, text: str, example: str) -> Decimal:
    """A ratio given as ``0.02`` or as a percentage ``2%``; ``example`` (``"0.02 or 2%"``) is shown in errors."""
    stripped = text.strip()
    try:
        value = Decimal(stripped[:-1]) / 100 if stripped.endswith("%") else Decimal(stripped)
    except InvalidOperation:
        raise ConfigError(f"{option} {text!r}: expected a ratio or a percentage, like {example}") from None
    if not value.is_finite():
        raise ConfigError(f"{option} {text!r}: expected a finite number")
    return value
