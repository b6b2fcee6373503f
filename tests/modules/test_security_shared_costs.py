"""R24 and R27 of the tenant-isolation attack matrix (RELIABILITY.md §3.3): shared infrastructure and cost pools.

R24: a tenant role (``application_service`` or ``tenant_api`` with T1's context) must not be able to move cost onto
other tenants: not by creating a shared resource or putting one in a pool, not by joining, leaving or re-weighting a
pool, and not by changing the inputs the allocation rules weigh members by (its own dedicated resources' cost and
life, its own sending volume). Each attack runs in a transaction that is rolled back: the allocation is refreshed
(``refresh_in_transaction``, what ``tenantdb bi refresh`` runs per month), the attack is tried, the allocation is
refreshed again, and every other tenant's allocation lines must be what they were. What a tenant role may still
write is shown harmless the same way.

R27: tenant roles see their own share of a pool, never the pool: no pool total (driver_total), unit cost or member
count, and no value derived from other tenants' volume, in any column they may read.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from psycopg import sql

from tenantdb.bi.refresh import refresh_in_transaction
from tenantdb.db import Session, connect
from tenantdb.errors import DatabaseError
from tests.modules.security_world import (
    INSUFFICIENT_PRIVILEGE,
    KEYS,
    SETTING,
    TENANT_ROLES,
    Tenant,
    World,
)

CHECK_VIOLATION = "23514"
FOREIGN_KEY_VIOLATION = "23503"
MONTH_START = "date_trunc('month', now())"
BEFORE_THE_MONTH = f"{MONTH_START} - interval '1 month'"  # resources created then cost the whole month

# Distinct volumes per tenant (T1, T2, T3): a pool total or another tenant's volume is recognisable among values.
SENT = (1000, 1237, 1411)
DELIVERED = (950, 1201, 1371)
# Pools of every rule, each with one shared server (and address) of the platform operator; every tenant is a member.
POOLS = {
    "even": ("shared-sending", "even", None, "300.03"),
    "by-cost": ("by-cost", "proportional_to_cost", None, "600.06"),
    "by-weight": ("by-weight", "fixed_weights", None, "90.09"),
    "by-sent": ("by-sent", "usage_driver", "emails_sent", "500.05"),
    "by-delivered": ("by-delivered", "usage_driver", "emails_delivered", "450.45"),
}
SHARED_ADDRESS_COST = "7.77"


@dataclass(frozen=True, slots=True, kw_only=True)
class Pools:
    """The world with a platform operator, its shared servers in pools of every rule, and priced resources."""

    world: World
    operator: str
    pools: dict[str, str]
    shared_servers: dict[str, str]

    @property
    def t1(self) -> Tenant:
        return self.world.t1


@pytest.fixture(scope="module")
def pools(world: World) -> Pools:
    with connect(world.dsn) as admin, admin.transaction():
        operator = str(
            admin.fetch_value(
                "INSERT INTO companies (name, slug, is_platform_operator)"
                " VALUES ('Platform', 'platform-operator', true) RETURNING id"
            )
        )
        for tenant in world.tenants:
            n = tenant.number
            admin.execute(
                f"UPDATE vps_instances SET approximate_cost = %s, created_at = {BEFORE_THE_MONTH} WHERE tenant_id = %s",
                (Decimal(100 * n) + Decimal("11.11"), tenant.id),
            )
            admin.execute(
                f"UPDATE smtp_ip_addresses SET approximate_cost = %s, created_at = {BEFORE_THE_MONTH}"
                " WHERE tenant_id = %s",
                (Decimal("3.50") * n, tenant.id),
            )
            admin.execute(
                f"UPDATE deliverability_daily SET day = {MONTH_START}::date, sent = %s, delivered = %s"
                " WHERE tenant_id = %s",
                (SENT[n - 1], DELIVERED[n - 1], tenant.id),
            )
        ids: dict[str, str] = {"even": KEYS["pool"]}
        servers: dict[str, str] = {}
        for number, (key, (name, rule, driver, cost)) in enumerate(POOLS.items(), start=1):
            if key != "even":
                ids[key] = str(
                    admin.fetch_value("INSERT INTO cost_pools (name) VALUES (%s) RETURNING pool_id", (name,))
                )
                admin.execute(
                    "INSERT INTO allocation_rules (pool_id, effective_from, rule, driver)"
                    " VALUES (%s, '2020-01-01', %s, %s)",
                    (ids[key], rule, driver),
                )
                for tenant in world.tenants:
                    admin.execute(
                        "INSERT INTO cost_pool_members (tenant_id, pool_id, weight) VALUES (%s, %s, %s)",
                        (tenant.id, ids[key], tenant.number),
                    )
            servers[key] = str(
                admin.fetch_value(
                    "INSERT INTO vps_instances (tenant_id, hostname, tenancy, status, provider, region,"
                    " capacity_emails_per_hour, approximate_cost, cost_pool_id, created_at)"
                    f" VALUES (%s, %s, 'shared', 'active', 'hetzner', 'eu', 1, %s, %s, {BEFORE_THE_MONTH})"
                    " RETURNING vps_instance_id",
                    (operator, f"{key}.pool.example.net", cost, ids[key]),
                )
            )
            admin.execute(
                "INSERT INTO smtp_ip_addresses (tenant_id, vps_instance_id, ip, status, warmup_started_at,"
                f" approximate_cost, created_at) VALUES (%s, %s, %s::inet, 'warmed', {BEFORE_THE_MONTH}, %s,"
                f" {BEFORE_THE_MONTH})",
                (operator, servers[key], f"203.0.113.{number}", SHARED_ADDRESS_COST),
            )
    return Pools(world=world, operator=operator, pools=ids, shared_servers=servers)


# ------------------------------------------------------------------------------------------------ helpers

Lines = dict[tuple[str, Any, Any], Decimal]


def refreshed(admin: Session) -> Lines:
    """Refresh every month inside the open transaction; every tenant's allocation lines (tenant, month, line)."""
    refresh_in_transaction(admin)
    rows = admin.fetch_all("SELECT tenant_id::text, month, line_id, amount FROM bi_cost_allocation_lines")
    return {(str(t), m, line): Decimal(amount) for t, m, line, amount in rows}


