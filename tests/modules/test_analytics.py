"""The analytics module on a real PostgreSQL: monthly partitions, idempotent aggregates, isolation via the parent."""

from __future__ import annotations

from datetime import date

import pytest

from tenantdb.db import Session, connect
from tenantdb.errors import DatabaseError
from tenantdb.verify import verify
from tests import recipes
from tests.modules.support import (
    acting_as,
    fetch_as,
    module_sets,
    new_company,
)

dsn = recipes.database_fixture(recipes.modules_applied(["analytics"]))  # every test starts with analytics applied


MONTH_START = "date_trunc('month', now() AT TIME ZONE 'UTC')"
PARTITIONS = (
    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
    " WHERE i.inhparent = 'usage_events'::regclass ORDER BY c.relname"
)


@pytest.fixture
def analytics(session: Session) -> Session:
    return session


def month_names(session: Session, months: range) -> list[str]:
    """Partition names of the UTC months ``months`` after the current one."""
    query = f"SELECT 'usage_events_' || to_char({MONTH_START} + make_interval(months => %s), 'YYYY_MM')"
    return [str(session.fetch_value(query, (month,))) for month in months]


def partitions(session: Session) -> list[str]:
    return [str(row[0]) for row in session.fetch_all(PARTITIONS)]


def add_event(session: Session, tenant: str, when: str, event_type: str = "email.sent", quantity: int = 1) -> str:
    """Insert one event at the SQL expression ``when``; returns the partition it landed in."""
    return str(
        session.fetch_value(
            "INSERT INTO usage_events (tenant_id, occurred_at, event_type, quantity)"
            f" VALUES (%s, {when}, %s, %s) RETURNING tableoid::regclass::text",
            (tenant, event_type, quantity),
        )
    )


def test_partitions_cover_this_month_and_three_ahead_and_creating_them_is_idempotent(analytics: Session) -> None:
    expected = sorted([*month_names(analytics, range(4)), "usage_events_default"])
    assert partitions(analytics) == expected
    assert analytics.fetch_value("SELECT tenantdb_create_usage_partitions()") == 0
    assert analytics.fetch_value("SELECT tenantdb_create_usage_partitions(3)") == 0
    assert partitions(analytics) == expected
    assert analytics.fetch_value("SELECT tenantdb_create_usage_partitions(5)") == 2
    assert partitions(analytics) == sorted([*month_names(analytics, range(6)), "usage_events_default"])
    with pytest.raises(DatabaseError):
        analytics.execute("SELECT tenantdb_create_usage_partitions(-1)")
    # every partition has row-level security of its own (no policy: a stray grant shows nothing), and no grants
    unprotected = analytics.fetch_all(
        "SELECT inhrelid::regclass::text FROM pg_inherits JOIN pg_class c ON c.oid = inhrelid"
        " WHERE inhparent = 'usage_events'::regclass AND (NOT c.relrowsecurity OR c.relacl IS NOT NULL)"
    )
    assert unprotected == []


def test_events_land_in_their_month_and_early_arrivals_move_out_of_the_default(analytics: Session) -> None:
    tenant = new_company(analytics, "acme")
    this_month, next_month = month_names(analytics, range(2))
    assert add_event(analytics, tenant, "now()") == this_month
    assert add_event(analytics, tenant, f"{MONTH_START} + interval '1 month'") == next_month  # the boundary
    assert add_event(analytics, tenant, f"{MONTH_START} + interval '1 month' - interval '1 microsecond'") == this_month
    assert add_event(analytics, tenant, "now() - interval '2 years'") == "usage_events_default"
    six_ahead = month_names(analytics, range(6, 7))[0]
    assert add_event(analytics, tenant, f"{MONTH_START} + interval '6 months 3 days'") == "usage_events_default"

    assert analytics.fetch_value("SELECT tenantdb_create_usage_partitions(6)") == 3
    where = analytics.fetch_all("SELECT tableoid::regclass::text, count(*) FROM usage_events GROUP BY 1 ORDER BY 1")
    assert where == sorted([(six_ahead, 1), (this_month, 2), (next_month, 1), ("usage_events_default", 1)])
    assert analytics.fetch_value("SELECT count(*) FROM usage_events") == 5


