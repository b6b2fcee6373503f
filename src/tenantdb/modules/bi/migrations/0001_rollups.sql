-- migrate:up
-- Rollups written only by `tenantdb bi refresh` (as the migration role), one transaction per month: the month's
-- rows are deleted and inserted again, so a reader sees the whole month, old or new, and is never blocked. They
-- are derived data without foreign keys: a refresh rebuilds them from the base tables.

CREATE TABLE bi_cost_allocation_lines (
    tenant_id     uuid          NOT NULL,
    month         date          NOT NULL CHECK (month = date_trunc('month', month)::date),
    line_id       uuid          NOT NULL DEFAULT gen_random_uuid(),
    pool_id       uuid,
    resource_kind text          CHECK (resource_kind IN ('vps', 'ip')),
    resource_id   uuid,
    cost_kind     text          NOT NULL CHECK (cost_kind IN ('infrastructure', 'email_service')),
    category      text          NOT NULL
                                CHECK (category IN ('dedicated', 'warmup_investment', 'shared', 'overhead',
                                                    'idle_capacity')),
    rule          text          NOT NULL,
    driver        text,
    driver_value  numeric,
    driver_total  numeric,
    unit_cost     numeric       NOT NULL,
    amount        numeric(12,2) NOT NULL,
    PRIMARY KEY (tenant_id, month, line_id)
);
COMMENT ON TABLE bi_cost_allocation_lines IS
    'Every allocated amount of a month, with the rule and driver values that produced it: dedicated resources '
    '(one line each), shares of cost pools (largest remainder: a pool''s lines add up to its cost to the cent), '
    'idle capacity (charged to the platform operator) and warm-up investment. Rebuilt per month by tenantdb bi '
    'refresh; tenantdb report explain prints the chain.';
COMMENT ON COLUMN bi_cost_allocation_lines.pool_id IS 'The cost pool of a share or idle line; NULL for dedicated.';
COMMENT ON COLUMN bi_cost_allocation_lines.resource_id IS
    'vps_instance_id or ip_id of a resource line (resource_kind vps or ip); NULL for shares, overhead and idle.';
COMMENT ON COLUMN bi_cost_allocation_lines.rule IS
    'dedicated, platform_investment (a pool''s warming IP), idle_capacity, the pool''s rule (even, '
    'proportional_to_cost, fixed_weights, usage_driver) or fallback:<rule> when every weight was 0.';
COMMENT ON COLUMN bi_cost_allocation_lines.driver_value IS 'The member''s weight w_i under the rule.';
COMMENT ON COLUMN bi_cost_allocation_lines.driver_total IS
    'The sum of the weights of the pool''s members. Not granted to tenant roles: it is made of the other members'' '
    'volumes or costs.';
COMMENT ON COLUMN bi_cost_allocation_lines.unit_cost IS
    'The cost C of the allocation unit (pool, month, cost kind), or the resource''s unrounded monthly cost for a '
    'resource line.';