def of_others(lines: Lines, tenant: Tenant) -> Lines:
    return {key: amount for key, amount in lines.items() if key[0] != tenant.id}


def total(lines: Lines) -> Decimal:
    return sum(lines.values(), Decimal(0))


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What an attack did: the error that stopped it, or how many rows its last statement changed."""

    error: DatabaseError | None
    rows: int

    @property
    def refused(self) -> bool:
        if self.error is not None:
            return self.error.sqlstate in (INSUFFICIENT_PRIVILEGE, CHECK_VIOLATION, FOREIGN_KEY_VIOLATION)
        return self.rows == 0


def attack(admin: Session, role: str, tenant_id: str, statements: tuple[str, ...], params: dict[str, Any]) -> Outcome:
    """Run ``statements`` as ``role`` with ``tenant_id`` set, inside the open transaction; kept unless refused."""
    admin.execute("SAVEPOINT attack")
    rows = 0
    try:
        admin.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        admin.execute("SELECT set_config(%s, %s, true)", (SETTING, tenant_id))
        for statement in statements:
            rows = admin.execute_count(statement, params)
    except DatabaseError as error:
        admin.execute("ROLLBACK TO SAVEPOINT attack")
        admin.execute("RESET ROLE")
        return Outcome(error=error, rows=0)
    admin.execute("RESET ROLE")
    admin.execute("RELEASE SAVEPOINT attack")
    return Outcome(error=None, rows=rows)


def params_of(pools: Pools) -> dict[str, Any]:
    return {
        "tenant": pools.t1.id,
        "operator": pools.operator,
        "pool": pools.pools["even"],
        "shared_server": pools.shared_servers["even"],
        "new_pool": pools.pools["by-cost"],
    }


# ---------------------------------------------------------------------------------- R24: the attacks, refused

NEW_SERVER = (
    "INSERT INTO vps_instances (tenant_id, hostname, tenancy, status, provider, region, capacity_emails_per_hour,"
    " approximate_cost, cost_pool_id) VALUES (%(tenant)s, 'evil.example.com', {tenancy}, 'active', 'hetzner', 'eu',"
    " 1000, {cost}, {pool})"
)

# As T1, with T1's context: everything that would move cost between tenants if it went through.
OWN_CONTEXT_ATTACKS: dict[str, tuple[str, ...]] = {
    # The issue's attack: a shared server at 999,999.99 in a pool T1 is a member of.
    "insert_a_shared_server_into_a_pool": (NEW_SERVER.format(tenancy="'shared'", cost="999999.99", pool="%(pool)s"),),
    "insert_a_dedicated_server_naming_a_pool": (NEW_SERVER.format(tenancy="'dedicated'", cost="0", pool="%(pool)s"),),
    "insert_a_priced_dedicated_server": (NEW_SERVER.format(tenancy="'dedicated'", cost="999999.99", pool="NULL"),),
    "turn_its_own_server_shared_and_pooled": ("UPDATE vps_instances SET tenancy = 'shared', cost_pool_id = %(pool)s",),
    "put_its_own_server_in_a_pool": ("UPDATE vps_instances SET cost_pool_id = %(pool)s",),
    # proportional_to_cost weighs members by their dedicated cost: less of it, a smaller share of the pool.
    "lower_its_own_servers_cost": ("UPDATE vps_instances SET approximate_cost = 0",),
    "retire_its_own_server": ("UPDATE vps_instances SET status = 'retired'",),
    "postdate_its_own_server": ("UPDATE vps_instances SET created_at = now() + interval '1 year'",),
    "delete_its_own_server_and_addresses": ("DELETE FROM smtp_ip_addresses", "DELETE FROM vps_instances"),
    "lower_its_own_addresses_cost": ("UPDATE smtp_ip_addresses SET approximate_cost = 0",),
    "retire_its_own_address": ("UPDATE smtp_ip_addresses SET status = 'retired'",),
    "postdate_its_own_address": ("UPDATE smtp_ip_addresses SET created_at = now() + interval '1 year'",),
    "delete_its_own_address": ("DELETE FROM smtp_ip_addresses",),
    "move_its_address_to_a_retired_server": (
        "INSERT INTO vps_instances (tenant_id, vps_instance_id, hostname, status, provider, region,"
        " capacity_emails_per_hour) VALUES (%(tenant)s, '00000000-0000-4000-8000-00000000dead', 'old.example.com',"
        " 'retired', 'hetzner', 'eu', 1)",
        "UPDATE smtp_ip_addresses SET vps_instance_id = '00000000-0000-4000-8000-00000000dead'",
    ),
    "add_an_address_to_a_shared_server": (
        "INSERT INTO smtp_ip_addresses (tenant_id, vps_instance_id, ip, approximate_cost)"
        " VALUES (%(tenant)s, %(shared_server)s, '198.51.100.66', 999.99)",
    ),
    # usage_driver weighs members by their sending: less of it, a smaller share of the pool.
    "lower_its_own_sending_volume": (
        "UPDATE deliverability_daily SET sent = 0, delivered = 0, bounced_hard = 0, bounced_soft = 0,"
        " spam_complaints = 0, blocked = 0",
    ),
    "delete_its_own_sending_volume": ("DELETE FROM deliverability_daily",),
    "leave_a_pool": ("DELETE FROM cost_pool_members WHERE pool_id = %(pool)s",),
    "zero_its_weight_in_a_pool": ("UPDATE cost_pool_members SET weight = 0",),
    "rejoin_a_pool_at_weight_zero": (
        "INSERT INTO cost_pool_members (tenant_id, pool_id, weight) VALUES (%(tenant)s, %(pool)s, 0)"
        " ON CONFLICT (tenant_id, pool_id) DO UPDATE SET weight = 0",
    ),
    "declare_itself_a_platform_operator": ("UPDATE companies SET is_platform_operator = true",),
    "raise_a_pools_overhead": ("UPDATE cost_pools SET monthly_overhead = 999999.99",),
    "change_a_pools_rule": ("UPDATE allocation_rules SET rule = 'even', driver = NULL",),
    "rewrite_its_allocation_lines": ("UPDATE bi_cost_allocation_lines SET amount = 0",),
    # The refresh allocates every month up to the latest with data, and the dashboards report the latest month: a
    # ledger entry dated ahead would allocate every tenant's cost in months that have not happened, and make one of
    # them everybody's reporting month.
    "date_a_ledger_entry_ahead": (
        "INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at)"
        " VALUES (%(tenant)s, 'charge', 1.00, 'USD', now() + interval '2 months')",
    ),
}

# As T1 with the platform operator's id as its context (forged, R30): shared infrastructure is still out of reach.
OPERATOR_CONTEXT_ATTACKS: dict[str, tuple[str, ...]] = {
    "insert_a_shared_server": (
        NEW_SERVER.format(tenancy="'shared'", cost="999999.99", pool="%(pool)s").replace("%(tenant)s", "%(operator)s"),
    ),
    "insert_an_unpriced_shared_server": (
        "INSERT INTO vps_instances (tenant_id, hostname, tenancy, status, provider, region,"
        " capacity_emails_per_hour) VALUES (%(operator)s, 'evil.example.com', 'shared', 'active', 'hetzner', 'eu', 1)",
    ),
    "reprice_a_shared_server": ("UPDATE vps_instances SET approximate_cost = 999999.99",),
    "retire_a_shared_server": ("UPDATE vps_instances SET status = 'retired'",),
    "inflate_a_shared_servers_capacity": ("UPDATE vps_instances SET capacity_emails_per_hour = 1000000",),
    "move_a_shared_server_to_another_pool": ("UPDATE vps_instances SET cost_pool_id = %(new_pool)s",),
    "retire_a_pooled_address": ("UPDATE smtp_ip_addresses SET status = 'retired'",),
    "warm_a_pooled_address": ("UPDATE smtp_ip_addresses SET status = 'warming'",),
    "add_an_address_to_a_shared_server": (
        "INSERT INTO smtp_ip_addresses (tenant_id, vps_instance_id, ip) VALUES (%(operator)s, %(shared_server)s,"
        " '198.51.100.66')",
    ),
    "delete_a_pooled_address": ("DELETE FROM smtp_ip_addresses",),
}


def assert_refused_and_costless(
    pools: Pools, admin: Session, role: str, context: str, statements: tuple[str, ...]
) -> None:
    admin.execute("BEGIN")
    try:
        before = refreshed(admin)
        assert total(of_others(before, pools.t1)) > 0
        outcome = attack(admin, role, context, statements, params_of(pools))
        after = refreshed(admin)
    finally:
        admin.rollback()
    moved = total(of_others(after, pools.t1)) - total(of_others(before, pools.t1))
    assert outcome.refused, f"went through ({outcome.rows} rows); other tenants' cost moved by {moved}"
    assert of_others(after, pools.t1) == of_others(before, pools.t1)


@pytest.mark.parametrize("role", TENANT_ROLES)
@pytest.mark.parametrize("name", OWN_CONTEXT_ATTACKS)
def test_r24_a_tenant_cannot_move_cost_onto_other_tenants(pools: Pools, admin: Session, role: str, name: str) -> None:
    assert_refused_and_costless(pools, admin, role, pools.t1.id, OWN_CONTEXT_ATTACKS[name])


@pytest.mark.parametrize("role", TENANT_ROLES)
@pytest.mark.parametrize("name", OPERATOR_CONTEXT_ATTACKS)
def test_r24_even_with_the_operators_context_a_tenant_role_cannot_touch_shared_infrastructure(
    pools: Pools, admin: Session, role: str, name: str
) -> None:
    assert_refused_and_costless(pools, admin, role, pools.operator, OPERATOR_CONTEXT_ATTACKS[name])


def test_r24_the_issues_attack_moves_nothing_after_a_refresh(pools: Pools, admin: Session) -> None:
    """The reported case, in full: a shared server at 999,999.99 in T1's pool; every other member's cost stays."""
    admin.execute("BEGIN")
    try:
        before = refreshed(admin)
        with pytest.raises(DatabaseError) as error:
            admin.execute("SAVEPOINT attack")
            admin.execute("SET LOCAL ROLE application_service")
            admin.execute("SELECT set_config(%s, %s, true)", (SETTING, pools.t1.id))
            admin.execute(NEW_SERVER.format(tenancy="'shared'", cost="999999.99", pool="%(pool)s"), params_of(pools))
        admin.execute("ROLLBACK TO SAVEPOINT attack")
        admin.execute("RESET ROLE")
        after = refreshed(admin)
        monthly = admin.fetch_all("SELECT tenant_id::text, sum(total_cost) FROM bi_tenant_monthly GROUP BY 1")
    finally:
        admin.rollback()
    assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE
    assert after == before
    assert all(cost < 10000 for _, cost in monthly)


# ------------------------------------------------------------------------- R24: what a tenant may still write

# Each is cost-neutral for everyone else: a new server or address costs nothing until the platform prices it;
# names, region, capacity, draining, warm-up and reputation are not inputs of any allocation rule.
HARMLESS_WRITES: dict[str, tuple[str, ...]] = {
    "provision_an_unpriced_dedicated_server_and_address": (
        "INSERT INTO vps_instances (tenant_id, vps_instance_id, hostname, status, provider, region,"
        " capacity_emails_per_hour) VALUES (%(tenant)s, '00000000-0000-4000-8000-00000000beef', 'new.example.com',"
        " 'active', 'hetzner', 'eu', 500)",
        "INSERT INTO smtp_ip_addresses (tenant_id, vps_instance_id, ip) VALUES (%(tenant)s,"
        " '00000000-0000-4000-8000-00000000beef', '198.51.100.77')",
    ),
    "rename_move_resize_and_drain_its_server": (
        "UPDATE vps_instances SET hostname = 'renamed.example.com', region = 'us-east', provider = 'ovh',"
        " capacity_emails_per_hour = 9000, status = 'draining'",
    ),
    "warm_up_and_rate_its_address": (
        "UPDATE smtp_ip_addresses SET status = 'warming', warmup_started_at = now(), reputation_score = 12.5",
    ),
}


@pytest.mark.parametrize("name", HARMLESS_WRITES)
def test_r24_what_a_tenant_may_still_write_moves_no_cost(pools: Pools, admin: Session, name: str) -> None:
    admin.execute("BEGIN")
    try:
        before = refreshed(admin)
        outcome = attack(admin, "application_service", pools.t1.id, HARMLESS_WRITES[name], params_of(pools))
        after = refreshed(admin)
    finally:
        admin.rollback()
    assert outcome.error is None and outcome.rows > 0, outcome.error
    assert of_others(after, pools.t1) == of_others(before, pools.t1)


def test_r24_a_dedicated_server_is_never_in_a_pool(pools: Pools, admin: Session) -> None:
    """Even the platform's own roles cannot file a dedicated server under a pool (a constraint, not a convention)."""
    with pytest.raises(DatabaseError) as error, admin.transaction():
        admin.execute(
            "UPDATE vps_instances SET cost_pool_id = %s WHERE tenant_id = %s", (pools.pools["even"], pools.t1.id)
        )
    assert error.value.sqlstate == CHECK_VIOLATION


