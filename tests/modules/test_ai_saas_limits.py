"""AI analysis rate limits (ai_saas 0004): the plan's feature_limits, enforced in the database when a session is
created, exact under concurrency, and out of reach of the tenant roles."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest

from tenantdb.db import Session, connect
from tenantdb.errors import DatabaseError
from tests import recipes
from tests.modules.support import (
    INSUFFICIENT_PRIVILEGE,
    SET_TENANT,
    acting_as,
    new_company,
    subscribe,
)

dsn = recipes.database_fixture(recipes.modules_applied(["ai_saas"]))  # every test starts with ai_saas applied


MONTH_LIMIT = "P0L01"
CONCURRENT_LIMIT = "P0L02"
SERIALIZATION_FAILURE = "40001"
THREADS = 50

INSERT_SESSION = (
    "INSERT INTO ai_analysis_sessions (tenant_id, portfolio_id, analysis_type, model)"
    " VALUES (%s, %s, 'valuation', 'model-x') RETURNING session_id"
)


@pytest.fixture
def ai(session: Session) -> Session:
    return session


def new_portfolio(db: Session, tenant: str) -> str:
    return str(
        db.fetch_value("INSERT INTO portfolios (tenant_id, name) VALUES (%s, 'P') RETURNING portfolio_id", (tenant,))
    )


def tenant_with_plan(db: Session, slug: str, limits: dict[str, int]) -> tuple[str, str]:
    """A company subscribed to a plan with ``limits``, and a portfolio of it."""
    tenant = new_company(db, slug)
    subscribe(db, tenant, limits)
    return tenant, new_portfolio(db, tenant)


def refused(db: Session, tenant: str, portfolio: str) -> DatabaseError:
    with pytest.raises(DatabaseError) as error, db.transaction():
        db.execute(INSERT_SESSION, (tenant, portfolio))
    return error.value


def usage(db: Session, tenant: str) -> tuple[int, int | None, int, int | None, bool]:
    row = db.fetch_one(
        "SELECT sessions_created, sessions_per_month, active_sessions, concurrent_sessions, subscribed"
        " FROM ai_session_usage_current WHERE tenant_id = %s",
        (tenant,),
    )
    assert row is not None
    return (row[0], row[1], row[2], row[3], row[4])


def test_missing_keys_mean_unlimited(ai: Session) -> None:
    tenant, portfolio = tenant_with_plan(ai, "acme", {"seats": 3})
    for _ in range(25):
        ai.execute(INSERT_SESSION, (tenant, portfolio))
    assert usage(ai, tenant) == (25, None, 25, None, True)


def test_the_month_limit_refuses_with_its_sqlstate_and_names_limit_and_usage(ai: Session) -> None:
    tenant, portfolio = tenant_with_plan(ai, "acme", {"ai_sessions_per_month": 3})
    for _ in range(3):
        ai.execute(INSERT_SESSION, (tenant, portfolio))
    error = refused(ai, tenant, portfolio)
    assert error.sqlstate == MONTH_LIMIT
    assert "ai_sessions_per_month limit of 3 reached (3 created in" in error.message
    ai.execute("DELETE FROM ai_analysis_sessions")  # deleting sessions gives nothing back in the month
    assert refused(ai, tenant, portfolio).sqlstate == MONTH_LIMIT
    assert usage(ai, tenant) == (3, 3, 0, None, True)
    # a backdated created_at still counts in the current month (the counter goes by the transaction's time)
    ai.execute("UPDATE plans SET feature_limits = '{\"ai_sessions_per_month\": 4}'")
    ai.execute(
        "INSERT INTO ai_analysis_sessions (tenant_id, portfolio_id, analysis_type, model, created_at)"
        " VALUES (%s, %s, 'risk', 'm', '2001-01-01')",
        (tenant, portfolio),
    )
    assert refused(ai, tenant, portfolio).sqlstate == MONTH_LIMIT


def test_the_concurrent_limit_counts_queued_and_running_sessions(ai: Session) -> None:
    tenant, portfolio = tenant_with_plan(ai, "acme", {"ai_concurrent_sessions": 2})
    first = ai.fetch_value(INSERT_SESSION, (tenant, portfolio))
    ai.execute(INSERT_SESSION, (tenant, portfolio))
    error = refused(ai, tenant, portfolio)
    assert error.sqlstate == CONCURRENT_LIMIT
    assert "ai_concurrent_sessions limit of 2 reached (2 queued or running)" in error.message
    assert usage(ai, tenant) == (2, None, 2, 2, True)
    finish = "UPDATE ai_analysis_sessions SET status = 'failed', error_message = 'x', finished_at = now()"
    ai.execute(f"{finish} WHERE session_id = %s", (first,))
    ai.execute(INSERT_SESSION, (tenant, portfolio))  # a finished session frees its slot
    with pytest.raises(DatabaseError) as again, ai.transaction():  # setting a finished one running again is checked
        ai.execute(
            "UPDATE ai_analysis_sessions SET status = 'running', finished_at = NULL, started_at = now()"
            " WHERE session_id = %s",
            (first,),
        )
    assert again.value.sqlstate == CONCURRENT_LIMIT


@pytest.mark.parametrize(("status", "allowed"), [("trialing", True), ("past_due", True), ("canceled", False)])
def test_only_a_subscription_in_force_grants_sessions(ai: Session, status: str, allowed: bool) -> None:
    tenant = new_company(ai, "acme")
    portfolio = ai.fetch_value(
        "INSERT INTO portfolios (tenant_id, name) VALUES (%s, 'P') RETURNING portfolio_id", (tenant,)
    )
    error = refused(ai, tenant, portfolio)  # no subscription at all
    assert error.sqlstate == MONTH_LIMIT
    assert "has no subscription in force" in error.message
    subscribe(ai, tenant, {}, status)
    if allowed:
        ai.execute(INSERT_SESSION, (tenant, portfolio))
    else:
        assert refused(ai, tenant, portfolio).sqlstate == MONTH_LIMIT


def test_with_several_plans_in_force_the_most_generous_limit_applies(ai: Session) -> None:
    tenant, portfolio = tenant_with_plan(ai, "acme", {"ai_sessions_per_month": 1, "ai_concurrent_sessions": 1})
    subscribe(ai, tenant, {"ai_sessions_per_month": 2})  # an add-on without a concurrent limit lifts it
    ai.execute(INSERT_SESSION, (tenant, portfolio))
    ai.execute(INSERT_SESSION, (tenant, portfolio))
    assert refused(ai, tenant, portfolio).sqlstate == MONTH_LIMIT
    assert usage(ai, tenant) == (2, 2, 2, None, True)


def test_a_tenant_role_is_limited_and_cannot_reach_the_counter(ai: Session, dsn: str) -> None:
    tenant, portfolio = tenant_with_plan(ai, "acme", {"ai_sessions_per_month": 2})
    other, other_portfolio = tenant_with_plan(ai, "globex", {"ai_sessions_per_month": 1})
    ai.execute(INSERT_SESSION, (other, other_portfolio))
    for role in ("tenant_api", "application_service"):
        with acting_as(dsn, role, tenant) as db:
            db.execute(INSERT_SESSION, (tenant, portfolio))
    attempts: dict[str, str] = {
        # shadow the plans and subscriptions the trigger reads: tenant roles have no TEMP privilege (module
        # security), and the trigger's search_path is pinned with pg_temp last anyway (checked below)
        "shadow": "CREATE TEMPORARY TABLE plans (plan_id uuid, feature_limits jsonb);"
        " CREATE TEMPORARY TABLE subscriptions (tenant_id uuid, plan_id uuid, status text);"
        f" INSERT INTO ai_analysis_sessions (tenant_id, portfolio_id, analysis_type, model)"
        f" VALUES ('{tenant}', '{portfolio}', 'risk', 'm')",
        "plain": f"INSERT INTO ai_analysis_sessions (tenant_id, portfolio_id, analysis_type, model)"
        f" VALUES ('{tenant}', '{portfolio}', 'risk', 'm')",
        "reset": "UPDATE ai_session_usage SET sessions_created = 0",
        "forget": "DELETE FROM ai_session_usage",
        "plant": f"INSERT INTO ai_session_usage (tenant_id, month) VALUES ('{tenant}', '2001-01-01')",
        "disable": "ALTER TABLE ai_analysis_sessions DISABLE TRIGGER ai_analysis_sessions_limits",
        "call": "SELECT tenantdb_ai_session_admit()",
        "raise limit": "UPDATE plans SET feature_limits = '{}'",
        # another tenant's id: row-level security refuses it before the trigger reads that tenant's usage
        "other": f"INSERT INTO ai_analysis_sessions (tenant_id, portfolio_id, analysis_type, model)"
        f" VALUES ('{other}', '{other_portfolio}', 'risk', 'm')",
    }
    outcomes = {}
    for name, statement in attempts.items():
        with pytest.raises(DatabaseError) as error, acting_as(dsn, "tenant_api", tenant) as db:
            db.run_script(statement)
        outcomes[name] = (error.value.sqlstate, other not in error.value.message)
    assert outcomes == {
        "shadow": (INSUFFICIENT_PRIVILEGE, True),
        "plain": (MONTH_LIMIT, True),
        "reset": (INSUFFICIENT_PRIVILEGE, True),
        "forget": (INSUFFICIENT_PRIVILEGE, True),
        "plant": (INSUFFICIENT_PRIVILEGE, True),
        "disable": (INSUFFICIENT_PRIVILEGE, True),
        "call": (INSUFFICIENT_PRIVILEGE, True),  # and a trigger function can only be called as a trigger
        "raise limit": (INSUFFICIENT_PRIVILEGE, True),
        "other": (INSUFFICIENT_PRIVILEGE, True),
    }
    with acting_as(dsn, "tenant_api", tenant) as db:  # the tenant sees its own usage, and only its own
        assert db.fetch_all("SELECT tenant_id::text, sessions_created FROM ai_session_usage") == [(tenant, 2)]
        assert db.fetch_all("SELECT tenant_id::text, sessions_created FROM ai_session_usage_current") == [(tenant, 2)]
    assert usage(ai, other) == (1, 1, 1, None, True)
    assert ai.fetch_one(
        "SELECT prosecdef, proconfig FROM pg_proc WHERE oid = 'tenantdb_ai_session_admit'::regproc"
    ) == (True, ["search_path=pg_catalog, public, pg_temp"])


NAIVE_CHECK = """
CREATE FUNCTION test_naive_admit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- the same limits, counted from the rows, without the tenant's lock
    IF (SELECT count(*) FROM ai_analysis_sessions WHERE tenant_id = NEW.tenant_id
          AND created_at >= date_trunc('month', now()))
       > (SELECT sessions_per_month FROM tenantdb_ai_session_limits(NEW.tenant_id)) THEN
        RAISE EXCEPTION 'over the limit' USING ERRCODE = 'P0L01';
    END IF;
    RETURN NULL;
