-- Data at the benchmark's scale, generated inside PostgreSQL (one transaction, deterministic per seed):
-- customers on five plans, a year of ledger entries, dedicated servers for the bigger plans and shared pools
-- for the rest, ten IP addresses per server, a year of daily deliverability per customer, cost pools with
-- their rules and members, and provider invoices for the last complete month.
-- Parameters (set_config before running): bench.tenants, bench.vps, bench.ips_per_vps, bench.days,
-- bench.shared_vps, bench.seed; bench.last_day is the last day of history (yesterday by default).
SET LOCAL max_parallel_workers_per_gather = 0;  -- random() after setseed() is then the same on every run
SELECT setseed(current_setting('bench.seed')::double precision);

INSERT INTO plans (plan_id, name, price_monthly, feature_limits)
VALUES ('00000000-0000-0000-0000-00000000000a', 'Free', 0, '{"emails_per_month": 3000}'),
       ('00000000-0000-0000-0000-00000000000b', 'Starter', 29, '{"emails_per_month": 25000}'),
       ('00000000-0000-0000-0000-00000000000c', 'Growth', 99, '{"emails_per_month": 100000}'),
       ('00000000-0000-0000-0000-00000000000d', 'Scale', 299, '{"emails_per_month": 500000}'),
       ('00000000-0000-0000-0000-00000000000e', 'Enterprise', 999, '{"emails_per_month": 2000000}');

INSERT INTO companies (id, name, slug, is_platform_operator)
VALUES ('00000000-0000-0000-0000-000000000001', 'Platform Operations', 'platform-operator', true);

-- Customers: tier 1..5 (Free .. Enterprise) with 30/30/20/15/5 % of them.
CREATE TEMPORARY TABLE bench_customers ON COMMIT DROP AS
SELECT n, ('00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid AS tenant_id,
       CASE WHEN u < 0.30 THEN 1 WHEN u < 0.60 THEN 2 WHEN u < 0.80 THEN 3 WHEN u < 0.95 THEN 4 ELSE 5 END AS tier
FROM (SELECT n, random() AS u FROM generate_series(1, current_setting('bench.tenants')::integer) AS n) AS g;
CREATE INDEX ON bench_customers (tier, n);
ANALYZE bench_customers;

INSERT INTO companies (id, name, slug, created_at)
SELECT tenant_id, 'Customer ' || n, 'customer-' || n, now() - interval '2 years'
FROM bench_customers;

INSERT INTO subscriptions (tenant_id, subscription_id, plan_id, status, current_period_start, current_period_end,
                           created_at)
SELECT c.tenant_id, c.tenant_id, p.plan_id, 'active',
       date_trunc('month', current_setting('bench.last_day')::date)::timestamptz,
       date_trunc('month', current_setting('bench.last_day')::date)::timestamptz + interval '1 month',
       now() - interval '2 years'
FROM bench_customers c
JOIN plans p ON p.price_monthly = (ARRAY[0, 29, 99, 299, 999])[c.tier];

-- The ledger: the plan price charged on the 1st of each of the last 12 months, usage in arrears now and then,
-- and a refund for 1 % of the charges.
INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at)
SELECT c.tenant_id, 'charge', p.price_monthly + CASE WHEN random() < 0.2 THEN round((random() * 50)::numeric, 2) ELSE 0 END,
       'USD', date_trunc('month', current_setting('bench.last_day')::date) - interval '1 month' * m + interval '6 hours'
FROM bench_customers c
JOIN plans p ON p.price_monthly = (ARRAY[0, 29, 99, 299, 999])[c.tier]
CROSS JOIN generate_series(0, 11) AS m
WHERE c.tier > 1;
INSERT INTO billing_transactions (tenant_id, kind, amount, currency, occurred_at)
SELECT tenant_id, 'refund', -amount, currency, occurred_at + interval '3 days'
FROM billing_transactions
WHERE kind = 'charge' AND random() < 0.01;

