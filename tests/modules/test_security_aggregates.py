"""R25 of the attack matrix (RELIABILITY.md §3.3): no cross-tenant aggregate is maintained by a tenant's write.

A counter that a tenant's statement updates on a shared row (an affiliate's earnings summed over every referred
tenant) makes the tenant's own write an oracle: its overflow, its CHECK or the lock it waits for depends on what
the other tenants hold. Every attack runs as the tenant roles against the all-modules world (three tenants'
canary rows, the same secondary keys in each) and passes only when a tenant's write fails, succeeds and waits
exactly alike whatever the other tenants hold. The affiliates module's indexes are checked here too (R26): a
forced index scan as a tenant role must count only the tenant's own rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from psycopg import sql

from tenantdb.db import Session, connect
from tenantdb.errors import DatabaseError
from tests.modules.security_world import (
    KEYS,
    NEVER_DELETED,
    SETTING,
    TENANT_ROLES,
    TENANT_TABLES,
    Tenant,
    World,
    a_reader,
    acting,
    key_column,
    privileged,
    writable_columns,
)

AFFILIATE_TENANT_TABLES = ("affiliate_referrals", "affiliate_commissions")
LARGEST_AMOUNT = Decimal("9999999999.99")  # affiliate_commissions.amount is numeric(12,2)
CENT = Decimal("0.01")
# What an attacker adds at most: a numeric(14,2) total overflows at 10^12 whatever the others hold.
PROBE_CEILING = Decimal(10) ** 12
NOT_AVAILABLE_WITHIN = timedelta(seconds=2)
OK = "ok"


# ---------------------------------------------------------------------------------------------- helpers


@contextmanager
def as_tenant(session: Session, role: str, tenant: Tenant) -> Iterator[None]:
    """Switch the open transaction to ``role`` with ``tenant`` set, for the rest of it (rolled back by the caller)."""
    session.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
    session.execute("SELECT set_config(%s, %s, true)", (SETTING, tenant.id))
    yield


def outcome(session: Session, statements: list[tuple[sql.Composable | str, Any]]) -> str:
    """Run ``statements`` inside a savepoint that is always rolled back; "ok" or the error's SQLSTATE and text."""
    session.execute("SAVEPOINT r25_probe")
    try:
        for statement, params in statements:
            session.execute(
                cast(sql.Composed, statement) if isinstance(statement, sql.Composable) else sql.SQL(statement), params
            )
    except DatabaseError as error:
        return f"{error.sqlstate}: {error}"
    finally:
        session.execute("ROLLBACK TO SAVEPOINT r25_probe")
    return OK


def commissions_adding_up_to(total: Decimal) -> list[Decimal]:
    """The fewest commission amounts (each within numeric(12,2)) that add up to ``total``."""
    whole, rest = divmod(total, LARGEST_AMOUNT)
    return [LARGEST_AMOUNT] * int(whole) + ([rest] if rest else [])


INSERT_APPROVED = (
    "INSERT INTO affiliate_commissions (tenant_id, referral_id, affiliate_id, amount, status)"
    " SELECT %s, %s, %s, amount, 'approved' FROM unnest(%s::numeric[]) AS amount"
)


def insert_approved(session: Session, tenant: Tenant, amounts: list[Decimal]) -> None:
    session.execute(INSERT_APPROVED, (tenant.id, KEYS["referral"], KEYS["affiliate"], amounts))


def approved_commissions(session: Session, tenant: Tenant) -> Decimal:
    return Decimal(
        session.fetch_value(
            "SELECT coalesce(sum(amount), 0) FROM affiliate_commissions"
            " WHERE tenant_id = %s AND affiliate_id = %s AND status IN ('approved', 'paid')",
            (tenant.id, KEYS["affiliate"]),
        )
    )


# ------------------------------------------------------------------------------ R25 the overflow oracle


