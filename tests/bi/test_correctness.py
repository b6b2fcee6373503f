"""The SQL of ``cost_tracking``/``bi`` against the independent reference (tests/bi/reference.py), to the cent.

Each dataset (hypothesis-generated, or one of the explicit examples) is inserted into a database with every
module applied (one database for the file, emptied before each test and example), ``tenantdb.bi``'s refresh
recomputes August and September 2026, and every number of the rollups, the three views, the reconciliation and
the report models is compared with the reference: money to the cent, ratios to ``RATE_PRECISION`` (PostgreSQL's
numeric division keeps at least 16 significant digits) or to the decimals a report rounds them to.
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict
from datetime import date
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from psycopg import sql
from psycopg.conninfo import make_conninfo

from tenantdb.bi.refresh import RefreshRequest, refresh
from tenantdb.bi.reports.common import ReportOptions, ReportScope, query, resolve_scope, scope_params
from tenantdb.bi.reports.executive import ExecutiveReport
from tenantdb.bi.reports.explain import build as build_explain
from tenantdb.bi.reports.figures import REASON_CODES, TenantFigures, details, rows_as
from tenantdb.db import Session, connect
from tests.bi import reference as ref
from tests.bi.builders import portfolio_executive
from tests.bi.datasets import EXAMPLES, MONTH, PREVIOUS, Builder, clear, datasets, insert, read_back
from tests.modules.support import apply_modules

MONTHS = (PREVIOUS, MONTH)
RATE_PRECISION = Fraction(1, 10**12)
MIN_RATE_SCALE = 2
ROLLUPS = ("bi_cost_allocation_lines", "bi_tenant_monthly", "bi_reconciliation", "bi_refresh_state")
SHOWN = 12  # mismatches printed per comparison
EXPLAINED = 2  # tenants per dataset whose `report explain` is compared (a few queries each)
ONE_DATABASE = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]  # emptied between examples
# Shrinking would rerun the refresh hundreds of times (minutes); the diff printed is short without it.
NO_SHRINKING = (Phase.explicit, Phase.reuse, Phase.generate)


def refresh_months(session: Session, months: Sequence[date]) -> None:
    """``tenantdb.bi``'s refresh of the given months (each in its own transaction)."""
    refresh(session, RefreshRequest(months=tuple(months)))


@pytest.fixture(scope="module")
def bi_database(pg_server: Any) -> Iterator[str]:
    """One database with every module applied for the whole file (applying them takes seconds)."""
    name = f"t_bi_{secrets.token_hex(6)}"
    with connect(pg_server.dsn) as server:
        server.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier("template0"))
        )
    dsn = make_conninfo(pg_server.dsn, dbname=name)
    with connect(dsn) as session:
        apply_modules(session, "bi")
    yield dsn
    with connect(pg_server.dsn) as server:
        server.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def bi_session(bi_database: str) -> Iterator[Session]:
    """A session on the file's database, emptied first: every test (and hypothesis example) starts from nothing."""
    with connect(bi_database, application_name="tenantdb bi correctness") as session:
        clear(session, ROLLUPS)
        yield session


# ---------------------------------------------------------------------------------------------------- comparing


def cents(value: Any) -> Decimal | None:
    return None if value is None else ref.round_cents(Fraction(value))


def close(expected: Fraction | None, got: Any) -> bool:
    """A ratio agrees when it is within ``RATE_PRECISION`` or is the reference rounded to the scale it is
    shown at (reports round ratios for display; never coarser than ``MIN_RATE_SCALE`` decimals)."""
    if expected is None or got is None:
        return expected is None and got is None
    if abs(Fraction(got) - expected) <= RATE_PRECISION * max(Fraction(1), abs(expected)):
        return True
    exponent = Decimal(got).as_tuple().exponent
    scale = -exponent if isinstance(exponent, int) else 0
    return Fraction(got) == round_half_away(expected, max(scale, MIN_RATE_SCALE))