def test_daily_and_monthly_aggregates_match_the_events_and_rerunning_changes_nothing(analytics: Session) -> None:
    acme, globex = new_company(analytics, "acme"), new_company(analytics, "globex")
    day = f"{MONTH_START} + interval '1 day'"  # the 2nd of this month, 00:00 UTC
    for hour in (0, 5, 23):
        add_event(analytics, acme, f"{day} + interval '{hour} hours'", "email.sent", 10)
    add_event(analytics, acme, f"{day} + interval '2 hours'", "contact.created")
    add_event(analytics, globex, f"{day} + interval '3 hours'", "email.sent", 7)
    add_event(analytics, acme, f"{day} + interval '1 day'", "email.sent", 100)  # the next day
    add_event(analytics, acme, f"{day} - interval '1 microsecond'", "email.sent", 1000)  # the day before

    the_day = analytics.fetch_value(f"SELECT ({day})::date")
    assert isinstance(the_day, date)
    daily = "SELECT c.slug, event_type, event_count, quantity FROM usage_aggregates_daily a JOIN companies c ON c.id = a.tenant_id WHERE day = %s ORDER BY 1, 2"  # noqa: E501
    assert analytics.fetch_value("SELECT tenantdb_aggregate_usage_daily(%s)", (the_day,)) == 3
    assert analytics.fetch_all(daily, (the_day,)) == [
        ("acme", "contact.created", 1, 1),
        ("acme", "email.sent", 3, 30),
        ("globex", "email.sent", 1, 7),
    ]
    before = analytics.fetch_all("SELECT * FROM usage_aggregates_daily ORDER BY 1, 2, 3")
    assert analytics.fetch_value("SELECT tenantdb_aggregate_usage_daily(%s)", (the_day,)) == 0
    assert analytics.fetch_all("SELECT * FROM usage_aggregates_daily ORDER BY 1, 2, 3") == before

    # Events corrected afterwards: a re-run updates the changed group and removes the group that is gone.
    analytics.execute("DELETE FROM usage_events WHERE event_type = 'contact.created'")
    add_event(analytics, globex, f"{day} + interval '4 hours'", "email.sent", 3)
    assert analytics.fetch_value("SELECT tenantdb_aggregate_usage_daily(%s)", (the_day,)) == 2
    assert analytics.fetch_all(daily, (the_day,)) == [("acme", "email.sent", 3, 30), ("globex", "email.sent", 2, 10)]

    monthly = "SELECT c.slug, month, event_type, event_count, quantity FROM usage_aggregates_monthly a JOIN companies c ON c.id = a.tenant_id ORDER BY 1, 2"  # noqa: E501
    assert analytics.fetch_value("SELECT tenantdb_aggregate_usage_monthly(%s)", (the_day,)) == 2
    first = the_day.replace(day=1)
    assert analytics.fetch_all(monthly) == [
        ("acme", first, "email.sent", 5, 1130),
        ("globex", first, "email.sent", 2, 10),
    ]
    assert analytics.fetch_value("SELECT tenantdb_aggregate_usage_monthly(%s)", (first,)) == 0
    matches = analytics.fetch_value(
        "SELECT count(*) FROM usage_aggregates_monthly m JOIN ("
        "  SELECT tenant_id, event_type, count(*) AS n, sum(quantity) AS q FROM usage_events"
        f"  WHERE occurred_at >= {MONTH_START} AT TIME ZONE 'UTC'"
        f"    AND occurred_at < ({MONTH_START} + interval '1 month') AT TIME ZONE 'UTC'"
        "  GROUP BY 1, 2) e USING (tenant_id, event_type) WHERE m.event_count = e.n AND m.quantity = e.q"
    )
    assert matches == 2
    with pytest.raises(DatabaseError):
        analytics.execute("INSERT INTO usage_aggregates_monthly VALUES (%s, '2025-01-15', 'x', 1, 1)", (acme,))


