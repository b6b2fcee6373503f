"""``tenantdb lint``: check migrations without a database (loads the linter, not the driver or the server)."""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from tenantdb.cli import lint_output
from tenantdb.cli.options import Common, Judged, Shared, shared
from tenantdb.cli.startup import skip_teardown
from tenantdb.commands.linting import lint as lint_migrations_in
from tenantdb.config import LintProfile
from tenantdb.lint import DEFAULT_PG_VERSION, LintReport


@shared(Shared.PROJECT, Shared.SET, Shared.JSON)
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
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            help="Processes for 50 migrations or more (same findings as one) [default: [lint] jobs, else the CPUs].",
            show_default=False,
        ),
    ] = None,
    *,
    common: Common,
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
    output = "json" if common.as_json else output
    if output not in lint_output.RENDERERS:
        raise typer.BadParameter(f"--format must be one of {', '.join(lint_output.RENDERERS)}")
    if fail_on not in ("warning", "error", "never"):
        raise typer.BadParameter("--fail-on must be warning, error or never")
    if jobs is not None and jobs < 1:
        raise typer.BadParameter("--jobs must be 1 or more")
    render = lint_output.RENDERERS[output]
    skip_teardown()  # no connection, server or queue to close: the process ends once the report is out

    # A run builds a million small acyclic objects (trees, findings) that live until it ends: the cyclic collector
    # would only re-scan them, a quarter of the CPU time over 2,000 files. Back on afterwards (tests run in-process).
    collecting = gc.isenabled()
    gc.disable()
    try:
        replace(common, as_json=output == "json").run(
            lambda: _judged(
                lint_migrations_in(
                    common.settings(),
                    [Path(p).absolute() for p in paths or []],  # symlinks kept: no lstat per path component
                    pg_version,
                    profile,
                    jobs=jobs,
                ),
                fail_on,
            ),
            lambda verdict: render(verdict.report),
            emit=lambda verdict: render(verdict.report),
        )
    finally:
        if collecting:
            gc.enable()


def _judged(report: LintReport, fail_on: str) -> Judged[LintReport]:
    """The report judged by ``--fail-on``: what :func:`tenantdb.cli.options.exit_for` reads."""
    return Judged(report, not report.failing(fail_on))