-- Cost pools: bench.shared_vps shared servers in ten usage-driven pools, plus one overhead pool for everyone.
INSERT INTO cost_pools (pool_id, name, provider, monthly_overhead)
SELECT ('00000000-0000-0000-0001-' || lpad(to_hex(k), 12, '0'))::uuid, 'shared-' || k,
       CASE WHEN k % 2 = 0 THEN 'ovh' ELSE 'hetzner' END, 0
FROM generate_series(0, 9) AS k;
INSERT INTO cost_pools (pool_id, name, provider, monthly_overhead)
VALUES ('00000000-0000-0000-0002-000000000000', 'platform-overhead', NULL, 25000);
INSERT INTO allocation_rules (pool_id, effective_from, rule, driver)
SELECT pool_id, date '2020-01-01', 'usage_driver', 'emails_delivered' FROM cost_pools WHERE name LIKE 'shared-%';
INSERT INTO allocation_rules (pool_id, effective_from, rule)
VALUES ('00000000-0000-0000-0002-000000000000', date '2020-01-01', 'even');

-- Servers: the shared ones first, then dedicated ones spread over Growth, Scale and Enterprise customers
-- (an Enterprise customer gets about five times a Growth customer's share).
CREATE TEMPORARY TABLE bench_owners ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY n) - 1 AS slot, tenant_id
FROM bench_customers c
CROSS JOIN generate_series(1, CASE c.tier WHEN 3 THEN 1 WHEN 4 THEN 3 WHEN 5 THEN 5 ELSE 0 END)
WHERE c.tier >= 3;
CREATE UNIQUE INDEX ON bench_owners (slot);
ANALYZE bench_owners;

INSERT INTO vps_instances (tenant_id, vps_instance_id, hostname, tenancy, status, provider, region,
                           capacity_emails_per_hour, created_at, approximate_cost, cost_pool_id)
SELECT CASE WHEN v.n <= s.shared THEN '00000000-0000-0000-0000-000000000001'::uuid ELSE o.tenant_id END,
       ('00000000-0000-4001-8000-' || lpad(to_hex(v.n), 12, '0'))::uuid,
       'mta-' || v.n || '.bench.example.net',
       CASE WHEN v.n <= s.shared THEN 'shared' ELSE 'dedicated' END,
       CASE WHEN v.u < 0.90 THEN 'active' WHEN v.u < 0.95 THEN 'draining' ELSE 'retired' END,
       CASE WHEN v.n % 2 = 0 THEN 'ovh' ELSE 'hetzner' END,
       CASE WHEN v.n % 2 = 0 THEN 'eu-west' ELSE 'eu-central' END,
       20000 + (v.n % 9) * 10000,
       now() - interval '1 day' * floor(random() * 700),
       round((5 + random() * 55)::numeric, 2),
       CASE WHEN v.n <= s.shared
            THEN ('00000000-0000-0000-0001-' || lpad(to_hex(v.n % 10), 12, '0'))::uuid END
FROM (SELECT n, random() AS u FROM generate_series(1, current_setting('bench.vps')::integer) AS n) AS v
CROSS JOIN (SELECT current_setting('bench.shared_vps')::integer AS shared,
                   (SELECT count(*) FROM bench_owners) AS owners) AS s
LEFT JOIN bench_owners o ON o.slot = (v.n - s.shared - 1) % s.owners AND v.n > s.shared;

-- Ten addresses per server (bench.ips_per_vps); addresses of retired servers are retired.
INSERT INTO smtp_ip_addresses (tenant_id, ip_id, vps_instance_id, ip, status, warmup_started_at,
                               reputation_score, created_at, approximate_cost)
SELECT v.tenant_id, gen_random_uuid(), v.vps_instance_id,
       '10.0.0.0'::inet + (row_number() OVER ()),
       st.status,
       CASE WHEN st.status IN ('warming', 'warmed') THEN v.created_at + interval '1 day' END,
       round((60 + random() * 40)::numeric, 2), v.created_at, round((0.5 + random() * 2.5)::numeric, 2)
FROM vps_instances v
CROSS JOIN generate_series(1, current_setting('bench.ips_per_vps')::integer) AS i
CROSS JOIN LATERAL (
    SELECT CASE WHEN v.status = 'retired' THEN 'retired'
                WHEN i.i = 1 AND random() < 0.3 THEN 'warming'
                WHEN random() < 0.02 THEN 'burned'
                WHEN random() < 0.05 THEN 'available'
                ELSE 'warmed' END AS status
) AS st;