def test_tenants_reach_events_only_through_the_parent_and_only_their_own(analytics: Session, dsn: str) -> None:
    acme, globex = new_company(analytics, "acme"), new_company(analytics, "globex")
    this_month = month_names(analytics, range(1))[0]
    for tenant in (acme, globex):
        add_event(analytics, tenant, "now()")
    for role in ("application_service", "tenant_api"):
        assert fetch_as(dsn, role, acme, "SELECT DISTINCT tenant_id::text FROM usage_events") == [(acme,)]
        assert fetch_as(dsn, role, None, "SELECT count(*) FROM usage_events") == [(0,)]
        for partition in (this_month, "usage_events_default"):
            with pytest.raises(DatabaseError) as error, acting_as(dsn, role, acme) as session:
                session.execute(f"SELECT * FROM {partition}")
            assert error.value.sqlstate == "42501"
    assert fetch_as(dsn, "business_analysts", None, "SELECT count(*) FROM usage_events") == [(2,)]

    # A stray grant on a partition still shows nothing: it has row-level security without policies.
    analytics.execute(f"GRANT SELECT ON {this_month} TO tenant_api")
    assert fetch_as(dsn, "tenant_api", acme, f"SELECT count(*) FROM {this_month}") == [(0,)]
    analytics.execute(f"REVOKE SELECT ON {this_month} FROM tenant_api")

    with pytest.raises(DatabaseError) as error, acting_as(dsn, "application_service", acme) as app:
        add_event(app, globex, "now()")
    assert error.value.sqlstate == "42501"
    forbidden = [
        ("tenant_api", "INSERT INTO usage_events (tenant_id, event_type) VALUES (%s, 'email.sent')", (acme,)),
        ("application_service", "UPDATE usage_events SET quantity = 0 WHERE tenant_id = %s", (acme,)),
        ("tenant_api", "SELECT * FROM error_logs WHERE tenant_id = %s", (acme,)),
        ("application_service", "SELECT tenantdb_create_usage_partitions(3)", ()),
    ]
    for role, statement, params in forbidden:
        with pytest.raises(DatabaseError) as error, acting_as(dsn, role, acme) as session:
            session.execute(statement, params)
        assert error.value.sqlstate == "42501", (role, statement)


def test_aggregating_as_a_tenant_touches_only_that_tenant(analytics: Session, dsn: str) -> None:
    acme, globex = new_company(analytics, "acme"), new_company(analytics, "globex")
    for tenant in (acme, globex):
        add_event(analytics, tenant, "now()")
    today = analytics.fetch_value("SELECT (now() AT TIME ZONE 'UTC')::date")
    with acting_as(dsn, "application_service", acme) as app:
        assert app.fetch_value("SELECT tenantdb_aggregate_usage_daily(%s)", (today,)) == 1
    rows = analytics.fetch_all("SELECT tenant_id::text FROM usage_aggregates_daily")
    assert rows == [(acme,)]
    with acting_as(dsn, "db_administrators") as admin:
        assert admin.fetch_value("SELECT tenantdb_aggregate_usage_daily(%s)", (today,)) == 1
        assert admin.fetch_value("SELECT tenantdb_create_usage_partitions(4)") == 1
    assert analytics.fetch_value("SELECT count(*) FROM usage_aggregates_daily") == 2


def test_verify_blocks_find_nothing_in_consistent_data(analytics: Session) -> None:
    tenant = new_company(analytics, "acme")
    add_event(analytics, tenant, "now()")
    analytics.execute(
        "INSERT INTO api_usage (tenant_id, endpoint, day, calls, errors, p95_ms)"
        " VALUES (%s, 'GET /v1/contacts', current_date, 10, 1, 120)",
        (tenant,),
    )
    with pytest.raises(DatabaseError) as error:
        analytics.execute(
            "INSERT INTO api_usage (tenant_id, endpoint, day, calls, errors) VALUES (%s, 'GET /x', current_date, 1, 2)",
            (tenant,),
        )
    assert error.value.sqlstate == "23514"
    assert verify(analytics, module_sets("analytics")).violations == ()


def test_partitions_are_added_while_a_writer_holds_its_transaction_open(analytics: Session, dsn: str) -> None:
    """Attaching takes no lock that an open INSERT holds against it: writers are never queued behind it."""
    tenant = new_company(analytics, "acme")
    with connect(dsn) as writer, writer.transaction():
        add_event(writer, tenant, "now()")
        with connect(dsn) as scheduler, scheduler.transaction():
            scheduler.execute("SET LOCAL lock_timeout = '2s'")
            scheduler.execute("SET LOCAL ROLE db_administrators")
            assert scheduler.fetch_value("SELECT tenantdb_create_usage_partitions(5)") == 2
    assert analytics.fetch_value("SELECT count(*) FROM usage_events") == 1
