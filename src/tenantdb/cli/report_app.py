"""``tenantdb report``: the unit-economics reports, as rich tables, JSON or CSV."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import typer

from tenantdb import commands
from tenantdb.bi.reports import DEFAULT_MIN_VOLUME, Report, ReportOptions, RevenueBasis, parse_month
from tenantdb.bi.reports.common import DEFAULT_LIMIT, DEFAULT_MONTHS, MAX_LIMIT, MAX_MONTHS, parse_cursor
from tenantdb.cli.options import DATABASE, Common, parse_ratio, shared, with_signature
from tenantdb.cli.report_csv import emit_csv
from tenantdb.cli.report_json import emit_report
from tenantdb.cli.report_views import show_report

report_app = typer.Typer(
    help="Unit economics per tenant and plan: executive summary, costs, deliverability.\n\n"
    "Reports read the rollups of module bi (run `tenantdb bi refresh` first) and use recognized revenue of the "
    "month (--basis cash: the ledger as dated). Definitions: docs/business-metrics.md.",
    no_args_is_help=True,
)

MonthOpt = Annotated[
    str | None,
    typer.Option(
        "--month",
        help="Month to report, YYYY-MM \\[default: the last complete refreshed month; the current month, labelled "
        "partial, only when named].",
        show_default=False,
    ),
]
DEFAULT_MARGIN_TARGET = "0.30"
MarginTargetOpt = Annotated[
    str,
    typer.Option("--margin-target", help="Gross margin below which a tenant gets margin_below_target: 0.3 or 30%."),
]
MinVolumeOpt = Annotated[
    int,
    typer.Option("--min-volume", help="E-mails a tenant must send in the month before deliverability reasons apply."),
]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print the report's main table as CSV (header row first).")]
DEFAULT_BASIS = RevenueBasis.RECOGNIZED.option
BasisOpt = Annotated[
    str,
    typer.Option(
        "--basis",
        help="Revenue basis: recognized (ASC 606 / IFRS 15: over the service period) or cash (the ledger as dated).",
    ),
]


def _run_report(
    name: str,
    common: Common,
    *,
    month: str | None,
    as_csv: bool,
    margin_target: str = DEFAULT_MARGIN_TARGET,
    min_volume: int = DEFAULT_MIN_VOLUME,
    tenant: str | None = None,
    basis: str = DEFAULT_BASIS,
    limit: int = DEFAULT_LIMIT,
    months: int = DEFAULT_MONTHS,
    after: str | None = None,
) -> None:
    if common.as_json and as_csv:
        raise typer.BadParameter("choose one of --json and --csv")

    def action() -> Report:
        options = ReportOptions(
            month=parse_month(month) if month is not None else None,
            basis=RevenueBasis.from_option(basis),
            margin_target=parse_ratio("--margin-target", margin_target, "0.3 or 30%"),
            min_volume=min_volume,
            tenant=tenant,
            limit=limit,
            months=months,
            after=None if after is None else parse_cursor(after),
        )
        return commands.report(common.settings(), name, options)

    common.run(action, emit_csv if as_csv else show_report, emit=emit_report)


TenantOpt = Annotated[str, typer.Option("--tenant", "-t", help="The tenant: its id, slug or name.")]
ExecutiveTenantOpt = Annotated[
    str | None,
    typer.Option(
        "--tenant",
        "-t",
        help="One customer's executive summary (its id, slug or name) instead of the portfolio's.",
        show_default=False,
    ),
]
ReconciledMonthOpt = Annotated[
    str | None,
    typer.Option("--month", help="Month, YYYY-MM \\[default: the latest reconciled month].", show_default=False),
]
LimitOpt = Annotated[
    int, typer.Option("--limit", help=f"Rows of each list (1 to {MAX_LIMIT:,}), in the report's keyset order.")
]
AfterOpt = Annotated[
    str | None,
    typer.Option(
        "--after",
        help="Keyset cursor: the id of the last row of the previous page (a tenant, action or decision id).",
        show_default=False,
    ),
]
MonthsOpt = Annotated[
    int, typer.Option("--months", help=f"Months of each trend, ending with --month (1 to {MAX_MONTHS}).")
]

_OPTIONS: dict[str, tuple[Any, Any]] = {
    "month": (MonthOpt, None),
    "basis": (BasisOpt, DEFAULT_BASIS),
    "margin_target": (MarginTargetOpt, DEFAULT_MARGIN_TARGET),
    "min_volume": (MinVolumeOpt, DEFAULT_MIN_VOLUME),
    "limit": (LimitOpt, DEFAULT_LIMIT),
    "months": (MonthsOpt, DEFAULT_MONTHS),
    "after": (AfterOpt, None),
}
"""A report's own options: name -> (annotation, default)."""
MONTH_OPTIONS = ("month", "basis", "margin_target", "min_volume")
DASHBOARD_OPTIONS = (*MONTH_OPTIONS, "limit", "months", "after")


