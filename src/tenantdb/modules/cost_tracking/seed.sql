-- Seed data for cost_tracking: modeled monthly costs of every server and IP address, the platform operator, the
-- shared sending pool and a platform overhead pool with their members and rules, and providers' invoices for the
-- last three full months (small, realistic drift and one line that matches no resource). Run by `tenantdb seed`
-- after email_infra's seed.sql in the same session: it reads pg_temp.seed_batch and the pg_temp.seed_* helpers.
-- Costs are set only where they are still 0, so re-seeding with --append prices the new resources only.
--
-- The rows email_infra and core generated are completed, not changed: their touch triggers are off meanwhile, so
-- updated_at keeps its generated value and the same seed still gives the same rows.
ALTER TABLE companies DISABLE TRIGGER companies_touch_updated_at;
ALTER TABLE vps_instances DISABLE TRIGGER vps_instances_touch_updated_at;
ALTER TABLE smtp_ip_addresses DISABLE TRIGGER smtp_ip_addresses_touch_updated_at;

UPDATE companies SET is_platform_operator = true WHERE slug = 'platform-operator' AND NOT is_platform_operator;

-- Servers, shared or dedicated, by size: $40-$50 a month up to 1,000 e-mails an hour (the smallest plan), growing
-- with the square root of the capacity (economies of scale) up to $320-$400 for 64,000.
UPDATE vps_instances v
SET approximate_cost = round((40 * sqrt(least(64, greatest(1, v.capacity_emails_per_hour / 1000.0)))
                              * (1 + 0.25 * u.x))::numeric, 0) - 0.01
FROM (SELECT vps_instance_id, pg_temp.seed_unit('vps-cost/' || vps_instance_id) AS x FROM vps_instances) u
WHERE u.vps_instance_id = v.vps_instance_id
  AND v.approximate_cost = 0;

-- An address costs $2-$6 a month.
UPDATE smtp_ip_addresses a
SET approximate_cost = round((2 + 4 * pg_temp.seed_unit('ip-cost/' || a.ip_id))::numeric, 2)
WHERE a.approximate_cost = 0;

-- The shared sending pool (every shared server) is split by e-mails delivered; the platform overhead (support,
-- monitoring, licences: $300 plus $1.50 per customer) evenly among all customers.
INSERT INTO cost_pools (pool_id, name, provider, monthly_overhead, description, created_at, updated_at)
VALUES (pg_temp.seed_uuid('cost-pool/shared-sending'), 'shared-sending', NULL, 0,
        'Shared MTA servers and their IP addresses, for customers without dedicated servers.',
        pg_temp.seed_now() - interval '4 years', pg_temp.seed_now() - interval '4 years'),
       (pg_temp.seed_uuid('cost-pool/platform-overhead'), 'platform-overhead', NULL,
        300 + 1.5 * (SELECT count(*) FROM companies WHERE NOT is_platform_operator),
        'Support, monitoring and licences: infrastructure cost not tied to a server.',
        pg_temp.seed_now() - interval '4 years', pg_temp.seed_now() - interval '4 years')
ON CONFLICT (name) DO NOTHING;

INSERT INTO allocation_rules (pool_id, effective_from, rule, driver, fallback)
SELECT p.pool_id, date_trunc('month', pg_temp.seed_now() - interval '4 years')::date,
       CASE p.name WHEN 'shared-sending' THEN 'usage_driver' ELSE 'even' END,
       CASE p.name WHEN 'shared-sending' THEN 'emails_delivered' END,
       'even'
FROM cost_pools p
WHERE p.name IN ('shared-sending', 'platform-overhead')
ON CONFLICT (pool_id, effective_from) DO NOTHING;

UPDATE vps_instances v
SET cost_pool_id = p.pool_id
FROM cost_pools p
WHERE p.name = 'shared-sending'
  AND v.tenancy = 'shared'
  AND v.cost_pool_id IS NULL;

ALTER TABLE companies ENABLE TRIGGER companies_touch_updated_at;
ALTER TABLE vps_instances ENABLE TRIGGER vps_instances_touch_updated_at;
ALTER TABLE smtp_ip_addresses ENABLE TRIGGER smtp_ip_addresses_touch_updated_at;

-- Members: the batch's customers that have not churned or been suspended; the shared pool's are those without a
-- dedicated server.
INSERT INTO cost_pool_members (tenant_id, pool_id, weight, created_at, updated_at)
SELECT b.tenant_id, p.pool_id, 1, b.created_at, b.created_at
FROM pg_temp.seed_batch b
JOIN companies c ON c.id = b.tenant_id AND NOT c.is_platform_operator
JOIN cost_pools p ON p.name IN ('shared-sending', 'platform-overhead')
WHERE b.status NOT IN ('churned', 'suspended')
  AND (p.name = 'platform-overhead'
       OR NOT EXISTS (SELECT FROM vps_instances v WHERE v.tenant_id = b.tenant_id AND v.tenancy = 'dedicated'))