-- Every index leads with tenant_id (RELIABILITY R26): one led by month or pool would let a tenant's own predicate
-- drive a scan that row-level security only filters, and EXPLAIN ANALYZE count other tenants' lines. Month-wide
-- reads (the refresh, the reports) go tenant by tenant through the key: tenant_id = ANY (the companies' ids).

ALTER TABLE bi_cost_allocation_lines ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON bi_cost_allocation_lines TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON bi_cost_allocation_lines AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON bi_cost_allocation_lines FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON bi_cost_allocation_lines TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT ON bi_cost_allocation_lines TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON bi_cost_allocation_lines TO db_administrators;
-- The BI refresh writes every tenant's rows (tenantdb bi refresh runs each month as tenantdb_refresh).
-- tenantdb: ignore[require-tenant-with-check] the refresh writes every tenant's rollups by design
CREATE POLICY refresh_write ON bi_cost_allocation_lines TO tenantdb_refresh USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON bi_cost_allocation_lines TO tenantdb_refresh;
-- Tenants see their own share, not the pool (RELIABILITY R27): driver_total (the sum of every member's weight: in a
-- two-member usage_driver pool, the other member's exact volume) and unit_cost (the pool's cost) are not granted to
-- tenant roles; they read the other columns of their own lines, or bi_tenant_cost_lines.
GRANT SELECT (tenant_id, month, line_id, pool_id, resource_kind, resource_id, cost_kind, category, rule, driver,
              driver_value, amount)
    ON bi_cost_allocation_lines TO application_service, tenant_api;

CREATE VIEW bi_tenant_cost_lines WITH (security_invoker = true) AS
SELECT l.tenant_id, l.month, l.line_id, l.pool_id, l.resource_kind, l.resource_id, l.cost_kind, l.category, l.rule,
       l.driver, l.driver_value, l.amount
FROM bi_cost_allocation_lines l;
COMMENT ON VIEW bi_tenant_cost_lines IS
    'The allocation lines as a tenant sees them: its own lines (row-level security of bi_cost_allocation_lines '
    'applies to the reader) with its share of each pool (amount) and its own weight (driver_value), without the '
    'pool''s total weight (driver_total) or cost (unit_cost), which derive from other tenants'' volume.';
GRANT SELECT ON bi_tenant_cost_lines TO application_service, tenant_api, business_analysts, db_administrators;

CREATE TABLE bi_tenant_monthly (
    tenant_id            uuid          NOT NULL,
    month                date          NOT NULL CHECK (month = date_trunc('month', month)::date),
    company_name         text          NOT NULL,
    plan_id              uuid,
    plan_name            text,
    price_monthly        numeric(10,2) NOT NULL DEFAULT 0,
    current_period_start timestamptz,
    current_period_end   timestamptz,
    recognized_revenue   numeric(12,2) NOT NULL DEFAULT 0,
    infrastructure_cost  numeric(12,2) NOT NULL DEFAULT 0,
    email_service_cost   numeric(12,2) NOT NULL DEFAULT 0,
    total_cost           numeric(12,2) NOT NULL DEFAULT 0,
    emails_sent          bigint        NOT NULL DEFAULT 0,
    emails_delivered     bigint        NOT NULL DEFAULT 0,
    emails_bounced       bigint        NOT NULL DEFAULT 0,
    spam_complaints      bigint        NOT NULL DEFAULT 0,
    dedicated_capacity   bigint        NOT NULL DEFAULT 0,
    refreshed_at         timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, month),
    CONSTRAINT bi_tenant_monthly_total_cost CHECK (total_cost = infrastructure_cost + email_service_cost)
);
COMMENT ON TABLE bi_tenant_monthly IS
    'One row per customer and month (customers with an allocation line, a billing transaction or deliverability '
    'in the month): revenue recognized, allocated cost by kind, volume and the current plan. Rebuilt per month by '
    'tenantdb bi refresh; the dashboards'' views read it.';
COMMENT ON COLUMN bi_tenant_monthly.plan_name IS
    'The plan of the current subscription (active, trialing or past_due, latest current_period_start); NULL with '
    'none, and price_monthly 0.';
COMMENT ON COLUMN bi_tenant_monthly.recognized_revenue IS
    'sum(billing_transactions.amount) in USD with occurred_at in the month: charges less refunds and credits, plus '
    'adjustments. Payments are never cost.';
COMMENT ON COLUMN bi_tenant_monthly.dedicated_capacity IS
    'E-mails the tenant''s cost-bearing dedicated servers could send in the month (capacity per hour x 24 x active '
    'days).';

