-- migrate:up
CREATE TABLE error_logs (
    tenant_id    uuid        NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    error_log_id uuid        NOT NULL DEFAULT gen_random_uuid(),
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    level        text        NOT NULL DEFAULT 'error' CHECK (level IN ('warning', 'error', 'fatal')),
    source       text        NOT NULL,
    message      text        NOT NULL,
    fingerprint  text,
    request_id   text,
    user_id      uuid,
    context      jsonb       NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, error_log_id)
);
COMMENT ON TABLE error_logs IS
    'Application errors seen while serving a tenant. Internal diagnostics (stack traces, internal names): '
    'application_service writes and reads them, tenant_api has no access.';
COMMENT ON COLUMN error_logs.fingerprint IS 'Groups occurrences of the same error (e.g. a hash of type and stack).';
COMMENT ON COLUMN error_logs.user_id IS 'The user whose request failed, if any. No foreign key: logs outlive users.';
CREATE INDEX error_logs_recent_idx ON error_logs (tenant_id, occurred_at DESC);
CREATE INDEX error_logs_fingerprint_idx ON error_logs (tenant_id, fingerprint, occurred_at DESC);

ALTER TABLE error_logs ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON error_logs TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON error_logs AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON error_logs FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON error_logs TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT ON error_logs TO application_service;
GRANT SELECT ON error_logs TO business_analysts;
GRANT SELECT, INSERT, UPDATE, DELETE ON error_logs TO db_administrators;

-- Owned by tenantdb_owner (module security), like every object of the modules.
ALTER TABLE error_logs OWNER TO tenantdb_owner;

-- migrate:down
DROP TABLE error_logs;

-- migrate:verify
SELECT 'error_logs is missing' WHERE to_regclass('error_logs') IS NULL;
