-- migrate:up
CREATE TABLE feature_usage (
    tenant_id    uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    feature      text        NOT NULL CHECK (feature ~ '^[a-z][a-z0-9_.]{0,62}$'),
    day          date        NOT NULL,
    usage_count  bigint      NOT NULL DEFAULT 0 CHECK (usage_count >= 0),
    unique_users bigint      NOT NULL DEFAULT 0 CHECK (unique_users >= 0),
    last_used_at timestamptz,
    PRIMARY KEY (tenant_id, feature, day)
);
COMMENT ON TABLE feature_usage IS
    'How much each feature was used per tenant and UTC day (adoption, plan limits). Writers add with INSERT ... '
    'ON CONFLICT (tenant_id, feature, day) DO UPDATE SET usage_count = feature_usage.usage_count + '
    'EXCLUDED.usage_count.';
COMMENT ON COLUMN feature_usage.unique_users IS
    'Distinct users who used the feature that day, as counted by the writer.';

CREATE TABLE api_usage (
    tenant_id uuid    NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    endpoint  text    NOT NULL CHECK (length(endpoint) BETWEEN 1 AND 200),
    day       date    NOT NULL,
    calls     bigint  NOT NULL DEFAULT 0 CHECK (calls >= 0),
    errors    bigint  NOT NULL DEFAULT 0 CHECK (errors >= 0),
    p95_ms    integer CHECK (p95_ms >= 0),
    PRIMARY KEY (tenant_id, endpoint, day),
    CONSTRAINT api_usage_errors_within_calls CHECK (errors <= calls)
);
COMMENT ON TABLE api_usage IS
    'API calls per tenant, endpoint and UTC day, with errors and the 95th percentile latency.';
COMMENT ON COLUMN api_usage.endpoint IS 'Method and route template, e.g. ''GET /v1/contacts/{id}'' (never a raw URL).';
COMMENT ON COLUMN api_usage.errors IS 'Calls answered with a 5xx or 4xx status; never more than calls.';
COMMENT ON COLUMN api_usage.p95_ms IS
    'Latency 95th percentile in milliseconds over the day''s calls; NULL when unknown.';

ALTER TABLE feature_usage ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON feature_usage TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON feature_usage AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON feature_usage FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON feature_usage TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON feature_usage TO application_service;
GRANT SELECT ON feature_usage TO tenant_api, business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON feature_usage TO db_administrators;

ALTER TABLE api_usage ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_usage TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON api_usage AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON api_usage FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON api_usage TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON api_usage TO application_service;
GRANT SELECT ON api_usage TO tenant_api, business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON api_usage TO db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE feature_usage OWNER TO tenantdb_owner;
ALTER TABLE api_usage OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE api_usage;
DROP TABLE feature_usage;

-- migrate:verify
SELECT 'api_usage ' || endpoint || ' on ' || day || ' has more errors than calls' FROM api_usage WHERE errors > calls;
