"""docs/business-metrics.md defines every figure the reports print (issue 12, "Done when"): every field of every
report model — what the JSON carries and the text and CSV show — is named on the page in backquotes."""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from pathlib import Path
from typing import Any, get_type_hints

from tenantdb.bi.reports import REPORTS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "business-metrics.md"
# Fields that are not figures: identifiers, names and the report's own bookkeeping.
NOT_FIGURES = {
    "report",
    "scope",
    "database",
    "tenant_id",
    "company_name",
    "slug",
    "plan_id",
    "plan_name",
    "pool_id",
    "pool_name",
    "provider",
    "month",
    "subject",
    "message",
    "severity",
    "code",
    "kind",
    "name",
    "line",
    "rank",
    "refreshed_at",
    "month_label",
    "previous_month",
}


def models(kind: Any, seen: set[type]) -> None:
    """Every dataclass reachable from ``kind``'s fields (through tuples, unions and optionals)."""
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        if kind in seen:
            return
        seen.add(kind)
        for hint in get_type_hints(kind).values():
            models(hint, seen)
        return
    for argument in typing.get_args(kind):
        models(argument, seen)
    if isinstance(kind, types.UnionType):
        for argument in kind.__args__:
            models(argument, seen)


def report_models() -> set[type]:
    seen: set[type] = set()
    for build in REPORTS.values():
        models(get_type_hints(build)["return"], seen)
    return seen


def test_the_walk_finds_every_report_and_its_nested_rows() -> None:
    names = {model.__name__ for model in report_models()}
    assert {"ExecutiveReport", "ReconciliationReport", "ReportScope", "TenantFigures", "MonthTotals"} <= names


def holds_rows(hint: Any) -> bool:
    """A field that holds other models (a section, a table's rows), not a figure."""
    seen: set[type] = set()
    models(hint, seen)
    return bool(seen)


def test_every_figure_a_report_prints_is_defined_on_the_definitions_page() -> None:
    spans = re.findall(r"`([^`]+)`", DOCS.read_text())  # a name in code: alone, or in a list of columns
    documented = {name for span in spans for name in re.findall(r"[a-z_][a-z0-9_]*", span)}
    missing = sorted(
        f"{model.__name__}.{name}"
        for model in report_models()
        for name, hint in get_type_hints(model).items()
        if name not in NOT_FIGURES and name not in documented and not holds_rows(hint)
    )
    assert not missing, f"not defined in docs/business-metrics.md: {', '.join(missing)}"
