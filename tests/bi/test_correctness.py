"""The SQL of ``cost_tracking``/``bi`` against the independent reference (tests/bi/reference.py), to the cent.

Each dataset (hypothesis-generated, or one of the explicit examples) is inserted into a database with every
module applied, ``tenantdb.bi``'s refresh recomputes August and September 2026, and every number of the
rollups, the three views and the reconciliation is compared with the reference: money to the cent, ratios to
``RATE_PRECISION`` (PostgreSQL's numeric division keeps at least 16 significant digits). One database per test;
the tables are emptied between examples.
"""

from __future__ import annotations

import importlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tenantdb.db import Session
from tests.bi import reference as ref
from tests.bi.datasets import EXAMPLES, MONTH, PREVIOUS, clear, datasets, insert, read_back
from tests.modules.support import apply_modules

MONTHS = (PREVIOUS, MONTH)
RATE_PRECISION = Fraction(1, 10**12)
ROLLUPS = ("bi_cost_allocation_lines", "bi_tenant_monthly", "bi_reconciliation", "bi_refresh_state")
SHOWN = 12  # mismatches printed per comparison

Refresh = Callable[[Session, Sequence[date]], object]


def find_refresh() -> Refresh:
    """``tenantdb.bi``'s refresh of given months; the suite skips until the SQL side provides it."""
    for name in ("tenantdb.bi.refresh", "tenantdb.bi"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for attribute in ("refresh_months", "refresh"):
            function = getattr(module, attribute, None)
            if callable(function):
                return lambda session, months: function(session, months=list(months))
    pytest.skip("tenantdb.bi has no refresh function yet")


@pytest.fixture
def bi_session(session: Session) -> Iterator[Session]:
    apply_modules(session, "bi")
    yield session


# ---------------------------------------------------------------------------------------------------- comparing


def cents(value: Any) -> Decimal | None:
    return None if value is None else ref.round_cents(Fraction(value))


def close(expected: Fraction | None, got: Any) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    return abs(Fraction(got) - expected) <= RATE_PRECISION * max(Fraction(1), abs(expected))


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

    def keys(self, where: str, expected: set[Any], got: set[Any]) -> set[Any]:
        for key in sorted(expected - got, key=repr)[:SHOWN]:
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
    return (
        str(line["tenant_id"]),
        None if line["pool_id"] is None else str(line["pool_id"]),
        line["resource_kind"],
        None if line["resource_id"] is None else str(line["resource_id"]),
        line["cost_kind"],
        line["category"],
        None if idle else line["rule"],
        line["driver"] if usage and not idle else None,
        None if idle or line["driver_value"] is None else Fraction(line["driver_value"]),
        None if idle or line["driver_total"] is None else Fraction(line["driver_total"]),
        cents(line["unit_cost"]),
        cents(line["amount"]),
    )


def reference_line(line: ref.Line) -> dict[str, Any]:
    return {name: getattr(line, name) for name in ref.Line.__dataclass_fields__}


def compare_lines(diff: Diff, session: Session, figures: ref.MonthFigures) -> None:
    got = fetch(session, "SELECT * FROM bi_cost_allocation_lines WHERE month = %s", (figures.month,))
    diff.multiset(
        f"lines {figures.month:%Y-%m}",
        Counter(line_key(reference_line(line)) for line in figures.lines),
        Counter(line_key(line) for line in got),
    )
    units: dict[tuple[Any, str], list[dict[str, Any]]] = defaultdict(list)
    for line in got:
        if line["pool_id"] is not None:
            units[(line["pool_id"], line["cost_kind"])].append(line)
        elif cents(line["unit_cost"]) != line["amount"]:
            diff.add(f"dedicated line {line['resource_id']}", cents(line["unit_cost"]), line["amount"])
    for (pool, kind), lines in units.items():
        unit_costs = {Fraction(line["unit_cost"]) for line in lines}
        total = sum(Fraction(line["amount"]) for line in lines)
        if len(unit_costs) != 1 or total not in unit_costs:
            diff.add(f"unit {pool}/{kind} {figures.month:%Y-%m}: lines sum to the unit cost", unit_costs, total)


MONTHLY_MONEY = ("price_monthly", "recognized_revenue", "infrastructure_cost", "email_service_cost", "total_cost")
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
)


