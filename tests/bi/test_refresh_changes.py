"""A refresh that cannot miss a change (issue 12, finding 3): every insert, update and delete of every input of the
refresh marks the months it affects, so an incremental ``tenantdb bi refresh`` gives exactly what ``--all`` gives.

Each case below kept the counts, sums and latest timestamps the former per-month fingerprint compared, so the
fingerprint missed it and the month's rollups stayed wrong until ``--all``.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import tenantdb.modules
from tenantdb.bi import RefreshReport, RefreshRequest, refresh
from tenantdb.bi.changes import Stage
from tenantdb.bi.refresh import forget_month, refresh_month
from tenantdb.db import Session, connect
from tenantdb.execute import RunRequest, migrate
from tenantdb.migrations import Direction
from tests import recipes
from tests.bi.builders import JUNE, Rows
from tests.helpers import FAST
from tests.modules.support import INSUFFICIENT_PRIVILEGE, acting_as, apply_modules, rejected

dsn = recipes.database_fixture(recipes.modules_applied(["bi"]))  # every test starts with bi applied


MAY = date(2025, 5, 1)
STAMP = "2025-01-02 00:00Z"  # the timestamps every row carries: a row replaced by an identical one keeps them
# Every rollup of a month, without when and how fast it was computed.
ROLLUPS = {
    "bi_cost_allocation_lines": "SELECT * FROM bi_cost_allocation_lines",
    "bi_tenant_monthly": "SELECT * FROM bi_tenant_monthly",
    "bi_reconciliation": "SELECT * FROM bi_reconciliation",
    "bi_month_summary": "SELECT * FROM bi_month_summary",
    "bi_refresh_state": "SELECT * FROM bi_refresh_state",
}
UNTIMED = {"refreshed_at", "duration_ms"}


def rollup_rows(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every rollup table (sorted), without refreshed_at and duration_ms."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    for table, query in ROLLUPS.items():
        names, rows = session.fetch_named(query)
        keep = [i for i, name in enumerate(names) if name not in UNTIMED]
        found[table] = sorted((tuple(row[i] for i in keep) for row in rows), key=repr)
    return found


def matches_full_refresh(session: Session) -> bool:
    """An incremental refresh, then: do the rollups equal those of a full refresh (``--all``) run right after?"""
    refresh(session, RefreshRequest(jobs=1))
    incremental = rollup_rows(session)
    refresh(session, RefreshRequest(everything=True, jobs=1))
    return incremental == rollup_rows(session)


@dataclass(frozen=True, slots=True)
class Portfolio:
    operator: str
    a: str
    b: str
    pool: str
    servers: dict[str, str]  # tenant -> its dedicated server
    plans: tuple[str, str]


@pytest.fixture
def rows(session: Session) -> Rows:
    return Rows(session)


def portfolio(rows: Rows) -> Portfolio:
    """Two customers with a dedicated server and an IP each, a fixed-weights pool, May's and June's sending,
    plans, a June ledger with a $50 credit for B, and a June invoice; every timestamp is STAMP."""
    operator = rows.company("platform-operator", operator=True)
    pool = rows.pool("shared", rule="fixed_weights")
    rows.vps(operator, "120.00", tenancy="shared", pool=pool)
    plans = rows.plan("Starter", "49.00"), rows.plan("Growth", "99.00")
    a, b = rows.company("tenant-a"), rows.company("tenant-b")
    servers = {}
    for n, tenant in enumerate((a, b), start=1):
        servers[tenant] = rows.vps(tenant, f"{100 * n}.00", hostname=f"mx-{n}.example.net")
        rows.ip(tenant, servers[tenant], "5.00")
        rows.member(tenant, pool, str(n))
        rows.subscription(tenant, plans[n - 1])
        rows.sending(tenant, "2025-06-10", 10_000 * n, 9_000 * n, hard=100 * n)
        rows.sending(tenant, "2025-05-10", 5_000 * n, 4_000 * n)
        rows.ledger(tenant, "charge", ("49.00", "99.00")[n - 1])
    rows.ledger(b, "credit", "-50.00")
    rows.invoice("hetzner", JUNE, [("mx-1.example.net", "1", "100.00"), ("mx-2.example.net", "1", "200.00")])
    for table in ("companies", "plans", "subscriptions", "vps_instances", "smtp_ip_addresses", "cost_pools",
                  "cost_pool_members", "allocation_rules", "deliverability_daily", "provider_invoices",
                  "provider_invoice_lines"):  # fmt: skip
        rows.session.execute(f"UPDATE {table} SET created_at = %(t)s, updated_at = %(t)s", {"t": STAMP})
        rows.session.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_touch_updated_at")
    rows.session.execute("UPDATE billing_transactions SET created_at = %s", (STAMP,))
    return Portfolio(operator=operator, a=a, b=b, pool=pool, servers=servers, plans=plans)


def replace_row(session: Session, table: str, where: str, changes: str, params: dict[str, Any]) -> None:
    """Delete rows and insert them again with ``changes`` (in the caller's transaction): the same count, sums and
    timestamps."""
    session.execute(f"CREATE TEMPORARY TABLE replaced ON COMMIT DROP AS SELECT * FROM {table} WHERE {where}", params)
    session.execute(f"DELETE FROM {table} WHERE {where}", params)
    session.execute(f"UPDATE replaced SET {changes}", params)
    session.execute(f"INSERT INTO {table} SELECT * FROM replaced")
    session.execute("DROP TABLE replaced")


Change = Callable[[Session, Portfolio], None]


def move_credit(session: Session, p: Portfolio) -> None:
    """The issue's example: a $50 credit booked to B belongs to A."""
    session.execute(
        "UPDATE billing_transactions SET tenant_id = %s WHERE tenant_id = %s AND kind = 'credit'", (p.a, p.b)
    )


def swap_ledger_amounts(session: Session, p: Portfolio) -> None:
    """Two charges exchange amounts: the month's count and sum stay."""
    session.execute(
        "UPDATE billing_transactions SET amount = CASE tenant_id WHEN %(a)s::uuid THEN 99 ELSE 49 END"
        " WHERE kind = 'charge'",
        {"a": p.a},
    )


def rebook_credit(session: Session, p: Portfolio) -> None:
    """B's credit is deleted and booked again to A, with its original created_at."""
    with session.transaction():
        replace_row(session, "billing_transactions", "tenant_id = %(b)s AND kind = 'credit'", "tenant_id = %(a)s",
                {"a": p.a, "b": p.b})  # fmt: skip


def move_sending(session: Session, p: Portfolio) -> None:
    """A roll-up job rewrites June: A's June 10 is deleted and inserted again as B's June 20."""
    with session.transaction():
        replace_row(session, "deliverability_daily", "tenant_id = %(a)s AND day = '2025-06-10'",
                    "tenant_id = %(b)s, day = '2025-06-20'", {"a": p.a, "b": p.b})  # fmt: skip


def update_sending_kept_sums(session: Session, p: Portfolio) -> None:
    """A's and B's June volumes are exchanged (the month's sums stay; updated_at is written as it was)."""
    session.execute(
        "UPDATE deliverability_daily SET sent = 30000 - sent, delivered = 27000 - delivered,"
        " bounced_hard = 300 - bounced_hard WHERE day = '2025-06-10'"
    )


def delete_sending_of_may(session: Session, p: Portfolio) -> None:
    """A's May sending is deleted and B's doubled, the same count and sums."""
    session.execute("DELETE FROM deliverability_daily WHERE tenant_id = %s AND day = '2025-05-10'", (p.a,))
    session.execute(
        "INSERT INTO deliverability_daily (tenant_id, day, sent, delivered, created_at, updated_at)"
        " VALUES (%s, '2025-05-11', 5000, 4000, %s, %s)",
        (p.b, STAMP, STAMP),
    )


def move_server(session: Session, p: Portfolio) -> None:
    """A's dedicated server and its address become B's (same costs, same timestamps)."""
    server = {"v": p.servers[p.a], "b": p.b}
    with session.transaction():
        session.execute("CREATE TEMPORARY TABLE moved ON COMMIT DROP AS SELECT * FROM smtp_ip_addresses"
                        " WHERE vps_instance_id = %(v)s", server)  # fmt: skip
        session.execute("DELETE FROM smtp_ip_addresses WHERE vps_instance_id = %(v)s", server)
        replace_row(session, "vps_instances", "vps_instance_id = %(v)s", "tenant_id = %(b)s", server)
        session.execute("UPDATE moved SET tenant_id = %(b)s", server)
        session.execute("INSERT INTO smtp_ip_addresses SELECT * FROM moved")


def update_server_status(session: Session, p: Portfolio) -> None:
    """A's dedicated server is retired (its cost stays in the table's sum)."""
    session.execute("UPDATE vps_instances SET status = 'retired' WHERE vps_instance_id = %s", (p.servers[p.a],))


def warm_address(session: Session, p: Portfolio) -> None:
    """A's address goes back to warming: its cost becomes the platform's warm-up investment."""
    session.execute("UPDATE smtp_ip_addresses SET status = 'warming' WHERE tenant_id = %s", (p.a,))


def swap_weights(session: Session, p: Portfolio) -> None:
    """The pool's fixed weights are exchanged: their sum stays."""
    session.execute("UPDATE cost_pool_members SET weight = 3 - weight")


def replace_member(session: Session, p: Portfolio) -> None:
    """B's weight moves to A: B's membership is deleted and inserted again with weight 0."""
    with session.transaction():
        session.execute("DELETE FROM cost_pool_members WHERE tenant_id = %s", (p.b,))
        session.execute("UPDATE cost_pool_members SET weight = 3 WHERE tenant_id = %s", (p.a,))
        session.execute(
            "INSERT INTO cost_pool_members (tenant_id, pool_id, weight, created_at, updated_at)"
            " VALUES (%s, %s, 0, %s, %s)",
            (p.b, p.pool, STAMP, STAMP),
        )


def change_rule(session: Session, p: Portfolio) -> None:
    """The pool's rule becomes even (the count and timestamps of allocation_rules stay)."""
    session.execute("UPDATE allocation_rules SET rule = 'even'")


def change_overhead(session: Session, p: Portfolio) -> None:
    """The pool gets a monthly overhead (the fingerprint saw this one: its sum changes)."""
    session.execute("UPDATE cost_pools SET monthly_overhead = 30")


def switch_plans(session: Session, p: Portfolio) -> None:
    """A and B exchange plans (subscriptions' count and timestamps stay)."""
    session.execute(
        "UPDATE subscriptions SET plan_id = CASE tenant_id WHEN %(a)s::uuid THEN %(growth)s::uuid"
        " ELSE %(starter)s::uuid END",
        {"a": p.a, "starter": p.plans[0], "growth": p.plans[1]},
    )


def rename_plan(session: Session, p: Portfolio) -> None:
    session.execute("UPDATE plans SET name = 'Starter 2025' WHERE plan_id = %s", (p.plans[0],))


def rename_company(session: Session, p: Portfolio) -> None:
    session.execute("UPDATE companies SET name = 'Tenant A Ltd' WHERE id = %s", (p.a,))


def rematch_invoice_line(session: Session, p: Portfolio) -> None:
    """The invoice's second line turns out to bill a resource the platform does not know (amounts stay)."""
    session.execute("UPDATE provider_invoice_lines SET resource_ref = 'unknown-host' WHERE line_no = 2")


def reissue_invoice(session: Session, p: Portfolio) -> None:
    """June's invoice is deleted (its lines with it) and issued again with its lines for other resources."""
    with session.transaction():
        invoice = session.fetch_value("SELECT invoice_id FROM provider_invoices")
        session.execute("CREATE TEMPORARY TABLE old_lines ON COMMIT DROP AS SELECT * FROM provider_invoice_lines")
        replace_row(session, "provider_invoices", "invoice_id = %(i)s", "invoice_number = '2'", {"i": invoice})
        session.execute("UPDATE old_lines SET resource_ref = 'unknown-' || line_no")
        session.execute("INSERT INTO provider_invoice_lines SELECT * FROM old_lines")


def truncate_lines(session: Session, p: Portfolio) -> None:
    """The invoice loses its lines (the fingerprint saw this one: the count changes)."""
    session.execute("TRUNCATE provider_invoice_lines")


CHANGES: dict[str, Change] = {
    "billing_transactions: update (a credit moved between tenants)": move_credit,
    "billing_transactions: update (amounts exchanged)": swap_ledger_amounts,
    "billing_transactions: delete and insert (a credit booked again)": rebook_credit,
    "deliverability_daily: delete and insert (a day rewritten)": move_sending,
    "deliverability_daily: update (volumes exchanged)": update_sending_kept_sums,
    "deliverability_daily: delete and insert (another tenant's day)": delete_sending_of_may,
    "vps_instances: delete and insert (a server changes hands)": move_server,
    "vps_instances: update (retired)": update_server_status,
    "smtp_ip_addresses: update (warming again)": warm_address,
    "cost_pool_members: update (weights exchanged)": swap_weights,
    "cost_pool_members: delete and insert (weight moved)": replace_member,
    "allocation_rules: update (another rule)": change_rule,
    "cost_pools: update (overhead)": change_overhead,
    "subscriptions: update (plans exchanged)": switch_plans,
    "plans: update (renamed)": rename_plan,
    "companies: update (renamed)": rename_company,
    "provider_invoice_lines: update (another resource)": rematch_invoice_line,
    "provider_invoices: delete and insert (reissued)": reissue_invoice,
    "provider_invoice_lines: truncate": truncate_lines,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_an_incremental_refresh_after_any_change_gives_what_a_full_refresh_gives(rows: Rows, change: Change) -> None:
    p = portfolio(rows)
    first = refresh(rows.session, RefreshRequest(jobs=1))
    assert [done.month for done in first.refreshed] == [MAY, JUNE]
    before = rollup_rows(rows.session)
    change(rows.session, p)
    assert matches_full_refresh(rows.session)
    assert rollup_rows(rows.session) != before, "the change must change the rollups"


def test_moving_a_credit_refreshes_its_month_only(rows: Rows) -> None:
    p = portfolio(rows)
    refresh(rows.session, RefreshRequest(jobs=1))
    move_credit(rows.session, p)
    report = refresh(rows.session, RefreshRequest(jobs=1))
    assert [done.month for done in report.refreshed] == [JUNE] and report.skipped == (MAY,)
    assert report.refreshed[0].recomputed == (Stage.CUSTOMERS,)  # not the allocation nor the reconciliation
    revenue = "SELECT recognized_revenue FROM bi_tenant_monthly WHERE tenant_id = %s AND month = %s"
    assert rows.value(revenue, (p.a, JUNE)) == Decimal("-1.00")
    assert rows.value(revenue, (p.b, JUNE)) == Decimal("99.00")
    assert refresh(rows.session, RefreshRequest(jobs=1)).refreshed == ()


def test_a_change_committed_during_a_month_refresh_is_picked_up_by_the_next(rows: Rows, dsn: str) -> None:
    p = portfolio(rows)
    refresh(rows.session, RefreshRequest(jobs=1))
    with connect(dsn) as refresher, connect(dsn) as writer:
        refresher.execute("BEGIN")
        refresh_month(refresher, JUNE, tolerance=Decimal("0.02"))  # has read June, not committed yet
        move_credit(writer, p)  # committed while the month's refresh is under way
        refresher.execute("COMMIT")
    report = refresh(rows.session, RefreshRequest(jobs=1))
    assert [done.month for done in report.refreshed] == [JUNE]
    assert matches_full_refresh(rows.session)


def wait_for_a_lock_wait(session: Session) -> None:
    """Until a backend of this database waits for a lock (the refresh, stopped where the test wants it)."""
    for _ in range(600):
        if session.fetch_value(
            "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock')"
        ):
            return
        time.sleep(0.05)
    raise AssertionError("the refresh never reached the lock")


def test_a_change_committed_during_a_refresh_run_is_picked_up_by_the_next(rows: Rows, dsn: str) -> None:
    """``tenantdb bi refresh`` stopped after it read June (at its write of the month's summary) while a writer
    commits a change to June: June is computed without it, and the next incremental refresh recomputes June."""
    p = portfolio(rows)
    refresh(rows.session, RefreshRequest(jobs=1))
    rows.session.execute("UPDATE billing_transactions SET amount = -60 WHERE kind = 'credit'")
    reports: list[RefreshReport] = []

    def run() -> None:
        with connect(dsn) as refresher:
            reports.append(refresh(refresher, RefreshRequest(jobs=1)))

    with connect(dsn) as holder:
        holder.execute("BEGIN")
        holder.execute("LOCK TABLE bi_month_summary IN EXCLUSIVE MODE")
        worker = threading.Thread(target=run)
        worker.start()
        wait_for_a_lock_wait(rows.session)
        move_credit(rows.session, p)  # committed after the refresh read June's ledger, before it commits
        holder.execute("COMMIT")
        worker.join(60)
    assert [done.month for done in reports[0].refreshed] == [JUNE]
    revenue = "SELECT recognized_revenue FROM bi_tenant_monthly WHERE tenant_id = %s AND month = %s"
    assert rows.value(revenue, (p.b, JUNE)) == Decimal("39.00")  # 99 - 60: the credit had not moved yet
    again = refresh(rows.session, RefreshRequest(jobs=1))
    assert [done.month for done in again.refreshed] == [JUNE]
    assert rows.value(revenue, (p.b, JUNE)) == Decimal("99.00")
    assert matches_full_refresh(rows.session)


def test_tenant_roles_cannot_read_write_or_delete_the_marks(rows: Rows, dsn: str) -> None:
    p = portfolio(rows)
    refresh(rows.session, RefreshRequest(jobs=1))
    with acting_as(dsn, "application_service", p.a) as tenant:  # the tenant's own write marks its month
        tenant.execute(
            "INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at)"
            " VALUES (%s, 'charge', 10, 'USD', '2025-06-20')",
            (p.a,),
        )
    assert rows.value("SELECT count(*) FROM bi_changed_months WHERE month = %s", (JUNE,)) == 1
    for role in ("application_service", "tenant_api"):
        for statement in (
            "SELECT count(*) FROM bi_changed_months",
            "DELETE FROM bi_changed_months",
            "UPDATE bi_changed_months SET month = '2025-05-01'",
            "INSERT INTO bi_changed_months (month) VALUES ('2025-05-01')",
            "TRUNCATE bi_changed_months",
        ):
            with connect(dsn) as tenant:
                tenant.execute(f"SET ROLE {role}")
                assert rejected(tenant, statement) == INSUFFICIENT_PRIVILEGE, (role, statement)
    assert rows.value("SELECT count(*) FROM bi_changed_months WHERE month = %s", (JUNE,)) == 1
    assert [done.month for done in refresh(rows.session, RefreshRequest(jobs=1)).refreshed] == [JUNE]


def test_a_new_tolerance_or_engine_refreshes_every_month_again(rows: Rows, monkeypatch: pytest.MonkeyPatch) -> None:
    portfolio(rows)
    refresh(rows.session, RefreshRequest(jobs=1))
    assert refresh(rows.session, RefreshRequest(jobs=1)).refreshed == ()
    looser = refresh(rows.session, RefreshRequest(jobs=1, tolerance=Decimal("0.05")))
    assert [done.month for done in looser.refreshed] == [MAY, JUNE]
    assert refresh(rows.session, RefreshRequest(jobs=1, tolerance=Decimal("0.05"))).refreshed == ()
    monkeypatch.setattr(importlib.import_module("tenantdb.bi.refresh"), "ENGINE_VERSION", "bi-test")
    again = refresh(rows.session, RefreshRequest(jobs=1, tolerance=Decimal("0.05")))
    assert [done.month for done in again.refreshed] == [MAY, JUNE]


def test_a_forgotten_month_is_refreshed_again_and_the_notes_are_consumed(rows: Rows) -> None:
    portfolio(rows)
    refresh(rows.session, RefreshRequest(jobs=1))
    assert rows.value("SELECT count(*) FROM bi_changed_months") == 0
    forget_month(rows.session, MAY)
    report = refresh(rows.session, RefreshRequest(jobs=1))
    assert [done.month for done in report.refreshed] == [MAY]
    assert matches_full_refresh(rows.session)


def test_a_change_applied_by_logical_replication_is_noted(rows: Rows) -> None:
    """A subscriber applies changes with session_replication_role = replica: the notes' triggers fire ALWAYS."""
    p = portfolio(rows)
    refresh(rows.session, RefreshRequest(jobs=1))
    with rows.session.transaction():
        rows.session.execute("SET LOCAL session_replication_role = replica")
        move_credit(rows.session, p)
    assert [done.month for done in refresh(rows.session, RefreshRequest(jobs=1)).refreshed] == [JUNE]


def test_a_database_that_upgrades_refreshes_every_month_once(session: Session) -> None:
    sets = apply_modules(session, "bi")
    rows = Rows(session)
    portfolio(rows)
    refresh(session, RefreshRequest(jobs=1))
    # Back to the fingerprints: roll back 0006 and every bi migration after it.
    since_0006 = sum(1 for path in (Path(tenantdb.modules.__file__).parent / "bi" / "migrations").glob("*.sql")
                     if int(path.name[:4]) >= 6)  # fmt: skip
    migrate(session, sets, FAST, RunRequest(direction=Direction.DOWN, steps=since_0006))
    assert session.fetch_value("SELECT count(*) FROM bi_refresh_state WHERE fingerprint = ''") == 2
    migrate(session, sets, FAST, RunRequest(direction=Direction.UP))
    assert [done.month for done in refresh(session, RefreshRequest(jobs=1)).refreshed] == [MAY, JUNE]
    assert refresh(session, RefreshRequest(jobs=1)).refreshed == ()


def test_a_change_to_every_month_during_a_month_refresh_is_noted_for_that_month(rows: Rows, dsn: str) -> None:
    """A refresh of April (no data: asked for by name) has read its inputs when a server's price changes (a change
    to every month); a refresh that starts then waits for April to commit before it spreads the change to every
    month with rollups, so April is noted too (it would otherwise keep the old price once data makes it a month
    the incremental refresh looks at)."""
    portfolio(rows)
    refresh(rows.session, RefreshRequest(jobs=1))
    april = date(2025, 4, 1)
    reports: list[RefreshReport] = []

    def run() -> None:
        with connect(dsn) as refresher:
            reports.append(refresh(refresher, RefreshRequest(jobs=1)))

    with connect(dsn) as first:
        first.execute("BEGIN")
        refresh_month(first, april, tolerance=Decimal("0.02"))  # April read, not committed yet
        rows.session.execute("UPDATE vps_instances SET approximate_cost = approximate_cost + 1")
        worker = threading.Thread(target=run)
        worker.start()
        wait_for_a_lock_wait(rows.session)  # the spread waits for April's transaction
        first.execute("COMMIT")
        worker.join(60)
    assert [done.month for done in reports[0].refreshed] == [MAY, JUNE]
    assert rows.value("SELECT count(*) FROM bi_changed_months WHERE month = %s", (april,)) == 1
    assert [done.month for done in refresh(rows.session, RefreshRequest(months=(april,))).refreshed] == [april]
    assert rows.value("SELECT count(*) FROM bi_changed_months") == 0


@pytest.mark.parametrize(
    ("change", "recomputed"),
    [
        (move_credit, (Stage.CUSTOMERS,)),
        (move_sending, (Stage.ALLOCATION, Stage.CUSTOMERS)),
        (rematch_invoice_line, (Stage.RECONCILIATION,)),
        (swap_weights, tuple(Stage)),
    ],
    ids=["ledger", "sending", "invoices", "every month"],
)
def test_a_month_recomputes_what_its_changes_call_for(
    rows: Rows, change: Change, recomputed: tuple[Stage, ...]
) -> None:
    p = portfolio(rows)
    refresh(rows.session, RefreshRequest(jobs=1))
    change(rows.session, p)
    report = refresh(rows.session, RefreshRequest(jobs=1))
    assert {done.month: done.recomputed for done in report.refreshed}[JUNE] == recomputed
    forced = refresh(rows.session, RefreshRequest(months=(JUNE,)))
    assert forced.refreshed[0].recomputed == tuple(Stage)