END;
$$;
"""


def race(dsn: str, tenant: str, portfolio: str, *, isolation: str, retries: int = 0) -> Counter[str]:
    """THREADS connections create one session each at the same moment, as tenant_api; the outcome per SQLSTATE.

    A trigger that sleeps after the limits trigger (triggers fire in name order) keeps every transaction open a
    while after its check, so the checks overlap: without the tenant's lock they all count the same rows.
    """
    start = threading.Barrier(THREADS)
    outcomes: Counter[str] = Counter()
    guard = threading.Lock()

    def create(n: int) -> None:
        outcome = "error"
        try:
            with connect(dsn, application_name=f"ai session {n}") as conn:
                start.wait()
                for _ in range(retries + 1):
                    try:
                        with conn.transaction():
                            conn.execute(f"SET TRANSACTION ISOLATION LEVEL {isolation}")
                            conn.execute("SET LOCAL ROLE tenant_api")
                            conn.execute(SET_TENANT, (tenant,))
                            conn.execute(INSERT_SESSION, (tenant, portfolio))
                        outcome = "created"
                        break
                    except DatabaseError as error:
                        outcome = str(error.sqlstate)
                        if error.sqlstate != SERIALIZATION_FAILURE:
                            break
        finally:
            with guard:
                outcomes[outcome] += 1

    workers = [threading.Thread(target=create, args=(n,)) for n in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert not any(worker.is_alive() for worker in workers)
    return outcomes


def slow_commits(db: Session) -> None:
    db.execute(
        "CREATE FUNCTION test_linger() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN PERFORM pg_sleep(0.3); RETURN NULL; END $$"
    )
    db.execute(
        "CREATE TRIGGER ai_analysis_sessions_zz_linger AFTER INSERT ON ai_analysis_sessions"
        " FOR EACH ROW EXECUTE FUNCTION test_linger()"
    )


LIMITS: list[tuple[str, Callable[[int], dict[str, int]], str]] = [
    ("month", lambda n: {"ai_sessions_per_month": n}, MONTH_LIMIT),
    ("concurrent", lambda n: {"ai_concurrent_sessions": n}, CONCURRENT_LIMIT),
]


@pytest.mark.parametrize(("name", "limits", "sqlstate"), LIMITS, ids=[name for name, _, _ in LIMITS])
def test_fifty_concurrent_creations_never_pass_the_limit_read_committed(
    ai: Session, dsn: str, name: str, limits: Callable[[int], dict[str, int]], sqlstate: str
) -> None:
    tenant, portfolio = tenant_with_plan(ai, "acme", limits(7))
    slow_commits(ai)
    outcomes = race(dsn, tenant, portfolio, isolation="READ COMMITTED")
    assert outcomes == Counter({"created": 7, sqlstate: THREADS - 7}), name
    assert ai.fetch_value("SELECT count(*) FROM ai_analysis_sessions") == 7


@pytest.mark.parametrize("isolation", ["REPEATABLE READ", "SERIALIZABLE"])
def test_fifty_concurrent_creations_never_pass_the_limit_under_snapshot_isolation(
    ai: Session, dsn: str, isolation: str
) -> None:
    """A snapshot taken before another creation committed cannot see it: the counter row, updated by every
    creation, turns that into a serialization failure (40001) instead of a miscount. Retried, exactly the limit
    succeeds."""
    tenant, portfolio = tenant_with_plan(ai, "acme", {"ai_sessions_per_month": 7, "ai_concurrent_sessions": 7})
    slow_commits(ai)
    first = race(dsn, tenant, portfolio, isolation=isolation)
    assert first["created"] <= 7
    assert set(first) <= {"created", MONTH_LIMIT, CONCURRENT_LIMIT, SERIALIZATION_FAILURE}
    assert ai.fetch_value("SELECT count(*) FROM ai_analysis_sessions") == first["created"]
    again = race(dsn, tenant, portfolio, isolation=isolation, retries=THREADS)
    assert first["created"] + again["created"] == 7
    assert ai.fetch_value("SELECT count(*) FROM ai_analysis_sessions") == 7


def test_the_race_harness_catches_a_check_without_the_tenants_lock(ai: Session, dsn: str) -> None:
    """The harness above can fail: with the same limit counted from the rows (no lock), the 50 creations pass it."""
    tenant, portfolio = tenant_with_plan(ai, "acme", {"ai_sessions_per_month": 7})
    slow_commits(ai)
    ai.execute("DROP TRIGGER ai_analysis_sessions_limits ON ai_analysis_sessions")
    ai.execute(NAIVE_CHECK)
    ai.execute(
        "CREATE TRIGGER ai_analysis_sessions_limits AFTER INSERT ON ai_analysis_sessions"
        " FOR EACH ROW EXECUTE FUNCTION test_naive_admit()"
    )
    outcomes = race(dsn, tenant, portfolio, isolation="READ COMMITTED")
    assert outcomes["created"] > 7, outcomes
