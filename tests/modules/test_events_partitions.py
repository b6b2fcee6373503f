"""Monthly partitions of module events and their retention: built beside and attached, rows moved out of the
default partition, row-level security forced on each, and old months dropped whole, except a business_events
month that still holds undelivered events (it is named and kept)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from tenantdb.db import Session
from tenantdb.errors import DatabaseError
from tenantdb.events.ids import stable_id
from tenantdb.events.retention import OldPartition, PartitionFate, RetentionReport, prune
from tests import recipes
from tests.modules.support import acting_as, new_company

dsn = recipes.database_fixture(recipes.modules_applied(["events"]))  # every test starts with events applied


TABLES = ("business_events", "email_delivery_batches", "email_delivery_daily")


@pytest.fixture
def events_db(session: Session) -> Session:
    return session


def this_month(session: Session) -> date:
    return session.fetch_value("SELECT date_trunc('month', now() AT TIME ZONE 'UTC')::date")


def month_offset(session: Session, months: int) -> date:
    return session.fetch_value(
        "SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => %s))::date", (months,)
    )


def partitions(session: Session, table: str) -> list[str]:
    rows = session.fetch_all(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass"
        " ORDER BY 1",
        (table,),
    )
    return [str(row[0]) for row in rows]


def name(table: str, month: date) -> str:
    return f"{table}_{month:%Y_%m}"


def add_month_of_rows(session: Session, tenant: str, month: date, *, delivered: bool) -> None:
    """An event, a batch and a day of ``month`` for ``tenant`` (as the migration role)."""
    day = month.replace(day=2)
    session.execute(
        "INSERT INTO business_events (event_id, occurred_at, event, tenant_id, delivered_at)"
        " VALUES (%s, %s, 'revenue_impact', %s, CASE WHEN %s THEN now() END)",
        (stable_id("test", str(month)), datetime(day.year, day.month, day.day, tzinfo=UTC), tenant, delivered),
    )
    session.execute(
        "INSERT INTO email_delivery_batches (tenant_id, day, batch_id, sent, delivered, bounced, spam, blocked,"
        " cost_impact) VALUES (%s, %s, %s, 1, 1, 0, 0, 0, 0)",
        (tenant, day, uuid4()),
    )
    session.execute(
        "INSERT INTO email_delivery_daily (tenant_id, day, batches, sent, delivered, bounced, spam, blocked,"
        " cost_impact) VALUES (%s, %s, 1, 1, 1, 0, 0, 0, 0)",
        (tenant, day),
    )


def test_the_migration_creates_this_month_and_three_ahead_with_forced_rls_owned_by_the_owner(
    events_db: Session,
) -> None:
    months = [month_offset(events_db, n) for n in range(4)]
    for table in TABLES:
        assert partitions(events_db, table) == sorted([f"{table}_default", *(name(table, m) for m in months)])
        rows = events_db.fetch_all(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner)"
            " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            (table,),
        )
        assert all(row[1:] == (True, True, "tenantdb_owner") for row in rows), rows
        for role in ("application_service", "tenant_api", "business_analysts", "db_administrators"):
            assert not events_db.fetch_value(
                "SELECT bool_or(has_table_privilege(%s, c.oid, 'SELECT, INSERT, UPDATE, DELETE'))"
                " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
                (role, table),
            ), (role, table)


def test_only_administrators_may_manage_partitions(dsn: str, events_db: Session) -> None:
    for function in ("tenantdb_events_create_partitions(integer)", "tenantdb_events_drop_partitions(integer,boolean)"):
        for role in ("application_service", "tenant_api", "business_analysts"):
            assert not events_db.fetch_value("SELECT has_function_privilege(%s, %s, 'EXECUTE')", (role, function))
        assert events_db.fetch_value("SELECT has_function_privilege('db_administrators', %s, 'EXECUTE')", (function,))
    with acting_as(dsn, "db_administrators") as administrator:
        assert administrator.fetch_value("SELECT tenantdb_events_create_partitions(5)") == 2 * len(TABLES)
    with acting_as(dsn, "application_service") as app, pytest.raises(DatabaseError) as error:
        app.execute("SELECT tenantdb_events_create_partitions(6)")
    assert error.value.sqlstate == "42501"


def test_rows_of_a_month_without_a_partition_move_out_of_the_default_partition(events_db: Session) -> None:
    tenant = new_company(events_db, "acme")
    past, far = month_offset(events_db, -5), month_offset(events_db, 8)
    add_month_of_rows(events_db, tenant, past, delivered=True)
    add_month_of_rows(events_db, tenant, far, delivered=False)
    for table in TABLES:
        assert events_db.fetch_value(f"SELECT count(*) FROM {table}_default") == 2
    assert events_db.fetch_value("SELECT tenantdb_events_create_partitions(3)") == 2 * len(TABLES)
    for table in TABLES:
        assert events_db.fetch_value(f"SELECT count(*) FROM {table}_default") == 0
        assert {name(table, past), name(table, far)} <= set(partitions(events_db, table))
        landed = events_db.fetch_all(f"SELECT tableoid::regclass::text FROM {table} ORDER BY 1")
        assert [row[0] for row in landed] == sorted([name(table, past), name(table, far)])
        assert events_db.fetch_value(
            "SELECT relforcerowsecurity FROM pg_class WHERE relname = %s", (f"{table}_default",)
        )
    assert events_db.fetch_value("SELECT tenantdb_events_create_partitions(3)") == 0  # idempotent


def test_bad_arguments_are_refused(events_db: Session) -> None:
    for statement in ("SELECT tenantdb_events_create_partitions(-1)", "SELECT tenantdb_events_create_partitions(NULL)"):
        with pytest.raises(DatabaseError) as error:
            events_db.execute(statement)
        assert error.value.sqlstate == "22023"
    with pytest.raises(DatabaseError) as error:
        prune(events_db, -1)
    assert error.value.sqlstate == "22023" and "keep_months" in str(error.value)


@pytest.fixture
def history(events_db: Session) -> tuple[Session, date, date, date]:
    """Old months with partitions: one fully delivered, one with an undelivered event, one recent enough to keep."""
    tenant = new_company(events_db, "acme")
    delivered, undelivered, recent = (
        month_offset(events_db, -14),
        month_offset(events_db, -13),
        month_offset(events_db, -2),
    )
    add_month_of_rows(events_db, tenant, delivered, delivered=True)
    add_month_of_rows(events_db, tenant, undelivered, delivered=False)
    add_month_of_rows(events_db, tenant, recent, delivered=True)
    events_db.execute("SELECT tenantdb_events_create_partitions()")
    return events_db, delivered, undelivered, recent


def test_prune_drops_old_months_but_keeps_a_month_with_undelivered_events(
    history: tuple[Session, date, date, date],
) -> None:
    session, delivered, undelivered, recent = history
    report = prune(session, keep_months=12)
    expected = (
        OldPartition(table="business_events", partition=name("business_events", delivered), month=delivered, rows=1,
                     undelivered=0, fate=PartitionFate.DROPPED),
        OldPartition(table="business_events", partition=name("business_events", undelivered), month=undelivered,
                     rows=1, undelivered=1, fate=PartitionFate.KEPT_UNDELIVERED),
        *(
            OldPartition(table=table, partition=name(table, month), month=month, rows=1, undelivered=0,
                         fate=PartitionFate.DROPPED)
            for table in TABLES[1:]
            for month in (delivered, undelivered)
        ),
    )  # fmt: skip
    assert report == RetentionReport(keep_months=12, dry_run=False, partitions=expected)
    assert [p.partition for p in report.kept] == [name("business_events", undelivered)]
    assert len(report.dropped) == 5
    assert name("business_events", undelivered) in partitions(session, "business_events")
    for table in TABLES:
        assert name(table, delivered) not in partitions(session, table)
        assert name(table, recent) in partitions(session, table)
        assert session.fetch_value("SELECT to_regclass(%s)", (name(table, delivered),)) is None
    assert session.fetch_value(
        "SELECT relforcerowsecurity FROM pg_class WHERE relname = %s", (name("business_events", undelivered),)
    )
    session.execute("UPDATE business_events SET delivered_at = now()")  # the flush caught up
    assert [p.fate for p in prune(session, keep_months=12).partitions] == [PartitionFate.DROPPED]


def test_a_dry_run_says_what_would_go_and_changes_nothing(history: tuple[Session, date, date, date]) -> None:
    session, *_ = history
    before = {table: partitions(session, table) for table in TABLES}
    report = prune(session, keep_months=12, dry_run=True)
    assert report.dry_run and len(report.partitions) == 6
    assert {p.fate for p in report.partitions} == {PartitionFate.WOULD_DROP, PartitionFate.KEPT_UNDELIVERED}
    assert report.dropped == ()
    assert {table: partitions(session, table) for table in TABLES} == before
    forced = session.fetch_value(
        "SELECT bool_and(relforcerowsecurity) FROM pg_class WHERE relkind = 'r'"
        " AND relname ~ '^(business_events|email_delivery_batches|email_delivery_daily)_[0-9]{4}_[0-9]{2}$'"
    )
    assert forced


def test_keeping_every_month_drops_nothing(history: tuple[Session, date, date, date]) -> None:
    session, *_ = history
    assert prune(session, keep_months=24).partitions == ()