def round_half_away(value: Fraction, scale: int) -> Fraction:
    unit = Fraction(1, 10**scale)
    steps = abs(value) / unit + Fraction(1, 2)
    return (1 if value >= 0 else -1) * (steps.numerator // steps.denominator) * unit


class Diff:
    """Mismatches of one dataset, printed as a short list when the test fails."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def add(self, where: str, expected: object, got: object) -> None:
        self.problems.append(f"{where}: expected {expected!r}, got {got!r}")

    def money(self, where: str, expected: Fraction | Decimal | None, got: Any) -> None:
        wanted = None if expected is None else ref.round_cents(Fraction(expected))
        if wanted != cents(got):
            self.add(where, wanted, got)

    def unrounded(self, where: str, expected: Fraction | Decimal | None, got: Any) -> None:
        """A figure stored unrounded: PostgreSQL's numeric division keeps at least 16 significant digits, so it
        matches the exact fraction to 1e-9 (rounding both to the cent would split a ...4999 from a ...5000)."""
        if (expected is None) != (got is None) or (
            expected is not None and abs(Fraction(expected) - Fraction(got)) > Fraction(1, 10**9)
        ):
            self.add(where, None if expected is None else as_decimal(Fraction(expected)), got)

    def rate(self, where: str, expected: Fraction | None, got: Any) -> None:
        if not close(expected, got):
            self.add(where, None if expected is None else float(expected), got)

    def equal(self, where: str, expected: object, got: object) -> None:
        if expected != got:
            self.add(where, expected, got)

    def multiset(self, where: str, expected: Counter[Any], got: Counter[Any]) -> None:
        for item in sorted((expected - got).elements(), key=repr)[:SHOWN]:
            self.problems.append(f"{where}: missing {item}")
        for item in sorted((got - expected).elements(), key=repr)[:SHOWN]:
            self.problems.append(f"{where}: unexpected {item}")

    def keys(self, where: str, expected: set[Any], got: set[Any], optional: set[Any] | None = None) -> set[Any]:
        """The keys both sides have; reports the rest (``optional`` ones may be missing from the SQL)."""
        for key in sorted(expected - got - (optional or set()), key=repr)[:SHOWN]:
            self.problems.append(f"{where}: no row for {key}")
        for key in sorted(got - expected, key=repr)[:SHOWN]:
            self.problems.append(f"{where}: unexpected row {key}")
        return expected & got

    def check(self, label: str) -> None:
        if self.problems:
            shown = "\n  ".join(self.problems[: SHOWN * 4])
            more = len(self.problems) - SHOWN * 4
            pytest.fail(
                f"{label}: SQL and reference disagree\n  {shown}" + (f"\n  ... {more} more" if more > 0 else "")
            )


def fetch(session: Session, query: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    columns, rows = session.fetch_named(query, params)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def line_key(line: dict[str, Any]) -> tuple[Any, ...]:
    """What the page defines of a line. Idle lines: amount, unit and payer (their rule/driver are not defined);
    the driver's name is defined for usage drivers only."""
    idle = line["category"] == "idle_capacity"
    usage = line["rule"] == "usage_driver"
    pooled_investment = line["category"] == "warmup_investment" and line["pool_id"] is not None
    return (
        str(line["tenant_id"]),
        None if line["pool_id"] is None else str(line["pool_id"]),
        line["resource_kind"],
        None if line["resource_id"] is None else str(line["resource_id"]),
        line["cost_kind"],
        line["category"],
        None if idle or pooled_investment else line["rule"],
        line["driver"] if usage and not idle else None,
        None if idle or line["driver_value"] is None else Fraction(line["driver_value"]),
        None if idle or line["driver_total"] is None else Fraction(line["driver_total"]),
        cents(line["unit_cost"]),
        cents(line["amount"]),
    )


def reference_line(line: ref.Line) -> dict[str, Any]:
    return {name: getattr(line, name) for name in ref.Line.__dataclass_fields__}


RESOURCE_CATEGORIES = ("dedicated", "warmup_investment")


def rolled_up(lines: Sequence[ref.Line]) -> list[ref.Line]:
    """The reference's lines at the rollup's grain (docs/business-metrics.md): its per-resource lines summed per
    tenant, pool, cost kind and category (the resource count as driver_value, the amounts added cent by cent);
    shares, overhead and idle lines unchanged."""
    groups: dict[tuple[Any, ...], list[ref.Line]] = defaultdict(list)
    others = []
    for line in lines:
        if line.category in RESOURCE_CATEGORIES:
            groups[(line.tenant_id, line.month, line.pool_id, line.cost_kind, line.category)].append(line)
        else:
            others.append(line)
    for (tenant, month, pool, kind, category), members in groups.items():
        amount = sum((member.amount for member in members), Decimal(0))
        others.append(
            ref.Line(
                tenant_id=tenant,
                month=month,
                pool_id=pool,
                resource_kind="vps" if kind == "infrastructure" else "ip",
                resource_id=None,
                cost_kind=kind,
                category=category,
                rule=members[0].rule,
                driver="resources",
                driver_value=Fraction(len(members)),
                driver_total=None,
                unit_cost=amount,
                amount=amount,
            )
        )
    return others


def compare_lines(diff: Diff, session: Session, figures: ref.MonthFigures) -> None:
    got = fetch(session, "SELECT * FROM bi_cost_allocation_lines WHERE month = %s", (figures.month,))
    diff.multiset(
        f"lines {figures.month:%Y-%m}",
        Counter(line_key(reference_line(line)) for line in rolled_up(figures.lines)),
        Counter(line_key(line) for line in got),
    )
    units: dict[tuple[Any, str], list[dict[str, Any]]] = defaultdict(list)
    for line in got:
        if line["pool_id"] is not None and line["category"] != "warmup_investment":
            units[(line["pool_id"], line["cost_kind"])].append(line)
        elif cents(line["unit_cost"]) != line["amount"]:
            diff.add(
                f"resource line {line['tenant_id']}/{line['cost_kind']}/{line['category']}: amount = its cost",
                cents(line["unit_cost"]),
                line["amount"],
            )
    for (pool, kind), lines in units.items():
        unit_costs = {cents(line["unit_cost"]) for line in lines}
        total = sum(line["amount"] for line in lines)
        if len(unit_costs) != 1 or total not in unit_costs:
            diff.add(f"unit {pool}/{kind} {figures.month:%Y-%m}: lines sum to the unit cost", unit_costs, total)


def compare_daily_costs(diff: Diff, session: Session, data: ref.Dataset, month: date) -> None:
    """View ``resource_cost_daily`` (cost_tracking) over the month: one row per active day, cost / days."""
    rows = fetch(
        session,
        "SELECT tenant_id, resource_kind, resource_id, cost_kind, day, daily_cost FROM resource_cost_daily"
        " WHERE day >= %s AND day < %s",
        (month, ref.next_month(month)),
    )
    got = {(row["resource_kind"], row["resource_id"], row["day"]): row for row in rows}
    expected = {(row.resource_kind, row.resource_id, row.day): row for row in ref.resource_cost_daily(data, month)}
    for key in diff.keys(f"resource_cost_daily {month:%Y-%m}", set(expected), set(got)):
        where = f"resource_cost_daily {key[0]} {key[1]} {key[2]}"
        diff.rate(f"{where}.daily_cost", expected[key].daily_cost, got[key]["daily_cost"])
        diff.equal(f"{where}.tenant_id", expected[key].tenant_id, got[key]["tenant_id"])
        diff.equal(f"{where}.cost_kind", expected[key].cost_kind, got[key]["cost_kind"])


MONTHLY_MONEY = (
    "price_monthly",
    "recognized_revenue",
    "cash_revenue",
    "deferred_revenue",
    "infrastructure_cost",
    "email_service_cost",
    "total_cost",
)
MONTHLY_EXACT = (
    "company_name",
    "plan_id",
    "plan_name",
    "current_period_start",
    "current_period_end",
    "emails_sent",
    "emails_delivered",
    "emails_bounced",
    "spam_complaints",
    "dedicated_capacity",
    "unconverted_entries",
    "unconverted_currencies",
)


def compare_monthly(diff: Diff, session: Session, figures: ref.MonthFigures) -> None:
    got = {
        row["tenant_id"]: row
        for row in fetch(session, "SELECT * FROM bi_tenant_monthly WHERE month = %s", (figures.month,))
    }
    expected = {row.tenant_id: row for row in figures.tenants}
    where = f"bi_tenant_monthly {figures.month:%Y-%m}"
    for tenant in diff.keys(where, set(expected), set(got), set()):
        where = f"bi_tenant_monthly {figures.month:%Y-%m} {expected[tenant].company_name}"
        for name in MONTHLY_MONEY:
            diff.money(f"{where}.{name}", getattr(expected[tenant], name), got[tenant][name])
        for name in MONTHLY_EXACT:
            diff.equal(f"{where}.{name}", getattr(expected[tenant], name), got[tenant][name])


def compare_reconciliation(diff: Diff, session: Session, figures: ref.MonthFigures) -> None:
    got = {
        row["provider"]: row
        for row in fetch(session, "SELECT * FROM bi_reconciliation WHERE month = %s", (figures.month,))
    }
    expected = {row.provider: row for row in figures.reconciliation}
    for provider in diff.keys(f"bi_reconciliation {figures.month:%Y-%m}", set(expected), set(got)):
        where = f"bi_reconciliation {figures.month:%Y-%m} {provider}"
        row, sql_row = expected[provider], got[provider]
        for name in ("invoiced", "unmatched", "invoiced_original"):
            diff.money(f"{where}.{name}", getattr(row, name), sql_row[name])
        for name in ("modeled", "rate_drift", "quantity_drift"):  # unrounded in bi_reconciliation
            diff.unrounded(f"{where}.{name}", getattr(row, name), sql_row[name])
        diff.rate(f"{where}.scale_factor", row.scale_factor, sql_row["scale_factor"])
        diff.rate(f"{where}.fx_rate", row.fx_rate, sql_row["fx_rate"])
        for name in ("flagged", "flag_reason", "currency"):
            diff.equal(f"{where}.{name}", getattr(row, name), sql_row[name])


VIEW_MONEY = {
    "monthly_subscription_revenue",
    "infrastructure_costs",
    "email_service_costs",
    "total_operational_cost",
    "monthly_profit",
    "price_monthly",
    "total_infrastructure_cost",
    "total_email_service_cost",
    "total_monthly_cost",
    "estimated_revenue_loss",
    "potential_savings",
}
VIEW_RATES = {
    "gross_margin_ratio",
    "cost_efficiency_score",
    "cost_per_email_delivered",
    "business_efficiency_ratio",
    "bounce_rate",
    "spam_rate",
}


def compare_views(diff: Diff, session: Session, data: ref.Dataset) -> None:
    """The three views, for the reporting month: the latest ended month present in ``bi_tenant_monthly`` (the
    current month when no ended one is), which the datasets' service periods can reach."""
    month = session.fetch_value(
        "SELECT coalesce(max(month) FILTER (WHERE month < date_trunc('month', now() AT TIME ZONE 'UTC')),"
        " max(month)) FROM bi_tenant_monthly"
    )
    figures = ref.compute_month(data, month or MONTH)
    today = session.fetch_value("SELECT current_date")
    tenants = [row for row in figures.tenants if month is not None]
    views: list[tuple[str, Callable[[Any], Any], Sequence[Any], set[Any]]] = [
        (
            "executive_business_summary",
            lambda row: row.tenant_id,
            ref.executive_summary(tenants, today),
            set(),
        ),
        ("business_cost_allocation", lambda row: row.tenant_id, ref.cost_allocation(tenants), set()),
        # One row per tenant and day of deliverability_daily: a customer's day without volume shows too.
        (
            "deliverability_business_impact",
            lambda row: (row.company_id, row.tracking_date),
            ref.deliverability_impact(data, figures.month) if month is not None else [],
            set(),
        ),
    ]
    for view, key, rows, optional in views:
        expected = {key(row): row for row in rows}
        got = {}
        for sql_row in fetch(session, f"SELECT * FROM {view}"):
            if view == "deliverability_business_impact":
                got[(sql_row["company_id"], sql_row["tracking_date"])] = sql_row
            else:
                got[sql_row["tenant_id"]] = sql_row
        names = list(type(rows[0]).__dataclass_fields__) if rows else []
        for item in diff.keys(view, set(expected), set(got), optional):
            for name in names:
                where, wanted, actual = f"{view} {item}.{name}", getattr(expected[item], name), got[item].get(name)
                if name in VIEW_MONEY:
                    diff.money(where, wanted, actual)
                elif name in VIEW_RATES:
                    diff.rate(where, wanted, actual)
                else:
                    diff.equal(where, wanted, actual)


REPORT_MONEY = (
    "recognized_revenue",
    "total_cost",
    "profit",
    "estimated_revenue_loss",
    "revenue_at_risk",
    "potential_savings",
)
REPORT_RATES = (
    "gross_margin_ratio",
    "cost_efficiency_score",
    "business_efficiency_ratio",
    "bounce_rate",
    "spam_rate",
    "cost_per_email_delivered",
    "cost_per_1000_delivered",
)
REPORT_EXACT = (
    "business_health_status",
    "margin_not_applicable_reason",
    "business_risk_level",
    "below_min_volume",
    "dedicated_capacity",
)
TOTALS_MONEY = (
    "revenue",
    "deferred_revenue",
    "infrastructure_cost",
    "email_service_cost",
    "cost",
    "profit",
    "customers_cost",
    "customers_profit",
    "idle_capacity",
    "warmup_investment",
    "platform_resources",
    "unallocated",
    "revenue_at_risk",
)
TOTALS_EXACT = ("tenants", "emails_sent", "emails_delivered", "unprofitable_tenants")


def comparable_reasons(figures: Any) -> list[str]:
    """Reason codes in a stable order. Without revenue the gross margin is NULL, and the page does not say whether
    that is "below the target" (docs/business-metrics.md: "margin_below_target: gross margin below the target"),
    so that one code is not compared then."""
    reasons = sorted(figures.reasons)
    if figures.recognized_revenue == 0:
        reasons = [reason for reason in reasons if reason != "margin_below_target"]
    return reasons


def every_tenants_figures(session: Session, scope: ReportScope) -> tuple[TenantFigures, ...]:
    """The report-ready figures (``TenantFigures``) of every customer of the month, as the reports compute them
    (``sql/tenant_figures.sql`` then ``sql/tenant_details.sql``); reports show only some of them."""
    text = "WITH figures AS (\n" + query("tenant_figures") + "\n)\nSELECT * FROM (\n"
    text += details("SELECT * FROM figures") + "\n) AS d"
    columns, rows = session.fetch_named(text, scope_params(scope))
    return rows_as(TenantFigures, columns, rows)


def compare_reports(diff: Diff, session: Session, data: ref.Dataset, figures: ref.MonthFigures) -> None:
    """The report models of ``tenantdb.bi.reports`` for the month: per-tenant figures, reasons, key metrics."""
    if not session.fetch_value("SELECT count(*) FROM bi_tenant_monthly WHERE month = %s", (figures.month,)):
        return  # no month to report on: the comparison of bi_tenant_monthly says why
    scope = resolve_scope(session, ReportOptions(month=figures.month))
    label = f"report {figures.month:%Y-%m}"
    got = {row.tenant_id: row for row in every_tenants_figures(session, scope)}
    expected = {row.tenant_id: ref.report_figures(row) for row in figures.tenants}
    for tenant in diff.keys(f"{label} figures", set(expected), set(got), set()):
        want, have = expected[tenant], got[tenant]
        where = f"{label} {have.company_name}"
        for name in REPORT_MONEY:
            diff.money(f"{where}.{name}", getattr(want, name), getattr(have, name))
        for name in REPORT_RATES:
            diff.rate(f"{where}.{name}", getattr(want, name), getattr(have, name))
        for name in REPORT_EXACT:
            diff.equal(f"{where}.{name}", getattr(want, name), getattr(have, name))
        diff.equal(f"{where}.reasons", comparable_reasons(want), comparable_reasons(have))
    reported = [row for row in figures.tenants if row.tenant_id in got]
    executive = portfolio_executive(session, ReportOptions(month=figures.month))
    compare_key_metrics(diff, label, ref.key_metrics(reported, data, figures.month, figures.lines), executive)
    check_bounds(diff, label, [expected[row.tenant_id] for row in reported], executive)
    compare_health_counts(diff, label, [expected[row.tenant_id] for row in reported], executive)


def check_bounds(diff: Diff, label: str, tenants: Sequence[ref.ReportFigures], executive: ExecutiveReport) -> None:
    """Revenue at risk never exceeds the revenue it is part of (per customer, and in total the revenue of the customers
    whose month earned any), and the bridge's lines,
    as shown, add up to the company margin shown, which is revenue minus the modeled cost of the month."""
    for row in tenants:
        if not 0 <= row.revenue_at_risk <= max(row.recognized_revenue, Decimal(0)):
            diff.equal(f"{label} {row.tenant_id} revenue at risk within its revenue", True, False)
    totals = executive.key_metrics
    earning = sum((max(row.recognized_revenue, Decimal(0)) for row in tenants), Decimal(0))  # refunds put none at risk
    diff.equal(f"{label} revenue at risk <= revenue", True, totals.revenue_at_risk <= earning)
    lines = executive.bridge
    diff.money(f"{label} bridge adds up", sum((line.amount for line in lines[:-1]), Decimal(0)), lines[-1].amount)
    diff.money(f"{label} bridge ends at the company margin", totals.profit, lines[-1].amount)
    diff.money(f"{label} portfolio cost", totals.cost, totals.infrastructure_cost + totals.email_service_cost)


def compare_key_metrics(diff: Diff, label: str, metrics: ref.KeyMetrics, executive: ExecutiveReport) -> None:
    totals = executive.key_metrics
    for name in TOTALS_MONEY:
        diff.money(f"{label} key metrics.{name}", getattr(metrics, name), getattr(totals, name))
    for name in TOTALS_EXACT:
        diff.equal(f"{label} key metrics.{name}", getattr(metrics, name), getattr(totals, name))
    diff.rate(f"{label} key metrics.gross_margin_ratio", metrics.gross_margin_ratio, totals.gross_margin_ratio)
    diff.rate(f"{label} key metrics.cost_per_1000", metrics.cost_per_1000_delivered, totals.cost_per_1000_delivered)
    diff.equal(f"{label} overall health", metrics.overall_health, executive.overall_health)


def compare_health_counts(
    diff: Diff, label: str, tenants: Sequence[ref.ReportFigures], executive: ExecutiveReport
) -> None:
    """Tenants by health status and by reason code, with their revenue and cost."""
    groups: dict[str, list[ref.ReportFigures]] = defaultdict(list)
    for row in tenants:
        groups[row.business_health_status].append(row)
    for count in executive.health:
        rows = groups.get(count.name, [])
        diff.equal(f"{label} health {count.name}.tenants", len(rows), count.tenants)
        revenue = sum((r.recognized_revenue for r in rows), Decimal(0))
        diff.money(f"{label} health {count.name}.revenue", revenue, count.revenue)
        diff.money(f"{label} health {count.name}.cost", sum((r.total_cost for r in rows), Decimal(0)), count.cost)
    by_reason = {count.name: count for count in executive.reasons}
    for reason in REASON_CODES:
        strict = [row for row in tenants if reason in row.reasons]
        counted = by_reason.get(reason)
        tenants_counted = 0 if counted is None else counted.tenants
        if reason == "margin_below_target":  # see comparable_reasons: NULL margins may count either way
            undefined = [row for row in tenants if row.recognized_revenue == 0 and row.total_cost > 0]
            if len(strict) <= tenants_counted <= len(strict) + len(undefined):
                continue
        diff.equal(f"{label} reason {reason}.tenants", len(strict), tenants_counted)


def compare_statuses(diff: Diff, session: Session) -> None:
    """Every customer has the same health status in ``executive_business_summary`` as in the reports (one SQL
    definition, issue 12 finding 6), for the views' month."""
    month = session.fetch_value("SELECT tenantdb_bi_reporting_month()")
    if month is None:
        return
    shown = dict(session.fetch_all("SELECT tenant_id, business_health_status FROM executive_business_summary"))
    scope = resolve_scope(session, ReportOptions(month=month))
    reported = {row.tenant_id: row.business_health_status for row in every_tenants_figures(session, scope)}
    for tenant in diff.keys("statuses of the view and the reports", set(reported), set(shown), set()):
        diff.equal(f"status of {tenant} in the view and the reports", reported[tenant], shown[tenant])


def compare_explain(diff: Diff, session: Session, figures: ref.MonthFigures) -> None:
    """``tenantdb report explain --tenant T`` of the first customers: its lines, their total, and the balance."""
    reported = {
        row[0]
        for row in session.fetch_all("SELECT tenant_id FROM bi_tenant_monthly WHERE month = %s", (figures.month,))
    }
    for row in [row for row in figures.tenants if row.tenant_id in reported][:EXPLAINED]:
        report = build_explain(session, ReportOptions(month=figures.month, tenant=str(row.tenant_id)))
        where = f"explain {row.company_name} {figures.month:%Y-%m}"
        got = Counter(line_key({"tenant_id": row.tenant_id, **asdict(line)}) for line in report.lines)
        expected = Counter(line_key(reference_line(line)) for line in figures.lines if line.tenant_id == row.tenant_id)
        diff.multiset(f"{where} lines", expected, got)
        diff.money(f"{where}.lines_total", Fraction(row.total_cost), report.lines_total)
        diff.money(f"{where}.recognized_revenue", Fraction(row.recognized_revenue), report.recognized_revenue)
        diff.equal(f"{where}.balanced", True, report.balanced)


def compare_everything(session: Session, label: str) -> None:
    """Refresh both months, then compare every table and view with the reference over the rows read back."""
    refresh_months(session, MONTHS)
    data = read_back(session)
    diff = Diff()
    for month in MONTHS:
        figures = ref.compute_month(data, month)
        compare_lines(diff, session, figures)
        compare_monthly(diff, session, figures)
        compare_reconciliation(diff, session, figures)
        compare_reports(diff, session, data, figures)
        compare_daily_costs(diff, session, data, month)
    compare_explain(diff, session, ref.compute_month(data, MONTH))
    compare_views(diff, session, data)
    compare_statuses(diff, session)
    diff.check(label)


# ---------------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_matches_the_reference(bi_session: Session, name: str) -> None:
    insert(bi_session, EXAMPLES[name]())
    compare_everything(bi_session, name)


def refresh_example(session: Session, name: str) -> None:
    """Insert the example ``name`` and refresh both months."""
    insert(session, EXAMPLES[name]())
    refresh_months(session, MONTHS)


def test_tenant_a_b_c_numbers_are_the_issue_examples(bi_session: Session) -> None:
    refresh_example(bi_session, "tenants_abc")
    rows = fetch(
        bi_session,
        "SELECT company_name, infrastructure_cost, recognized_revenue, total_cost FROM bi_tenant_monthly "
        "WHERE month = %s AND company_name IN ('Tenant A', 'Tenant B', 'Tenant C') ORDER BY company_name",
        (MONTH,),
    )
    dedicated = fetch(
        bi_session,
        "SELECT c.name, sum(l.amount) AS amount FROM bi_cost_allocation_lines l JOIN companies c ON c.id = l.tenant_id "
        "WHERE l.month = %s AND l.rule = 'dedicated' GROUP BY c.name ORDER BY c.name",
        (MONTH,),
    )
    assert {row["name"]: row["amount"] for row in dedicated}["Tenant A"] == Decimal("450.00")
    by_name = {row["company_name"]: row for row in rows}
    assert by_name["Tenant A"]["total_cost"] == by_name["Tenant A"]["infrastructure_cost"] == Decimal("450.00")
    assert by_name["Tenant B"]["recognized_revenue"] == Decimal("1000.00")
    assert by_name["Tenant C"]["recognized_revenue"] == Decimal("1450.00")
    assert "Tenant C" not in {row["name"] for row in dedicated}
    shares_of_c = bi_session.fetch_value(
        "SELECT sum(l.amount) FROM bi_cost_allocation_lines l JOIN companies c ON c.id = l.tenant_id"
        " WHERE l.month = %s AND c.name = 'Tenant C' AND l.category = 'shared'",
        (MONTH,),
    )
    assert by_name["Tenant C"]["total_cost"] == shares_of_c < 300  # its $1,500 of payments are not cost


def test_no_volume_is_insufficient_data_never_acceptable(bi_session: Session) -> None:
    refresh_example(bi_session, "null_bounce_rates")
    rows = fetch(
        bi_session,
        "SELECT tracking_date, bounce_rate, spam_rate, business_risk_level FROM deliverability_business_impact "
        "ORDER BY tracking_date, company_id",
    )
    levels = [(row["tracking_date"].day, row["bounce_rate"], row["business_risk_level"]) for row in rows]
    assert levels == [
        (5, None, "insufficient_data"),
        (6, Decimal(1), "critical_action_required"),
        (7, None, "insufficient_data"),
    ]


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=ONE_DATABASE, phases=NO_SHRINKING)
@given(data=datasets())
def test_random_datasets_match_the_reference(bi_session: Session, data: ref.Dataset) -> None:
    clear(bi_session, ROLLUPS)
    insert(bi_session, data)
    compare_everything(bi_session, "generated dataset")