# ------------------------------------------------------------------------------ R27: the share, not the pool


def readable_columns(admin: Session, role: str) -> dict[str, list[str]]:
    """Every table and view of the schema with the columns ``role`` may SELECT."""
    rows = admin.fetch_all(
        "SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
        " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')"
        " AND a.attnum > 0 AND NOT a.attisdropped AND has_column_privilege(%s, c.oid, a.attnum, 'SELECT')"
        " ORDER BY c.relname, a.attnum",
        (role,),
    )
    found: dict[str, list[str]] = {}
    for relation, column in rows:
        found.setdefault(str(relation), []).append(str(column))
    return found


@pytest.mark.parametrize("role", TENANT_ROLES)
def test_r27_tenant_roles_cannot_read_pool_totals_unit_costs_or_whole_allocation_lines(
    pools: Pools, admin: Session, role: str
) -> None:
    columns = readable_columns(admin, role)
    for relation, names in columns.items():
        assert not {"driver_total", "unit_cost", "members", "monthly_overhead"} & set(names), relation
    for relation in ("cost_pools", "allocation_rules", "resource_cost_daily", "bi_month_summary"):
        assert relation not in columns, relation
    for query in (
        "SELECT driver_total FROM bi_cost_allocation_lines",
        "SELECT unit_cost FROM bi_cost_allocation_lines",
        "SELECT * FROM bi_cost_allocation_lines",
    ):
        admin.execute("BEGIN")
        try:
            admin.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            admin.execute("SELECT set_config(%s, %s, true)", (SETTING, pools.t1.id))
            with pytest.raises(DatabaseError) as error:
                admin.fetch_all(query)
        finally:
            admin.rollback()
        assert error.value.sqlstate == INSUFFICIENT_PRIVILEGE, query


