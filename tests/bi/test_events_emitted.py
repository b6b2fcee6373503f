"""``tenantdb bi refresh`` writes and emits the business events of what it finds (issue 13, "Events from what tenantdb
already knows"): revenue at risk from deliverability, every recommended action, each customer's efficiency and its
PostHog group properties, in the month's transaction, each with a stable id and a stable time, so that no re-run
(the same month again, ``--all``, an incremental refresh, changed figures) ever emits an event twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tenantdb.bi import DEFAULT_TOLERANCE, RefreshRequest, refresh
from tenantdb.bi.refresh import refresh_month
from tenantdb.bi.reports import ReportOptions
from tenantdb.bi.reports.actions import recommended_actions
from tenantdb.bi.reports.common import resolve_scope
from tenantdb.db import Session, connect
from tests import recipes
from tests.bi.builders import JUNE, Rows

dsn = recipes.database_fixture(recipes.modules_applied(["bi"]))  # every test starts with bi applied


NAMESPACE = uuid.UUID("90d0a521-1dec-5347-9421-820fb42304ea")  # module events' stable ids
JUNE_END = datetime(2025, 7, 1, tzinfo=UTC) - timedelta(microseconds=1)


def stable_id(*parts: object) -> uuid.UUID:
    """tenantdb_events_stable_id, computed independently: uuid3 of the parts joined with '/'."""
    return uuid.uuid3(NAMESPACE, "/".join(str(part) for part in parts))


def events(session: Session) -> list[dict[str, Any]]:
    names, rows = session.fetch_named("SELECT * FROM business_events ORDER BY event, event_id")
    return [dict(zip(names, row, strict=True)) for row in rows]


def table(session: Session, name: str, order: str) -> list[dict[str, Any]]:
    names, rows = session.fetch_named(f"SELECT * FROM {name} ORDER BY {order}")
    return [dict(zip(names, row, strict=True)) for row in rows]


@pytest.fixture
def rows(session: Session) -> Rows:
    return Rows(session)


class World:
    """An operator with a shared pool, a customer sending badly from an idle dedicated server on a plan it does not
    pay for in full (risky), and a healthy customer on the shared pool (fine)."""

    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        operator = rows.company("platform-operator", operator=True)
        self.pool = rows.pool("shared", rule="usage_driver", driver="emails_sent")
        rows.vps(operator, "120.00", tenancy="shared", pool=self.pool)  # 720,000 e-mails in June: mostly idle
        self.growth = str(
            rows.value(
                "INSERT INTO plans (name, price_monthly, feature_limits) VALUES ('Growth', 99.00,"
                " '{\"emails_per_month\": 100000}') RETURNING plan_id"
            )
        )
        self.risky, self.fine = rows.company("risky"), rows.company("fine")
        self.server = rows.vps(self.risky, "100.00", capacity=1000)  # 720,000 e-mails in June
        rows.ip(self.risky, self.server, "5.00")
        rows.member(self.fine, self.pool)
        for tenant in (self.risky, self.fine):
            rows.subscription(tenant, self.growth)
            rows.ledger(tenant, "charge", "99.00")
        # 8% bounces: half-way from the 5% limit to suspension, so half of the $99 is at risk
        rows.sending(self.risky, "2025-06-10", 10_000, 9_200, hard=800)
        rows.sending(self.fine, "2025-06-10", 20_000, 19_900, hard=100)


@pytest.fixture
def world(rows: Rows) -> World:
    return World(rows)


def test_refresh_records_revenue_at_risk_with_its_event(session: Session, world: World) -> None:
    world.rows.refresh(JUNE)
    impacts = table(session, "revenue_impacts", "tenant_id")
    impact_id = stable_id("revenue_impact", "deliverability_risk", world.risky, "2025-06")
    assert [(i["tenant_id"], i["impact_id"]) for i in impacts] == [(uuid.UUID(world.risky), impact_id)]
    impact = impacts[0]
    assert impact["impact_type"] == "deliverability_risk"
    assert impact["source"] == "bi_refresh"
    assert impact["amount"] == Decimal("-59.40")  # $99 x (8% - 5%) / 5%
    assert impact["urgency"] == "high"  # bounce rate above 5%: monitoring_needed
    assert impact["affected_customer_value"] == Decimal("99.00")
    assert impact["month"] == JUNE
    assert impact["detected_at"] == JUNE_END  # a month that has ended: its last instant, never a later "now"
    assert impact["resolved_at"] is None
    emitted = [e for e in events(session) if e["event"] == "revenue_impact"]
    assert [(e["event_id"], e["occurred_at"], e["tenant_id"]) for e in emitted] == [
        (stable_id("revenue_impact", impact_id, "detected"), JUNE_END, uuid.UUID(world.risky))
    ]
    properties = emitted[0]["properties"]
    assert properties["stage"] == "detected"
    assert properties["impact_id"] == str(impact_id)
    assert Decimal(str(properties["amount"])) == impact["amount"]
    assert properties["urgency"] == "high"
    assert properties["month"] == "2025-06-01"


def test_refresh_records_every_recommended_action_with_its_event(session: Session, world: World) -> None:
    world.rows.refresh(JUNE)
    scope = resolve_scope(session, ReportOptions(month=JUNE))
    wanted = {
        (
            stable_id("cost_optimization", a.kind, str(a.tenant_id or a.pool_id or a.subject), "2025-06"),
            a.kind,
            a.tenant_id,
            a.pool_id,
            a.subject,
            a.dollars_per_month,
        )
        for a in recommended_actions(session, scope)
    }
    assert {"fix_deliverability", "downsize_idle_dedicated", "consolidate_idle_pool"} <= {w[1] for w in wanted}
    recorded = table(session, "cost_optimizations", "optimization_id")
    assert {
        (o["optimization_id"], o["kind"], o["tenant_id"], o["pool_id"], o["subject"], o["expected_savings"])
        for o in recorded
    } == wanted
    assert {(o["status"], o["month"], o["recommended_at"]) for o in recorded} == {("recommended", JUNE, JUNE_END)}
    emitted = [e for e in events(session) if e["event"] == "cost_optimization"]
    assert sorted((e["event_id"], e["occurred_at"], e["tenant_id"]) for e in emitted) == sorted(
        (stable_id("cost_optimization", o["optimization_id"], "recommended"), JUNE_END, o["tenant_id"])
        for o in recorded
    )
    assert {e["properties"]["stage"] for e in emitted} == {"recommended"}
    pool_events = [e for e in emitted if e["properties"]["kind"] == "consolidate_idle_pool"]
    assert [e["tenant_id"] for e in pool_events] == [None]  # a shared pool's: platform-wide


def test_refresh_scores_each_customers_efficiency(session: Session, world: World) -> None:
    world.rows.refresh(JUNE)
    metrics = {row["tenant_id"]: row for row in table(session, "efficiency_metrics", "tenant_id")}
    assert set(metrics) == {uuid.UUID(world.risky), uuid.UUID(world.fine)}
    risky = metrics[uuid.UUID(world.risky)]  # dedicated: its servers' capacity in the month against what it sent
    assert (risky["capacity"], risky["used"]) == (720_000, 10_000)
    assert risky["utilization"] == Decimal("0.013889")
    assert risky["score"] == Decimal("1.39")
    fine = metrics[uuid.UUID(world.fine)]  # shared: its plan's allowance against what it sent
    assert (fine["capacity"], fine["used"], fine["utilization"], fine["score"]) == (
        100_000,
        20_000,
        Decimal("0.200000"),
        Decimal("20.00"),
    )
    emitted = [e for e in events(session) if e["event"] == "efficiency_metrics"]
    assert sorted((e["event_id"], e["tenant_id"], e["occurred_at"]) for e in emitted) == sorted(
        (stable_id("efficiency_metrics", tenant, "2025-06"), tenant, JUNE_END) for tenant in metrics
    )
    assert {Decimal(str(e["properties"]["score"])) for e in emitted} == {Decimal("1.39"), Decimal("20.00")}


def test_refresh_identifies_each_customer_as_a_posthog_group(session: Session, world: World) -> None:
    world.rows.refresh(JUNE)
    groups = {e["tenant_id"]: e for e in events(session) if e["event"] == "$groupidentify"}
    assert set(groups) == {uuid.UUID(world.risky), uuid.UUID(world.fine)}
    fine = groups[uuid.UUID(world.fine)]
    values = fine["properties"]["$group_set"]
    assert values["plan"] == "Growth"
    assert values["margin_band"] == "70%+"  # $99 against a share of a $120 pool and nothing else
    assert values["health_status"] == "Excellent"
    assert fine["properties"]["$group_type"] == "tenant"
    assert fine["properties"]["$group_key"] == world.fine
    # the first identification of the month: no previous one
    assert fine["event_id"] == stable_id("$groupidentify", world.fine, "2025-06", "Growth", "70%+", "Excellent", "")
    assert fine["occurred_at"] == JUNE_END
    risky = groups[uuid.UUID(world.risky)]["properties"]["$group_set"]
    assert risky["margin_band"] == "negative"  # $105 of dedicated cost against $99
    assert risky["health_status"] == "Critical Action Required"


def test_refreshing_again_emits_nothing_twice(session: Session, world: World) -> None:
    world.rows.refresh(JUNE)
    first = events(session), table(session, "revenue_impacts", "impact_id")
    assert all(first)
    world.rows.refresh(JUNE)
    refresh(session, RefreshRequest(everything=True))
    refresh(session, RefreshRequest())
    assert (events(session), table(session, "revenue_impacts", "impact_id")) == first


def test_changed_figures_update_the_rows_without_a_second_event(session: Session, world: World) -> None:
    world.rows.refresh(JUNE)
    before = events(session)
    optimizations = {o["kind"]: o for o in table(session, "cost_optimizations", "kind") if o["tenant_id"]}
    # more bounces: more revenue at risk and a larger saving from fixing them
    session.execute(
        "UPDATE deliverability_daily SET bounced_hard = 900, delivered = 9100 WHERE tenant_id = %s", (world.risky,)
    )
    refresh(session, RefreshRequest())
    assert events(session) == before
    (impact,) = table(session, "revenue_impacts", "impact_id")
    assert impact["amount"] == Decimal("-79.20")
    assert impact["detected_at"] == JUNE_END
    after = {o["kind"]: o for o in table(session, "cost_optimizations", "kind") if o["tenant_id"]}
    fix = after["fix_deliverability"]
    assert fix["optimization_id"] == optimizations["fix_deliverability"]["optimization_id"]
    assert fix["expected_savings"] == Decimal("35.00")  # 0.05 x (900 - 2% of 10,000)
    assert fix["expected_savings"] != optimizations["fix_deliverability"]["expected_savings"]
    assert fix["recommended_at"] == JUNE_END


def test_a_month_whose_problem_disappeared_keeps_its_history(session: Session, world: World) -> None:
    world.rows.refresh(JUNE)
    impacts, optimizations, before = (
        table(session, "revenue_impacts", "impact_id"),
        table(session, "cost_optimizations", "optimization_id"),
        events(session),
    )
    session.execute(
        "UPDATE deliverability_daily SET bounced_hard = 0, delivered = 10000 WHERE tenant_id = %s", (world.risky,)
    )
    refresh(session, RefreshRequest())
    assert table(session, "revenue_impacts", "impact_id") == impacts
    assert {o["optimization_id"] for o in table(session, "cost_optimizations", "optimization_id")} == {
        o["optimization_id"] for o in optimizations
    }
    assert events(session) == before


def test_new_group_properties_are_a_new_event_and_the_old_one_stays(session: Session, world: World) -> None:
    world.rows.refresh(JUNE)
    before = [e for e in events(session) if e["event"] == "$groupidentify"]
    scale = world.rows.plan("Scale", "299.00")
    session.execute("UPDATE subscriptions SET plan_id = %s WHERE tenant_id = %s", (scale, world.fine))  # only its plan
    refresh(session, RefreshRequest())
    after = [e for e in events(session) if e["event"] == "$groupidentify"]
    assert [e for e in after if e in before] == before
    (new,) = [e for e in after if e not in before]
    assert new["tenant_id"] == uuid.UUID(world.fine)
    assert new["properties"]["$group_set"]["plan"] == "Scale"
    (first,) = [e for e in before if e["tenant_id"] == uuid.UUID(world.fine)]
    values = ("Scale", "70%+", "Excellent")
    assert new["event_id"] == stable_id("$groupidentify", world.fine, "2025-06", *values, first["event_id"])
    # back to Growth: the latest identification says Scale, so Growth is identified again, with an id of its own
    session.execute("UPDATE subscriptions SET plan_id = %s WHERE tenant_id = %s", (world.growth, world.fine))
    refresh(session, RefreshRequest())
    (again,) = [e for e in events(session) if e["event"] == "$groupidentify" and e not in after]
    assert again["properties"]["$group_set"]["plan"] == "Growth"
    assert again["event_id"] not in {e["event_id"] for e in after}
    refresh(session, RefreshRequest(everything=True))
    assert len([e for e in events(session) if e["event"] == "$groupidentify"]) == len(after) + 1


def test_the_current_month_is_stamped_with_the_first_refresh_and_kept(session: Session, rows: Rows) -> None:
    today = session.fetch_value("SELECT (now() AT TIME ZONE 'UTC')::date")
    month = today.replace(day=1)
    tenant = rows.company("sender")
    plan = rows.plan("Growth", "99.00")
    rows.subscription(tenant, plan, start=f"{month}")
    rows.ledger(tenant, "charge", "99.00", at=f"{month} 00:00Z")
    rows.sending(tenant, f"{month}", 10_000, 9_200, hard=800)
    with session.transaction():
        refresh_time = session.fetch_value("SELECT now()")
        refresh_month(session, month, tolerance=DEFAULT_TOLERANCE)
    first = events(session)
    assert first and {e["occurred_at"] for e in first} == {refresh_time}
    (impact,) = table(session, "revenue_impacts", "impact_id")
    assert impact["detected_at"] == refresh_time
    refresh(session, RefreshRequest(months=(month,)))
    assert events(session) == first
    assert table(session, "revenue_impacts", "impact_id") == [impact]


def test_emitting_many_events_at_once_adds_each_once(session: Session, rows: Rows) -> None:
    """events 0006: tenantdb_events_emit_all, what the refresh emits with (one INSERT for a month's events)."""
    tenant = rows.company("sender")
    ids = [stable_id("test", n) for n in range(3)]
    at = datetime(2025, 6, 30, tzinfo=UTC)
    emit = "SELECT tenantdb_events_emit_all(%s::uuid[], %s::timestamptz[], %s::text[], %s::uuid[], %s::jsonb[])"
    arguments = (ids[:2], [at, at], ["efficiency_metrics"] * 2, [tenant, None], ['{"n": 0}', '{"n": 1}'])
    assert session.fetch_value(emit, arguments) == 2
    again = (ids, [at] * 3, ["efficiency_metrics"] * 3, [tenant, None, tenant], ["{}", "{}", '{"n": 2}'])
    assert session.fetch_value(emit, again) == 1  # the first two are there already
    assert [(e["event_id"], e["properties"]) for e in events(session)] == sorted(
        [(ids[0], {"n": 0}), (ids[1], {"n": 1}), (ids[2], {"n": 2})]
    )


def test_months_refreshed_at_once_emit_each_event_once(dsn: str, session: Session, world: World) -> None:
    """`bi refresh --all` refreshes two months at once by default, each on its own connection."""
    world.rows.sending(world.risky, "2025-05-10", 10_000, 9_000, hard=1_000)
    world.rows.sending(world.fine, "2025-05-10", 20_000, 19_900, hard=100)
    request = RefreshRequest(everything=True, jobs=2)
    refresh(session, request, connect=lambda: connect(dsn))
    first = events(session)
    assert {e["occurred_at"] for e in first} == {datetime(2025, 6, 1, tzinfo=UTC) - timedelta(microseconds=1), JUNE_END}
    refresh(session, request, connect=lambda: connect(dsn))
    assert events(session) == first
    ids = [(e["tenant_id"], e["event_id"]) for e in first]
    assert len(ids) == len(set(ids))