def first(table: str, key: str) -> str:
    return f"{key} IN (SELECT {key} FROM {table} ORDER BY {key} LIMIT 1)"


# Changes to every kind of input the definitions read; after each, a refresh without --month must pick up every
# month the change affects (docs/business-metrics.md: "every month with data whose inputs changed").
INPUT_CHANGES = {
    "server cost": "UPDATE vps_instances SET approximate_cost = approximate_cost + 1.01 WHERE "
    + first("vps_instances", "vps_instance_id"),
    "server retired": "UPDATE vps_instances SET status = 'retired' WHERE " + first("vps_instances", "vps_instance_id"),
    "address cost": "UPDATE smtp_ip_addresses SET approximate_cost = approximate_cost + 0.37 WHERE "
    + first("smtp_ip_addresses", "ip_id"),
    "address warming": "UPDATE smtp_ip_addresses SET status = 'warming', warmup_started_at = now() WHERE "
    + first("smtp_ip_addresses", "ip_id"),
    "member weight": "UPDATE cost_pool_members SET weight = weight + 1 WHERE "
    + first("cost_pool_members", "tenant_id"),
    "member leaves": "DELETE FROM cost_pool_members WHERE " + first("cost_pool_members", "tenant_id"),
    "rule": "UPDATE allocation_rules SET rule = 'even', driver = NULL WHERE " + first("allocation_rules", "pool_id"),
    "overhead": "UPDATE cost_pools SET monthly_overhead = monthly_overhead + 12.50",
    "plan price": "UPDATE plans SET price_monthly = price_monthly + 10",
    "subscription canceled": "UPDATE subscriptions SET status = 'canceled', canceled_at = now() WHERE "
    + first("subscriptions", "subscription_id"),
    "company renamed": "UPDATE companies SET name = name || ' (renamed)'",
    "new charge": "INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at)"
    " SELECT id, 'charge', 10.00, 'USD', '2026-09-10 12:00+00' FROM companies WHERE NOT is_platform_operator",
    "credit for an earlier month": "INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at,"
    " service_period_start, service_period_end) SELECT id, 'credit', -10.00, 'USD', '2026-09-20 12:00+00',"
    " '2026-08-01', '2026-09-01' FROM companies WHERE NOT is_platform_operator",
    "sending": "UPDATE deliverability_daily SET spam_complaints = 0, bounced_hard = 0",
    "invoice line": "UPDATE provider_invoice_lines SET unit_price = unit_price + 1, amount = amount + quantity"
    " WHERE " + first("provider_invoice_lines", "invoice_id"),
}


