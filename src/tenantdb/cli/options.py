"""Options and helpers shared by every command group of the CLI."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from tenantdb.cli.render import emit_json, report_error, stderr
from tenantdb.config import Settings, load_settings
from tenantdb.errors import ConfigError, TenantdbError

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


def settings_from(project: Path | None, dsn: str | None, directory: Path | None, sets: list[str] | None) -> Settings:
    values = {}
    for item in sets or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ConfigError(f"--set {item!r}: expected NAME=VALUE")
        values[name] = value
    settings = load_settings(project)
    return settings.with_overrides(
        dsn=dsn, migrations_dir=directory.resolve() if directory else None, placeholder_values=values
    )


def run_command(as_json: bool, action: Callable[[], T], render: Callable[[T], int | None]) -> None:
    """Run a use case; errors become one clear message and a documented exit code."""
    try:
        result = action()
    except TenantdbError as error:
        raise typer.Exit(int(report_error(error, as_json=as_json))) from None
    except KeyboardInterrupt:
        stderr.print("interrupted")
        if as_json:  # a script reading stdout gets its one document even now
            emit_json({"ok": False, "exit_code": 130, "error": "Interrupted", "message": "interrupted (Ctrl-C)"})
        raise typer.Exit(130) from None
    code = render(result)
    if code:
        raise typer.Exit(code)


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


def render_view(as_json: bool, view: Callable[[T], None]) -> Callable[[T], None]:
    """How a command shows its result: one JSON document with ``--json``, else ``view`` on the terminal."""

    def render(result: T) -> None:
        emit_json(result) if as_json else view(result)

    return render