def _report(name: str, help_text: str, *options: str, **special: tuple[Any, Any]) -> None:
    """Registers ``tenantdb report NAME`` with ``special`` options (``tenant=(annotation, default)``) first, then
    ``options`` of :data:`_OPTIONS`, ``--csv`` and the shared ones; one signature, built here for typer."""

    def command(*, common: Common, as_csv: bool = False, **values: Any) -> None:
        _run_report(name, common, as_csv=as_csv, **values)

    chosen = {**special, **{option: _OPTIONS[option] for option in options}, "as_csv": (CsvOpt, False)}
    parameters = [
        inspect.Parameter(option, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)
        for option, (annotation, default) in chosen.items()
    ]
    parameters.append(inspect.Parameter("common", inspect.Parameter.KEYWORD_ONLY, annotation=Common))
    report_app.command(name, help=help_text)(shared(*DATABASE)(with_signature(command, parameters)))


_report(
    "executive",
    "Overall health, key metrics, KPIs against the plan's targets, tenants by health, alerts, actions, plans, trend."
    "\n\nWith --tenant: one customer's summary: health, each KPI beside its target, alerts, actions, trend.\n\n"
    "CSV: the tenants needing attention (with --tenant: its KPIs and their targets).",
    *MONTH_OPTIONS,
    tenant=(ExecutiveTenantOpt, None),
)
_report(
    "cost-optimization",
    "Savings in dollars: idle dedicated capacity, unprofitable tenants, pools with a high idle share.\n\n"
    "CSV: every opportunity, largest dollars per month first.",
    *MONTH_OPTIONS,
)
_report(
    "cost-per-email",
    "Cost per delivered e-mail (cost only, never revenue) per tenant and per plan.\n\nCSV: every tenant.",
    *MONTH_OPTIONS,
)
_report(
    "plans",
    "Plan profitability, with the spread of tenant margins inside each plan (min, p25, median, p75, max).\n\n"
    "CSV: one row per plan.",
    *MONTH_OPTIONS,
)
_report(
    "deliverability",
    "Risk levels, bounce and complaint rates against the SES and Gmail limits, revenue at risk, savings.\n\n"
    "CSV: every tenant, largest estimated loss first.",
    *MONTH_OPTIONS,
)
_report(
    "reconciliation",
    "Modeled cost against provider invoices per provider: scale factor, rate and quantity drift, unmatched.\n\n"
    "CSV: one row per provider.",
    month=(ReconciledMonthOpt, None),
)
_report(
    "explain",
    "Every allocation line of a tenant's month: rule, driver value, driver total, unit cost, amount.\n\n"
    "The lines sum to the tenant's cost. CSV: one row per line.",
    "month",
    "basis",
    tenant=(TenantOpt, inspect.Parameter.empty),
)
_report(
    "revenue-health",
    "Revenue Health Monitor: deliverability and revenue at risk, portfolio and per tenant, against the providers' "
    "limits, with the trend of the last --months months.\n\nCSV: the tenants, largest revenue at risk first.",
    *DASHBOARD_OPTIONS,
)
_report(
    "cost-center",
    "Cost Optimization Center: savings identified, taken and realized per month and cumulative, per kind of action, "
    "and the open actions.\n\nCSV: the open actions, largest saving first.",
    *DASHBOARD_OPTIONS,
)
_report(
    "efficiency",
    "Operational Efficiency: utilization and idle capacity per pool and of dedicated servers, cost per 1,000 e-mails "
    "per tenant and its trend, efficiency scores.\n\nCSV: the tenants, most expensive per 1,000 first.",
    *DASHBOARD_OPTIONS,
)
_report(
    "decisions",
    "Strategic Decision Tracker: decisions opened and decided, velocity (median and p90 days), outcomes, the "
    "month's decisions.\n\nCSV: the decisions, newest first.",
    *DASHBOARD_OPTIONS,
)
_report(
    "benchmarks",
    "Each tenant against the providers' limits and the other tenants (percentile ranks), and each metric's "
    "distribution.\n\nCSV: the tenants by name.",
    *DASHBOARD_OPTIONS,
)
_report(
    "trend",
    "The portfolio's last --months months: revenue, modeled cost, margin, cost per 1,000, revenue at risk.\n\n"
    "CSV: one row per month.",
    *DASHBOARD_OPTIONS,
)
_report(
    "tenant",
    "One tenant's page: its allocation explained line by line, its health with reasons, its trend.\n\n"
    "CSV: one row per month of the trend.",
    *MONTH_OPTIONS,
    "months",
    tenant=(TenantOpt, inspect.Parameter.empty),
)