def compare_refreshed_months(session: Session, label: str) -> None:
    """Every refreshed month's rollups and the views against the reference over the current rows."""
    data = read_back(session)
    diff = Diff()
    for (month,) in session.fetch_all("SELECT month FROM bi_refresh_state ORDER BY month"):
        figures = ref.compute_month(data, month)
        compare_lines(diff, session, figures)
        compare_monthly(diff, session, figures)
        compare_reconciliation(diff, session, figures)
    compare_views(diff, session, data)
    diff.check(label)


@settings(max_examples=14, deadline=None, suppress_health_check=ONE_DATABASE, phases=NO_SHRINKING)
@given(data=datasets(), change=st.sampled_from(sorted(INPUT_CHANGES)))
def test_refresh_of_changed_months_follows_every_input(bi_session: Session, data: ref.Dataset, change: str) -> None:
    clear(bi_session, ROLLUPS)
    insert(bi_session, data)
    refresh(bi_session, RefreshRequest())
    bi_session.execute(INPUT_CHANGES[change])
    refresh(bi_session, RefreshRequest())
    compare_refreshed_months(bi_session, f"refresh after {change}")


@settings(max_examples=10, deadline=None, suppress_health_check=ONE_DATABASE, phases=NO_SHRINKING)
@given(data=datasets())
def test_generated_rows_satisfy_the_schema_and_read_back_unchanged(bi_session: Session, data: ref.Dataset) -> None:
    """The datasets respect every constraint, and the reference gives the same answer over the rows read back."""
    clear(bi_session, ROLLUPS)
    insert(bi_session, data)
    back = read_back(bi_session)
    for month in MONTHS:
        direct, stored = ref.compute_month(data, month), ref.compute_month(back, month)
        assert Counter(stored.lines) == Counter(direct.lines)
        assert sorted(stored.tenants, key=repr) == sorted(direct.tenants, key=repr)
        assert stored.reconciliation == direct.reconciliation


