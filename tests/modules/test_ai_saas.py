"""The ai_saas module on a real PostgreSQL: reversible, constrained, verified, and isolated per tenant.

The full attack matrix over these tables runs in test_security.py; this file covers what the tables mean.
"""

from __future__ import annotations

import pytest

from tenantdb.db import Session
from tenantdb.errors import DatabaseError
from tenantdb.verify import verify
from tests import recipes
from tests.modules.support import (
    CHECK_VIOLATION,
    FOREIGN_KEY_VIOLATION,
    INSUFFICIENT_PRIVILEGE,
    UNIQUE_VIOLATION,
    acting_as,
    fetch_as,
    module_sets,
    rejected,
    subscribe,
)
from tests.modules.support import new_company as new_tenant

dsn = recipes.database_fixture(recipes.modules_applied(["ai_saas"]))  # every test starts with ai_saas applied


@pytest.fixture
def ai(session: Session) -> Session:
    return session


def new_company(session: Session, slug: str) -> str:
    """A tenant with a subscription in force: AI sessions need one (0004's limits); its plan has no AI limits."""
    tenant = new_tenant(session, slug)
    subscribe(session, tenant, {})
    return tenant


def new_portfolio(session: Session, tenant: str, name: str = "Growth") -> str:
    return str(
        session.fetch_value(
            "INSERT INTO portfolios (tenant_id, name) VALUES (%s, %s) RETURNING portfolio_id", (tenant, name)
        )
    )


def new_session(session: Session, tenant: str, portfolio: str) -> str:
    return str(
        session.fetch_value(
            "INSERT INTO ai_analysis_sessions (tenant_id, portfolio_id, analysis_type, model)"
            " VALUES (%s, %s, 'valuation', 'model-x') RETURNING session_id",
            (tenant, portfolio),
        )
    )


def violations(session: Session) -> list[str]:
    return [v.message for v in verify(session, module_sets("ai_saas")).violations]


def test_a_session_moves_through_its_lifecycle(ai: Session) -> None:
    acme = new_company(ai, "acme")
    analysis = new_session(ai, acme, new_portfolio(ai, acme))
    assert ai.fetch_one("SELECT status, progress FROM ai_analysis_sessions") == ("queued", 0)
    ai.execute("UPDATE ai_analysis_sessions SET status = 'running', started_at = now() - interval '2 s', progress = 40")
    ai.execute(
        "UPDATE ai_analysis_sessions SET status = 'succeeded', progress = 100, finished_at = now(),"
        " results = '{\"valuation\": 1200000}', confidence = 0.87549, processing_time_ms = 1500"
    )
    assert ai.fetch_one("SELECT confidence::text, results->>'valuation' FROM ai_analysis_sessions") == (
        "0.875",
        "1200000",
    )
    ai.execute(
        "INSERT INTO generated_reports (tenant_id, session_id, title, report_type, status, content, generated_at)"
        " VALUES (%s, %s, 'Q3 valuation', 'executive_summary', 'ready', '{}', now())",
        (acme, analysis),
    )
    assert violations(ai) == []
    ai.execute("DELETE FROM portfolios")  # a portfolio takes its analyses and their reports with it
    assert ai.fetch_value("SELECT count(*) FROM generated_reports") == 0


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ("status = 'succeeded', progress = 100, started_at = now(), finished_at = now()", "succeeded without results"),
        ("status = 'succeeded', results = '{}', started_at = now(), finished_at = now()", "succeeded at 40 percent"),
        ("progress = 101", "more than done"),
        ("progress = -1", "less than nothing"),
        ("results = '{}', confidence = 1.5", "confidence above 1"),
        ("results = '{}', confidence = -0.1", "confidence below 0"),
        ("confidence = 0.5", "confidence without results"),
        ("started_at = now()", "queued but started"),
        ("status = 'running'", "running but never started"),
        ("status = 'running', started_at = now(), finished_at = now()", "running but finished"),
        ("status = 'failed', started_at = now(), finished_at = now()", "failed without an error"),
        ("status = 'failed', error_message = 'x'", "failed without finishing"),
        (
            "status = 'failed', error_message = 'x', started_at = now(), finished_at = now() - interval '1 s'",
            "finished before it started",
        ),
        ("processing_time_ms = 10", "processing time while queued"),
        ("status = 'paused'", "unknown status"),
        ("analysis_type = 'Valuation!'", "analysis type not a key"),
    ],
)
def test_a_session_rejects_inconsistent_states(ai: Session, change: str, why: str) -> None:
    acme = new_company(ai, "acme")
    new_session(ai, acme, new_portfolio(ai, acme))
    ai.execute("UPDATE ai_analysis_sessions SET progress = 40")
    assert rejected(ai, f"UPDATE ai_analysis_sessions SET {change}") == CHECK_VIOLATION, why


