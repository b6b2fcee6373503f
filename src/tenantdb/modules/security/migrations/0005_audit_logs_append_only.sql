-- migrate:up
-- audit_logs is append-only for the tenant roles: they read their tenant's history and add to it, and have no
-- policy and no privilege to change or remove it. db_administrators may delete (retention), never update.
ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_read ON audit_logs FOR SELECT TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_append ON audit_logs FOR INSERT TO application_service, tenant_api
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY tenant_guard ON audit_logs AS RESTRICTIVE TO application_service, tenant_api
    USING (tenant_id = (SELECT tenantdb_current_tenant()))
    WITH CHECK (tenant_id = (SELECT tenantdb_current_tenant()));
CREATE POLICY analysts_read ON audit_logs FOR SELECT TO business_analysts USING (true);
-- tenantdb: ignore[require-tenant-with-check] administrators manage every tenant's rows by design
CREATE POLICY administrators_manage ON audit_logs TO db_administrators USING (true) WITH CHECK (true);
GRANT SELECT, INSERT ON audit_logs TO application_service, tenant_api;
GRANT SELECT ON audit_logs TO business_analysts;
GRANT SELECT, INSERT, DELETE ON audit_logs TO db_administrators;

-- migrate:down
REVOKE SELECT, INSERT, DELETE ON audit_logs FROM db_administrators;
REVOKE SELECT ON audit_logs FROM business_analysts;
REVOKE SELECT, INSERT ON audit_logs FROM application_service, tenant_api;
DROP POLICY administrators_manage ON audit_logs;
DROP POLICY analysts_read ON audit_logs;
DROP POLICY tenant_guard ON audit_logs;
DROP POLICY tenant_append ON audit_logs;
DROP POLICY tenant_read ON audit_logs;
ALTER TABLE audit_logs NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY;

-- migrate:verify
SELECT format('role %s may %s audit_logs, which is append-only', r.rolname, privilege) AS problem
FROM pg_roles r
CROSS JOIN unnest(ARRAY['UPDATE', 'DELETE', 'TRUNCATE']) AS privilege
WHERE r.rolname IN ('application_service', 'tenant_api', 'business_analysts')
  AND has_table_privilege(r.oid, 'audit_logs', privilege);

SELECT format('policy %s lets %s change or remove audit_logs rows, which are append-only', p.policyname, p.roles)
    AS problem
FROM pg_policies p
WHERE p.tablename = 'audit_logs'
  AND p.schemaname = current_schema()
  AND p.permissive = 'PERMISSIVE'
  AND p.cmd IN ('ALL', 'UPDATE', 'DELETE')
  AND p.roles && ARRAY['public', 'application_service', 'tenant_api', 'business_analysts']::name[];