def forbidden_values(admin: Session, pools: Pools) -> set[Decimal]:
    """What T1 must not learn, as numbers: each pool's total weight and unit cost, other tenants' volumes and
    dedicated costs (their weights under proportional_to_cost). Small counts (member counts) collide with too
    many legitimate values; the column test above covers them."""
    values: set[Decimal] = set()
    for total_weight, unit_cost in admin.fetch_all(
        "SELECT driver_total, unit_cost FROM bi_cost_allocation_lines WHERE pool_id IS NOT NULL"
        " AND category IN ('shared', 'overhead')"
    ):
        values |= {Decimal(total_weight), Decimal(unit_cost)}
    for tenant in pools.world.tenants[1:]:
        values |= {Decimal(SENT[tenant.number - 1]), Decimal(DELIVERED[tenant.number - 1])}
        values |= {
            Decimal(row[0])
            for row in admin.fetch_all(
                "SELECT driver_value FROM bi_cost_allocation_lines WHERE tenant_id = %s AND pool_id IS NOT NULL",
                (tenant.id,),
            )
        }
    return {value for value in values if value > 3}


def numbers_in(value: Any) -> list[Decimal]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float | Decimal):
        return [Decimal(str(value))]
    if isinstance(value, dict):
        return [number for item in value.values() for number in numbers_in(item)]
    if isinstance(value, list):
        return [number for item in value for number in numbers_in(item)]
    return []