# ---------------------------------------------------------------------------------------------------- views alone


def store_reference_rollups(session: Session, data: ref.Dataset) -> None:
    """Write the reference's rollups for both months, so the views (and reports) are tested on their own."""
    with session.transaction():
        for month in MONTHS:
            figures = ref.compute_month(data, month)
            for line in rolled_up(figures.lines):
                session.execute(
                    "INSERT INTO bi_cost_allocation_lines (tenant_id, month, pool_id, resource_kind, resource_id,"
                    " cost_kind, category, rule, driver, driver_value, driver_total, unit_cost, amount)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (
                        line.tenant_id,
                        month,
                        line.pool_id,
                        line.resource_kind,
                        line.resource_id,
                        line.cost_kind,
                        line.category,
                        line.rule,
                        line.driver,
                        None if line.driver_value is None else as_decimal(line.driver_value),
                        None if line.driver_total is None else as_decimal(line.driver_total),
                        line.unit_cost,
                        line.amount,
                    ),
                )
            for row in figures.tenants:
                names = list(ref.TenantMonth.__dataclass_fields__)
                session.execute(
                    f"INSERT INTO bi_tenant_monthly ({', '.join(names)}) VALUES ({', '.join(['%s'] * len(names))})",
                    [getattr(row, name) for name in names],
                )
            for result in figures.reconciliation:
                session.execute(
                    "INSERT INTO bi_reconciliation (provider, month, modeled, invoiced, rate_drift, quantity_drift,"
                    " unmatched, scale_factor, tolerance, flagged, currency, invoiced_original, fx_rate, flag_reason)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0.02, %s, %s, %s, %s, %s)",
                    (
                        result.provider,
                        month,
                        as_decimal(result.modeled),
                        *(
                            None if value is None else as_decimal(value)
                            for value in (
                                result.invoiced,
                                result.rate_drift,
                                result.quantity_drift,
                                result.unmatched,
                                result.scale_factor,
                            )
                        ),
                        result.flagged,
                        result.currency,
                        None if result.invoiced_original is None else as_decimal(result.invoiced_original),
                        None if result.fx_rate is None else as_decimal(result.fx_rate),
                        result.flag_reason,
                    ),
                )


