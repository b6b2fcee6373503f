"""Revenue impacts and strategic decisions through the SQL functions of module events and their Python wrappers:
each transition emits its event in the same transaction, bad transitions change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from tenantdb.db import Session
from tenantdb.errors import ConfigError, DatabaseError
from tenantdb.events.ids import stable_id
from tenantdb.events.records import (
    DecisionCategory,
    DecisionOutcome,
    ImpactSource,
    ImpactType,
    Urgency,
    decide,
    find_tenant,
    list_decisions,
    open_decision,
    record_revenue_impact,
    resolve_revenue_impact,
)
from tests import recipes
from tests.modules.support import acting_as, new_company

dsn = recipes.database_fixture(recipes.modules_applied(["events"]))  # every test starts with events applied


DETECTED = datetime(2026, 4, 30, 23, 0, tzinfo=UTC)


@pytest.fixture
def events_db(session: Session) -> Session:
    return session


@pytest.fixture
def acme(events_db: Session) -> UUID:
    return UUID(new_company(events_db, "acme"))


def events_of(session: Session, name: str) -> list[tuple[Any, ...]]:
    return session.fetch_all(
        "SELECT event_id, occurred_at, tenant_id, properties FROM business_events WHERE event = %s"
        " ORDER BY occurred_at",
        (name,),
    )


def snapshot(session: Session) -> tuple[object, ...]:
    return (
        session.fetch_all("SELECT * FROM revenue_impacts ORDER BY impact_id"),
        session.fetch_all("SELECT * FROM strategic_decisions ORDER BY decision_id"),
        session.fetch_all("SELECT event_id FROM business_events ORDER BY event_id"),
    )


def churn(session: Session, tenant: UUID, **changes: Any) -> UUID:
    fields: dict[str, Any] = {
        "tenant_id": tenant,
        "impact_type": ImpactType.CHURN,
        "amount": Decimal("-149.00"),
        "urgency": Urgency.HIGH,
        "affected_customer_value": Decimal("149.00"),
        "detected_at": DETECTED,
        "details": {"reason": "cancelled"},
    } | changes
    return record_revenue_impact(session, **fields)


# ------------------------------------------------------------------------------------------- revenue impacts


def test_recording_an_impact_stores_it_and_emits_its_detected_event(events_db: Session, acme: UUID) -> None:
    impact = churn(events_db, acme)
    row = events_db.fetch_one(
        "SELECT impact_type, amount, urgency, affected_customer_value, month, detected_at, resolved_at, source,"
        " details FROM revenue_impacts WHERE tenant_id = %s AND impact_id = %s",
        (acme, impact),
    )
    assert row == (
        "churn", Decimal("-149.00"), "high", Decimal("149.00"), DETECTED.date().replace(day=1), DETECTED, None,
        "application", {"reason": "cancelled"},
    )  # fmt: skip
    ((event_id, occurred_at, tenant, properties),) = events_of(events_db, "revenue_impact")
    assert event_id == stable_id("revenue_impact", str(impact), "detected")
    assert occurred_at == DETECTED and tenant == acme
    assert properties == {
        "stage": "detected",
        "impact_id": str(impact),
        "impact_type": "churn",
        "amount": -149.0,
        "direction": "negative",
        "urgency": "high",
        "affected_customer_value": 149.0,
        "source": "application",
        "month": "2026-04-01",
    }


def test_a_given_id_is_kept_and_recording_it_again_adds_nothing(events_db: Session, acme: UUID) -> None:
    given = uuid4()
    assert churn(events_db, acme, impact_id=given, amount=Decimal("25"), impact_type=ImpactType.UPGRADE) == given
    before = snapshot(events_db)
    assert churn(events_db, acme, impact_id=given, amount=Decimal("25"), impact_type=ImpactType.UPGRADE) == given
    assert snapshot(events_db) == before
    assert events_of(events_db, "revenue_impact")[0][3]["direction"] == "positive"


def test_resolving_an_impact_emits_the_resolved_event_with_its_response_time(events_db: Session, acme: UUID) -> None:
    impact = churn(events_db, acme)
    resolved = DETECTED + timedelta(minutes=90)
    resolve_revenue_impact(events_db, tenant_id=acme, impact_id=impact, resolved_at=resolved)
    assert events_db.fetch_value("SELECT resolved_at FROM revenue_impacts WHERE impact_id = %s", (impact,)) == resolved
    detected, resolved_event = events_of(events_db, "revenue_impact")
    assert resolved_event[0] == stable_id("revenue_impact", str(impact), "resolved")
    assert resolved_event[1] == resolved
    assert resolved_event[3]["stage"] == "resolved"
    assert resolved_event[3]["response_hours"] == 1.5
    assert resolved_event[3]["within_response_target"] is True
    assert {k: v for k, v in resolved_event[3].items() if k not in {"stage", "response_hours",
            "within_response_target"}} == {k: v for k, v in detected[3].items() if k != "stage"}  # fmt: skip


@pytest.mark.parametrize(
    ("problem", "sqlstate", "message"),
    [
        ("resolved twice", "55000", "already resolved"),
        ("before detection", "22023", "before it was detected"),
        ("unknown", "P0002", "no revenue impact"),
    ],
)
def test_bad_resolutions_are_clear_errors_and_change_nothing(
    events_db: Session, acme: UUID, problem: str, sqlstate: str, message: str
) -> None:
    impact = churn(events_db, acme)
    if problem == "resolved twice":
        resolve_revenue_impact(events_db, tenant_id=acme, impact_id=impact, resolved_at=DETECTED)
    before = snapshot(events_db)
    with pytest.raises(DatabaseError) as error:
        resolve_revenue_impact(
            events_db,
            tenant_id=acme,
            impact_id=uuid4() if problem == "unknown" else impact,
            resolved_at=DETECTED - timedelta(seconds=1) if problem == "before detection" else DETECTED,
        )
    assert error.value.sqlstate == sqlstate and message in str(error.value)
    assert snapshot(events_db) == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": Decimal(0)}, "amount"),
        ({"affected_customer_value": Decimal(-1)}, "affected customer value"),
        ({"impact_type": "meteor"}, "impact type meteor"),
        ({"urgency": "whenever"}, "urgency whenever"),
        ({"detected_at": datetime(2026, 4, 30, 23, 0)}, "time zone"),
    ],
)
def test_bad_impacts_are_clear_errors_and_change_nothing(
    events_db: Session, acme: UUID, change: dict[str, Any], message: str
) -> None:
    before = snapshot(events_db)
    with pytest.raises(DatabaseError) as error:
        churn(events_db, acme, **change)
    assert error.value.sqlstate == "22023" and message in str(error.value), error.value
    assert snapshot(events_db) == before


def test_the_application_records_and_resolves_its_own_tenants_impacts_only(
    dsn: str, events_db: Session, acme: UUID
) -> None:
    globex = UUID(new_company(events_db, "globex"))
    with acting_as(dsn, "application_service", str(acme)) as app:
        impact = churn(app, acme, source=ImpactSource.APPLICATION)
        resolve_revenue_impact(app, tenant_id=acme, impact_id=impact, resolved_at=DETECTED + timedelta(hours=3))
    foreign = churn(events_db, globex)
    before = snapshot(events_db)
    with acting_as(dsn, "application_service", str(acme)) as app, pytest.raises(DatabaseError) as error:
        churn(app, globex)
    assert error.value.sqlstate == "42501"
    with acting_as(dsn, "application_service", str(acme)) as app, pytest.raises(DatabaseError) as error:
        resolve_revenue_impact(app, tenant_id=globex, impact_id=foreign, resolved_at=DETECTED)
    assert error.value.sqlstate == "P0002"  # another tenant's impact does not exist for the caller
    for call in (lambda s: churn(s, acme), lambda s: resolve_revenue_impact(s, tenant_id=acme, impact_id=impact)):
        with acting_as(dsn, "tenant_api", str(acme)) as api, pytest.raises(DatabaseError) as error:
            call(api)
        assert error.value.sqlstate == "42501"
    assert snapshot(events_db) == before


# ----------------------------------------------------------------------------------------- strategic decisions


def test_a_decision_is_opened_and_decided_with_its_events(events_db: Session, acme: UUID) -> None:
    opened = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    decision = open_decision(
        events_db,
        title="Raise the Pro plan to $59",
        category=DecisionCategory.PRICING,
        tenant_id=acme,
        expected_value=Decimal("1200.00"),
        opened_at=opened,
    )
    decided = decide(
        events_db, decision_id=decision, outcome=DecisionOutcome.APPROVED, decided_at=opened + timedelta(hours=30),
        note="from June",
    )  # fmt: skip
    assert decided.decision_hours == Decimal(30) and decided.outcome is DecisionOutcome.APPROVED
    assert decided.tenant == "acme" and decided.note == "from June"
    first, second = events_of(events_db, "strategic_decision")
    assert first[0] == stable_id("strategic_decision", str(decision), "opened") and first[1] == opened
    assert first[3] == {
        "stage": "opened", "decision_id": str(decision), "title": "Raise the Pro plan to $59", "category": "pricing",
        "expected_value": 1200.0,
    }  # fmt: skip
    assert second[0] == stable_id("strategic_decision", str(decision), "decided")
    assert second[3]["stage"] == "decided" and second[3]["outcome"] == "approved"
    assert second[3]["decision_hours"] == 30
    assert first[2] == second[2] == acme


def test_a_company_wide_decision_names_no_tenant(events_db: Session) -> None:
    decision = open_decision(events_db, title="Second sending region", category=DecisionCategory.INFRASTRUCTURE)
    (listed,) = list_decisions(events_db)
    assert listed.decision_id == decision and listed.tenant_id is None and listed.tenant is None
    assert listed.decided_at is None and listed.decision_hours is None
    assert list_decisions(events_db, open_only=True) == (listed,)
    decide(events_db, decision_id=decision, outcome=DecisionOutcome.DEFERRED)
    assert list_decisions(events_db, open_only=True) == ()


@pytest.mark.parametrize(
    ("problem", "sqlstate", "message"),
    [
        ("decided twice", "55000", "already decided"),
        ("before opened", "22023", "before it was opened"),
        ("unknown", "P0002", "no strategic decision"),
        ("bad outcome", "22023", "outcome maybe"),
    ],
)
def test_bad_decisions_are_clear_errors_and_change_nothing(
    events_db: Session, problem: str, sqlstate: str, message: str
) -> None:
    opened = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    decision = open_decision(events_db, title="Drop the free plan", category=DecisionCategory.PRICING, opened_at=opened)
    if problem == "decided twice":
        decide(events_db, decision_id=decision, outcome=DecisionOutcome.REJECTED, decided_at=opened)
    before = snapshot(events_db)
    with pytest.raises(DatabaseError) as error:
        decide(
            events_db,
            decision_id=uuid4() if problem == "unknown" else decision,
            outcome="maybe" if problem == "bad outcome" else DecisionOutcome.APPROVED,  # type: ignore[arg-type]
            decided_at=opened - timedelta(minutes=1) if problem == "before opened" else opened,
        )
    assert error.value.sqlstate == sqlstate and message in str(error.value), error.value
    assert snapshot(events_db) == before


@pytest.mark.parametrize(("title", "category"), [("", "pricing"), ("x" * 201, "pricing"), ("Fine", "astrology")])
def test_bad_decisions_are_refused_when_opened(events_db: Session, title: str, category: str) -> None:
    with pytest.raises(DatabaseError) as error:
        open_decision(events_db, title=title, category=category)  # type: ignore[arg-type]
    assert error.value.sqlstate == "22023"
    assert snapshot(events_db) == ([], [], [])


def test_decisions_are_recorded_by_administrators_not_by_tenant_roles(dsn: str, events_db: Session, acme: UUID) -> None:
    with acting_as(dsn, "db_administrators") as administrator:
        decision = open_decision(administrator, title="Reprice acme", category=DecisionCategory.PRICING, tenant_id=acme)
        decide(administrator, decision_id=decision, outcome=DecisionOutcome.APPROVED)
    for role in ("application_service", "tenant_api", "business_analysts"):
        with acting_as(dsn, role, str(acme)) as session, pytest.raises(DatabaseError) as error:
            open_decision(session, title="Sneaky", category=DecisionCategory.PRICING, tenant_id=acme)
        assert error.value.sqlstate == "42501", role
        with acting_as(dsn, role, str(acme)) as session, pytest.raises(DatabaseError) as error:
            decide(session, decision_id=decision, outcome=DecisionOutcome.REJECTED)
        assert error.value.sqlstate == "42501", role


def test_find_tenant_takes_a_slug_or_an_id(events_db: Session, acme: UUID) -> None:
    assert find_tenant(events_db, "acme") == acme
    assert find_tenant(events_db, str(acme)) == acme
    with pytest.raises(ConfigError) as error:
        find_tenant(events_db, "nobody")
    assert "no tenant nobody" in str(error.value)
