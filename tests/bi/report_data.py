"""A small, hand-computed dataset for the report tests: three customers, two cost pools, two months of rollups.

The rollup rows are written directly (the reports read them, whatever computed them), so every expected number
below follows from docs/business-metrics.md by hand:

- Alpha Mail (Growth): revenue 100.00, cost 30.00, margin 70% (Excellent), 3% bounces: no reason code.
- Beta Corp (Scale): revenue 299.00, cost 280.00, margin 6.35% (Monitor); 6% bounces, 0.13% complaints, dedicated
  servers 5% used: margin_below_target, bounce_over_limit, complaints_over_limit, idle_dedicated_capacity.
- Gamma Tiny (no plan): revenue 0, cost 12.50 (Not Applicable: no subscription); 20% bounces on 500 e-mails, below
  the minimum volume.

The resources behind September's lines are there too (Alpha's and Beta's dedicated servers, the operator's shared
server of shared-eu with its 92.50 address, ops-overhead's 50.00 overhead), so the platform's modeled cost is
362.50 a month: September's lines (322.50 of customers, 40.00 of idle capacity) carry all of it; August has
customers' rows only (225.00), so 137.50 of its modeled cost is unallocated.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from tenantdb.db import Session, connect
from tenantdb.execute import RunRequest, migrate
from tenantdb.migrations import Direction
from tenantdb.modules import available_modules, module_migrations, resolve_modules
from tests.helpers import FAST

MONTH = date(2026, 9, 1)
PREVIOUS = date(2026, 8, 1)
OPERATOR = UUID("00000000-0000-4000-8000-000000000000")
ALPHA = UUID("00000000-0000-4000-8000-00000000000a")
BETA = UUID("00000000-0000-4000-8000-00000000000b")
GAMMA = UUID("00000000-0000-4000-8000-00000000000c")
BETA_TWIN = UUID("00000000-0000-4000-8000-00000000000d")  # another company named Beta Corp, without rollups
SHARED_POOL = UUID("00000000-0000-4000-8000-0000000000f1")
OVERHEAD_POOL = UUID("00000000-0000-4000-8000-0000000000f2")

DATASET = """
INSERT INTO companies (id, name, slug, is_platform_operator) VALUES
    ('00000000-0000-4000-8000-000000000000', 'Platform Operations', 'platform-operator', true),
    ('00000000-0000-4000-8000-00000000000a', 'Alpha Mail', 'alpha-mail', false),
    ('00000000-0000-4000-8000-00000000000b', 'Beta Corp', 'beta-corp', false),
    ('00000000-0000-4000-8000-00000000000c', 'Gamma Tiny', 'gamma-tiny', false),
    ('00000000-0000-4000-8000-00000000000d', 'Beta Corp', 'beta-corp-eu', false);
INSERT INTO cost_pools (pool_id, name, monthly_overhead) VALUES
    ('00000000-0000-4000-8000-0000000000f1', 'shared-eu', 0),
    ('00000000-0000-4000-8000-0000000000f2', 'ops-overhead', 50.00);
INSERT INTO vps_instances (tenant_id, vps_instance_id, hostname, tenancy, status, provider, region,
                           capacity_emails_per_hour, approximate_cost, cost_pool_id, created_at) VALUES
    ('00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-0000000000b1', 'mta1.beta.example',
     'dedicated', 'active', 'hetzner', 'fsn1', 1389, 150.00, NULL, '2026-01-15 08:00+00'),
    ('00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-0000000000a1', 'mta1.alpha.example',
     'dedicated', 'active', 'hetzner', 'fsn1', 28, 20.00, NULL, '2026-01-15 08:00+00'),
    ('00000000-0000-4000-8000-000000000000', '00000000-0000-4000-8000-0000000000e1', 'shared1.platform.example',
     'shared', 'active', 'ovh', 'gra', 5000, 0.00, '00000000-0000-4000-8000-0000000000f1', '2026-01-15 08:00+00');
INSERT INTO smtp_ip_addresses (tenant_id, ip_id, vps_instance_id, ip, status, approximate_cost, created_at) VALUES
    ('00000000-0000-4000-8000-00000000000b', '00000000-0000-4000-8000-0000000000b2',
     '00000000-0000-4000-8000-0000000000b1', '192.0.2.10', 'available', 50.00, '2026-01-15 08:00+00'),
    ('00000000-0000-4000-8000-000000000000', '00000000-0000-4000-8000-0000000000e2',
     '00000000-0000-4000-8000-0000000000e1', '192.0.2.99', 'available', 92.50, '2026-01-15 08:00+00');