-- Pool members: customers without a dedicated server share pool n % 10; everyone shares the overhead pool.
INSERT INTO cost_pool_members (tenant_id, pool_id)
SELECT c.tenant_id, ('00000000-0000-0000-0001-' || lpad(to_hex(c.n % 10), 12, '0'))::uuid
FROM bench_customers c
WHERE c.tier < 3;
INSERT INTO cost_pool_members (tenant_id, pool_id)
SELECT tenant_id, '00000000-0000-0000-0002-000000000000' FROM bench_customers;

-- A year of daily deliverability per customer; 5 % of customers are bad senders.
INSERT INTO deliverability_daily (tenant_id, day, sent, delivered, bounced_hard, bounced_soft, spam_complaints)
SELECT tenant_id, day, sent, delivered, bounced_hard, bounced_soft,
       floor(delivered * complaint_rate * random() * 2)::bigint
FROM (
    SELECT c.tenant_id, d.day, v.sent, v.bounced_hard, v.bounced_soft,
           v.sent - v.bounced_hard - v.bounced_soft AS delivered, c.complaint_rate
    FROM (SELECT tenant_id, tier, CASE WHEN random() < 0.05 THEN 0.004 ELSE 0.0003 END AS complaint_rate,
                 CASE WHEN random() < 0.05 THEN 0.12 ELSE 0.015 END AS bounce_rate
          FROM bench_customers) AS c
    CROSS JOIN generate_series(current_setting('bench.last_day')::date - (current_setting('bench.days')::integer - 1),
                               current_setting('bench.last_day')::date, interval '1 day') AS d (day)
    CROSS JOIN LATERAL (
        SELECT floor((ARRAY[80, 700, 3000, 15000, 60000])[c.tier] * (0.5 + random()))::bigint AS sent
    ) AS s
    CROSS JOIN LATERAL (
        SELECT s.sent, floor(s.sent * c.bounce_rate * 0.6 * random() * 2)::bigint AS bounced_hard,
               floor(s.sent * c.bounce_rate * 0.4 * random() * 2)::bigint AS bounced_soft
    ) AS v
) AS rows;

-- Provider invoices for the last complete month: one line per cost-bearing server and address, at the modeled
-- price with a little drift, plus one line nobody modeled.
INSERT INTO provider_invoices (invoice_id, provider, month, invoice_number, total)
SELECT gen_random_uuid(), provider, date_trunc('month', current_setting('bench.last_day')::date - 31)::date,
       provider || '-' || to_char(current_setting('bench.last_day')::date - 31, 'YYYY-MM'), 0
FROM (VALUES ('ovh'), ('hetzner')) AS p (provider);
INSERT INTO provider_invoice_lines (invoice_id, line_no, resource_ref, quantity, unit_price, amount)
SELECT i.invoice_id, row_number() OVER (PARTITION BY i.invoice_id ORDER BY r.ref), r.ref, 1, r.price,
       r.price
FROM provider_invoices i
JOIN (
    SELECT v.provider, v.hostname AS ref,
           round(v.approximate_cost * CASE WHEN random() < 0.1 THEN 1.03 ELSE 1 END, 2) AS price
    FROM vps_instances v WHERE v.status <> 'retired'
    UNION ALL
    SELECT v.provider, host(a.ip), a.approximate_cost
    FROM smtp_ip_addresses a
    JOIN vps_instances v ON v.tenant_id = a.tenant_id AND v.vps_instance_id = a.vps_instance_id
    WHERE a.status <> 'retired' AND v.status <> 'retired'
) AS r ON r.provider = i.provider;
INSERT INTO provider_invoice_lines (invoice_id, line_no, resource_ref, description, quantity, unit_price, amount)
SELECT invoice_id, 1000000000, 'backup-storage', 'not modeled', 1, 180, 180 FROM provider_invoices;
UPDATE provider_invoices i
SET total = (SELECT sum(amount) FROM provider_invoice_lines l WHERE l.invoice_id = i.invoice_id);