def recover_total_by_overflow(session: Session, tenant: Tenant) -> Decimal | None:
    """The attack of the finding: approved commissions of S inserted (and rolled back) as ``tenant``; an overflow
    means the affiliate's total + S reached 10^12, so the smallest such S gives the total away. None when no S
    up to the ceiling fails (the write depends on nothing but the tenant's own data)."""

    def overflows(amount: Decimal) -> bool:
        result = outcome(session, [(INSERT_APPROVED, (tenant.id, KEYS["referral"], KEYS["affiliate"],
                                                      commissions_adding_up_to(amount)))])  # fmt: skip
        return result.startswith("22003")  # numeric_value_out_of_range

    if not overflows(PROBE_CEILING):
        return None
    low, high = Decimal(0), PROBE_CEILING  # overflows(high), not overflows(low)
    probes = 1
    while high - low > CENT:
        middle = (low + (high - low) / 2).quantize(CENT)
        low, high = (low, middle) if overflows(middle) else (middle, high)
        probes += 1
    assert probes <= 48  # a binary search over the 10^14 cents below 10^12: 47 rolled-back inserts
    return Decimal(10) ** 12 - high


def test_r25_no_overflow_reveals_the_other_tenants_commissions_of_a_shared_affiliate(
    world: World, admin: Session
) -> None:
    others = sum((approved_commissions(admin, tenant) for tenant in world.tenants if tenant != world.t1), Decimal(0))
    assert others > 0, "the world gives the shared affiliate approved commissions in every tenant"
    own = approved_commissions(admin, world.t1)
    with acting(admin, "application_service", world.t1):
        recovered = recover_total_by_overflow(admin, world.t1)
    assert recovered is None, (
        f"T1 recovered the affiliate's total {recovered} with rolled-back inserts: the other tenants' commissions "
        f"are {recovered - own} (actual: {others})"
    )


# ----------------------------------------------------------- R25 every write fails alike, whatever others hold


def others_as_seeded(session: Session, world: World) -> None:
    """The world as it is: the other tenants hold the same keys and amounts as T1."""


def others_at_the_limit(session: Session, world: World) -> None:
    """T2 adds approved commissions for the shared affiliate until every tenant's together reach 999,999,999,999.99,
    the most a numeric(14,2) total holds, so any further cent summed into one shared column would overflow."""
    held = sum((approved_commissions(session, tenant) for tenant in world.tenants), Decimal(0))
    insert_approved(session, world.t2, commissions_adding_up_to(Decimal("999999999999.99") - held))


def others_gone(session: Session, world: World) -> None:
    """The other tenants deleted, with every row of theirs (tables without a foreign key to companies too) but the
    billing audit trail, which keeps their history."""
    others = [tenant.id for tenant in world.tenants if tenant != world.t1]
    session.execute("DELETE FROM companies WHERE id = ANY (%s::uuid[])", (others,))
    for table in (table for table in TENANT_TABLES if table not in NEVER_DELETED):
        session.execute(
            sql.SQL("DELETE FROM {} WHERE {} = ANY (%s::uuid[])").format(
                sql.Identifier(table), sql.Identifier(key_column(table))
            ),
            (others,),
        )


SCENARIOS: dict[str, Callable[[Session, World], None]] = {
    "as seeded": others_as_seeded,
    "at the limit": others_at_the_limit,
    "gone": others_gone,
}


def outcomes_per_scenario(
    world: World, admin: Session, role: str, probes: dict[str, list[tuple[sql.Composable | str, Any]]]
) -> dict[str, dict[str, str]]:
    """The outcome of each probe as T1 (``role``), after each scenario of the other tenants' data."""
    found = {}
    for scenario, prepare in SCENARIOS.items():
        admin.execute("BEGIN")
        try:
            prepare(admin, world)  # as the migration role: row-level security does not apply
            with as_tenant(admin, role, world.t1):
                found[scenario] = {name: outcome(admin, statements) for name, statements in probes.items()}
        finally:
            admin.rollback()
    return found