ON CONFLICT (tenant_id, pool_id) DO NOTHING;

-- Invoices of the last three full months, one per provider and month, a line per cost-bearing server (hostname)
-- and address (IP): the modeled quantity of months at the modeled price, except that about one line in ten has
-- its price moved by -2 % to +4 % and one in thirty bills a whole month. The latest month of the provider that
-- comes first by name has one line more, for a resource that does not exist (unmatched).
CREATE TEMPORARY TABLE seed_invoice_lines ON COMMIT DROP AS
WITH months AS (
    SELECT (date_trunc('month', pg_temp.seed_now()) - interval '1 month' * k)::date AS month
    FROM generate_series(1, 3) AS k
), servers AS (
    SELECT v.tenant_id, v.vps_instance_id, v.hostname, v.provider, v.approximate_cost,
           (v.created_at AT TIME ZONE 'UTC')::date AS first_day
    FROM vps_instances v
    WHERE v.status <> 'retired'
), resources AS (
    SELECT s.provider, s.hostname AS resource_ref, 'Server ' || s.hostname AS description, s.approximate_cost,
           s.first_day
    FROM servers s
    UNION ALL
    SELECT s.provider, host(a.ip), 'IP address ' || host(a.ip) || ' on ' || s.hostname, a.approximate_cost,
           (a.created_at AT TIME ZONE 'UTC')::date
    FROM smtp_ip_addresses a
    JOIN servers s ON s.tenant_id = a.tenant_id AND s.vps_instance_id = a.vps_instance_id
    WHERE a.status <> 'retired'
), billed AS (
    SELECT r.provider, m.month, r.resource_ref, r.description,
           CASE WHEN pg_temp.seed_unit('invoice-quantity/' || r.resource_ref || '/' || m.month) < 0.033 THEN 1
                ELSE round(((m.month + interval '1 month')::date - greatest(m.month, r.first_day))::numeric
                           / ((m.month + interval '1 month')::date - m.month), 4)
           END AS quantity,
           CASE WHEN pg_temp.seed_unit('invoice-price/' || r.resource_ref || '/' || m.month) < 0.1
                THEN round(r.approximate_cost
                           * (0.98 + 0.06 * pg_temp.seed_unit('invoice-drift/' || r.resource_ref || '/' || m.month))
                             ::numeric, 2)
                ELSE r.approximate_cost
           END AS unit_price
    FROM resources r
    JOIN months m ON r.first_day < (m.month + interval '1 month')::date
    WHERE r.approximate_cost > 0
    UNION ALL
    SELECT p.provider, (date_trunc('month', pg_temp.seed_now()) - interval '1 month')::date,
           'backup-storage-' || p.provider, 'Backup storage (not in the model)', 1, 19.00
    FROM (SELECT min(provider) AS provider FROM servers) p
    WHERE p.provider IS NOT NULL
)
SELECT b.provider, b.month, b.resource_ref, b.description, b.quantity, b.unit_price,
       round(b.quantity * b.unit_price, 2) AS amount,
       row_number() OVER (PARTITION BY b.provider, b.month ORDER BY b.resource_ref)::integer AS line_no
FROM billed b;

WITH invoices AS (
    INSERT INTO provider_invoices (invoice_id, provider, month, invoice_number, total, currency, issued_on,
                                   created_at, updated_at)
    SELECT pg_temp.seed_uuid('invoice/' || l.provider || '/' || l.month), l.provider, l.month,
           upper(l.provider) || '-' || to_char(l.month, 'YYYYMM'), sum(l.amount), 'USD',
           (l.month + interval '1 month')::date + 2,
           (l.month + interval '1 month')::timestamp AT TIME ZONE 'UTC' + interval '2 days',
           (l.month + interval '1 month')::timestamp AT TIME ZONE 'UTC' + interval '2 days'
    FROM pg_temp.seed_invoice_lines l
    GROUP BY l.provider, l.month
    ON CONFLICT (provider, invoice_number) DO NOTHING
    RETURNING invoice_id, provider, month, created_at
)
INSERT INTO provider_invoice_lines (invoice_id, line_no, resource_ref, description, quantity, unit_price, amount,
                                    created_at, updated_at)
SELECT i.invoice_id, l.line_no, l.resource_ref, l.description, l.quantity, l.unit_price, l.amount, i.created_at,
       i.created_at
FROM invoices i
JOIN pg_temp.seed_invoice_lines l ON l.provider = i.provider AND l.month = i.month;
