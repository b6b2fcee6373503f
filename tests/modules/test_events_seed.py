"""Module events' seed data: a plausible event history over the seeded months, through the module's own functions.

Delivery outcomes for every seeded company with the volumes of email_infra's deliverability_daily, application
revenue impacts most of which are resolved within the 2-hour response target (some later, some never), and a
handful of strategic decisions decided in 4 to 120 hours, one still open — each with its events.
"""

from __future__ import annotations

from pathlib import Path

from tenantdb import commands
from tenantdb.config import Settings, load_settings
from tenantdb.db import Session, connect
from tests.modules.support import apply_modules
from tests.modules.test_seed import AS_OF, seeded  # noqa: F401 - seeded is a fixture


def counts(session: Session, query: str) -> int:
    return int(session.fetch_value(query))


def test_delivery_outcomes_match_deliverability_for_every_seeded_company(
    seeded: tuple[Settings, commands.SeedReport],  # noqa: F811
) -> None:
    dsn = seeded[0].dsn
    assert dsn is not None
    with connect(dsn) as session:
        assert counts(session, "SELECT count(*) FROM email_delivery_daily") > 0
        differing = session.fetch_all(
            "SELECT tenant_id, day FROM deliverability_daily d FULL JOIN email_delivery_daily e USING (tenant_id, day)"
            " WHERE (d.sent, d.delivered, d.bounced_hard + d.bounced_soft, d.spam_complaints, d.blocked)"
            " IS DISTINCT FROM (e.sent, e.delivered, e.bounced, e.spam, e.blocked) LIMIT 5"
        )
        assert differing == []
        assert (
            counts(
                session,
                "SELECT count(*) FROM companies c WHERE c.slug <> 'platform-operator'"
                " AND EXISTS (SELECT FROM deliverability_daily d WHERE d.tenant_id = c.id)"
                " AND NOT EXISTS (SELECT FROM email_delivery_daily e WHERE e.tenant_id = c.id)",
            )
            == 0
        )
        assert counts(session, "SELECT count(*) FROM email_delivery_daily WHERE cost_impact <= 0 AND bounced > 0") == 0
        assert (
            counts(
                session,
                "SELECT count(*) FROM email_delivery_daily e CROSS JOIN LATERAL (SELECT count(*) AS batches,"
                " sum(b.sent) AS sent, sum(b.cost_impact) AS cost_impact FROM email_delivery_batches b"
                " WHERE b.tenant_id = e.tenant_id AND b.day = e.day) AS b"
                " WHERE (e.batches, e.sent, e.cost_impact) IS DISTINCT FROM (b.batches, b.sent, b.cost_impact)",
            )
            == 0
        )
        assert counts(session, "SELECT count(*) FROM business_events WHERE event = 'email_delivery_outcome'") == counts(
            session, "SELECT count(*) FROM email_delivery_batches"
        )


def test_revenue_impacts_are_mostly_resolved_within_two_hours(
    seeded: tuple[Settings, commands.SeedReport],  # noqa: F811
) -> None:
    dsn = seeded[0].dsn
    assert dsn is not None
    with connect(dsn) as session:
        # the application's impacts (bi refresh adds deliverability_risk impacts of its own, source bi_refresh)
        types = {
            row[0]
            for row in session.fetch_all(
                "SELECT DISTINCT impact_type FROM revenue_impacts WHERE source = 'application'"
            )
        }
        assert types <= {"churn", "downgrade", "upgrade", "payment_failure"} and len(types) >= 3
        within, later, never, total = session.fetch_one(
            "SELECT count(*) FILTER (WHERE resolved_at <= detected_at + interval '2 hours'),"
            " count(*) FILTER (WHERE resolved_at > detected_at + interval '2 hours'),"
            " count(*) FILTER (WHERE resolved_at IS NULL), count(*) FROM revenue_impacts"
            " WHERE amount < 0 AND source = 'application'"
        ) or (0, 0, 0, 0)
        assert total >= 5 and within > total / 2 and later > 0 and never > 0, (within, later, never, total)
        assert session.fetch_value("SELECT count(*) FROM revenue_impacts WHERE resolved_at > %s", (AS_OF,)) == 0
        assert (
            counts(
                session,
                "SELECT count(*) FROM revenue_impacts r WHERE affected_customer_value <= 0 OR NOT EXISTS"
                " (SELECT FROM business_events e WHERE e.event = 'revenue_impact' AND e.tenant_id = r.tenant_id"
                "  AND e.properties ->> 'impact_id' = r.impact_id::text AND e.properties ->> 'stage' = 'detected')",
            )
            == 0
        )
        assert counts(
            session, "SELECT count(*) FROM business_events WHERE properties ->> 'stage' = 'resolved'"
        ) == counts(session, "SELECT count(*) FROM revenue_impacts WHERE resolved_at IS NOT NULL")


def test_a_handful_of_strategic_decisions_one_still_open(
    seeded: tuple[Settings, commands.SeedReport],  # noqa: F811
) -> None:
    dsn = seeded[0].dsn
    assert dsn is not None
    with connect(dsn) as session:
        decided, still_open, shortest, longest = session.fetch_one(
            "SELECT count(decided_at), count(*) - count(decided_at),"
            " min(extract(epoch FROM decided_at - opened_at) / 3600), max(extract(epoch FROM decided_at - opened_at)"
            " / 3600) FROM strategic_decisions"
        ) or (0, 0, 0, 0)
        assert 4 <= decided <= 8 and still_open == 1
        assert shortest >= 4 and longest <= 120
        assert counts(session, "SELECT count(*) FROM business_events WHERE event = 'strategic_decision'") == (
            2 * decided + still_open
        )


def test_events_seed_without_email_infra_generates_its_own_volumes(dsn: str, tmp_path: Path) -> None:
    (tmp_path / "tenantdb.toml").write_text('modules = ["events"]\n', encoding="utf-8")
    settings = load_settings(tmp_path, environ={}).with_overrides(dsn=dsn)
    with connect(dsn) as session:
        apply_modules(session, "events")
    report = commands.seed(settings, tenants=8, random_seed=3, as_of=AS_OF)
    assert [module.module for module in report.modules] == ["core", "events"]
    with connect(dsn) as session:
        assert counts(session, "SELECT count(DISTINCT tenant_id) FROM email_delivery_daily") >= 5
        assert counts(session, "SELECT count(*) FROM revenue_impacts") > 0
        assert counts(session, "SELECT count(*) FROM strategic_decisions") >= 5
    assert commands.migrate_verify(settings).ok