def as_decimal(value: Fraction) -> Decimal:
    """Exact when the fraction is a finite decimal, else 24 significant digits."""
    return Context(prec=24).divide(Decimal(value.numerator), Decimal(value.denominator))


def compare_views_and_reports_over_reference_rollups(session: Session, data: ref.Dataset, label: str) -> None:
    """Insert ``data`` with the reference's rollups, then compare the views and both months' reports."""
    insert(session, data)
    store_reference_rollups(session, data)
    diff = Diff()
    compare_views(diff, session, data)
    compare_statuses(diff, session)
    for month in MONTHS:
        compare_reports(diff, session, data, ref.compute_month(data, month))
    diff.check(label)


@settings(max_examples=15, deadline=None, suppress_health_check=ONE_DATABASE, phases=NO_SHRINKING)
@given(data=datasets())
def test_views_and_reports_over_reference_rollups_match_the_reference(bi_session: Session, data: ref.Dataset) -> None:
    """The three views, fed the reference's rollups: every column as the page defines it."""
    clear(bi_session, ROLLUPS)
    compare_views_and_reports_over_reference_rollups(bi_session, data, "views and reports over the reference's rollups")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_views_and_reports_over_reference_rollups_of_examples(bi_session: Session, name: str) -> None:
    compare_views_and_reports_over_reference_rollups(bi_session, EXAMPLES[name](), name)


