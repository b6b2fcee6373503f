"""Issue 13, "Done when": the reference customer's sample executive dashboard query
(tests/fixtures/executive_dashboard_query.sql, run unchanged) works on ``executive_business_summary`` and gives
right answers: on a hand-made month with known answers, and on a database seeded as the demo seeds it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

from tenantdb import commands
from tenantdb.config import load_settings
from tenantdb.db import Session
from tests.bi.builders import Rows
from tests.bi.test_executive_metrics import ALPHA_SCORE, Events, known_june
from tests.modules.support import apply_modules

QUERY = (Path(__file__).resolve().parents[1] / "fixtures" / "executive_dashboard_query.sql").read_text(encoding="utf-8")
MODULES = ("core", "billing", "email_infra", "cost_tracking", "bi")
AS_OF = date(2025, 6, 30)  # the demo's history ends on a month's last day; June 2025 is the reporting month
D = Decimal


def dashboard(session: Session) -> list[dict[str, Any]]:
    columns, found = session.fetch_named(QUERY)  # the file as the customer wrote it, unchanged
    return [dict(zip(columns, row, strict=True)) for row in found]


def test_the_sample_query_gives_the_known_answers_of_a_hand_made_month(session: Session) -> None:
    apply_modules(session, "bi")
    known_june(Rows(session))
    assert dashboard(session) == [
        {
            "company_name": "Alpha",
            "business_health_status": "Excellent",
            "revenue_risk_score": D("8.00"),
            "optimization_savings_potential": D("100.00"),
            "optimization_actions_taken": 2,
            "efficiency_score": D("72.50"),
            "efficiency_trend": D("-7.50"),
            "avg_decision_time_hours": D("204.00"),
            "strategic_decisions_made": 2,
            "business_performance_score": ALPHA_SCORE,
            "priority_actions_required": 3,
            "performance_status": "Monitor",
        }
    ]  # beta has no priority action: not listed


def test_the_sample_query_runs_unchanged_on_the_seeded_demo_with_sensible_values(
    session: Session, dsn: str, tmp_path: Path
) -> None:
    apply_modules(session, "bi")
    modules = ", ".join(f'"{name}"' for name in MODULES)
    (tmp_path / "tenantdb.toml").write_text(f"modules = [{modules}]\n", encoding="utf-8")
    settings = load_settings(tmp_path, environ={}).with_overrides(dsn=dsn)
    commands.seed(settings, tenants=40, random_seed=3, as_of=AS_OF)
    assert session.fetch_value("SELECT tenantdb_bi_reporting_month()") == date(2025, 6, 1)
    # A few of the month's events, as the refresh and the application record them.
    customers = [
        row[0]
        for row in session.fetch_all(
            "SELECT tenant_id FROM executive_business_summary ORDER BY monthly_subscription_revenue DESC, tenant_id"
            " LIMIT 3"
        )
    ]
    events = Events(session)
    for n, tenant in enumerate(customers):
        events.impact(str(tenant), "-120.00", "critical", "2025-06-12 08:00Z", None if n == 0 else "2025-06-12 09:30Z")
        events.optimization(str(tenant), "45.00")
        events.efficiency(str(tenant), date(2025, 6, 1), "100000", str(60_000 + 15_000 * n), f"{60 + 15 * n}.00")
        events.decision(str(tenant), "2025-06-02 09:00Z", f"2025-06-0{3 + n} 09:00Z")
    session.execute(
        "INSERT INTO cost_optimizations (optimization_id, tenant_id, kind, subject, month, expected_savings,"
        " recommended_at) VALUES (%s, NULL, 'consolidate_idle_pool', 'shared-sending', '2025-06-01', 80, now())",
        (uuid4(),),
    )  # the platform's: in no customer's row

    every = session.fetch_all("SELECT revenue_risk_score, business_performance_score FROM executive_business_summary")
    assert len(every) >= 30
    assert all(0 <= risk <= 100 and (score is None or 0 <= score <= 100) for risk, score in every)
    shown = dashboard(session)
    assert [row["priority_actions_required"] for row in shown] == [2, 1, 1]  # the open critical loss counts
    scores = [row["business_performance_score"] for row in shown]
    assert scores == sorted(scores)  # worst first
    for row in shown:
        assert row["optimization_savings_potential"] == D("45.00")
        assert row["strategic_decisions_made"] == 1
        assert row["avg_decision_time_hours"] in (D("24.00"), D("48.00"), D("72.00"))
        assert row["efficiency_trend"] is None  # no May row
        assert 0 < row["business_performance_score"] <= 100
        assert row["performance_status"] in ("On Track", "Monitor", "Needs Attention")