def test_portfolios_businesses_and_reports_reject_what_they_cannot_mean(ai: Session) -> None:
    acme, globex = new_company(ai, "acme"), new_company(ai, "globex")
    portfolio = new_portfolio(ai, acme)
    analysis = new_session(ai, acme, portfolio)
    assert rejected(ai, "INSERT INTO portfolios (tenant_id, name) VALUES (%s, 'Growth')", (acme,)) == UNIQUE_VIOLATION
    new_portfolio(ai, globex, "Growth")  # names are unique per tenant only
    assert rejected(ai, "INSERT INTO portfolios (tenant_id, name, metadata) VALUES (%s, 'x', '[]')", (acme,)) == (
        CHECK_VIOLATION
    )
    business = "INSERT INTO portfolio_businesses (tenant_id, portfolio_id, business_name, country, annual_revenue,"
    business += " currency) VALUES (%s, %s, %s, %s, %s, %s)"
    ai.execute(business, (acme, portfolio, "Initech", "DE", "1000.00", "EUR"))
    assert rejected(ai, business, (acme, portfolio, "Initech", "DE", None, None)) == UNIQUE_VIOLATION
    assert rejected(ai, business, (acme, portfolio, "Hooli", "de", None, None)) == CHECK_VIOLATION
    assert rejected(ai, business, (acme, portfolio, "Hooli", "US", "10.00", None)) == CHECK_VIOLATION
    assert rejected(ai, business, (acme, portfolio, "Hooli", "US", "-10.00", "USD")) == CHECK_VIOLATION
    # Foreign keys carry tenant_id: another tenant's portfolio or session cannot be referenced.
    assert rejected(ai, business, (globex, portfolio, "Hooli", "US", None, None)) == FOREIGN_KEY_VIOLATION
    assert (
        rejected(
            ai,
            "INSERT INTO ai_analysis_sessions (tenant_id, portfolio_id, analysis_type, model)"
            " VALUES (%s, %s, 'risk', 'm')",
            (globex, portfolio),
        )
        == FOREIGN_KEY_VIOLATION
    )
    report = "INSERT INTO generated_reports (tenant_id, session_id, title, report_type, format, status, content,"
    report += " storage_url, generated_at) VALUES (%s, %s, 'R', 'summary', %s, %s, %s, %s, %s)"
    assert rejected(ai, report, (globex, analysis, "pdf", "generating", None, None, None)) == FOREIGN_KEY_VIOLATION
    assert rejected(ai, report, (acme, analysis, "docx", "generating", None, None, None)) == CHECK_VIOLATION
    assert rejected(ai, report, (acme, analysis, "pdf", "ready", None, None, None)) == CHECK_VIOLATION
    assert rejected(ai, report, (acme, analysis, "pdf", "ready", "{}", None, None)) == CHECK_VIOLATION
    ai.execute(report, (acme, analysis, "pdf", "ready", None, "s3://reports/r.pdf", "2025-01-01"))


def test_verify_reports_what_the_constraints_cannot_see(ai: Session) -> None:
    acme = new_company(ai, "acme")
    analysis = new_session(ai, acme, new_portfolio(ai, acme))
    ai.execute(
        "UPDATE ai_analysis_sessions SET status = 'failed', error_message = 'model timeout',"
        " started_at = now() - interval '1 s', finished_at = now(), processing_time_ms = 60000"
    )
    ai.execute(
        "INSERT INTO generated_reports (tenant_id, session_id, title, report_type, status, content, generated_at)"
        " VALUES (%s, %s, 'Q3', 'summary', 'ready', '{}', now())",
        (acme, analysis),
    )
    ai.execute("ALTER TABLE ai_analysis_sessions DROP CONSTRAINT ai_analysis_sessions_succeeded_complete")
    second = new_session(ai, acme, str(ai.fetch_value("SELECT portfolio_id FROM portfolios")))
    ai.execute(
        "UPDATE ai_analysis_sessions SET status = 'succeeded', started_at = now(), finished_at = now()"
        " WHERE session_id = %s",
        (second,),
    )
    found = violations(ai)
    assert any(m.startswith(f"analysis session {analysis} reports 60000 ms of processing in") for m in found)
    assert f"report {ai.fetch_value('SELECT report_id FROM generated_reports')} is ready but its analysis session" in (
        " ".join(found)
    )
    assert f"analysis session {second} is succeeded but inconsistent (progress, timestamps or results)" in found
    assert len(found) == 3, found


def test_each_tenant_works_only_on_its_own_portfolios(ai: Session, dsn: str) -> None:
    acme, globex = new_company(ai, "acme"), new_company(ai, "globex")
    acme_portfolio = new_portfolio(ai, acme, "Shared name")
    new_portfolio(ai, globex, "Shared name")
    with acting_as(dsn, "tenant_api", acme) as session:
        session.execute(
            "INSERT INTO ai_analysis_sessions (tenant_id, portfolio_id, analysis_type, model)"
            " VALUES (%s, %s, 'risk', 'model-x')",
            (acme, acme_portfolio),
        )
        assert session.execute_count("UPDATE portfolios SET description = 'mine'") == 1
        assert session.execute_count("DELETE FROM portfolios WHERE tenant_id = %s", (globex,)) == 0
    with pytest.raises(DatabaseError) as error, acting_as(dsn, "tenant_api", acme) as session:
        session.execute("INSERT INTO portfolios (tenant_id, name) VALUES (%s, 'Planted')", (globex,))
    assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
    assert fetch_as(dsn, "tenant_api", globex, "SELECT description FROM portfolios") == [(None,)]
    assert fetch_as(dsn, "business_analysts", None, "SELECT count(*) FROM portfolios") == [(2,)]