def compare_monthly(diff: Diff, session: Session, figures: ref.MonthFigures) -> None:
    got = {
        row["tenant_id"]: row
        for row in fetch(session, "SELECT * FROM bi_tenant_monthly WHERE month = %s", (figures.month,))
    }
    expected = {row.tenant_id: row for row in figures.tenants}
    for tenant in diff.keys(f"bi_tenant_monthly {figures.month:%Y-%m}", set(expected), set(got)):
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
        for name in ("modeled", "invoiced", "rate_drift", "quantity_drift", "unmatched"):
            diff.money(f"{where}.{name}", getattr(row, name), sql_row[name])
        diff.rate(f"{where}.scale_factor", row.scale_factor, sql_row["scale_factor"])
        diff.equal(f"{where}.flagged", row.flagged, sql_row["flagged"])


def compare_views(diff: Diff, session: Session, data: ref.Dataset, figures: ref.MonthFigures) -> None:
    """The views show the reporting month: the latest refreshed one (``figures`` must be it)."""
    today = session.fetch_value("SELECT current_date")
    money = {"monthly_subscription_revenue", "infrastructure_costs", "email_service_costs"}
    money |= {"total_operational_cost", "monthly_profit", "price_monthly", "total_infrastructure_cost"}
    money |= {"total_email_service_cost", "total_monthly_cost", "estimated_revenue_loss", "potential_savings"}
    rates = {"gross_margin_ratio", "cost_efficiency_score", "cost_per_email_delivered", "business_efficiency_ratio"}
    rates |= {"bounce_rate", "spam_rate"}
    views: list[tuple[str, str, Sequence[Any]]] = [
        ("executive_business_summary", "tenant_id", ref.executive_summary(figures.tenants, today)),
        ("business_cost_allocation", "tenant_id", ref.cost_allocation(figures.tenants)),
        ("deliverability_business_impact", "company_id", ref.deliverability_impact(data, figures.month)),
    ]
    for view, key, rows in views:
        names = list(type(rows[0]).__dataclass_fields__) if rows else []
        if view == "deliverability_business_impact":
            expected = {(row.company_id, row.tracking_date): row for row in rows}
            got = {(r["company_id"], r["tracking_date"]): r for r in fetch(session, f"SELECT * FROM {view}")}
        else:
            expected = {getattr(row, key): row for row in rows}
            got = {r[key]: r for r in fetch(session, f"SELECT * FROM {view}")}
        for item in diff.keys(view, set(expected), set(got)):
            for name in names:
                where, wanted, actual = f"{view} {item}.{name}", getattr(expected[item], name), got[item].get(name)
                if name in money:
                    diff.money(where, wanted, actual)
                elif name in rates:
                    diff.rate(where, wanted, actual)
                else:
                    diff.equal(where, wanted, actual)


def compare_everything(session: Session, refresh: Refresh, label: str) -> None:
    """Refresh both months, then compare every table and view with the reference over the rows read back."""
    refresh(session, MONTHS)
    data = read_back(session)
    diff = Diff()
    figures = None
    for month in MONTHS:
        figures = ref.compute_month(data, month)
        compare_lines(diff, session, figures)
        compare_monthly(diff, session, figures)
        compare_reconciliation(diff, session, figures)
    assert figures is not None
    compare_views(diff, session, data, figures)
    diff.check(label)


# ---------------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_matches_the_reference(bi_session: Session, name: str) -> None:
    refresh = find_refresh()
    insert(bi_session, EXAMPLES[name]())
    compare_everything(bi_session, refresh, name)


def test_tenant_a_b_c_numbers_are_the_issue_examples(bi_session: Session) -> None:
    refresh = find_refresh()
    insert(bi_session, EXAMPLES["tenants_abc"]())
    refresh(bi_session, MONTHS)
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
    assert by_name["Tenant B"]["recognized_revenue"] == Decimal("1000.00")
    assert by_name["Tenant C"]["recognized_revenue"] == Decimal("1450.00")
    assert "Tenant C" not in {row["name"] for row in dedicated}  # C's payments are not cost


def test_no_volume_is_insufficient_data_never_acceptable(bi_session: Session) -> None:
    refresh = find_refresh()
    insert(bi_session, EXAMPLES["null_bounce_rates"]())
    refresh(bi_session, MONTHS)
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


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=datasets())
def test_random_datasets_match_the_reference(bi_session: Session, data: ref.Dataset) -> None:
    refresh = find_refresh()
    clear(bi_session, ROLLUPS)
    insert(bi_session, data)
    compare_everything(bi_session, refresh, "generated dataset")


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
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
