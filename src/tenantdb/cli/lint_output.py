"""Renderings of a lint report: rich text with excerpts, JSON, GitHub annotations, SARIF 2.1.0."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tenantdb import __version__
from tenantdb.cli.documents import emit_json
from tenantdb.lint import Finding, LintReport, Rule
from tenantdb.lint.rules import RULES, RULES_BY_ID

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_GITHUB = {"error": "error", "warning": "warning", "info": "notice"}
_SARIF = {"error": "error", "warning": "warning", "info": "note"}


def _relative(path: Path | None) -> str:
    if path is None:
        return "<input>"
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def show_text(report: LintReport) -> None:
    from rich.markup import escape  # rich only for text: JSON, GitHub and SARIF runs start without it

    from tenantdb.cli.render import stdout

    for finding in report.findings:
        style = _STYLE[finding.severity]
        where = f"{_relative(finding.path)}:{finding.line}:{finding.column}"
        stdout.print(
            f"{escape(where)} [{style}]{finding.severity}[/] [bold]{finding.rule}[/]: {escape(finding.message)}"
        )
        excerpt = finding.statement.strip().splitlines()
        for line in excerpt[:3]:
            stdout.print(f"    [dim]│[/] {escape(line)}")
        if len(excerpt) > 3:
            stdout.print("    [dim]│ …[/]")
        if finding.hint:
            stdout.print(f"    [dim]hint:[/] {escape(finding.hint)}")
    verdict = (
        f"{len(report.findings)} finding(s), {report.errors} error(s)" if report.findings else "[green]no problems[/]"
    )
    suppressed = f", {report.suppressed} suppressed" if report.suppressed else ""
    stdout.print(
        f"{report.files} file(s), {report.statements} statement(s), {report.rules} rules: {verdict}{suppressed}"
    )


def show_json(report: LintReport) -> None:
    emit_json(report)


def show_github(report: LintReport) -> None:
    for finding in report.findings:
        level = _GITHUB[finding.severity]
        message = finding.message + (f" ({finding.hint})" if finding.hint else "")
        message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        sys.stdout.write(
            f"::{level} file={_relative(finding.path)},line={finding.line},col={finding.column},"
            f"title={finding.rule}::{message}\n"
        )


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.doc.partition("\n")[0]},
        "help": {"text": rule.doc, "markdown": rule.doc},
        "defaultConfiguration": {"level": _SARIF[rule.severity]},
        "properties": {"tags": [str(rule.family), str(rule.category)]},
    }


def _sarif_result(finding: Finding) -> dict[str, Any]:
    return {
        "ruleId": finding.rule,
        "level": _SARIF[finding.severity],
        "message": {"text": finding.message + (f" Hint: {finding.hint}" if finding.hint else "")},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _relative(finding.path)},
                    "region": {"startLine": finding.line, "startColumn": finding.column},
                }
            }
        ],
    }


def show_sarif(report: LintReport) -> None:
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "tenantdb",
                        "version": __version__,
                        "rules": [_sarif_rule(rule) for rule in RULES],
                    }
                },
                "results": [_sarif_result(finding) for finding in report.findings],
            }
        ],
    }
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def show_rules() -> None:
    from rich.markup import escape

    from tenantdb.cli.render import stdout

    for rule in sorted(RULES_BY_ID.values(), key=lambda r: (r.family, r.id)):
        stdout.print(
            f"[bold]{rule.id}[/] [dim]({rule.family}, {rule.severity}, {rule.category})[/] {escape(rule.summary)}"
        )


RENDERERS = {"text": show_text, "json": show_json, "github": show_github, "sarif": show_sarif}
