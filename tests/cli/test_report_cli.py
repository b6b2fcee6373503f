"""``tenantdb report ...`` end to end on the hand-computed dataset: rich, --json and --csv, and the errors."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from tenantdb.cli.app import app
from tenantdb.errors import ExitCode

REPORTS = {
    # report: (extra arguments, keys of its JSON document, first CSV columns)
    "executive": (
        [],
        {
            "scope",
            "overall_health",
            "key_metrics",
            "trend",
            "health",
            "reasons",
            "tenants",
            "alerts",
            "actions",
            "plans",
        },
        ["tenant_id", "company_name", "slug"],
    ),
    "cost-optimization": (
        [],
        {"scope", "total_dollars_per_month", "savings", "opportunities", "idle_dedicated", "unprofitable", "pools"},
        ["rank", "kind", "subject"],
    ),
    "cost-per-email": ([], {"scope", "tenants", "plans"}, ["tenant_id", "company_name", "plan_name"]),
    "plans": ([], {"scope", "plans"}, ["plan_name", "price_monthly", "tenants"]),
    "deliverability": (
        [],
        {"scope", "limits", "revenue_at_risk", "potential_savings", "risk_levels", "tenants"},
        ["tenant_id", "company_name", "plan_name"],
    ),
    "reconciliation": ([], {"scope", "modeled", "invoiced", "providers"}, ["provider", "month", "modeled"]),
    "explain": (
        ["--tenant", "beta-corp"],
        {"scope", "tenant_id", "total_cost", "lines_total", "balanced", "lines"},
        ["line_id", "category", "cost_kind"],
    ),
}


@pytest.fixture
def report_dsn(report_data_dsn: str) -> str:
    return report_data_dsn


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize("name", REPORTS)
def test_report_in_three_formats(report_dsn: str, name: str) -> None:
    extra, keys, columns = REPORTS[name]
    code, text = run("report", name, "--dsn", report_dsn, *extra)
    assert code == 0, text
    assert "2026-09" in text
    # every report that shows revenue states its basis; the reconciliation shows none
    assert ("revenue basis: recognized_revenue" in text) == (name != "reconciliation")

    code, output = run("report", name, "--dsn", report_dsn, "--json", *extra)
    assert code == 0, output
    document = json.loads(output)
    assert keys <= set(document), keys - set(document)
    assert document["report"] == name
    assert document["scope"]["revenue_basis"] == "recognized_revenue" and document["scope"]["month"] == "2026-09-01"

    code, output = run("report", name, "--dsn", report_dsn, "--csv", *extra)
    assert code == 0, output
    rows = list(csv.reader(io.StringIO(output)))
    assert rows[0][: len(columns)] == columns
    assert len(rows) > 1 and all(len(row) == len(rows[0]) for row in rows)


def test_json_numbers_are_numbers(report_dsn: str) -> None:
    code, output = run("report", "executive", "--dsn", report_dsn, "--json")
    metrics = json.loads(output)["key_metrics"]
    assert code == 0
    # the whole cost: the customers' 322.50 and the operator's 40.00 of idle capacity
    assert (metrics["revenue"], metrics["cost"], metrics["gross_margin_ratio"]) == (399, 362.5, 0.091479)


def test_csv_values_are_machine_friendly(report_dsn: str) -> None:
    code, output = run("report", "deliverability", "--dsn", report_dsn, "--csv")
    assert code == 0
    rows = {row["company_name"]: row for row in csv.DictReader(io.StringIO(output))}
    beta = rows["Beta Corp"]
    assert (beta["bounce_rate"], beta["emails_sent"], beta["below_min_volume"]) == ("0.060000", "50000", "false")
    assert beta["reasons"] == "bounce_over_limit;complaints_over_limit"
    assert rows["Gamma Tiny"]["below_min_volume"] == "true"


def test_explain_csv_sums_to_the_tenant_cost(report_dsn: str) -> None:
    code, output = run("report", "explain", "--dsn", report_dsn, "--tenant", "Alpha Mail", "--csv")
    assert code == 0
    assert sum(float(row["amount"]) for row in csv.DictReader(io.StringIO(output))) == 30.0


def test_margin_target_as_percentage(report_dsn: str) -> None:
    code, output = run("report", "executive", "--dsn", report_dsn, "--json", "--margin-target", "5%")
    assert code == 0
    beta = next(t for t in json.loads(output)["tenants"] if t["slug"] == "beta-corp")
    assert "margin_below_target" not in beta["reasons"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "plans", "--month", "2026-13"], "expected a month like 2025-06"),
        (["report", "plans", "--month", "2025-01"], "no rollups for 2025-01"),
        (["report", "explain", "--tenant", "nobody"], "no tenant 'nobody'"),
        (["report", "executive", "--margin-target", "lots"], "--margin-target 'lots'"),
    ],
)
def test_errors_exit_with_bad_input(report_dsn: str, args: list[str], message: str) -> None:
    code, output = run(*args, "--dsn", report_dsn)
    assert code == ExitCode.BAD_INPUT
    assert message in output
    code, output = run(*args, "--dsn", report_dsn, "--json")
    assert code == ExitCode.BAD_INPUT
    assert message in json.loads(output)["message"]


def test_no_rollups_yet_says_run_bi_refresh(modules_dsn: str) -> None:
    code, output = run("report", "executive", "--dsn", modules_dsn)
    assert code == ExitCode.BAD_INPUT
    assert "no rollups yet" in output and "tenantdb bi refresh" in output


def test_json_and_csv_together_is_a_usage_error(report_dsn: str) -> None:
    code, _ = run("report", "plans", "--dsn", report_dsn, "--json", "--csv")
    assert code == ExitCode.USAGE


@pytest.mark.parametrize("name", REPORTS)
def test_report_help(name: str) -> None:
    code, output = run("report", name, "--help")
    assert code == 0 and "--json" in output and "--csv" in output