@pytest.mark.parametrize("role", TENANT_ROLES)
def test_r27_no_value_a_tenant_role_reads_derives_from_other_tenants_volume(
    pools: Pools, admin: Session, role: str
) -> None:
    admin.execute("BEGIN")
    try:
        refreshed(admin)
        forbidden = forbidden_values(admin, pools)
        assert forbidden
        columns = readable_columns(admin, role)
        admin.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        admin.execute("SELECT set_config(%s, %s, true)", (SETTING, pools.t1.id))
        seen: dict[str, list[Decimal]] = {}
        for relation, names in columns.items():
            query = sql.SQL("SELECT {} FROM {}").format(
                sql.SQL(", ").join(map(sql.Identifier, names)), sql.Identifier(relation)
            )
            seen[relation] = [number for row in admin.fetch_all(query) for number in numbers_in(list(row))]
    finally:
        admin.rollback()
    assert "bi_cost_allocation_lines" in seen and "bi_tenant_monthly" in seen  # the tenant's own share is there
    assert {
        relation: sorted(set(numbers) & forbidden) for relation, numbers in seen.items() if set(numbers) & forbidden
    } == {}


TENANT_LINE_COLUMNS = [
    "tenant_id", "month", "line_id", "pool_id", "resource_kind", "resource_id", "cost_kind", "category", "rule",
    "driver", "driver_value", "amount",
]  # fmt: skip


