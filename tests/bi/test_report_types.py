"""``commands.report`` returns the report models, typed: the union of what every report's build returns."""

from __future__ import annotations

import typing

from tenantdb.bi.reports import REPORTS
from tenantdb.commands.bi import report


def test_report_returns_the_union_of_every_report_model() -> None:
    returned = typing.get_type_hints(report)["return"]
    assert returned is not typing.Any
    models = set()
    for build in REPORTS.values():
        built = typing.get_type_hints(build)["return"]
        models |= set(typing.get_args(built)) or {built}
    assert set(typing.get_args(returned)) == models
