"""``tenantdb seed`` with cost_tracking and bi: priced resources, pools, invoices, and rollups that hold together."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tenantdb import commands
from tenantdb.config import Settings, load_settings
from tenantdb.db import Session, connect
from tenantdb.execute import RunRequest, migrate
from tenantdb.migrations import Direction
from tenantdb.modules import module_migrations, resolve_modules
from tests.helpers import FAST

AS_OF = date(2025, 6, 30)
MODULES = ("core", "billing", "email_infra", "cost_tracking", "bi")


@pytest.fixture
def seeded(dsn: str, tmp_path: Path) -> Settings:
    with connect(dsn) as session:
        sets = [module_migrations(spec) for spec in resolve_modules(MODULES)]
        migrate(session, sets, FAST, RunRequest(direction=Direction.UP))
    modules = ", ".join(f'"{name}"' for name in MODULES)
    (tmp_path / "tenantdb.toml").write_text(f"modules = [{modules}]\n", encoding="utf-8")
    settings = load_settings(tmp_path, environ={}).with_overrides(dsn=dsn)
    commands.seed(settings, tenants=60, random_seed=3, as_of=AS_OF)
    return settings


def counts(session: Session, checks: dict[str, str]) -> dict[str, int]:
    found = {problem: int(session.fetch_value(query)) for problem, query in checks.items()}
    return {problem: count for problem, count in found.items() if count}


def test_seeded_costs_pools_and_invoices_are_realistic(dsn: str, seeded: Settings) -> None:
    with connect(dsn) as session:
        assert (
            counts(
                session,
                {
                    "no platform operator": "SELECT count(*) = 0 FROM companies WHERE is_platform_operator",
                    "a dedicated server outside $39.99-$400": "SELECT count(*) FROM vps_instances"
                    " WHERE tenancy = 'dedicated' AND approximate_cost NOT BETWEEN 39.99 AND 400",
                    "an address outside $2-$6": "SELECT count(*) FROM smtp_ip_addresses"
                    " WHERE approximate_cost NOT BETWEEN 2 AND 6",
                    "a shared server without a pool": "SELECT count(*) FROM vps_instances"
                    " WHERE tenancy = 'shared' AND cost_pool_id IS NULL",
                    "a dedicated customer in the shared pool": "SELECT count(*) FROM cost_pool_members m"
                    " JOIN cost_pools p ON p.pool_id = m.pool_id AND p.name = 'shared-sending'"
                    " WHERE EXISTS (SELECT FROM vps_instances v WHERE v.tenant_id = m.tenant_id"
                    " AND v.tenancy = 'dedicated')",
                    "no invoice of the last three months": "SELECT 3 - count(DISTINCT month) FROM provider_invoices",
                    "not exactly one unmatched line": "SELECT abs(1 - count(*)) FROM provider_invoice_lines"
                    " WHERE resource_ref LIKE 'backup-storage-%'",
                    "an invoice whose lines do not add up": "SELECT count(*) FROM provider_invoices i"
                    " WHERE total <> (SELECT sum(amount) FROM provider_invoice_lines l"
                    " WHERE l.invoice_id = i.invoice_id)",
                },
            )
            == {}
        )
        drifting = session.fetch_value(
            "SELECT count(*) FILTER (WHERE l.unit_price <> coalesce(v.approximate_cost, a.approximate_cost))::float"
            " / count(*) FROM provider_invoice_lines l"
            " LEFT JOIN vps_instances v ON v.hostname = l.resource_ref"
            " LEFT JOIN smtp_ip_addresses a ON host(a.ip) = l.resource_ref"
            " WHERE v.hostname IS NOT NULL OR a.ip IS NOT NULL"
        )
        assert 0.02 < float(drifting) < 0.25
    verified = commands.migrate_verify(seeded)
    assert verified.ok, [violation.message for violation in verified.violations]


def test_seed_fills_the_rollups_with_every_month_and_every_cent(dsn: str, seeded: Settings) -> None:
    with connect(dsn) as session:
        months = session.fetch_all("SELECT month FROM bi_refresh_state ORDER BY month")
        assert len(months) == 12 and months[-1] == (date(2025, 6, 1),)
        assert (
            counts(
                session,
                {
                    "a unit whose lines do not add up": "SELECT count(*) FROM (SELECT 1 FROM bi_cost_allocation_lines"
                    " WHERE pool_id IS NOT NULL AND category <> 'warmup_investment' GROUP BY month, pool_id, cost_kind"
                    " HAVING sum(amount) <> min(unit_cost)) u",
                    "a tenant month whose cost is not its lines": "SELECT count(*) FROM bi_tenant_monthly t"
                    " WHERE total_cost <> (SELECT coalesce(sum(amount), 0) FROM bi_cost_allocation_lines l"
                    " WHERE l.tenant_id = t.tenant_id AND l.month = t.month)",
                    "the platform operator in the customer rollup": "SELECT count(*) FROM bi_tenant_monthly t"
                    " JOIN companies c ON c.id = t.tenant_id WHERE c.is_platform_operator",
                    "no idle line of the shared pool": "SELECT count(*) = 0 FROM bi_cost_allocation_lines"
                    " WHERE category = 'idle_capacity'",
                    "no reconciliation of the invoiced months": "SELECT 3 - count(DISTINCT month)"
                    " FROM bi_reconciliation",
                    "an unflagged month with the unmatched line": "SELECT count(*) FROM bi_reconciliation"
                    " WHERE unmatched > 0 AND NOT flagged",
                    "the dashboards show nothing": "SELECT count(*) = 0 FROM executive_business_summary",
                },
            )
            == {}
        )
        revenue = session.fetch_value(
            "SELECT sum(recognized_revenue) FROM bi_tenant_monthly WHERE month = '2025-06-01'"
        )
        ledger = session.fetch_value(
            "SELECT sum(amount) FROM billing_transactions WHERE currency = 'USD'"
            " AND occurred_at >= '2025-06-01Z' AND occurred_at < '2025-07-01Z'"
        )
        assert revenue == ledger
