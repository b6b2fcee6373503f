"""``tenantdb lint``: check migrations without a database (loads the linter, not the driver or the server)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Annotated

import typer

from tenantdb.cli import lint_output
from tenantdb.cli.options import JsonOpt, ProjectOpt, SetOpt
from tenantdb.cli.options import run_command as _run
from tenantdb.cli.options import settings_from as _settings
from tenantdb.commands.linting import lint as lint_migrations_in
from tenantdb.config import LintProfile
from tenantdb.errors import ExitCode
from tenantdb.lint import DEFAULT_PG_VERSION, LintReport


def lint(
    paths: Annotated[  # str, not Path: typer validates each Path with pydantic (60 µs a file, 2,000 files)
        list[str] | None, typer.Argument(help="Migration directories or .sql files [default: the project's].")
    ] = None,
    output: Annotated[str, typer.Option("--format", "-f", help="text, json, github or sarif.")] = "text",
    pg_version: Annotated[
        int, typer.Option("--pg-version", help="PostgreSQL major version the migrations target.")
    ] = DEFAULT_PG_VERSION,
    fail_on: Annotated[
        str, typer.Option("--fail-on", help="Exit 6 on: warning, error or never (info findings never fail).")
    ] = "warning",
    profile: Annotated[
        LintProfile | None,
        typer.Option(
            "--profile",
            help="default: hazards only; strict: opinions (prefer-*) too [default: [lint] profile in tenantdb.toml].",
            case_sensitive=False,
        ),
    ] = None,
    rules: Annotated[bool, typer.Option("--rules", help="List every rule and exit.")] = False,
    project: ProjectOpt = None,
    sets: SetOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check migrations for statements that stall writers, fail, lose data, mislead, or expose tenants.

    Hazards run by default; opinions (prefer-text-over-varchar, prefer-bigint-over-int, prefer-identity-over-serial)
    run under --profile strict or when set in tenantdb.toml's [lint.rules] (rule-id = "off", "info", "warning" or
    "error"). A statement the runner rewrites online (CREATE INDEX to CONCURRENTLY, ADD CONSTRAINT to NOT VALID +
    VALIDATE, ...) is reported as info, which never fails. Suppress a finding with
    `-- tenantdb: ignore[rule-id] reason` on the line before the statement.
    """
    if rules:
        lint_output.show_rules()
        return
    output = "json" if as_json else output
    if output not in lint_output.RENDERERS:
        raise typer.BadParameter(f"--format must be one of {', '.join(lint_output.RENDERERS)}")
    if fail_on not in ("warning", "error", "never"):
        raise typer.BadParameter("--fail-on must be warning, error or never")

    def render(report: LintReport) -> int:
        lint_output.RENDERERS[output](report)
        return int(ExitCode.VIOLATIONS) if report.failing(fail_on) else 0

    # A run builds a million small acyclic objects (trees, findings) that live until it ends: the cyclic collector
    # would only re-scan them, a quarter of the CPU time over 2,000 files. Back on afterwards (tests run in-process).
    collecting = gc.isenabled()
    gc.disable()
    try:
        _run(
            output == "json",
            lambda: lint_migrations_in(
                _settings(project, None, None, sets), [Path(p).resolve() for p in paths or []], pg_version, profile
            ),
            render,
        )
    finally:
        if collecting:
            gc.enable()
