-- migrate:up
CREATE TABLE usage_metrics (
    tenant_id    uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    metric       text        NOT NULL CHECK (metric ~ '^[a-z][a-z0-9_.]{0,62}$'),
    period_start date        NOT NULL,
    quantity     numeric     NOT NULL DEFAULT 0 CHECK (quantity >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, metric, period_start)
);
COMMENT ON TABLE usage_metrics IS
    'Metered usage billed per period (e.g. metric = ''emails_sent'', period_start = first day of the billing '
    'month). Writers add with INSERT ... ON CONFLICT (tenant_id, metric, period_start) DO UPDATE SET quantity = '
    'usage_metrics.quantity + EXCLUDED.quantity, which is exact under concurrency.';
COMMENT ON COLUMN usage_metrics.metric IS 'Lower-case metric key, compared with plans.feature_limits keys.';
COMMENT ON COLUMN usage_metrics.period_start IS 'First day of the period the quantity belongs to.';
CREATE TRIGGER usage_metrics_touch_updated_at BEFORE UPDATE ON usage_metrics
    FOR EACH ROW EXECUTE FUNCTION tenantdb_touch_updated_at();

ALTER TABLE usage_metrics ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON usage_metrics TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON usage_metrics AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON usage_metrics FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON usage_metrics TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON usage_metrics TO application_service;
GRANT SELECT ON usage_metrics TO tenant_api, business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON usage_metrics TO db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE usage_metrics OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE usage_metrics;

-- migrate:verify
SELECT 'usage of ' || metric || ' for tenant ' || tenant_id || ' is negative' FROM usage_metrics WHERE quantity < 0;
