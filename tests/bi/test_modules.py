"""The cost_tracking and bi modules on a real PostgreSQL: reversible, lint-clean, constrained and verified."""

from __future__ import annotations

import pytest

from tenantdb.db import Session
from tenantdb.errors import DatabaseError
from tenantdb.verify import verify
from tests import recipes
from tests.modules.support import (
    CHECK_VIOLATION,
    module_sets,
    new_company,
    rejected,
)

dsn = recipes.database_fixture(recipes.modules_applied(["bi"]))  # every test starts with bi applied


@pytest.fixture
def costs(session: Session) -> Session:
    return session


def new_pool(session: Session, name: str = "shared-eu") -> str:
    return str(session.fetch_value("INSERT INTO cost_pools (name) VALUES (%s) RETURNING pool_id", (name,)))


def new_vps(
    session: Session, tenant: str, hostname: str, *, tenancy: str = "dedicated", pool: str | None = None
) -> str:
    return str(
        session.fetch_value(
            "INSERT INTO vps_instances (tenant_id, hostname, tenancy, status, provider, region,"
            " capacity_emails_per_hour, approximate_cost, cost_pool_id)"
            " VALUES (%s, %s, %s, 'active', 'hetzner', 'eu-central', 1000, 100, %s) RETURNING vps_instance_id",
            (tenant, hostname, tenancy, pool),
        )
    )


def problems(session: Session) -> list[str]:
    return [v.message for v in verify(session, module_sets("bi")).violations]


def test_costs_are_never_negative_and_usage_rules_name_a_driver(costs: Session) -> None:
    tenant = new_company(costs, "acme")
    vps = new_vps(costs, tenant, "mx1.acme.example")
    assert rejected(costs, "UPDATE vps_instances SET approximate_cost = -1 WHERE vps_instance_id = %s", (vps,)) == (
        CHECK_VIOLATION
    )
    pool = new_pool(costs)
    assert (
        rejected(
            costs,
            "INSERT INTO allocation_rules (pool_id, effective_from, rule) VALUES (%s, '2026-01-01', 'usage_driver')",
            (pool,),
        )
        == CHECK_VIOLATION
    )
    assert (
        rejected(
            costs,
            "INSERT INTO allocation_rules (pool_id, effective_from, rule) VALUES (%s, '2026-01-15', 'even')",
            (pool,),
        )
        == CHECK_VIOLATION
    )


def test_verify_reports_pools_servers_and_members_that_break_the_cost_model(costs: Session) -> None:
    operator = new_company(costs, "platform-operator")
    costs.execute("UPDATE companies SET is_platform_operator = true WHERE id = %s", (operator,))
    customer = new_company(costs, "acme")
    pool = new_pool(costs)
    costs.execute(
        "INSERT INTO allocation_rules (pool_id, effective_from, rule) VALUES (%s, '2026-01-01', 'even')", (pool,)
    )
    assert problems(costs) == []
    new_vps(costs, operator, "mta-shared-1.example", tenancy="shared")
    with pytest.raises(DatabaseError) as error, costs.transaction():
        new_vps(costs, customer, "mx1.acme.example", pool=pool)
    assert error.value.sqlstate == CHECK_VIOLATION  # a dedicated server is never in a pool
    # As if the check had been added NOT VALID over an older row: the verify block still reports the row.
    costs.execute("ALTER TABLE vps_instances DROP CONSTRAINT vps_instances_pooled_only_when_shared")
    new_vps(costs, customer, "mx1.acme.example", pool=pool)
    costs.execute(
        "ALTER TABLE vps_instances ADD CONSTRAINT vps_instances_pooled_only_when_shared"
        " CHECK (cost_pool_id IS NULL OR tenancy = 'shared') NOT VALID"
    )
    new_vps(costs, customer, "mx2.acme.example", tenancy="shared", pool=pool)
    costs.execute("INSERT INTO cost_pool_members (tenant_id, pool_id) VALUES (%s, %s)", (operator, pool))
    new_pool(costs, "without-rule")
    assert sorted(problems(costs)) == [
        "constraint is NOT VALID: existing rows were never checked; run VALIDATE CONSTRAINT",
        "cost pool shared-eu has platform operator platform-operator as a member: operators are never charged a share",
        "cost pool without-rule has no allocation rule (its cost is split evenly)",
        f"dedicated server mx1.acme.example names cost pool {pool}: a dedicated server's cost is its tenant's",
        "shared server mta-shared-1.example is in no cost pool: its cost is allocated to nobody",
        "shared server mx2.acme.example belongs to acme, which is not a platform operator",
    ]