ALTER TABLE bi_tenant_monthly ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON bi_tenant_monthly TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON bi_tenant_monthly AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON bi_tenant_monthly FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON bi_tenant_monthly TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT ON bi_tenant_monthly TO application_service, tenant_api, business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON bi_tenant_monthly TO db_administrators;
-- The BI refresh writes every tenant's rows (tenantdb bi refresh runs each month as tenantdb_refresh).
-- tenantdb: ignore[require-tenant-with-check] the refresh writes every tenant's rollups by design
CREATE POLICY refresh_write ON bi_tenant_monthly TO tenantdb_refresh USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON bi_tenant_monthly TO tenantdb_refresh;

CREATE TABLE bi_reconciliation (
    provider       text          NOT NULL,
    month          date          NOT NULL CHECK (month = date_trunc('month', month)::date),
    modeled        numeric       NOT NULL,
    invoiced       numeric(12,2) NOT NULL,
    rate_drift     numeric       NOT NULL,
    quantity_drift numeric       NOT NULL,
    unmatched      numeric(12,2) NOT NULL,
    scale_factor   numeric,
    tolerance      numeric       NOT NULL,
    flagged        boolean       NOT NULL,
    refreshed_at   timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, month)
);
COMMENT ON TABLE bi_reconciliation IS
    'Modeled cost against provider invoices per provider and month (months with an invoice of the provider): '
    'invoiced - modeled = rate_drift + quantity_drift + unmatched, exactly (unrounded). Platform-level: '
    'db_administrators and business_analysts only.';
COMMENT ON COLUMN bi_reconciliation.scale_factor IS 'invoiced / modeled; NULL when modeled is 0.';
COMMENT ON COLUMN bi_reconciliation.flagged IS
    '|invoiced - modeled| > tolerance x modeled, or a line matched no resource.';
GRANT SELECT ON bi_reconciliation TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON bi_reconciliation TO db_administrators;
GRANT SELECT, INSERT, UPDATE, DELETE ON bi_reconciliation TO tenantdb_refresh;

CREATE TABLE bi_refresh_state (
    month        date        PRIMARY KEY CHECK (month = date_trunc('month', month)::date),
    fingerprint  text        NOT NULL,
    refreshed_at timestamptz NOT NULL DEFAULT now(),
    duration_ms  bigint      NOT NULL CHECK (duration_ms >= 0)
);
COMMENT ON TABLE bi_refresh_state IS
    'When each month was last refreshed, and a fingerprint of its inputs then: tenantdb bi refresh skips months '
    'whose inputs have not changed.';
GRANT SELECT ON bi_refresh_state TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON bi_refresh_state TO db_administrators;
GRANT SELECT, INSERT, UPDATE, DELETE ON bi_refresh_state TO tenantdb_refresh;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE bi_cost_allocation_lines OWNER TO tenantdb_owner;
ALTER TABLE bi_tenant_monthly OWNER TO tenantdb_owner;
ALTER TABLE bi_reconciliation OWNER TO tenantdb_owner;
ALTER TABLE bi_refresh_state OWNER TO tenantdb_owner;
ALTER VIEW bi_tenant_cost_lines OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE bi_refresh_state;
DROP TABLE bi_reconciliation;
DROP TABLE bi_tenant_monthly;
DROP VIEW bi_tenant_cost_lines;
DROP TABLE bi_cost_allocation_lines;

-- migrate:verify
SELECT 'allocation of ' || l.month || ', pool ' || l.pool_id || ' (' || l.cost_kind || '): lines add up to '
       || sum(l.amount) || ', not its cost ' || min(l.unit_cost) AS problem
FROM bi_cost_allocation_lines l
WHERE l.pool_id IS NOT NULL AND l.category <> 'warmup_investment'
GROUP BY l.month, l.pool_id, l.cost_kind
HAVING sum(l.amount) <> min(l.unit_cost);

SELECT 'reconciliation of ' || provider || ' for ' || month || ': invoiced - modeled is ' || (invoiced - modeled)
       || ' but the drift adds up to ' || (rate_drift + quantity_drift + unmatched) AS problem
FROM bi_reconciliation
WHERE abs((invoiced - modeled) - (rate_drift + quantity_drift + unmatched)) >= 0.005;