def affiliate_probes(world: World) -> dict[str, list[tuple[sql.Composable | str, Any]]]:
    """What application_service does with T1's affiliate rows, from harmless to extreme."""
    t1, referral, affiliate, commission = world.t1.id, KEYS["referral"], KEYS["affiliate"], KEYS["commission"]
    insert = (
        "INSERT INTO affiliate_commissions (tenant_id, referral_id, affiliate_id, amount, status)"
        " VALUES (%s, %s, %s, %s, %s)"
    )
    return {
        "insert an approved commission": [(insert, (t1, referral, affiliate, "9.80", "approved"))],
        "insert the largest commission": [(insert, (t1, referral, affiliate, LARGEST_AMOUNT, "paid"))],
        "insert a pending commission": [(insert, (t1, referral, affiliate, "1.00", "pending"))],
        "insert 101 of the largest": [(INSERT_APPROVED, (t1, referral, affiliate, [LARGEST_AMOUNT] * 101))],
        "pay a commission": [("UPDATE affiliate_commissions SET status = 'paid' WHERE commission_id = %s",
                              (commission,))],
        "raise a commission to the largest": [("UPDATE affiliate_commissions SET amount = %s", (LARGEST_AMOUNT,))],
        "void a commission": [("UPDATE affiliate_commissions SET status = 'void'", None)],
        "delete the commissions": [("DELETE FROM affiliate_commissions", None)],
        "reject and convert the referral": [
            ("UPDATE affiliate_referrals SET status = 'rejected'", None),
            ("UPDATE affiliate_referrals SET status = 'converted'", None),
        ],
        "delete the referral with its commission": [
            ("DELETE FROM affiliate_commissions", None),
            ("DELETE FROM affiliate_referrals", None),
        ],
        "delete the referral under its commission": [("DELETE FROM affiliate_referrals", None)],
        "refer the company again": [
            ("INSERT INTO affiliate_referrals (tenant_id, affiliate_id) VALUES (%s, %s)", (t1, affiliate))
        ],
    }  # fmt: skip


def test_r25_affiliate_writes_fail_alike_whatever_other_tenants_hold(world: World, admin: Session) -> None:
    found = outcomes_per_scenario(world, admin, "application_service", affiliate_probes(world))
    assert found["as seeded"]["insert an approved commission"] == OK  # the probes reach the tables
    for scenario in SCENARIOS:
        assert found[scenario] == found["as seeded"], scenario


def generic_probes(admin: Session, role: str, table: str, tenant: Tenant) -> dict[str, list[tuple[Any, Any]]]:
    """Writes any tenant table takes: every column the role may update set to itself, and the tenant's rows
    deleted and inserted again (other tenants hold rows with the same keys)."""
    name = sql.Identifier(table)
    updatable = [
        column
        for column in writable_columns(admin, table)
        if admin.fetch_value("SELECT has_column_privilege(%s, %s, %s, 'UPDATE')", (role, table, column))
    ]
    probes: dict[str, list[tuple[Any, Any]]] = {}
    if updatable:
        assignments = sql.SQL(", ").join(sql.SQL("{0} = {0}").format(sql.Identifier(c)) for c in updatable)
        probes["update every column to itself"] = [(sql.SQL("UPDATE {} SET {}").format(name, assignments), None)]
    if privileged(admin, role, table, "DELETE") and privileged(admin, role, table, "INSERT"):
        columns = sql.SQL(", ").join(sql.Identifier(c) for c in writable_columns(admin, table))
        rows = admin.fetch_value(
            sql.SQL("SELECT coalesce(json_agg(t), '[]') FROM {} AS t WHERE {} = %s").format(
                name, sql.Identifier(key_column(table))
            ),
            (tenant.id,),
        )
        probes["delete the rows and insert them again"] = [
            (sql.SQL("DELETE FROM {}").format(name), None),
            (
                sql.SQL("INSERT INTO {0} ({1}) SELECT {1} FROM json_populate_recordset(NULL::{0}, %s::json)").format(
                    name, columns
                ),
                (rows,),
            ),
        ]
    return probes


@pytest.mark.parametrize("table", TENANT_TABLES)
def test_r25_every_tenant_write_fails_alike_whatever_other_tenants_hold(
    world: World, admin: Session, table: str
) -> None:
    for role in TENANT_ROLES:
        probes = generic_probes(admin, role, table, world.t1)
        if not probes:
            continue
        found = outcomes_per_scenario(world, admin, role, probes)
        for scenario in SCENARIOS:
            assert found[scenario] == found["as seeded"], (role, scenario)


# --------------------------------------------------------------------- R25 no lock wait on a shared row


def as_application(session: Session, tenant: Tenant) -> None:
    session.begin(lock_timeout=NOT_AVAILABLE_WITHIN, statement_timeout=NOT_AVAILABLE_WITHIN * 5)
    session.execute("SET LOCAL ROLE application_service")
    session.execute("SELECT set_config(%s, %s, true)", (SETTING, tenant.id))