INSERT INTO bi_tenant_monthly (tenant_id, month, company_name, plan_name, price_monthly, recognized_revenue,
                               infrastructure_cost, email_service_cost, total_cost, emails_sent, emails_delivered,
                               emails_bounced, spam_complaints, dedicated_capacity) VALUES
    ('00000000-0000-4000-8000-00000000000a', '2026-09-01', 'Alpha Mail', 'Growth', 99.00, 100.00,
     20.00, 10.00, 30.00, 10000, 9500, 300, 5, 20000),
    ('00000000-0000-4000-8000-00000000000b', '2026-09-01', 'Beta Corp', 'Scale', 299.00, 299.00,
     200.00, 80.00, 280.00, 50000, 46000, 3000, 60, 1000000),
    ('00000000-0000-4000-8000-00000000000c', '2026-09-01', 'Gamma Tiny', NULL, 0, 0,
     0, 12.50, 12.50, 500, 380, 100, 0, 0),
    ('00000000-0000-4000-8000-00000000000a', '2026-08-01', 'Alpha Mail', 'Growth', 99.00, 100.00,
     20.00, 5.00, 25.00, 9000, 8800, 100, 1, 20000),
    ('00000000-0000-4000-8000-00000000000b', '2026-08-01', 'Beta Corp', 'Scale', 299.00, 299.00,
     150.00, 50.00, 200.00, 40000, 39000, 500, 10, 1000000);

INSERT INTO bi_cost_allocation_lines (tenant_id, month, pool_id, resource_kind, resource_id, cost_kind, category,
                                      rule, driver, driver_value, driver_total, unit_cost, amount) VALUES
    ('00000000-0000-4000-8000-00000000000a', '2026-09-01', NULL, 'vps', NULL, 'infrastructure', 'dedicated',
     'dedicated', 'resources', 1, NULL, 20.00, 20.00),
    ('00000000-0000-4000-8000-00000000000a', '2026-09-01', '00000000-0000-4000-8000-0000000000f1', NULL, NULL,
     'email_service', 'shared', 'usage_driver', 'emails_delivered', 9500, 55880, 92.50, 10.00),
    ('00000000-0000-4000-8000-00000000000b', '2026-09-01', NULL, 'vps', NULL,
     'infrastructure', 'dedicated', 'dedicated', 'resources', 1, NULL, 150.00, 150.00),
    ('00000000-0000-4000-8000-00000000000b', '2026-09-01', NULL, 'ip', NULL,
     'email_service', 'dedicated', 'dedicated', 'resources', 1, NULL, 50.00, 50.00),
    ('00000000-0000-4000-8000-00000000000b', '2026-09-01', '00000000-0000-4000-8000-0000000000f1', NULL, NULL,
     'email_service', 'shared', 'usage_driver', 'emails_delivered', 46000, 55880, 92.50, 30.00),
    ('00000000-0000-4000-8000-00000000000b', '2026-09-01', '00000000-0000-4000-8000-0000000000f2', NULL, NULL,
     'infrastructure', 'overhead', 'even', 'members', 1, 1, 50.00, 50.00),
    ('00000000-0000-4000-8000-00000000000c', '2026-09-01', '00000000-0000-4000-8000-0000000000f1', NULL, NULL,
     'email_service', 'shared', 'usage_driver', 'emails_delivered', 380, 55880, 92.50, 12.50),
    ('00000000-0000-4000-8000-000000000000', '2026-09-01', '00000000-0000-4000-8000-0000000000f1', NULL, NULL,
     'email_service', 'idle_capacity', 'idle_capacity', NULL, NULL, NULL, 92.50, 40.00);

INSERT INTO bi_reconciliation (provider, month, modeled, invoiced, rate_drift, quantity_drift, unmatched,
                               scale_factor, tolerance, flagged) VALUES
    ('hetzner', '2026-09-01', 170, 180.00, 5, 3, 2.00, 1.0588235294, 0.02, true),
    ('ovh', '2026-09-01', 100, 100.00, 0, 0, 0, 1, 0.02, false),
    ('hetzner', '2026-08-01', 160, 160.00, 0, 0, 0, 1, 0.02, false);
"""


def apply_all_modules(dsn: str) -> None:
    """Every bundled module, requirements first."""
    with connect(dsn) as session:
        sets = [module_migrations(spec) for spec in resolve_modules(tuple(available_modules()))]
        migrate(session, sets, FAST, RunRequest(direction=Direction.UP))


def load_dataset(session: Session) -> None:
    with session.transaction():
        session.run_script(DATASET)