@pytest.mark.parametrize("role", TENANT_ROLES)
def test_r27_a_tenant_reads_its_own_share_through_bi_tenant_cost_lines(pools: Pools, admin: Session, role: str) -> None:
    columns = admin.fetch_all(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'bi_tenant_cost_lines'"
        " ORDER BY ordinal_position"
    )
    assert [row[0] for row in columns] == TENANT_LINE_COLUMNS
    options = admin.fetch_value("SELECT reloptions FROM pg_class WHERE relname = 'bi_tenant_cost_lines'")
    assert "security_invoker=true" in options
    listed = sql.SQL(", ").join(map(sql.Identifier, TENANT_LINE_COLUMNS))
    admin.execute("BEGIN")
    try:
        refreshed(admin)
        expected = admin.fetch_all(
            sql.SQL("SELECT {} FROM bi_cost_allocation_lines WHERE tenant_id = %s ORDER BY line_id").format(listed),
            (pools.t1.id,),
        )
        total_cost = admin.fetch_value(
            "SELECT sum(total_cost) FROM bi_tenant_monthly WHERE tenant_id = %s", (pools.t1.id,)
        )
        admin.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        admin.execute("SELECT set_config(%s, %s, true)", (SETTING, pools.t1.id))
        mine = admin.fetch_all("SELECT * FROM bi_tenant_cost_lines ORDER BY line_id")
        shares = admin.fetch_value("SELECT count(*) FROM bi_tenant_cost_lines WHERE category = 'shared'")
        summed = admin.fetch_value("SELECT sum(amount) FROM bi_tenant_cost_lines")
        admin.execute("SELECT set_config(%s, '', true)", (SETTING,))
        without_context = admin.fetch_value("SELECT count(*) FROM bi_tenant_cost_lines")
    finally:
        admin.rollback()
    assert mine == expected and shares == 2 * len(POOLS)  # a share of each pool's servers and of its addresses
    assert summed == total_cost
    assert without_context == 0


def test_r27_pool_memberships_show_a_tenant_only_its_own(pools: Pools, admin: Session) -> None:
    for role in TENANT_ROLES:
        admin.execute("BEGIN")
        try:
            admin.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            admin.execute("SELECT set_config(%s, %s, true)", (SETTING, pools.t1.id))
            rows = admin.fetch_all("SELECT tenant_id::text, pool_id::text, weight FROM cost_pool_members")
        finally:
            admin.rollback()
        assert sorted(rows) == sorted((pools.t1.id, pool, 1) for pool in pools.pools.values())