CONCURRENT_WRITES = {
    "insert an approved commission": "INSERT INTO affiliate_commissions"
    " (tenant_id, referral_id, affiliate_id, amount, status)"
    " VALUES (%(tenant)s, %(referral)s, %(affiliate)s, 12.50, 'approved')",
    "pay a commission": "UPDATE affiliate_commissions SET status = 'paid' WHERE commission_id = %(commission)s",
    "void a commission": "UPDATE affiliate_commissions SET status = 'void' WHERE commission_id = %(commission)s",
    "delete a commission": "DELETE FROM affiliate_commissions WHERE commission_id = %(commission)s",
    "reject the referral": "UPDATE affiliate_referrals SET status = 'rejected' WHERE referral_id = %(referral)s",
}


@pytest.mark.parametrize("write", CONCURRENT_WRITES)
def test_r25_two_tenants_writing_for_the_same_affiliate_never_wait_for_each_other(world: World, write: str) -> None:
    """T1's transaction stays open after its write; T2's same write for the same affiliate must not queue behind
    it (a lock on a shared row would make one tenant's open transaction stall, and time, every other's)."""
    statement = CONCURRENT_WRITES[write]
    with (
        connect(world.dsn, application_name="tenantdb r25 first") as first,
        connect(world.dsn, application_name="tenantdb r25 second") as second,
    ):
        try:
            as_application(first, world.t1)
            first.execute(statement, {**KEYS, "tenant": world.t1.id})
            as_application(second, world.t2)
            try:
                second.execute(statement, {**KEYS, "tenant": world.t2.id})
            except DatabaseError as error:
                pytest.fail(f"T2 waited for T1's open transaction: {error.sqlstate} {error}")
        finally:
            second.rollback()
            first.rollback()


# ------------------------------------------------------------------ R26 the affiliates module's indexes


def indexes_of(session: Session, table: str) -> list[tuple[str, list[str]]]:
    rows = session.fetch_all(
        "SELECT i.indexrelid::regclass::text, array_agg(a.attname ORDER BY k.n)"
        " FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k (attnum, n)"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
        " WHERE i.indrelid = %s::regclass GROUP BY i.indexrelid ORDER BY 1",
        (table,),
    )
    return [(str(name), list(columns)) for name, columns in rows]


def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


@pytest.mark.parametrize("table", AFFILIATE_TENANT_TABLES)
def test_r26_every_affiliates_index_on_a_tenant_table_leads_with_tenant_id(admin: Session, table: str) -> None:
    assert [(name, columns) for name, columns in indexes_of(admin, table) if columns[0] != "tenant_id"] == []


@pytest.mark.parametrize("table", AFFILIATE_TENANT_TABLES)
def test_r26_forced_index_scans_as_a_tenant_count_only_its_own_rows(world: World, admin: Session, table: str) -> None:
    """Each index is made the only way to read the rows in its order (no sequential scan, no sort); EXPLAIN
    ANALYZE must then count T1's rows only: nothing removed by a filter, which would be other tenants' rows."""
    role = a_reader(admin, table)
    own = int(admin.fetch_value(sql.SQL("SELECT count(*) FROM {} WHERE tenant_id = %s").format(
        sql.Identifier(table)), (world.t1.id,)))  # fmt: skip
    revealed = []
    for index, columns in indexes_of(admin, table):
        names = sql.SQL(", ").join(sql.Identifier(column) for column in columns)
        query = sql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) SELECT {0} FROM {1} ORDER BY {0}").format(
            names, sql.Identifier(table)
        )
        with acting(admin, role, world.t1):
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                admin.execute("SELECT set_config(%s, 'off', true)", (setting,))
            plan = admin.fetch_value(query)[0]["Plan"]
        scans = [node for node in plan_nodes(plan) if node.get("Relation Name") == table]
        assert scans and all("Index" in node["Node Type"] for node in scans), (index, plan)
        removed = sum(node.get("Rows Removed by Filter", 0) for node in scans)
        read = sum(node["Actual Rows"] + node.get("Rows Removed by Filter", 0) for node in scans)
        if removed or read > own:
            used = sorted({node.get("Index Name", "") for node in scans})
            revealed.append(f"{index} ({', '.join(columns)}) via {used}: {removed} other tenants' rows counted")
    assert revealed == []