def test_summary_score_is_zero_when_the_margin_is_null(bi_session: Session) -> None:
    """docs/business-metrics.md: cost_efficiency_score is 0 when gross_margin_ratio is NULL (revenue 0). In SQL
    ``least(100, NULL)`` is 100, so ``greatest(0, least(100, ratio * 100))`` alone gives 100 there."""
    builder = Builder(seed=4)
    builder.company("Platform", operator=True)
    tenant = builder.company("No plan")
    builder.server(tenant, "25.00")
    data = builder.dataset()
    insert(bi_session, data)
    store_reference_rollups(bi_session, data)
    row = fetch(
        bi_session,
        "SELECT gross_margin_ratio, cost_efficiency_score FROM executive_business_summary WHERE tenant_id = %s",
        (tenant,),
    )
    assert row == [{"gross_margin_ratio": None, "cost_efficiency_score": 0}]


def test_shared_lines_name_their_kind(bi_session: Session) -> None:
    """docs/business-metrics.md, bi_cost_allocation_lines: "resource_kind ('vps' | 'ip' | NULL for overhead and
    idle), resource_id (uuid, NULL for shares)": a share of a pool's servers is 'vps', of its addresses 'ip'."""
    builder = Builder(seed=5)
    operator = builder.company("Platform", operator=True)
    tenant = builder.company("Member")
    pool = builder.pool("even")
    server = builder.server(operator, "40.00", tenancy="shared", pool=pool)
    builder.address(operator, server, "2.00")
    builder.member(pool, tenant)
    insert(bi_session, builder.dataset())
    refresh_months(bi_session, [MONTH])
    rows = fetch(
        bi_session,
        "SELECT cost_kind, resource_kind, resource_id FROM bi_cost_allocation_lines"
        " WHERE tenant_id = %s AND category = 'shared' ORDER BY cost_kind",
        (tenant,),
    )
    assert rows == [
        {"cost_kind": "email_service", "resource_kind": "ip", "resource_id": None},
        {"cost_kind": "infrastructure", "resource_kind": "vps", "resource_id": None},
    ]
