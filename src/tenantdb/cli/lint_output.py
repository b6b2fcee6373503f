"""Renderings of a lint report: text with excerpts (rich on a terminal), JSON, GitHub annotations, SARIF 2.1.0."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any

from tenantdb import __version__
from tenantdb.cli.documents import emit_json
from tenantdb.cli.paths import shown_path
from tenantdb.lint import Finding, LintReport, Rule
from tenantdb.lint.rules import RULES, RULES_BY_ID

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_GITHUB = {"error": "error", "warning": "warning", "info": "notice"}
_SARIF = {"error": "error", "warning": "warning", "info": "note"}


def show_text(report: LintReport) -> None:
    """Findings with excerpts: rich colours on a terminal; in a pipe or a file the same text written directly, so
    a run in CI or an editor's integration starts without rich."""
    if _plain_output():
        sys.stdout.write("".join(line + "\n" for line in text_lines(report, lambda _style, text: text, str)))
        sys.stdout.flush()
        return
    from rich.markup import escape

    from tenantdb.cli.render import stdout

    for line in text_lines(report, lambda style, text: f"[{style}]{text}[/]", escape):
        stdout.print(line)


def text_lines(report: LintReport, mark: Callable[[str, str], str], escape: Callable[[str], str]) -> list[str]:
    """The text report's lines; ``mark(style, text)`` styles literal text, ``escape`` quotes the report's own."""
    lines = []
    for finding in report.findings:
        where = f"{shown_path(finding.path)}:{finding.line}:{finding.column}"
        severity = mark(_STYLE[finding.severity], finding.severity)
        lines.append(f"{escape(where)} {severity} {mark('bold', finding.rule)}: {escape(finding.message)}")
        excerpt = finding.statement.strip().splitlines()
        lines.extend(f"    {mark('dim', '│')} {escape(line)}" for line in excerpt[:3])
        if len(excerpt) > 3:
            lines.append(f"    {mark('dim', '│ …')}")
        if finding.hint:
            lines.append(f"    {mark('dim', 'hint:')} {escape(finding.hint)}")
    count = f"{len(report.findings)} finding(s), {report.errors} error(s)"
    verdict = count if report.findings else mark("green", "no problems")
    suppressed = f", {report.suppressed} suppressed" if report.suppressed else ""
    lines.append(
        f"{report.files} file(s), {report.statements} statement(s), {report.rules} rules: {verdict}{suppressed}"
    )
    return lines


def _plain_output() -> bool:
    """Standard output is neither a terminal nor asked to be treated as one (rich's FORCE_COLOR, TTY_COMPATIBLE,
    TTY_INTERACTIVE): what rich itself would print without any style."""
    forced = any(os.environ.get(name) for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"))
    return not forced and not sys.stdout.isatty()


def show_json(report: LintReport) -> None:
    emit_json(report)


def show_github(report: LintReport) -> None:
    for finding in report.findings:
        level = _GITHUB[finding.severity]
        message = finding.message + (f" ({finding.hint})" if finding.hint else "")
        message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        sys.stdout.write(
            f"::{level} file={shown_path(finding.path)},line={finding.line},col={finding.column},"
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
                    "artifactLocation": {"uri": shown_path(finding.path)},
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
